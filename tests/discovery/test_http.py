"""HTTP SD against a real endpoint on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiohttp import web

from argus.config import load_string
from argus.discovery import HTTPDiscoverer, HTTPSDError
from argus.model import Labels


def test_fetch_groups_changes_and_failures():
    async def main() -> None:
        state = {"body": [{"targets": ["a:1", "b:2"], "labels": {"env": "x"}}], "status": 200}
        seen_auth: list[str] = []

        async def handler(request: web.Request) -> web.Response:
            seen_auth.append(request.headers.get("Authorization", ""))
            return web.Response(
                text=json.dumps(state["body"]),
                status=int(state["status"]),  # type: ignore[call-overload]
                content_type="application/json",
            )

        app = web.Application()
        app.router.add_get("/sd", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = runner.addresses[0][1]
        url = f"http://127.0.0.1:{port}/sd"
        cfg = load_string(
            f"scrape_configs: [{{job_name: j, http_sd_configs: [{{url: '{url}', "
            "authorization: {credentials: tok}}]}]"
        ).scrape_configs[0]
        disc = HTTPDiscoverer(cfg.http_sd_configs[0])
        async with aiohttp.ClientSession() as session:
            (group,) = await disc.fetch(session)
            assert group.source == f"{url}:0"
            assert group.labels == Labels.of(env="x", __meta_url=url)
            assert len(group.targets) == 2
            assert seen_auth == ["Bearer tok"]

            state["body"] = []
            (removed,) = await disc.fetch(session)
            assert removed.source == f"{url}:0" and removed.targets == ()

            state["status"] = 500
            with pytest.raises(HTTPSDError, match="HTTP status 500"):
                await disc.fetch(session)
            state["status"], state["body"] = 200, {"not": "a list"}
            with pytest.raises(HTTPSDError, match="expected a list"):
                await disc.fetch(session)
        await runner.cleanup()

    asyncio.run(main())
