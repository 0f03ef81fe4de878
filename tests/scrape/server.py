"""A real HTTP target on 127.0.0.1, port 0, whose responses tests change between scrapes."""

from __future__ import annotations

import asyncio
import gzip
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Exposition:
    body: bytes = b"up_like 1\n"
    content_type: str = "text/plain; version=0.0.4"
    status: int = 200
    delay: float = 0.0
    gzip: bool = False
    reset: bool = False
    """Send part of the body, then drop the connection."""
    requests: list[dict[str, str]] = field(default_factory=list)


class TargetServer:
    def __init__(self) -> None:
        self.expo = Exposition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        expo = self.expo
        expo.requests.append({**request.headers, "path_qs": request.path_qs})
        if expo.delay:
            await asyncio.sleep(expo.delay)
        if expo.reset:
            partial = web.StreamResponse(headers={"Content-Type": expo.content_type})
            partial.content_length = len(expo.body) + 1000
            await partial.prepare(request)
            await partial.write(expo.body)
            assert request.transport is not None
            request.transport.close()
            return partial
        body = expo.body
        headers = {"Content-Type": expo.content_type} if expo.content_type else {}
        if expo.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        resp = web.Response(body=body, status=expo.status, headers=headers)
        if not expo.content_type:
            resp.content_type = ""  # no Content-Type header at all
        return resp

    async def __aenter__(self) -> TargetServer:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"
