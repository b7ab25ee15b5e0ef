"""Readers for saved pages, feeds, JSON Lines and legacy encodings, on real fixture files."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

from bot.formats import VIETNAM_TZ, ParsedFile, ParseError, html
from bot.formats.encoding import EncodingError, decode_bytes
from bot.formats.feeds import parse_feed_file
from bot.formats.html import parse_html, parse_html_file
from bot.formats.jsonl import parse_jsonl_file
from bot.formats.loader import PARSERS, load_folder
from tests.support.articles import SEED_KNOWLEDGE
from tests.support.sites import FIXTURES


def test_saved_html_page_gives_title_date_site_canonical_url_author_and_body() -> None:
    [article] = parse_html_file(FIXTURES / "page_chuyen_doi_so.html")
    # canonical link, without tracking parameters and fragment
    assert article.url_str == "https://baokontum.com.vn/thoi-su/kon-tum-day-manh-chuyen-doi-so-40001.html"
    assert article.title == "Kon Tum đẩy mạnh chuyển đổi số trong cải cách hành chính"
    assert article.site == "baokontum.com.vn"
    assert article.published == datetime(2024, 3, 15, 8, 30, tzinfo=VIETNAM_TZ)
    assert article.author == "Nguyễn Văn An"
    body = " ".join(article.paragraphs)
    assert "tỷ lệ hồ sơ nộp trực tuyến đạt 62%" in body
    assert "Trang chủ" not in body
    assert "Bản quyền" not in body
    assert "Tin liên quan" not in body
    assert article.title not in article.paragraphs  # the headline is not repeated as body


def test_selectolax_fallback_when_trafilatura_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html, "_trafilatura_fields", lambda text, base: None)
    text = (FIXTURES / "page_chuyen_doi_so.html").read_text(encoding="utf-8")
    article = parse_html(text)
    assert article.url_str.endswith("kon-tum-day-manh-chuyen-doi-so-40001.html")
    assert article.published == datetime(2024, 3, 15, 8, 30, tzinfo=VIETNAM_TZ)
    assert article.author == "Nguyễn Văn An"
    assert len(article.paragraphs) == 4
    assert "Bản quyền" not in " ".join(article.paragraphs)  # only the <article>'s paragraphs


def test_page_without_url_or_date_is_refused_with_a_reason() -> None:
    page = "<html><head><title>T</title></head><body><article><p>Nội dung bài.</p></article></body></html>"
    with pytest.raises(ParseError, match="URL"):
        parse_html(page)
    with pytest.raises(ParseError, match="date"):
        parse_html(page, "https://example.vn/a.html")


def test_rss_feed_file_items_become_articles_and_a_linkless_item_is_reported() -> None:
    parsed = parse_feed_file(FIXTURES / "feed_cchc.rss")
    urls = [a.url_str for a in parsed.articles]
    assert urls == [
        "https://baochinhphu.vn/bo-phan-mot-cua-cap-xa-rut-ngan-thoi-gian-102240501.htm",
        "https://baochinhphu.vn/quang-ninh-tro-ly-ao-thu-tuc-hanh-chinh-102240428.htm",
    ]
    second = parsed.articles[1]
    assert second.paragraphs == (
        "Tỉnh Quảng Ninh đưa vào thí điểm trợ lý ảo trả lời câu hỏi về thủ tục hành chính 24/7 trên Cổng dịch vụ"
        " công của tỉnh.",
        "Trợ lý ảo đã trả lời hơn 12.000 lượt hỏi trong tháng đầu tiên.",
    )
    assert second.published == datetime(2024, 4, 28, 16, 45, tzinfo=VIETNAM_TZ)
    assert parsed.problems == [("item 3", "item has no http(s) link")]


def test_atom_feed_file() -> None:
    parsed = parse_feed_file(FIXTURES / "feed_noi_vu.atom")
    assert not parsed.problems
    by_url = {a.url_str: a for a in parsed.articles}
    par = by_url["https://moha.gov.vn/tin-tuc/cong-bo-par-index-2023-55001.html"]
    assert par.author == "Thu Trang"
    assert par.published == datetime(2024, 6, 10, 8, 15, tzinfo=VIETNAM_TZ)
    assert "Hải Phòng dẫn đầu khối tỉnh với 91,08%" in par.paragraphs[0]
    guide = by_url["https://moha.gov.vn/tin-tuc/huong-dan-danh-gia-cchc-2024-55002.html"]
    assert guide.published == datetime(2024, 6, 3, 14, 0, tzinfo=VIETNAM_TZ)  # <updated> when no <published>


def test_jsonl_bad_lines_are_reported_and_the_others_load() -> None:
    parsed = parse_jsonl_file(FIXTURES / "records.jsonl")
    assert [a.url_str for a in parsed.articles] == [
        "https://dongnai.gov.vn/tin-tuc/phi-dia-gioi-hanh-chinh-2024-7001.html",
        "https://binhduong.gov.vn/tin/so-hoa-ho-so-7004.html",
    ]
    where = [w for w, _ in parsed.problems]
    assert where == ["line 2", "line 3"]
    assert "invalid JSON" in parsed.problems[0][1]
    assert "published" in parsed.problems[1][1]
    binh_duong = parsed.articles[1]
    assert binh_duong.published == datetime(2024, 3, 5, 15, 30, tzinfo=VIETNAM_TZ)  # naive = Vietnam time
    assert len(binh_duong.paragraphs) == 2  # one string split on line breaks


def test_windows_1258_file_is_decoded_to_nfc() -> None:
    raw = (FIXTURES / "legacy_cp1258.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    [article] = PARSERS[".txt"](FIXTURES / "legacy_cp1258.txt")  # type: ignore[misc]
    assert article.title == "Hà Giang giảm 30% thời gian giải quyết thủ tục đất đai"
    assert unicodedata.is_normalized("NFC", article.title)
    assert article.author == "Đỗ Quyên"
    assert "cắt giảm 18 loại giấy tờ" in article.paragraphs[1]


def test_utf16_with_bom_is_decoded() -> None:
    result = PARSERS[".txt"](FIXTURES / "legacy_utf16.txt")
    assert not isinstance(result, ParsedFile)
    [article] = result
    assert article.title == "Cần Thơ khai trương Trung tâm Phục vụ hành chính công thành phố"
    assert article.views == 1204


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("truncated_utf8.txt", "truncated UTF-8"),
        ("binary_image.html", "binary data"),
    ],
)
def test_truncated_and_binary_files_are_refused_with_a_reason(name: str, reason: str) -> None:
    with pytest.raises(EncodingError, match=reason):
        decode_bytes((FIXTURES / name).read_bytes())


def test_unknown_single_byte_text_is_refused_not_guessed() -> None:
    latin1 = "Crème brûlée à la française, très bon".encode("latin-1")
    with pytest.raises(EncodingError, match="not UTF-8"):
        decode_bytes(latin1)


def test_declared_charset_is_honoured() -> None:
    page = '<meta charset="windows-1258"><p>Thu\u0309 tu\u0323c</p>'.encode("cp1258")
    assert "Thủ tục" in decode_bytes(page)


def test_folder_load_reports_every_source() -> None:
    result = load_folder(FIXTURES)
    urls = {a.url_str for a, _ in result.articles}
    assert "https://baohagiang.vn/cai-cach-hanh-chinh/ha-giang-giam-thoi-gian-dat-dai-88001.html" in urls
    assert "https://cantho.gov.vn/tin-tuc/trung-tam-phuc-vu-hanh-chinh-cong-99001.html" in urls
    skipped = {(Path(s.path).name, s.where) for s in result.skipped}
    assert skipped == {
        ("binary_image.html", None),
        ("truncated_utf8.txt", None),
        ("feed_cchc.rss", "item 3"),
        ("records.jsonl", "line 2"),
        ("records.jsonl", "line 3"),
    }
    sources = {a.url_str: Path(s).name for a, s in result.articles}
    # same URL: the later-published page wins over the early short version
    assert sources["https://baokontum.com.vn/thoi-su/kon-tum-day-manh-chuyen-doi-so-40001.html"] == (
        "page_chuyen_doi_so.html"
    )
    # same URL and time: the full page wins over the feed's summary
    assert sources["https://baochinhphu.vn/bo-phan-mot-cua-cap-xa-rut-ngan-thoi-gian-102240501.htm"] == (
        "page_one_stop.html"
    )
    # same content under another URL: left out
    assert "https://tinmoi.example.vn/copy/bo-phan-mot-cua-cap-xa.html" not in urls
    assert any("same content" in note for note in result.replaced)


def test_lexicon_files_are_not_reported_as_articles() -> None:
    result = load_folder(SEED_KNOWLEDGE)
    assert result.skipped == []
    assert len(result.articles) == 1
