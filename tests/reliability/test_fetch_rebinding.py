"""Issue 10, item 1: DNS rebinding past the private-address guard.

A fake TTL-0 resolver answers a public address the first time a name is asked and loopback
after that. The fake network below stands for the machine's own stack: it looks names up with
that same resolver (so an unpinned client gets the second, loopback answer) and connects to IP
literals directly. The "public" address is never contacted: the fake network answers for it.
"""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from bot.web.fetch import HTML_TYPES, FetchError, FetchPolicy, fetch
from tests.support.sites import assert_address_problem

PUBLIC = "93.184.216.34"
SECRET = b"<html><body><p>internal admin page: secret</p></body></html>"
POLICY = FetchPolicy(allow_private=False, timeout=2.0, max_bytes=100_000, max_redirects=3)


class RebindingResolver:
    """First answer per name: a public address; every later answer: loopback."""

    def __init__(self) -> None:
        self.asked: dict[str, int] = {}

    async def __call__(self, host: str, port: int) -> list[str]:
        count = self.asked.get(host, 0)
        self.asked[host] = count + 1
        return [PUBLIC] if count == 0 else ["127.0.0.1"]


class FakeNetwork(httpx.AsyncBaseTransport):
    """Connects where the resolver's current answer (or the URL's IP literal) points; records each connection."""

    def __init__(self, resolver: RebindingResolver, public_pages: dict[str, httpx.Response]) -> None:
        self.resolver = resolver
        self.public_pages = public_pages
        self.connections: list[tuple[str, str, object]] = []  # (address, Host header, TLS server name)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        try:
            address = str(ipaddress.ip_address(host))
        except ValueError:
            address = (await self.resolver(host, request.url.port or 80))[0]
        self.connections.append((address, request.headers["host"], request.extensions.get("sni_hostname")))
        if address == PUBLIC:
            return self.public_pages[request.headers["host"] + request.url.path]
        return _page(SECRET.decode())


def _page(text: str) -> httpx.Response:
    """A response whose body still streams, as from a real connection."""
    return httpx.Response(200, headers={"Content-Type": "text/html"}, stream=httpx.ByteStream(text.encode()))


async def test_the_checked_address_is_the_one_connected_to() -> None:
    resolver = RebindingResolver()
    network = FakeNetwork(resolver, {"rebind.example/a": _page("<p>public page</p>")})
    async with httpx.AsyncClient(transport=network) as client:
        got = await fetch(client, "http://rebind.example/a", POLICY, HTML_TYPES, resolver)
    assert b"secret" not in got.body
    assert got.body == b"<p>public page</p>"
    assert got.url == "http://rebind.example/a"
    assert network.connections == [(PUBLIC, "rebind.example", None)]


async def test_https_keeps_the_host_name_for_tls_and_the_host_header() -> None:
    resolver = RebindingResolver()
    network = FakeNetwork(resolver, {"rebind.example:8443/a": _page("<p>public</p>")})
    async with httpx.AsyncClient(transport=network) as client:
        await fetch(client, "https://rebind.example:8443/a", POLICY, HTML_TYPES, resolver)
    assert network.connections == [(PUBLIC, "rebind.example:8443", "rebind.example")]


async def test_every_redirect_hop_is_pinned() -> None:
    resolver = RebindingResolver()
    hop = httpx.Response(302, headers={"Location": "http://second.example/b"})
    network = FakeNetwork(resolver, {"first.example/a": hop, "second.example/b": _page("<p>landed</p>")})
    async with httpx.AsyncClient(transport=network) as client:
        got = await fetch(client, "http://first.example/a", POLICY, HTML_TYPES, resolver)
    assert got.body == b"<p>landed</p>"
    assert got.url == "http://second.example/b"
    assert [c[0] for c in network.connections] == [PUBLIC, PUBLIC]


async def test_a_redirect_back_to_a_rebound_name_is_refused() -> None:
    """The second hop names the first host again: its new (loopback) answer is checked and refused."""
    resolver = RebindingResolver()
    hop = httpx.Response(302, headers={"Location": "http://first.example/secret"})
    network = FakeNetwork(resolver, {"first.example/a": hop})
    async with httpx.AsyncClient(transport=network) as client:
        with pytest.raises(FetchError, match="loopback"):
            await fetch(client, "http://first.example/a", POLICY, HTML_TYPES, resolver)
    assert [c[0] for c in network.connections] == [PUBLIC]


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("2002:7f00:1::1", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("2002:a00:1::1", "private"),  # 6to4 wrapping 10.0.0.1
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 wrapping 127.0.0.1
        ("fec0::1", "site-local"),
        ("192.0.0.9", "IETF protocol assignment"),
        ("192.0.0.170", "IETF protocol assignment"),
        ("2002:5db8:d822::1", None),  # 6to4 wrapping a public address
    ],
)
def test_wrapped_and_odd_ranges(address: str, problem: str | None) -> None:
    assert_address_problem(address, problem)
