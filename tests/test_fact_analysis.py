"""The build's one-pass fact analysis and the per-word memo caches give what the whole-text functions give."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.resources import bundled_knowledge_dir
from bot.text.analysis import (
    analyse_fact,
    capitalised_names,
    fact_features,
    name_keys,
    place_names,
    text_phrases,
)
from bot.text.lexicon import Lexicon, load_lexicon
from bot.text.normalize import _IY, _TOKEN, _word_pairs, accented, fold, join_phrases, token_pairs, tokens

LEXICON = load_lexicon(bundled_knowledge_dir())

TEXTS = [
    "Ông Nguyễn Văn An, Phó Chủ tịch UBND tỉnh Kon Tum chủ trì Hội nghị ngày 17/5/2024.",
    "Trưởng BCĐ CCHC tỉnh Quảng Trị: 87,36% hồ sơ TTHC được giải quyết đúng hạn.",
    "Sở Tư pháp và Bộ Nội vụ  Nguyễn  Văn An\tLê Thị Hà\u00a0Trần Minh",
    "Index Quảng Trị Hà Nội, Thành phố Hồ Chí Minh và Đà Nẵng năm XIV",
    "quí kỹ thuỷ hoà Thủy\u200b lợi \x01 Ngô\x85Bảo x\u0301y A2024 ty5 \ufeffĐồng chí Lê",
    "Giai đoạn 2023-2025, số 12/3 trong tháng 10 – Văn phòng Chính phủ " + "Ê" * 80,
    "",
    "   ",
]
WORDS = st.sampled_from(
    ["Nguyễn", "Văn", "An", "Bộ", "Tư pháp", "UBND", "Kon", "Tum", "năm", "2024", "12/3", "87,36%", "kỹ", "x\u0301",
     "TP.", "Trưởng", "Ban", "quý", "IV", "Quảng Trị", "Ơ" * 70, "\u200b", "\x01"]
)  # fmt: skip
SEPARATORS = st.sampled_from([" ", "  ", "\t", "\u00a0", ", ", ". ", "", "\n"])
TEXT = st.lists(st.tuples(WORDS, SEPARATORS), max_size=12).map(lambda parts: "".join(w + s for w, s in parts))


def _whole_text_tokens(text: str) -> list[str]:
    """What :func:`tokens` computed before the per-word cache: the whole text folded at once."""
    return [_IY.sub(r"\1i", t) for t in _TOKEN.findall(fold(text.replace("%", " phần trăm ")))]


def _separately(text: str, lexicon: Lexicon) -> tuple[object, ...]:
    phrases = text_phrases(text, lexicon)
    cache: dict[str, list[tuple[str, str]]] = {}
    return (
        phrases,
        join_phrases(phrases),
        " ".join(" ".join(p) for p in phrases),
        fact_features(text),
        [*capitalised_names(text, lexicon), *place_names(phrases[0], lexicon)],
        tuple(accented(text, cache).split()),
    )


def _together(text: str, lexicon: Lexicon) -> tuple[object, ...]:
    a = analyse_fact(text, lexicon)
    return a.phrases, a.terms, a.folded, a.features, a.names, a.accented


@pytest.mark.parametrize("text", TEXTS)
def test_analyse_fact_equals_the_separate_functions(text: str) -> None:
    assert _together(text, LEXICON) == _separately(text, LEXICON)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_analyse_fact_equals_the_separate_functions_on_any_spacing(text: str) -> None:
    assert _together(text, LEXICON) == _separately(text, LEXICON)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, st.text(max_size=40)))
def test_tokens_word_by_word_equal_the_whole_text_folded(text: str) -> None:
    assert tokens(text) == _whole_text_tokens(text)
    assert token_pairs(text) == list(_word_pairs(text))


def test_capitalised_words_form_a_run_only_across_exactly_one_space() -> None:
    assert capitalised_names("Họp với Nguyễn Văn An hôm qua", LEXICON) == [("nguyen", "van", "an")]
    assert capitalised_names("Họp với Nguyễn  Văn An hôm qua", LEXICON) == [("van", "an")]
    assert capitalised_names("Họp với Nguyễn\tVăn An hôm qua", LEXICON) == [("van", "an")]
    assert capitalised_names("Họp với Nguyễn, Văn An hôm qua", LEXICON) == [("van", "an")]


def test_name_keys_are_every_run_of_two_or_more_syllables() -> None:
    assert name_keys([("a", "b", "c"), ("d",), ("b", "c")]) == ("a b", "b c", "a b c")
    fact = analyse_fact("Ông Nguyễn Văn An làm việc tại Kon Tum.", LEXICON)
    assert {"nguyen van", "van an", "nguyen van an", "kon tum"} <= set(fact.name_keys)
