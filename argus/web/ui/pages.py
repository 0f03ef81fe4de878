"""Serves the built UI (``web/ui`` → ``argus/web/ui/static``, see ``docs/ui.md``).

Every page path answers with the same ``index.html``, which draws the page for its
path; ``/`` redirects to ``graph`` as Prometheus does. Assets have content hashes in
their names, so they are cached for a year; ``index.html`` is revalidated on each load
so a rebuild shows at once. Assets are gzipped once and kept in memory: the
expression browser's bundle is ~0.5 MB raw and ~0.17 MB gzipped, and compressing it per
request would cost the loop tens of milliseconds.

A checkout without a build (``make ui`` not run) answers 503 with a page that says so,
rather than failing. The UI uses only relative URLs, so it works under a route prefix
once the server has one (``WebOptions`` has no ``--web.route-prefix`` yet).
"""

from __future__ import annotations

import asyncio
import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

__all__ = ["PAGE_PATHS", "UIFiles", "routes"]

PAGE_PATHS = (
    "/graph",
    "/alerts",
    "/rules",
    "/targets",
    "/service-discovery",
    "/tsdb-status",
    "/config",
    "/flags",
    "/status",
)
STATIC_DIR = Path(__file__).parent / "static"

_ASSET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".json": "application/json",
    ".map": "application/json",
}
_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Argus: UI not built</title></head>
<body style="font-family: system-ui, sans-serif; margin: 2em">
<h1>UI not built: run <code>make ui</code></h1>
<p>The web UI's assets are missing from <code>argus/web/ui/static</code>.
Build them with <code>make ui</code> (runs <code>npm ci</code> and
<code>npm run build</code> in <code>web/ui</code>). The API under
<a href="api/v1/status/buildinfo"><code>/api/v1</code></a> works without them.</p>
</body></html>
"""
_IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class _Asset:
    mtime_ns: int
    raw: bytes
    gz: bytes


@dataclass(slots=True)
class UIFiles:
    """The built UI in ``root``; asset bytes are read and gzipped once per file version."""

    root: Path = STATIC_DIR
    _cache: dict[str, _Asset] = field(default_factory=dict)

    def built(self) -> bool:
        return (self.root / "index.html").is_file()

    async def asset(self, name: str) -> _Asset | None:
        path = self.root / "assets" / name
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return None
        cached = self._cache.get(name)
        if cached is not None and cached.mtime_ns == mtime:
            return cached
        asset = await asyncio.to_thread(_load, path, mtime)
        self._cache[name] = asset
        return asset


def _load(path: Path, mtime_ns: int) -> _Asset:
    raw = path.read_bytes()
    return _Asset(mtime_ns, raw, gzip.compress(raw, compresslevel=6, mtime=0))


def _not_built() -> web.Response:
    return web.Response(
        status=503,
        text=_NOT_BUILT,
        content_type="text/html",
        headers={hdrs.CACHE_CONTROL: "no-store"},
    )


async def _send(
    request: web.Request, body: bytes, content_type: str, headers: dict[str, str]
) -> web.StreamResponse:
    """Writes ``body`` as is: a ``StreamResponse`` so the app's gzip middleware leaves
    already-encoded bytes alone."""
    resp = web.StreamResponse(headers=headers)
    resp.content_type = content_type
    resp.content_length = len(body)
    await resp.prepare(request)
    if request.method != "HEAD":
        await resp.write(body)
    await resp.write_eof()
    return resp


def routes(files: UIFiles | None = None) -> list[tuple[str, str, Handler]]:
    """``(method, path, handler)`` for the page paths, ``/`` and ``/assets/{name}``."""
    ui = files or UIFiles()

    async def index(request: web.Request) -> web.StreamResponse:
        try:
            body = await asyncio.to_thread((ui.root / "index.html").read_bytes)
        except OSError:
            return _not_built()
        headers = {hdrs.CACHE_CONTROL: "no-cache", "X-Content-Type-Options": "nosniff"}
        return await _send(request, body, "text/html; charset=utf-8", headers)

    async def root(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("graph")

    async def asset(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        found = await ui.asset(name) if _ASSET_NAME.match(name) else None
        if found is None:
            if not ui.built():
                return _not_built()
            raise web.HTTPNotFound()
        headers = {
            hdrs.CACHE_CONTROL: _IMMUTABLE,
            hdrs.VARY: hdrs.ACCEPT_ENCODING,
            "X-Content-Type-Options": "nosniff",
        }
        body = found.raw
        if "gzip" in request.headers.get(hdrs.ACCEPT_ENCODING, "").lower():
            headers[hdrs.CONTENT_ENCODING] = "gzip"
            body = found.gz
        ctype = _TYPES.get(Path(name).suffix, "application/octet-stream")
        return await _send(request, body, ctype, headers)

    out: list[tuple[str, str, Handler]] = []
    for method in ("GET", "HEAD"):
        out.append((method, "/", root))
        out += [(method, path, index) for path in PAGE_PATHS]
        out.append((method, "/assets/{name}", asset))
    return out
