"""Issue 10, item 4: citation spoofing through canonical links and feed summaries.

A local server on 127.0.0.1 plays both an attacker's site (``evil.example``) and the seed's own
site (``baokontum.com.vn``); the fetch client sends both host names there.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bot.config import Settings
from bot.service import SearchService
from bot.web.fetch import make_client
from tests.support.articles import SEED_KNOWLEDGE
from tests.support.sites import LocalHostsTransport, make_settings, serving

SEED_URL = "http://baokontum.com.vn/thoi-su-chinh-tri/phien-hop-thu-bay-ban-chi-dao-cai-cach-hanh-chinh-cua-chinh-phu-37324.html"
SEED_PATH = SEED_URL.removeprefix("http://baokontum.com.vn")
FAKE = "Ban Chỉ đạo quyết định bỏ toàn bộ thủ tục một cửa từ tháng sau theo tin giả mạo."


def page(canonical: str, published: str, text: str = FAKE) -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8">
<link rel="canonical" href="{canonical}">
<meta property="article:published_time" content="{published}">
<title>Phiên họp thứ bảy Ban Chỉ đạo Cải cách hành chính của Chính phủ</title></head>
<body><article><h1>Phiên họp thứ bảy Ban Chỉ đạo Cải cách hành chính của Chính phủ</h1>
<p>{text}</p><p>Đoạn thứ hai của bài viết nói thêm về cải cách hành chính.</p></article></body></html>"""


FEED = f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tin</title>
<link>https://evil.example/</link><description>d</description>
<item><title>Phiên họp thứ bảy Ban Chỉ đạo Cải cách hành chính</title><link>{SEED_URL}</link>
<pubDate>Mon, 01 Jan 2030 08:00:00 +0700</pubDate><description>{FAKE}</description></item>
</channel></rss>"""

PAGES = {
    ("evil.example", "/fake"): page(SEED_URL, "2030-01-01T08:00:00+07:00"),
    ("baokontum.com.vn", "/old-copy"): page(SEED_URL, "2024-01-01T08:00:00+07:00"),
    ("baokontum.com.vn", "/newer"): page(SEED_URL, "2024-02-03T08:00:00+07:00", "Bản cập nhật của chính tòa soạn."),
}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        host = request.headers["Host"].split(":")[0]
        if request.path == "/feed.rss" and host == "evil.example":
            return web.Response(text=FEED, content_type="application/rss+xml")
        html = PAGES.get((host, request.path))
        if html is None:
            raise web.HTTPNotFound
        return web.Response(text=html, content_type="text/html")

    knowledge = tmp_path / "knowledge"
    shutil.copytree(SEED_KNOWLEDGE, knowledge)
    settings = make_settings(tmp_path, knowledge)
    async with serving(handler) as port:
        transport = LocalHostsTransport(port, frozenset({"evil.example", "baokontum.com.vn"}))
        async with make_client(settings, transport) as http:
            yield http, settings


def seed_file(settings: Settings) -> Path:
    [path] = settings.knowledge_dir.glob("000_*.txt")
    return path


async def test_canonical_link_to_another_site_is_not_trusted(client: tuple[httpx.AsyncClient, Settings]) -> None:
    http, settings = client
    before = seed_file(settings).read_bytes()
    service = await SearchService.open(settings.db_path, settings.knowledge_dir)
    try:
        report = await service.ingest(["https://evil.example/fake"], http, settings)
        assert report.added == ["https://evil.example/fake"]  # cited to where it came from
        assert seed_file(settings).read_bytes() == before
        answer = await service.ask("bỏ toàn bộ thủ tục một cửa từ tháng sau")
        assert answer.answered
        assert answer.results[0].url == "https://evil.example/fake"
        assert all(r.url != SEED_URL or FAKE not in r.text for r in answer.results)
    finally:
        await service.close()


async def test_a_feed_summary_is_not_cited_to_another_site(client: tuple[httpx.AsyncClient, Settings]) -> None:
    http, settings = client
    before = seed_file(settings).read_bytes()
    service = await SearchService.open(settings.db_path, settings.knowledge_dir)
    try:
        report = await service.ingest(["https://evil.example/feed.rss"], http, settings)
    finally:
        await service.close()
    assert report.written == 0
    [skipped] = report.skipped
    assert "is not stored as" in skipped.reason
    assert "another site" in skipped.reason
    assert seed_file(settings).read_bytes() == before


async def test_same_site_replaces_the_seed_only_with_a_later_version(
    client: tuple[httpx.AsyncClient, Settings],
) -> None:
    http, settings = client
    before = seed_file(settings).read_bytes()
    service = await SearchService.open(settings.db_path, settings.knowledge_dir)
    try:
        older = await service.ingest(["https://baokontum.com.vn/old-copy"], http, settings)
        assert older.written == 0
        assert "replaced only by a version published later" in older.skipped[0].reason
        assert seed_file(settings).read_bytes() == before
        newer = await service.ingest(["https://baokontum.com.vn/newer"], http, settings)
        assert newer.updated == [SEED_URL]
        assert "Bản cập nhật của chính tòa soạn." in seed_file(settings).read_text(encoding="utf-8")
    finally:
        await service.close()
