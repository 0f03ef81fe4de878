"""The UI's page routes: every page path serves index.html, assets are cached and
pre-gzipped, names cannot escape the assets folder, and a missing build answers 503 with
instructions instead of failing. Served from a real HTTP server over a fake build in
tmp_path (the files are the only input; ``make ui`` is not needed to run these)."""

from __future__ import annotations

import gzip
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from argus.web import READY_KEY, WebOptions
from argus.web.ui import PAGE_PATHS, UIFiles, routes
from tests.web.conftest import LiveServer

INDEX = b"<!doctype html><title>Argus</title><script src='./assets/app-1a2b.js'></script>"
SCRIPT = b"console.log('argus');\n" * 200


def serve(root: Path) -> LiveServer:
    app = web.Application()
    app[READY_KEY] = {"ready": False}
    for method, path, handler in routes(UIFiles(root)):
        app.router.add_route(method, path, handler)
    return LiveServer(app, WebOptions()).start()


@pytest.fixture
def built(tmp_path: Path) -> Iterator[LiveServer]:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_bytes(INDEX)
    (tmp_path / "assets" / "app-1a2b.js").write_bytes(SCRIPT)
    (tmp_path / "secret.txt").write_text("not an asset")
    server = serve(tmp_path)
    yield server
    server.stop()


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_page_paths_serve_index(built: LiveServer, path: str) -> None:
    r = built.get(path)
    assert (r.status, r.body) == (200, INDEX)
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Cache-Control"] == "no-cache"


def test_root_redirects_to_graph(built: LiveServer) -> None:
    r = built.get("/")
    assert r.status == 200  # urllib followed the redirect
    assert r.body == INDEX

    class NoFollow(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoFollow)
    with pytest.raises(urllib.error.HTTPError) as exc:
        opener.open(built.base + "/")
    exc.value.close()
    assert exc.value.code == 302
    assert exc.value.headers["Location"] == "graph"


def test_asset_is_cached_and_gzipped(built: LiveServer) -> None:
    plain = built.get("/assets/app-1a2b.js")
    assert (plain.status, plain.body) == (200, SCRIPT)
    assert plain.headers["Content-Type"] == "text/javascript"
    assert plain.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Content-Encoding" not in plain.headers
    raw = built.request("GET", "/assets/app-1a2b.js", headers={"Accept-Encoding": "gzip"})
    # The helper decompresses; the wire size shows the body was gzipped once, not twice.
    assert raw.headers["Content-Encoding"] == "gzip"
    assert raw.body == SCRIPT
    assert int(raw.headers["Content-Length"]) == len(gzip.compress(SCRIPT, 6, mtime=0))
    assert raw.headers["Vary"] == "Accept-Encoding"


def test_asset_rebuilt_in_place_is_reread(built: LiveServer, tmp_path: Path) -> None:
    assert built.get("/assets/app-1a2b.js").body == SCRIPT
    path = tmp_path / "assets" / "app-1a2b.js"
    path.write_bytes(b"// rebuilt\n")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert built.get("/assets/app-1a2b.js").body == b"// rebuilt\n"


@pytest.mark.parametrize(
    "path", ["/assets/missing.js", "/assets/..%2Fsecret.txt", "/assets/.hidden", "/nope"]
)
def test_unknown_and_escaping_paths_are_404(built: LiveServer, path: str) -> None:
    r = built.get(path)
    assert r.status == 404
    assert b"not an asset" not in r.body


def test_head_request(built: LiveServer) -> None:
    r = built.request("HEAD", "/assets/app-1a2b.js")
    assert (r.status, r.body) == (200, b"")
    assert int(r.headers["Content-Length"]) == len(SCRIPT)


@pytest.mark.parametrize("path", ["/graph", "/targets", "/assets/app-1a2b.js"])
def test_missing_build_says_how_to_build(tmp_path: Path, path: str) -> None:
    server = serve(tmp_path / "not-built")
    try:
        r = server.get(path)
    finally:
        server.stop()
    assert r.status == 503
    assert "UI not built: run <code>make ui</code>" in r.text
    assert r.headers["Content-Type"].startswith("text/html")
