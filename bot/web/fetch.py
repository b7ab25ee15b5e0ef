"""Fetching articles and feeds over HTTP: one injectable httpx client, guarded.

Every request: http/https only; the host resolved and each of its addresses checked (private,
loopback, link-local and other non-public ranges refused unless ``allow_private_urls``, IPv4
inside 6to4, NAT64 and mapped IPv6 addresses unwrapped first); the connection then made to the
address that was checked, never to a second DNS answer (the request's URL carries that address,
its ``Host`` header and TLS server name the host: no DNS rebinding); redirects followed by hand, at most ``max_redirects``, each hop checked again and loops
caught; the body streamed and abandoned past ``max_bytes``; the content type checked; the
whole exchange bounded by ``timeout``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin, urlsplit

import httpx

from bot import __version__
from bot.config import Settings
from bot.web.decoding import DecodingError, StreamDecoder, TooLarge

Resolver = Callable[[str, int], Awaitable[list[str]]]
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
USER_AGENT = f"cchc-bot/{__version__} (+news reader)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """A URL that could not be fetched safely; the message says why (never any secret)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class FetchPolicy:
    allow_private: bool = False
    timeout: float = 15.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        return cls(
            allow_private=settings.allow_private_urls,
            timeout=settings.fetch_timeout_seconds,
            max_bytes=settings.fetch_max_bytes,
            max_redirects=settings.fetch_max_redirects,
        )


@dataclass(frozen=True)
class Fetched:
    url: str  # the final URL, after redirects
    content_type: str
    charset: str | None
    body: bytes


