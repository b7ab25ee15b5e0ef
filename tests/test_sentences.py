"""Sentence splitting: Vietnamese news punctuation must not break facts in the wrong place."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.formats.limits import MAX_ARTICLE_FACTS, article_problem, sentences_at_most
from bot.formats.seed import article_facts, parse_article_file
from bot.models import Article
from bot.text.sentences import split_sentences
from tests.support.articles import SEED_PATH


@pytest.mark.parametrize(
    "sentence",
    [
        "Quảng Trị đạt 87,36 điểm, tăng 1,9 điểm phần trăm so với năm 2022.",
        "Chiều 2/2, tại Hà Nội, hội nghị đã diễn ra theo kế hoạch.",
        "Ngày 02/02/2024, tỉnh công bố kết quả; hạn chót là 15/3/2024.",
        "Cả nước có khoảng 81% TTHC được cung cấp trực tuyến, cao hơn 12.5% so với kỳ trước.",
        "Tỉnh tiếp nhận 12.450 hồ sơ, tương đương 1.234,5 hồ sơ mỗi tháng.",
        "Đoàn công tác làm việc tại TP. Hồ Chí Minh và TP. Cần Thơ trong hai ngày.",
        "Báo cáo do ThS. Nguyễn Văn An và PGS.TS. Lê Thị Bình trình bày.",
        'Mô hình “Một cửa liên thông” và chương trình "Ngày thứ Bảy vì dân" được nhân rộng.',
        "Các tỉnh như Thái Nguyên, Đồng Nai… đều làm tốt công tác này.",
        "Xếp thứ 21/63 tỉnh, thành phố, tăng 9 bậc.",
    ],
)
def test_one_sentence_stays_whole(sentence: str) -> None:
    assert split_sentences(sentence) == [sentence]


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "Tỉnh đạt 87,36 điểm. Xếp thứ 21/63 tỉnh, thành phố.",
            ["Tỉnh đạt 87,36 điểm.", "Xếp thứ 21/63 tỉnh, thành phố."],
        ),
        (
            "Tỷ lệ trực tuyến đạt 81%. 12 sở đã hoàn thành số hóa.",
            ["Tỷ lệ trực tuyến đạt 81%.", "12 sở đã hoàn thành số hóa."],
        ),
        (
            "Vẫn còn trễ hẹn ở lĩnh vực đất đai, xây dựng… Qua đó cần khắc phục sớm.",
            ["Vẫn còn trễ hẹn ở lĩnh vực đất đai, xây dựng…", "Qua đó cần khắc phục sớm."],
        ),
        (
            "Thủ tướng nhấn mạnh: “Cải cách phải thực chất.” Các bộ cần vào cuộc quyết liệt.",
            ["Thủ tướng nhấn mạnh: “Cải cách phải thực chất.”", "Các bộ cần vào cuộc quyết liệt."],
        ),
        (
            "Đây là kết quả tốt. “Chúng tôi sẽ cố gắng hơn”, ông Hải nói.",
            ["Đây là kết quả tốt.", "“Chúng tôi sẽ cố gắng hơn”, ông Hải nói."],
        ),
        (
            "Có nên làm ngay không? Có! Tỉnh đã làm xong.",
            ["Có nên làm ngay không?", "Có!", "Tỉnh đã làm xong."],
        ),
        (
            "Hội nghị\u00a0diễn ra ngày\u00a02/2.\u00a0Ông\u00a0Phúc chủ trì.",
            ["Hội nghị diễn ra ngày 2/2.", "Ông Phúc chủ trì."],
        ),
    ],
)
def test_paragraph_splits_at_real_boundaries(paragraph: str, expected: list[str]) -> None:
    assert split_sentences(paragraph) == expected


def test_empty_paragraph_has_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \u00a0\u200b ") == []


def test_seed_has_31_non_breaking_spaces_and_no_fact_keeps_one() -> None:
    raw = SEED_PATH.read_text(encoding="utf-8")
    assert raw.count("\u00a0") == 31
    facts = article_facts(parse_article_file(SEED_PATH))
    assert not any("\u00a0" in f.text or "  " in f.text for f in facts)


def test_seed_facts_are_whole_sentences() -> None:
    facts = [f.text for f in article_facts(parse_article_file(SEED_PATH)) if f.kind.value == "body"]
    for text in facts:
        assert text[0].isupper(), text
        assert text.endswith((".", "…")), text
    # Sentences with decimal-free figures, dates, percentages and "…" are kept whole.
    assert (
        "Chiều 2/2, tại Thủ đô Hà Nội, Ban Chỉ đạo Cải cách hành chính (CCHC) của Chính phủ tổ chức Phiên họp thứ "
        "bảy với hình thức trực tuyến đến 63 tỉnh, thành phố trong cả nước, nhằm đánh giá tình hình thực hiện công "
        "tác CCHC năm 2023 và triển khai phương hướng, nhiệm vụ năm 2024."
    ) in facts
    assert (
        "Cả nước có khoảng 81% TTHC được cung cấp dưới hình thức dịch vụ công trực tuyến; tỷ lệ số hóa hồ sơ, kết quả "
        "giải quyết TTHC tại các bộ, ngành đạt trên 28% và tại các địa phương đạt trên 39%…"
    ) in facts
    assert "Cải cách thủ tục hành chính (TTHC) được chú trọng, quan tâm." in facts
    assert (
        "Nhờ đó, tại các địa phương trong cả nước đã giảm 13 sở và tổ chức hành chính khác thuộc UBND tỉnh, giảm 236 "
        "đơn vị sự nghiệp công lập."
    ) in facts
    assert (
        facts[-1] == "Qua đó để các ngành, các địa phương nỗ lực xây dựng nền hành chính hiện đại và hiệu quả, "
        "phục vụ tốt nhất cho nhân dân."
    )
    assert len(facts) == 14
    # Joined back together, the facts are exactly the body (nothing lost, nothing invented).
    body = " ".join(parse_article_file(SEED_PATH).paragraphs)
    assert " ".join(facts) == body


# Text made of what moves the splitter: sentence punctuation, closing and opening quotes, spaces,
# capitals, digits, abbreviations that end with a dot, and long runs without punctuation.
_SPLITTER_PIECES = st.sampled_from(
    [".", "!", "?", "…", "...", " ", "  ", "\n", "”", "“", "(", ")", "A", "Đ", "b", "ă", "7", "TP.", "ThS.",
     "Hà Nội", "thủ tục", "x" * 300, "từ " * 120, "\u0958", "e\u0301"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_SPLITTER_PIECES, max_size=60).map("".join))
def test_the_cheap_bound_is_never_below_the_sentence_count(paragraph: str) -> None:
    """The size check skips splitting when this bound is under the limit, so it must never undercount."""
    assert sentences_at_most(paragraph) >= len(split_sentences(paragraph))


def test_the_size_check_still_counts_sentences_over_the_limit() -> None:
    many = " ".join(f"Câu số {i} về thủ tục." for i in range(MAX_ARTICLE_FACTS))
    article = Article(url="https://vi.example.vn/a", title="Bài", site="vi.example.vn",
                      published="2024-01-02T00:00:00+07:00", paragraphs=(many,))  # fmt: skip
    assert sentences_at_most(many) >= MAX_ARTICLE_FACTS
    assert article_problem(article) == (
        f"article too large: {MAX_ARTICLE_FACTS + 1:,} sentences (limit {MAX_ARTICLE_FACTS:,})"
    )
    fits = article.model_copy(update={"paragraphs": (many.rsplit(" Câu", 1)[0],)})
    assert len(article_facts(fits)) == MAX_ARTICLE_FACTS
    assert article_problem(fits) is None
