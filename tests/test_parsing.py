"""The seed-layout parser and the knowledge-folder loader (broken files, duplicate URLs)."""

from __future__ import annotations

import shutil
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.formats import ParseError
from bot.formats.loader import load_folder
from bot.formats.seed import article_facts, parse_article_file, parse_article_text
from bot.service import ReloadError, SearchService
from tests.support.articles import SEED_PATH, SEED_URL, article_text, write_article
from tests.support.services import ServiceFactory


def test_seed_fields() -> None:
    article = parse_article_file(SEED_PATH)
    assert article.title == "Phiên họp thứ bảy Ban Chỉ đạo Cải cách hành chính của Chính phủ"
    assert article.site == "baokontum.com.vn"
    assert article.url_str == SEED_URL
    assert article.published.tzinfo is not None
    assert article.published.utcoffset() == timedelta(hours=7)
    assert article.published.replace(tzinfo=None) == datetime(2024, 2, 2, 17, 38)
    assert article.author == "Trần Văn Phúc"
    assert article.views == 45
    assert article.caption == "Quang cảnh Phiên họp tại điểm cầu tỉnh Kon Tum"
    assert article.paragraphs[0].startswith("Chiều 2/2, tại Thủ đô Hà Nội")
    assert article.paragraphs[-1].endswith("phục vụ tốt nhất cho nhân dân.")


def test_seed_body_has_no_image_line_credit_author_or_source() -> None:
    article = parse_article_file(SEED_PATH)
    body = "\n".join(article.paragraphs)
    assert "%20" not in body
    assert "172712" not in body
    assert "Ảnh:" not in body
    assert "Ảnh" not in (article.caption or "")
    assert "Quang cảnh Phiên họp" not in body  # the caption is not a body paragraph
    assert "Trần Văn Phúc" not in body  # the author line is not body text
    assert "Nguồn bài viết" not in body
    assert "http" not in body
    assert all(p.strip() for p in article.paragraphs)
    assert "\u00a0" not in body


def test_seed_facts_title_caption_then_body() -> None:
    facts = article_facts(parse_article_file(SEED_PATH))
    assert [f.kind.value for f in facts[:3]] == ["title", "caption", "body"]
    assert {f.kind.value for f in facts[2:]} == {"body"}
    positions = [f.position for f in facts]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)


def test_inline_url_and_no_views_line(tmp_path: Path) -> None:
    text = article_text(
        title="Tiêu đề thử", paragraphs=["Nội dung thử nghiệm đầy đủ."], url="https://a.example.vn/x", views=None
    ).replace("Nguồn bài viết:\n\nhttps://a.example.vn/x", "Nguồn bài viết: https://a.example.vn/x")
    article = parse_article_text(text)
    assert article.url_str == "https://a.example.vn/x"
    assert article.views is None
    assert article.paragraphs == ("Nội dung thử nghiệm đầy đủ.",)


def _legacy(text: str) -> bytes:
    """Vietnamese text saved in a legacy Windows code page (not UTF-8)."""
    return text.encode("cp1252", errors="replace")


def _good(url: str, published: str = "15/03/2024 08:30") -> str:
    """A valid article's text."""
    return article_text(
        title="Bài hợp lệ", paragraphs=["Tỉnh đã số hóa toàn bộ hồ sơ.", "Đoạn thứ hai."], url=url, published=published
    )


def _broken_files(folder: Path) -> dict[str, str]:
    """Write one file per kind of damage; return {file name: expected words in the reason}."""
    folder.mkdir(parents=True, exist_ok=True)
    no_url = _good(url="https://x.example.vn/1").replace("https://x.example.vn/1", "")
    (folder / "no_url.txt").write_text(no_url.replace("Nguồn bài viết:", ""), encoding="utf-8")
    (folder / "bad_url.txt").write_text(no_url + "chưa có đường dẫn\n", encoding="utf-8")
    (folder / "bad_date.txt").write_text(
        _good(url="https://x.example.vn/2", published="31/02/2024 10:00"), encoding="utf-8"
    )
    (folder / "no_date.txt").write_text(_good(url="https://x.example.vn/3", published="hôm qua"), encoding="utf-8")
    (folder / "empty_body.txt").write_text(
        article_text(title="Chỉ có tiêu đề", paragraphs=[""], url="https://x.example.vn/4", author=None),
        encoding="utf-8",
    )
    (folder / "latin1.txt").write_bytes(_legacy(_good(url="https://x.example.vn/5")))
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "empty.txt").write_bytes(b"")
    return {
        "no_url.txt": "nguồn bài viết",
        "bad_url.txt": "url",
        "bad_date.txt": "date",
        "no_date.txt": "date",
        "empty_body.txt": "empty body",
        "latin1.txt": "utf-8",
        "binary.txt": "binary",
        "empty.txt": "empty",
    }


