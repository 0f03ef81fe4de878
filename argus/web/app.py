"""The HTTP application: the Prometheus API v1, federation, lifecycle and ``/metrics``.

Cross-cutting behaviour lives in two middlewares, in this order:

- ``_observe``: counts requests by route and code for ``/metrics``;
- ``_api``: refuses ``/api/v1`` until the server is ready (503, as Prometheus), turns
  unknown API paths into ``not_found`` error JSON, and gzips every response a client
  accepts gzip for (Prometheus's ``CompressionHandler``) at ``WebOptions.gzip_level``.
  Query responses arrive gzipped from their worker thread; other bodies over
  ``_INLINE_GZIP_BYTES`` are compressed on a worker thread, so the loop never stalls.

Request sizes are bounded: request line and headers by ``max_line_bytes``, bodies by
``max_request_bytes`` (a bigger form is ``bad_data``, as Go's ``ParseForm`` fails), the
number of ``match[]`` values by ``max_match_params``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from argus.web import lifecycle
from argus.web.api.v1 import API_KEY, APIContext, QueryExecutor
from argus.web.api.v1 import routes as api_routes
from argus.web.api.v1.codec import encode_error
from argus.web.api.v1.respond import accepts_gzip, gzip_body
from argus.web.federate import federate
from argus.web.lifecycle import READY_KEY
from argus.web.metrics import HTTPMetrics
from argus.web.options import Sources, WebOptions
from argus.web.ui import routes as ui_routes

__all__ = ["READY_KEY", "build_app", "handler_args"]

API_PREFIX = "/api/v1"
_INLINE_GZIP_BYTES = 16 * 1024
"""Bodies up to this are gzipped on the loop (~0.1 ms at level 1): cheaper than a hop."""
METRICS_KEY = web.AppKey("http_metrics", HTTPMetrics)


def handler_args(options: WebOptions) -> dict[str, Any]:
    """Keyword arguments for ``web.AppRunner``: the request line and header bounds."""
    return {
        "max_line_size": options.max_line_bytes,
        "max_field_size": options.max_line_bytes,
    }


@web.middleware
async def _observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    start = time.perf_counter()
    route = request.match_info.route.resource
    name = route.canonical if route is not None else "other"
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        request.app[METRICS_KEY].observe(name, status, time.perf_counter() - start)


@web.middleware
async def _api(request: web.Request, handler: Handler) -> web.StreamResponse:
    is_api = request.path.startswith(API_PREFIX + "/")
    if is_api and not request.app[READY_KEY]["ready"]:
        return web.Response(status=503, text="Service Unavailable\n")
    if is_api and request.method == "OPTIONS":
        return web.Response(status=204)
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        if not is_api:
            raise
        body = encode_error("not_found", f"unknown API endpoint {request.path}")
        response = web.Response(status=404, body=body, content_type="application/json")
    if (
        isinstance(response, web.Response)
        and hdrs.CONTENT_ENCODING not in response.headers
        and isinstance(raw := response.body, bytes)
        and raw
        and accepts_gzip(request)
    ):
        level = request.app[API_KEY].options.gzip_level
        if len(raw) <= _INLINE_GZIP_BYTES:
            response.body = gzip_body(raw, level)
        else:
            loop = asyncio.get_running_loop()
            response.body = await loop.run_in_executor(None, gzip_body, raw, level)
        response.headers[hdrs.CONTENT_ENCODING] = "gzip"
    return response


def build_app(sources: Sources, options: WebOptions | None = None) -> web.Application:
    """The application; ``READY_KEY`` flips to ready once the server has started."""
    options = options or WebOptions()
    app = web.Application(client_max_size=options.max_request_bytes, middlewares=[_observe, _api])
    executor = QueryExecutor(options.max_concurrency)
    app[API_KEY] = APIContext(sources, options, executor)
    app[READY_KEY] = {"ready": False}
    app[METRICS_KEY] = HTTPMetrics(executor)

    async def metrics(request: web.Request) -> web.Response:
        text = sources.metrics() + request.app[METRICS_KEY].render()
        return web.Response(
            text=text,
            content_type="text/plain",
            charset="utf-8",
            headers={"X-Content-Type-Options": "nosniff"},
        )

    async def stop_executor(_: web.Application) -> None:
        executor.close()

    app.on_cleanup.append(stop_executor)
    for method, path, handler in api_routes():
        app.router.add_route(method, API_PREFIX + path, handler)
    for method, path, handler in lifecycle.routes():
        app.router.add_route(method, path, handler)
    app.router.add_route("GET", "/federate", federate)
    app.router.add_route("GET", "/metrics", metrics)
    app.router.add_route("HEAD", "/metrics", metrics)
    for method, path, handler in ui_routes():
        app.router.add_route(method, path, handler)
    return app
