"""The guarded fetcher against a real HTTP server on 127.0.0.1 (and a mock transport for redirect hops)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.web.fetch import HTML_TYPES, FetchError, FetchPolicy, check_url, fetch, make_client
from tests.support.sites import LocalSite, assert_address_problem, make_settings

POLICY = FetchPolicy(allow_private=True, timeout=1.0, max_bytes=200_000, max_redirects=3)


async def test_success(site: LocalSite, settings: Settings) -> None:
    async with make_client(settings) as client:
        got = await fetch(client, site.url("/page/kon-tum"), POLICY, HTML_TYPES)
    assert got.content_type == "text/html"
    assert got.charset == "utf-8"
    assert "Kon Tum đẩy mạnh chuyển đổi số".encode() in got.body


async def test_redirects_are_followed_within_the_limit(site: LocalSite, settings: Settings) -> None:
    async with make_client(settings) as client:
        got = await fetch(client, site.url("/hop1"), POLICY, HTML_TYPES)
    assert got.url == site.url("/page/kon-tum")
    assert site.hits["/hop2"] == 1


async def test_timeout(site: LocalSite, settings: Settings) -> None:
    started = time.perf_counter()
    async with make_client(settings) as client:
        with pytest.raises(FetchError, match="timed out after 1 s"):
            await fetch(client, site.url("/slow"), POLICY, HTML_TYPES)
    assert time.perf_counter() - started < 3


@pytest.mark.parametrize("path", ["/big-declared", "/big-streamed"])
async def test_oversized_body_is_abandoned(site: LocalSite, settings: Settings, path: str) -> None:
    async with make_client(settings) as client:
        with pytest.raises(FetchError, match="too large"):
            await fetch(client, site.url(path), POLICY, HTML_TYPES)


async def test_redirect_loop(site: LocalSite, settings: Settings) -> None:
    async with make_client(settings) as client:
        with pytest.raises(FetchError, match="redirect loop"):
            await fetch(client, site.url("/loop-a"), POLICY, HTML_TYPES)
    assert site.hits["/loop-a"] == 1  # caught before asking again


async def test_too_many_redirects(site: LocalSite, settings: Settings) -> None:
    policy = FetchPolicy(allow_private=True, timeout=1.0, max_bytes=200_000, max_redirects=1)
    async with make_client(settings) as client:
        with pytest.raises(FetchError, match="too many redirects"):
            await fetch(client, site.url("/hop1"), policy, HTML_TYPES)


@pytest.mark.parametrize(
    ("path", "refusal"),
    [
        ("/to-ftp", "only http and https"),
        ("/image", "unexpected content type image/png"),
        ("/missing-page", "HTTP 404"),
    ],
    ids=["redirect_to_another_scheme_is_refused", "wrong_content_type", "http_error_status"],
)
async def test_refused_page(site: LocalSite, settings: Settings, path: str, refusal: str) -> None:
    async with make_client(settings) as client:
        with pytest.raises(FetchError, match=refusal):
            await fetch(client, site.url(path), POLICY, HTML_TYPES)


async def test_private_address_refused_when_not_allowed(site: LocalSite, tmp_path: Path, knowledge: Path) -> None:
    strict = make_settings(tmp_path, knowledge, allow_private_urls=False)
    async with make_client(strict) as client:
        with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1 is a loopback address"):
            await fetch(client, site.url("/page/kon-tum"), FetchPolicy.from_settings(strict), HTML_TYPES)
    assert "/page/kon-tum" not in site.hits  # refused before any request


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.1.10", "private"),
        ("169.254.169.254", "link-local"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("::ffff:10.0.0.1", "private"),
        ("0.0.0.0", "unspecified"),
        ("8.8.8.8", None),
    ],
)
def test_address_classes(address: str, problem: str | None) -> None:
    assert_address_problem(address, problem)


async def test_every_resolved_address_is_checked() -> None:
    async def mixed(host: str, port: int) -> list[str]:
        return ["8.8.8.8", "10.0.0.5"]  # one public, one private: refused

    with pytest.raises(FetchError, match="private"):
        await check_url("http://news.example/a", FetchPolicy(), mixed)


async def test_each_redirect_hop_is_checked_again() -> None:
    """A public host redirecting to a loopback one: the second hop is refused before it is requested."""
    requested: list[str] = []

    def transport(request: httpx.Request) -> httpx.Response:
        requested.append(f"{request.url.scheme}://{request.headers['host']}{request.url.path}")
        return httpx.Response(302, headers={"Location": "http://localhost:8080/admin"})

    async def resolver(host: str, port: int) -> list[str]:
        return {"news.example": ["93.184.216.34"], "localhost": ["127.0.0.1"]}[host]

    async with httpx.AsyncClient(transport=httpx.MockTransport(transport)) as client:
        with pytest.raises(FetchError, match="loopback"):
            await fetch(client, "http://news.example/a", FetchPolicy(), HTML_TYPES, resolver)
    assert requested == ["http://news.example/a"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("ftp://example.vn/a", "only http and https"),
        ("http://user:pw@example.vn/", "user name or password"),
        ("http:///nohost", "no host"),
    ],
)
async def test_bad_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(FetchError, match=reason):
        await check_url(url, FetchPolicy(allow_private=True))