def test_broken_files_reported_with_path_and_reason_others_load(tmp_path: Path) -> None:
    folder = tmp_path / "k"
    expected = _broken_files(folder)
    shutil.copy(SEED_PATH, folder / SEED_PATH.name)
    (folder / "good.txt").write_text(_good("https://x.example.vn/good"), encoding="utf-8")
    result = load_folder(folder)
    assert sorted(a.url_str for a, _ in result.articles) == sorted([SEED_URL, "https://x.example.vn/good"])
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert set(reasons) == set(expected)
    for name, words in expected.items():
        assert words in reasons[name].lower(), (name, reasons[name])
    for skipped in result.skipped:
        assert Path(skipped.path).parent == folder


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.txt", b""),
        ("nul.txt", "Tiêu đề\n\n\x00\n".encode()),
        ("cp1252.txt", _legacy("Thủ tục hành chính")),
        ("spaces.txt", b" \n\n \t\n"),
    ],
)
def test_unreadable_file_raises_parse_error(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ParseError):
        parse_article_file(path)


def test_same_url_newer_wins_and_report_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "k"
    url = "https://dup.example.vn/bai-1"
    # The newer version sorts first by name, so file order alone cannot explain the result.
    write_article(folder, "a_new.txt", title="Bản mới", paragraphs=["Nội dung bản cập nhật."], url=url,
                  published="20/05/2024 09:00")  # fmt: skip
    write_article(folder, "b_old.txt", title="Bản cũ", paragraphs=["Nội dung bản đầu tiên."], url=url,
                  published="19/05/2024 09:00")  # fmt: skip
    result = load_folder(folder)
    assert [a.title for a, _ in result.articles] == ["Bản mới"]
    assert len(result.replaced) == 1
    note = result.replaced[0]
    assert url in note
    assert "a_new.txt" in note
    assert "b_old.txt" in note


async def test_reload_report_lists_loaded_skipped_and_duplicates(tmp_path: Path, open_service: ServiceFactory) -> None:
    folder = tmp_path / "k"
    folder.mkdir()
    shutil.copy(SEED_PATH, folder / SEED_PATH.name)
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02")
    url = "https://dup.example.vn/bai-2"
    write_article(folder, "v1.txt", title="Tin A", paragraphs=["Bản một."], url=url, published="01/01/2024 08:00")
    write_article(folder, "v2.txt", title="Tin A", paragraphs=["Bản hai."], url=url, published="02/01/2024 08:00")
    service: SearchService = await open_service(folder)
    report = await service.reload()
    assert sorted(report.loaded) == sorted([SEED_URL, url])
    assert [Path(s.path).name for s in report.skipped] == ["binary.txt"]
    assert len(report.replaced) == 1
    assert "v2.txt" in report.replaced[0]
    assert report.facts > 10
    assert {row.url for row in service.sources()} == {SEED_URL, url}


async def test_reload_of_only_broken_files_fails_with_report(tmp_path: Path, open_service: ServiceFactory) -> None:
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(SEED_PATH, good / SEED_PATH.name)
    service = await open_service(good)
    bad = tmp_path / "bad"
    expected = _broken_files(bad)
    with pytest.raises(ReloadError) as info:
        await service.reload(bad)
    report = info.value.report
    assert report is not None
    assert report.loaded == []
    assert {Path(s.path).name for s in report.skipped} == set(expected)


def test_shared_articles_and_seed_load_cleanly(knowledge_dir: Path) -> None:
    result = load_folder(knowledge_dir)
    assert result.skipped == []
    assert result.replaced == []
    assert len(result.articles) == len(list(knowledge_dir.glob("*.txt")))
    for article, source in result.articles:
        body = " ".join(article.paragraphs)
        assert "%20" not in body, source
        assert "Nguồn bài viết" not in body, source
        assert article.caption is None or "Ảnh:" not in article.caption, source
        assert article.published.utcoffset() == timedelta(hours=7)
        facts = article_facts(article)
        assert sum(f.kind.value == "body" for f in facts) >= 3, source
        assert all(unicodedata.is_normalized("NFC", f.text) for f in facts)
