"""Bot API HTTP calls over aiohttp instead of PTB's default httpx transport.

Profiled on the end-to-end benchmark (``bench/pipeline.py``), PTB's ``HTTPXRequest`` cost
about 1 ms of CPU per Bot API call (httpx/httpcore/anyio in pure Python), a fifth of the
bot's whole cost per answered question. aiohttp's C-accelerated client does the same call
for about 0.2 ms. Behaviour kept from ``HTTPXRequest``: form-encoded parameters, multipart
uploads, the same default timeouts, proxies from ``HTTP(S)_PROXY``/``NO_PROXY``, timeouts raised as :class:`~telegram.error.TimedOut`
and other transport failures as :class:`~telegram.error.NetworkError` (so
:mod:`bot.telegram.delivery` retries them the same way).
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """A :class:`~telegram.request.BaseRequest` over one :class:`aiohttp.ClientSession`.

    ``write_timeout`` is accepted for PTB's interface; aiohttp has no separate write timeout, and
    the bot's requests are small forms, so sending is bounded by the connect and read timeouts.
    """

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    def _proxy_for(self, url: str) -> str | None:
        """The proxy the environment sets for ``url``'s scheme and host (cached per host)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            proxies = urllib.request.getproxies()
            proxy = proxies.get(parts.scheme) or proxies.get("all")
            if proxy and parts.hostname and urllib.request.proxy_bypass(parts.hostname):
                proxy = None
            self._proxies[key] = proxy
        return self._proxies[key]

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=self._pool_size)
            # HTTP(S)_PROXY / NO_PROXY from the environment apply, as they did with httpx, but are
            # looked up once per host (``_proxy_for``): aiohttp's trust_env re-reads them, and
            # ~/.netrc, in a worker thread on every request.
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})

    def abandon(self) -> None:
        """Give the session up without its event loop (which a failed start has closed): no "Unclosed" warning."""
        if self._session is not None and not self._session.closed:
            self._session.detach()
        self._session = None

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _timeout(self, read: ODVInput[float], connect: ODVInput[float], pool: ODVInput[float]) -> aiohttp.ClientTimeout:
        read_s = self._read_timeout if isinstance(read, DefaultValue) else read
        connect_s = self._connect_timeout if isinstance(connect, DefaultValue) else connect
        pool_s = self._pool_timeout if isinstance(pool, DefaultValue) else pool
        # aiohttp's ``connect`` covers waiting for a pooled connection plus connecting.
        acquire = None if connect_s is None or pool_s is None else connect_s + pool_s
        return aiohttp.ClientTimeout(total=None, connect=acquire, sock_connect=connect_s, sock_read=read_s)

    @staticmethod
    def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
        if request_data is None:
            return None
        if not request_data.contains_files:
            return request_data.json_parameters
        form = aiohttp.FormData()
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, part in request_data.multipart_data.items():
            filename, content = part[0], part[1]
            mimetype = part[2] if len(part) > 2 else None
            form.add_field(name, content, filename=filename, content_type=mimetype)
        return form

    async def do_request(  # noqa: PLR0917 - PTB's signature
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        timeout = self._timeout(read_timeout, connect_timeout, pool_timeout)
        try:
            async with self._session.request(
                method, url, data=self._body(request_data), timeout=timeout, proxy=self._proxy_for(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts (connect, read) subclass it
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
