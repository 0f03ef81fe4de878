"""The HTTP application: lifecycle endpoints and self-monitoring for now.

The Prometheus HTTP API arrives with the serving issue; these endpoints already answer
with Prometheus's paths, status codes and texts so health checks written for Prometheus
work against Argus.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

__all__ = ["READY_KEY", "build_app"]

READY_KEY = web.AppKey("ready", dict)

MetricsSource = Callable[[], str]


def build_app(metrics: MetricsSource) -> web.Application:
    app = web.Application(client_max_size=32 * 2**20)
    app[READY_KEY] = {"ready": False}

    async def healthy(_: web.Request) -> web.Response:
        return web.Response(text="Argus Server is Healthy.\n")

    async def ready(request: web.Request) -> web.Response:
        if request.app[READY_KEY]["ready"]:
            return web.Response(text="Argus Server is Ready.\n")
        return web.Response(status=503, text="Service Unavailable\n")

    async def metrics_handler(_: web.Request) -> web.Response:
        return web.Response(
            text=metrics(),
            content_type="text/plain",
            charset="utf-8",
            headers={"X-Content-Type-Options": "nosniff"},
        )

    for path, handler in (
        ("/-/healthy", healthy),
        ("/-/ready", ready),
        ("/metrics", metrics_handler),
    ):
        app.router.add_route("GET", path, handler)
        app.router.add_route("HEAD", path, handler)
    return app
