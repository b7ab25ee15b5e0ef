"""Issue 10, item 2: a layered Content-Encoding bomb, served by a local server on 127.0.0.1.

``Content-Encoding: gzip, gzip`` of 20 MB of zeros is a few hundred bytes on the wire; the
fetcher must give up after ``max_bytes`` decoded bytes without ever holding the whole inflated
body (checked with tracemalloc's peak).
"""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from bot.config import Settings
from bot.web.decoding import DecodingError, StreamDecoder, TooLarge
from bot.web.fetch import HTML_TYPES, FetchError, FetchPolicy, fetch, make_client
from tests.support.sites import serving

INFLATED = 20_000_000
BUDGET = 100_000
POLICY = FetchPolicy(allow_private=True, timeout=5.0, max_bytes=BUDGET, max_redirects=0)
PAGE = "<html><body><p>Trang tin cải cách hành chính.</p></body></html>".encode()


@dataclass
class BombSite:
    base: str
    accept_encoding: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip.compress(gzip.compress(b"\0" * INFLATED, compresslevel=9), compresslevel=9)


@pytest.fixture
async def bomb_site(bomb: bytes) -> AsyncIterator[BombSite]:
    seen: list[str] = []

    def serve(body: bytes, encoding: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handler(request: web.Request) -> web.StreamResponse:
            seen.append(request.headers.get("Accept-Encoding", ""))
            return web.Response(body=body, headers={"Content-Type": "text/html", "Content-Encoding": encoding})

        return handler

    app = web.Application()
    app.router.add_get("/bomb", serve(bomb, "gzip, gzip"))
    app.router.add_get("/gzip", serve(gzip.compress(PAGE), "gzip"))
    app.router.add_get("/deflate", serve(zlib.compress(PAGE), "deflate"))
    app.router.add_get("/brotli", serve(PAGE, "br"))
    async with serving(app) as port:
        yield BombSite(base=f"http://127.0.0.1:{port}", accept_encoding=seen)


async def test_layered_gzip_bomb_is_stopped_at_the_budget(bomb_site: BombSite, bomb: bytes) -> None:
    assert len(bomb) < 30_000
    settings = Settings(allow_private_urls=True, fetch_timeout_seconds=5.0)
    async with make_client(settings) as client:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError, match="too large"):
                await fetch(client, f"{bomb_site.base}/bomb", POLICY, HTML_TYPES)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 4_000_000, f"peak {peak} bytes: the bomb was inflated before the limit"
    assert bomb_site.accept_encoding == ["identity"]


@pytest.mark.parametrize("path", ["/gzip", "/deflate"])
async def test_honest_compressed_pages_are_decoded(bomb_site: BombSite, path: str) -> None:
    settings = Settings(allow_private_urls=True)
    async with make_client(settings) as client:
        got = await fetch(client, f"{bomb_site.base}{path}", POLICY, HTML_TYPES)
    assert got.body == PAGE


async def test_unknown_encoding_is_refused(bomb_site: BombSite) -> None:
    async with make_client(Settings(allow_private_urls=True)) as client:
        with pytest.raises(FetchError, match="unsupported content encoding 'br'"):
            await fetch(client, f"{bomb_site.base}/brotli", POLICY, HTML_TYPES)


def test_decoder_counts_every_layer_and_refuses_deep_stacks() -> None:
    decoder = StreamDecoder("gzip, gzip", budget=1_000, step=256)
    data = gzip.compress(gzip.compress(b"a" * 5_000))
    with pytest.raises(TooLarge):
        decoder.feed(data)
    with pytest.raises(DecodingError, match="3 content encodings"):
        StreamDecoder("gzip, gzip, gzip", budget=1_000)
    whole = StreamDecoder("deflate, gzip", budget=10_000, step=100)
    body = gzip.compress(zlib.compress(PAGE))
    out = b"".join(whole.feed(body[i : i + 7]) for i in range(0, len(body), 7)) + whole.finish()
    assert out == PAGE
