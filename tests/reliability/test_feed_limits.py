"""Issue 10, item 5: unbounded feeds and pages, served by a local server on 127.0.0.1.

Caps: items per feed, articles written per ingest (a feed refresh is one), total time per
ingest, element nesting of a page; the feed itself parsed off the event loop.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bot.config import Settings
from bot.formats import ParseError
from bot.formats.html import MAX_NESTING, parse_html
from bot.ingest import ingest
from bot.web.fetch import make_client
from tests.support.articles import SEED_KNOWLEDGE
from tests.support.sites import LocalHostsTransport, make_settings, serving


def feed(name: str, count: int) -> str:
    """An RSS feed of ``count`` items on host ``name``; their pages are missing, so summaries are used."""
    items = "".join(
        f"<item><title>Tin số {i} của {name}</title><link>https://{name}.example.vn/tin-{i}.html</link>"
        f"<pubDate>Mon, 01 Jan 2024 08:00:00 +0700</pubDate>"
        f"<description>Nội dung tóm tắt số {i} về cải cách hành chính ở {name}.</description></item>"
        for i in range(count)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>{items}</channel></rss>'


HOSTS = frozenset({"big.example.vn", "a.example.vn", "b.example.vn", "slow.example.vn"})


@dataclass
class Feeds:
    """News sites on the local server: ``https://NAME.example.vn/feed.rss``; every item page is missing."""

    port: int

    def client(self, settings: Settings) -> httpx.AsyncClient:
        return make_client(settings, LocalHostsTransport(self.port, HOSTS))


@pytest.fixture
async def feeds(tmp_path: Path) -> AsyncIterator[Feeds]:
    stop = asyncio.Event()
    docs = {"big.example.vn": feed("big", 300), "a.example.vn": feed("a", 25), "b.example.vn": feed("b", 25)}

    async def handler(request: web.Request) -> web.StreamResponse:
        host = request.headers["Host"]
        if host == "slow.example.vn":
            await asyncio.wait_for(stop.wait(), timeout=5)
        text = docs.get(host)
        if text is None or request.path != "/feed.rss":
            raise web.HTTPNotFound
        return web.Response(text=text, content_type="application/rss+xml")

    async with serving(handler) as port:
        try:
            yield Feeds(port)
        finally:
            stop.set()  # before the server stops: a slow.example.vn request still waiting ends now


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    knowledge = tmp_path / "knowledge"
    if not knowledge.exists():
        shutil.copytree(SEED_KNOWLEDGE, knowledge)
    return make_settings(tmp_path, knowledge, **overrides)


async def test_items_per_feed_are_capped(feeds: Feeds, tmp_path: Path) -> None:
    settings = _settings(tmp_path, feed_max_items=20)
    async with feeds.client(settings) as client:
        report = await ingest(["https://big.example.vn/feed.rss"], settings.knowledge_dir, client, settings)
    assert report.written == 20
    assert len(list(settings.knowledge_dir.glob("web_*.txt"))) == 20
    assert any(s.reason == "280 items past the limit of 20 per feed" for s in report.skipped)


async def test_articles_per_ingest_are_capped(feeds: Feeds, tmp_path: Path) -> None:
    settings = _settings(tmp_path, ingest_max_articles=30)
    targets = ["https://a.example.vn/feed.rss", "https://b.example.vn/feed.rss"]
    async with feeds.client(settings) as client:
        report = await ingest(targets, settings.knowledge_dir, client, settings)
    assert report.written == 30
    limited = [s for s in report.skipped if "limit of 30 articles written by one ingest" in s.reason]
    assert len(limited) == 20


async def test_total_time_is_capped(feeds: Feeds, tmp_path: Path) -> None:
    settings = _settings(tmp_path, ingest_max_seconds=0.5)
    started = time.monotonic()
    targets = ["https://slow.example.vn/feed.rss", "https://a.example.vn/feed.rss"]
    async with feeds.client(settings) as client:
        report = await ingest(targets, settings.knowledge_dir, client, settings)
    assert time.monotonic() - started < 2.0
    assert report.written == 0
    assert [s.reason for s in report.skipped] == ["the time limit of 0.5 s for one ingest was reached"] * 2


async def test_a_big_feed_is_parsed_off_the_event_loop(tmp_path: Path) -> None:
    """While a ~1 MB feed file is parsed (about a second of CPU), the loop keeps ticking."""
    settings = _settings(tmp_path, feed_max_items=10)
    source = tmp_path / "big.rss"
    source.write_text(feed("big", 6000), encoding="utf-8")
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.monotonic()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    started = time.monotonic()
    async with make_client(settings) as client:
        report = await ingest([str(source)], settings.knowledge_dir, client, settings)
    took = time.monotonic() - started
    done.set()
    await tick
    assert report.written == 10
    assert took > 0.5  # the parse did cost real time...
    assert max(gaps) < min(0.5, took / 2), (
        f"the event loop stalled {max(gaps):.2f} s of {took:.2f} s"
    )  # ...off the loop


def test_deeply_nested_page_is_refused_quickly() -> None:
    depth = 30_000  # the extractor's cost grows as the square of this: ~2-3 s here, minutes at 400k
    html = "<html><body>" + "<div>" * depth + "<p>Nội dung bài viết.</p>" + "</div>" * depth + "</body></html>"
    started = time.monotonic()
    with pytest.raises(ParseError, match=f"more than {MAX_NESTING} deep"):
        parse_html(html, "https://a.example.vn/x")
    assert time.monotonic() - started < 0.5
