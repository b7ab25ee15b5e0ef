"""Fixtures for the ingest tests: a knowledge folder, settings, a service, and a local news site on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.config import Settings
from bot.service import SearchService
from tests.support.articles import SEED_KNOWLEDGE
from tests.support.sites import FIXTURES, Handler, LocalSite, make_settings, serving


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A knowledge folder holding the bundled seed article and lexicon files."""
    folder = tmp_path / "knowledge"
    shutil.copytree(SEED_KNOWLEDGE, folder)
    return folder


@pytest.fixture
def settings(tmp_path: Path, knowledge: Path) -> Settings:
    return make_settings(tmp_path, knowledge)


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[SearchService]:
    svc = await SearchService.open(settings.db_path, settings.knowledge_dir)
    yield svc
    await svc.close()


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
    async with serving(app) as port:
        try:
            yield LocalSite(base=f"http://127.0.0.1:{port}", port=port, hits=hits)
        finally:
            stop.set()  # before the server stops: a /slow request still waiting ends now
