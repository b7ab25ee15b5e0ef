"""A local news site for the fetch and ingest tests: saved pages served on 127.0.0.1, reached under real host names."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from aiohttp import web

from bot.config import Settings
from bot.web.fetch import address_problem, make_client

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
FIXTURES_V2 = Path(__file__).resolve().parents[1] / "fixtures" / "ingest_v2"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# News sites the local server stands in for (a page's canonical link is trusted on its own host only).
NEWS_HOSTS = frozenset({"baochinhphu.vn", "baokontum.com.vn", "baothanhhoa.vn"})


@contextlib.asynccontextmanager
async def serving(app: web.Application | Handler, ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    """``app`` (or one handler for every GET) served on 127.0.0.1 at a free port, which is given; stopped on leaving."""
    if not isinstance(app, web.Application):
        handler, app = app, web.Application()
        app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context).start()
    try:
        yield int(runner.addresses[0][1])
    finally:
        await runner.cleanup()


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


def assert_address_problem(address: str, problem: str | None) -> None:
    """The fetch guard's verdict on ``address``: no problem (``None``), or one whose text contains ``problem``."""
    found = address_problem(address)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found
