"""Issue 10, item 6: one huge article must not inflate the index (reload and ingest skip it, saying why)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from bot.config import Settings
from bot.formats.limits import MAX_ARTICLE_CHARS, MAX_ARTICLE_FACTS
from bot.ingest import ingest
from bot.service import SearchService
from tests.support.articles import article_text, write_article

SMALL_URL = "https://tintuc-thu.example.vn/nho.html"


def distinct_words(count: int) -> str:
    """``count`` words that never repeat (the worst case for the index)."""
    return " ".join(f"tu{i:x}" for i in range(count))


def _small(folder: Path) -> None:
    write_article(folder, "small.txt", title="Bài nhỏ về một cửa", url=SMALL_URL,
                  paragraphs=["Bộ phận một cửa cấp xã trả kết quả đúng hạn cho người dân."])  # fmt: skip


async def test_reload_skips_a_huge_article_and_keeps_the_rest(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    _small(knowledge)
    huge = distinct_words(40_000) + "."  # ~300,000 characters of distinct words
    assert len(huge) > MAX_ARTICLE_CHARS
    write_article(knowledge, "huge.txt", title="Bài khổng lồ", url="https://tintuc-thu.example.vn/lon.html",
                  paragraphs=["Mở đầu.", huge])  # fmt: skip
    many = " ".join(f"Câu số {i} về thủ tục." for i in range(MAX_ARTICLE_FACTS + 10))  # short, but many facts
    write_article(knowledge, "many.txt", title="Bài nhiều câu", url="https://tintuc-thu.example.vn/nhieu.html",
                  paragraphs=[many])  # fmt: skip
    started = time.perf_counter()
    service = await SearchService.open(tmp_path / "db.sqlite3", knowledge)
    try:
        report = await service.reload()
        took = time.perf_counter() - started
        reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in report.skipped}
        assert reasons["huge.txt"].startswith("article too large:")
        assert f"characters (limit {MAX_ARTICLE_CHARS:,})" in reasons["huge.txt"]
        assert (
            reasons["many.txt"]
            == f"article too large: {MAX_ARTICLE_FACTS + 11:,} sentences (limit {MAX_ARTICLE_FACTS:,})"
        )
        assert [a.url for a in service.sources()] == [SMALL_URL]
        assert took < 10
    finally:
        await service.close()
    assert (tmp_path / "db.sqlite3").stat().st_size < 2_000_000


async def test_ingest_does_not_write_a_huge_article(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    _small(knowledge)
    source = tmp_path / "incoming" / "huge.txt"
    source.parent.mkdir()
    source.write_text(article_text(title="Bài khổng lồ", url="https://tintuc-thu.example.vn/lon.html",
                                   paragraphs=["Mở đầu.", distinct_words(40_000) + "."]), encoding="utf-8")  # fmt: skip
    settings = Settings(_env_file=None, db_path=tmp_path / "db.sqlite3", knowledge_dir=knowledge)
    async with httpx.AsyncClient() as client:
        report = await ingest([str(source)], knowledge, client, settings)
    assert report.written == 0
    [skipped] = report.skipped
    assert skipped.reason.startswith("article too large:")
    assert sorted(p.name for p in knowledge.iterdir()) == ["small.txt"]
