"""Alertmanager over HTTPS with the config's TLS options, against a real aiohttp server.

Certificates are made with the ``openssl`` command (a CA, a server certificate for
127.0.0.1 signed by it, and a client certificate for mutual TLS).
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from aiohttp import web

from argus.config import load_string
from argus.model import Labels
from argus.notify import Alert, Notifier, NotifierOptions

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


EC_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")


def make_certs(d: Path) -> None:
    openssl("req", "-x509", *EC_KEY, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
            "-subj", "/CN=test-ca", cwd=d)  # fmt: skip
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    for name in ("server", "client"):
        openssl("req", *EC_KEY, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", f"/CN={name}", cwd=d)  # fmt: skip
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.crt", "-days", "1", "-extfile", "ext.cnf",
                cwd=d)  # fmt: skip


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("certs")
    make_certs(d)
    return d


@pytest.mark.parametrize("client_cert", [False, True], ids=["ca-only", "mutual-tls"])
def test_alerts_over_https_with_ca_and_client_cert(certs, client_cert):
    tmp_path = certs
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(tmp_path / "server.crt", tmp_path / "server.key")
    if client_cert:
        server_ctx.load_verify_locations(tmp_path / "ca.crt")
        server_ctx.verify_mode = ssl.CERT_REQUIRED
    received: list[dict[str, object]] = []
    peers: list[object] = []

    async def handler(request: web.Request) -> web.Response:
        received.extend(await request.json())
        peers.append(request.transport.get_extra_info("peercert") if request.transport else None)
        return web.json_response({})

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/api/v2/alerts", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ctx)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        tls = f"ca_file: {tmp_path / 'ca.crt'}"
        if client_cert:
            tls += f", cert_file: {tmp_path / 'client.crt'}, key_file: {tmp_path / 'client.key'}"
        cfg = load_string(
            "alerting:\n  alertmanagers:\n"
            f"    - {{scheme: https, tls_config: {{{tls}}}, "
            f"static_configs: [{{targets: ['127.0.0.1:{port}']}}]}}\n"
        )
        n = Notifier(NotifierOptions(retry_initial_s=0.05, retry_max_s=0.1))
        n.apply_config(cfg)
        await n.run()
        n.send([Alert(Labels.of(alertname="Tls"), starts_at_ms=1, ends_at_ms=2)])
        assert await n.drain(10)
        await n.stop()
        await runner.cleanup()

    asyncio.run(main())
    assert [a["labels"] for a in received] == [{"alertname": "Tls"}]
    if client_cert:
        assert peers[0], "the server saw the client certificate"
