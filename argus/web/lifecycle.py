"""``/-/healthy``, ``/-/ready``, ``/-/reload`` and ``/-/quit``, with Prometheus's texts.

Health checks and unit files written for Prometheus work unchanged: the same status
codes and bodies, reload and quit only by POST or PUT and only with
``--web.enable-lifecycle`` (403 otherwise).
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from argus.web.api.v1 import API_KEY

__all__ = ["READY_KEY", "routes"]

log = logging.getLogger("argus.web")

READY_KEY = web.AppKey("ready", dict)


async def healthy(request: web.Request) -> web.Response:
    return web.Response(text="Argus Server is Healthy.\n")


async def ready(request: web.Request) -> web.Response:
    if request.app[READY_KEY]["ready"]:
        return web.Response(text="Argus Server is Ready.\n")
    return web.Response(status=503, text="Service Unavailable\n")


def _lifecycle_guard(request: web.Request) -> web.Response | None:
    if request.method not in ("POST", "PUT"):
        return web.Response(status=405, text="Only POST or PUT requests allowed\n")
    if not request.app[API_KEY].options.enable_lifecycle:
        return web.Response(status=403, text="Lifecycle API is not enabled.\n")
    return None


async def reload(request: web.Request) -> web.Response:
    if (refused := _lifecycle_guard(request)) is not None:
        return refused
    sources = request.app[API_KEY].sources
    loop = asyncio.get_running_loop()
    try:
        for reloader in sources.reloaders:
            await loop.run_in_executor(None, reloader)
    except Exception as exc:  # noqa: BLE001 - any reloader failure is reported, not raised
        sources.runtime.reload_success = False
        log.error("reloading configuration failed: %s", exc)
        return web.Response(status=500, text=f"failed to reload config: {exc}\n")
    sources.runtime.reload_success = True
    sources.runtime.last_config_time = time.time()
    return web.Response()


async def quit_(request: web.Request) -> web.Response:
    if (refused := _lifecycle_guard(request)) is not None:
        return refused
    stop = request.app[API_KEY].sources.quit
    if stop is not None:
        # Answer first: the stop tears down this very server.
        asyncio.get_running_loop().call_later(0.05, stop)
    return web.Response(text="Requesting termination... Goodbye!\n")


def routes() -> list[tuple[str, str, Handler]]:
    out: list[tuple[str, str, Handler]] = []
    for path, fn in (("/-/healthy", healthy), ("/-/ready", ready)):
        out += [("GET", path, fn), ("HEAD", path, fn)]
    for path, fn in (("/-/reload", reload), ("/-/quit", quit_)):
        out += [("*", path, fn)]
    return out
