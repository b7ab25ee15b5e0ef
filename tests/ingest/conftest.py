"""Shared fixtures for the ingest tests: fixture files, settings, and a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bot.config import Settings
from bot.service import SearchService
from bot.web.fetch import make_client

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ingest"
FIXTURES_V2 = Path(__file__).resolve().parent.parent / "fixtures" / "ingest_v2"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SEED_KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
# News sites the local server stands in for (a page's canonical link is trusted on its own host only).
NEWS_HOSTS = frozenset({"baochinhphu.vn", "baokontum.com.vn", "baothanhhoa.vn"})


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A knowledge folder holding the bundled seed article and lexicon files."""
    folder = tmp_path / "knowledge"
    shutil.copytree(SEED_KNOWLEDGE, folder)
    return folder


def make_settings(tmp_path: Path, knowledge: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "db_path": tmp_path / "test.sqlite3",
        "knowledge_dir": knowledge,
        "allow_private_urls": True,
        "fetch_timeout_seconds": 2.0,
        "fetch_max_bytes": 200_000,
        "fetch_max_redirects": 3,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path, knowledge: Path) -> Settings:
    return make_settings(tmp_path, knowledge)


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[SearchService]:
    svc = await SearchService.open(settings.db_path, settings.knowledge_dir)
    yield svc
    await svc.close()


@dataclass
class LocalSite:
    """A test web server on 127.0.0.1: ``base`` is its root URL, ``hits`` counts requests per path."""

    base: str
    port: int
    hits: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    @staticmethod
    def on(host: str, path: str) -> str:
        """``path`` on the news site ``host`` (one of ``NEWS_HOSTS``), which ``client`` serves from here."""
        return f"https://{host}{path}"

    def client(self, settings: Settings) -> httpx.AsyncClient:
        """The production client, with baochinhphu.vn served by this local server."""
        return make_client(settings, LocalHostsTransport(self.port, NEWS_HOSTS))


class LocalHostsTransport(httpx.AsyncBaseTransport):
    """Sends requests for the given (news site) host names to the local test server instead.

    The feed fixture links to real-looking sites; this lets the test fetch them without a network.
    """

    def __init__(self, port: int, hosts: frozenset[str]) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._port = port
        self._hosts = hosts

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host in self._hosts:
            url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self._port)
            request = httpx.Request(request.method, url, headers=request.headers, content=request.content)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.fixture
async def site() -> AsyncIterator[LocalSite]:
    hits: dict[str, int] = {}
    stop = asyncio.Event()

    def page(name: str, content_type: str = "text/html") -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(body=(FIXTURES / name).read_bytes(), content_type=content_type, charset="utf-8")

        return handler

    async def slow(request: web.Request) -> web.StreamResponse:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=10)
        return web.Response(text="<html>late</html>", content_type="text/html")

    async def big_declared(request: web.Request) -> web.Response:
        return web.Response(body=b"<p>" + b"x" * 300_000 + b"</p>", content_type="text/html")

    async def big_streamed(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(40):  # 40 x 10 kB, past the 200 kB limit
            await response.write(b"<p>" + b"y" * 10_000 + b"</p>")
        await response.write_eof()
        return response

    def redirect(to: str) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            raise web.HTTPFound(to)

        return handler

    async def image(request: web.Request) -> web.Response:
        return web.Response(body=(FIXTURES / "binary_image.html").read_bytes(), content_type="image/png")

    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=(FIXTURES / "feed_cchc.rss").read_bytes(), content_type="application/rss+xml")

    @web.middleware
    async def count(request: web.Request, handler: Handler) -> web.StreamResponse:
        hits[request.path] = hits.get(request.path, 0) + 1
        return await handler(request)

    app = web.Application(middlewares=[count])
    app.router.add_get("/page/kon-tum", page("page_chuyen_doi_so.html"))
    app.router.add_get("/page/one-stop", page("page_one_stop.html"))
    app.router.add_get("/bo-phan-mot-cua-cap-xa-rut-ngan-thoi-gian-102240501.htm", page("page_one_stop.html"))
    app.router.add_get("/page/xhtml", page("page_two.html", "application/xhtml+xml"))
    app.router.add_get("/slow", slow)
    app.router.add_get("/big-declared", big_declared)
    app.router.add_get("/big-streamed", big_streamed)
    app.router.add_get("/loop-a", redirect("/loop-b"))
    app.router.add_get("/loop-b", redirect("/loop-a"))
    app.router.add_get("/hop1", redirect("/hop2"))
    app.router.add_get("/hop2", redirect("/page/kon-tum"))
    app.router.add_get("/to-ftp", redirect("ftp://127.0.0.1/file"))
    app.router.add_get("/image", image)
    app.router.add_get("/feed.rss", feed)
    runner = web.AppRunner(app)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = runner.addresses[0][1]
    try:
        yield LocalSite(base=f"http://127.0.0.1:{port}", port=port, hits=hits)
    finally:
        stop.set()
        await runner.cleanup()