def make_client(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The client to inject: no automatic redirects, no proxies from the environment."""
    timeout = httpx.Timeout(settings.fetch_timeout_seconds, connect=min(10.0, settings.fetch_timeout_seconds))
    return httpx.AsyncClient(
        transport=transport,
        # No connection is reused: each request connects to the address checked for it, and a
        # connection verified for one host name is never handed a request for another.
        limits=httpx.Limits(max_keepalive_connections=0),
        follow_redirects=False,
        timeout=timeout,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html, application/xhtml+xml, application/rss+xml, "
                                                      "application/atom+xml, application/xml;q=0.9, */*;q=0.1"},
    )  # fmt: skip


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Ranges that Python's ``is_global`` still calls global (or not private) but that are never a news site.
_REFUSED = (
    (ipaddress.IPv4Network("192.0.0.0/24"), "IETF protocol assignment"),
    (ipaddress.IPv6Network("fec0::/10"), "site-local"),
)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(address: str) -> str | None:
    """Why an address may not be fetched from, or None when it is a public one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            problem = address_problem(str(inner))
            return None if problem is None else f"{ip} wraps {problem}"
    for network, name in _REFUSED:
        if ip.version == network.version and ip in network:
            return f"{ip} is a {name} address"
    for flag, name in (
        ("is_loopback", "loopback"),
        ("is_unspecified", "unspecified"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(ip, flag):
            return f"{ip} is a {name} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


async def check_url(url: str, policy: FetchPolicy, resolver: Resolver = system_resolver) -> str | None:
    """Raise :class:`FetchError` unless ``url`` is http(s) to a host allowed by the policy.

    Returns the checked address to connect to (None when private addresses are allowed: then
    nothing is checked and the client resolves the host itself).
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        raise FetchError(url, f"only http and https URLs are fetched, not {parts.scheme or 'a relative URL'!r}")
    host = parts.hostname
    if not host:
        raise FetchError(url, "no host in the URL")
    if parts.username or parts.password:
        raise FetchError(url, "URLs with a user name or password are not fetched")
    if policy.allow_private:
        return None
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        raise FetchError(url, "bad port") from None
    try:
        addresses = await resolver(host, port)
    except (OSError, UnicodeError) as exc:
        raise FetchError(url, f"cannot resolve {host}: {exc}") from None
    if not addresses:
        raise FetchError(url, f"{host} has no address")
    for address in addresses:
        problem = address_problem(address)
        if problem:
            raise FetchError(url, f"refused: {host} resolves to {problem} (set CCHC_ALLOW_PRIVATE_URLS=true to allow)")
    return addresses[0]


def pinned_request(client: httpx.AsyncClient, url: str, address: str | None) -> httpx.Request:
    """A GET of ``url`` that connects to ``address`` (when given) while naming the URL's host.

    The URL's host is replaced by the address, so httpx does not resolve the name again; the
    ``Host`` header keeps the name (and port), and the ``sni_hostname`` extension makes TLS send
    the name and verify the certificate against it.
    """
    original = httpx.URL(url)
    identity = {"Accept-Encoding": "identity"}  # a compressed body is decoded here, within the budget
    if address is None:
        return client.build_request("GET", original, headers=identity)
    extensions = {"sni_hostname": original.raw_host.decode("ascii")} if original.scheme == "https" else {}
    return client.build_request(
        "GET",
        original.copy_with(host=address.split("%", 1)[0]),
        headers={**identity, "Host": original.netloc.decode("ascii")},
        extensions=extensions,
    )


def _content_type(header: str | None) -> tuple[str, str | None]:
    msg = Message()
    msg["content-type"] = header or "application/octet-stream"
    charset = msg.get_param("charset")
    return msg.get_content_type(), charset if isinstance(charset, str) else None


async def _get(
    client: httpx.AsyncClient, url: str, policy: FetchPolicy, accept: Collection[str], resolver: Resolver
) -> Fetched:
    seen: set[str] = set()
    current = url
    for _hop in range(policy.max_redirects + 1):
        if current in seen:
            raise FetchError(url, f"redirect loop (back to {current})")
        seen.add(current)
        address = await check_url(current, policy, resolver)
        response = await client.send(pinned_request(client, current, address), stream=True)
        try:
            if response.status_code in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise FetchError(url, f"redirect ({response.status_code}) without a Location")
                current = urljoin(current, location)
                continue
            if response.status_code != 200:
                raise FetchError(url, f"HTTP {response.status_code} {response.reason_phrase}".strip())
            content_type, charset = _content_type(response.headers.get("content-type"))
            if content_type not in accept:
                raise FetchError(url, f"unexpected content type {content_type} (wanted {', '.join(sorted(accept))})")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > policy.max_bytes:
                raise FetchError(url, f"too large ({declared} bytes, limit {policy.max_bytes})")
            return Fetched(
                url=current, content_type=content_type, charset=charset, body=await _body(response, url, policy)
            )
        finally:
            await response.aclose()
    raise FetchError(url, f"too many redirects (more than {policy.max_redirects})")


async def _body(response: httpx.Response, url: str, policy: FetchPolicy) -> bytes:
    """The body, its content encodings undone as it streams, abandoned past ``max_bytes`` raw or decoded."""
    if response.is_stream_consumed:  # a transport that hands over a body it has read (and decoded) already
        if len(response.content) > policy.max_bytes:
            raise FetchError(url, f"too large (more than {policy.max_bytes} bytes)")
        return response.content
    try:
        decoder = StreamDecoder(response.headers.get("content-encoding"), policy.max_bytes)
        chunks: list[bytes] = []
        size = 0
        async for raw in response.aiter_raw():
            size += len(raw)
            if size > policy.max_bytes:
                raise FetchError(url, f"too large (more than {policy.max_bytes} bytes)")
            chunks.append(decoder.feed(raw))
        chunks.append(decoder.finish())
    except TooLarge as exc:
        raise FetchError(url, f"too large ({exc})") from None
    except DecodingError as exc:
        raise FetchError(url, f"cannot decode the body: {exc}") from None
    return b"".join(chunks)


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    policy: FetchPolicy,
    accept: Collection[str],
    resolver: Resolver = system_resolver,
) -> Fetched:
    """GET ``url`` under ``policy``; raise :class:`FetchError` with a reason on any refusal or failure."""
    try:
        async with asyncio.timeout(policy.timeout):
            return await _get(client, url, policy, accept, resolver)
    except TimeoutError:
        raise FetchError(url, f"timed out after {policy.timeout:g} s") from None
    except httpx.TimeoutException:
        raise FetchError(url, f"timed out after {policy.timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise FetchError(url, f"request failed: {type(exc).__name__}: {exc}") from None
