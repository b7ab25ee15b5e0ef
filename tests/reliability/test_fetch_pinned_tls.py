"""Issue 10, item 1, over real TLS on 127.0.0.1: a pinned request still sends the host name as SNI and
``Host``, and the certificate is checked against that name (not against the address connected to)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bot.web.fetch import pinned_request
from tests.support.sites import serving

NAME = "rebind.example"


@dataclass
class TlsSite:
    port: int
    ca: Path
    server_names: list[str | None] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for NAME (its own CA): (certificate, key)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not available to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={NAME}",
                    "-addext", f"subjectAltName=DNS:{NAME}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)  # fmt: skip
    return cert, key


@pytest.fixture
async def tls_site(certificate: tuple[Path, Path]) -> AsyncIterator[TlsSite]:
    cert, key = certificate
    names: list[str | None] = []
    hosts: list[str] = []

    def sni(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        names.append(name)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = sni

    async def page(request: web.Request) -> web.Response:
        hosts.append(request.headers["Host"])
        return web.Response(text="<p>ok</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/a", page)
    async with serving(app, ssl_context=context) as port:
        yield TlsSite(port=port, ca=cert, server_names=names, hosts=hosts)


async def test_pinned_https_sends_the_name_and_verifies_it(tls_site: TlsSite) -> None:
    trust = ssl.create_default_context(cafile=str(tls_site.ca))
    async with httpx.AsyncClient(verify=trust) as client:
        request = pinned_request(client, f"https://{NAME}:{tls_site.port}/a", "127.0.0.1")
        assert request.url.host == "127.0.0.1"  # no DNS lookup of the name
        response = await client.send(request)
    assert response.status_code == 200
    assert tls_site.server_names == [NAME]
    assert tls_site.hosts == [f"{NAME}:{tls_site.port}"]


async def test_a_certificate_for_another_name_is_refused(tls_site: TlsSite) -> None:
    trust = ssl.create_default_context(cafile=str(tls_site.ca))
    async with httpx.AsyncClient(verify=trust) as client:
        request = pinned_request(client, f"https://other.example:{tls_site.port}/a", "127.0.0.1")
        with pytest.raises(httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|hostname"):
            await client.send(request)
    assert tls_site.hosts == []
