"""Alertmanager targets from discovered groups, as Prometheus's ``AlertmanagerFromGroup``."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from argus.config import AlertmanagerConfig, load_string
from argus.discovery import TargetGroup
from argus.model import Labels
from argus.notify import (
    AlertmanagerSet,
    Notifier,
    NotifierOptions,
    NotifyError,
    alertmanager_labels,
    alertmanager_url,
)


def am_config(body: str) -> AlertmanagerConfig:
    cfg = load_string("alerting:\n  alertmanagers:\n    - " + body.replace("\n", "\n      "))
    (am,) = cfg.alerting.alertmanagers
    return am


@pytest.mark.parametrize(
    ("body", "group_labels", "active", "dropped"),
    [
        ("path_prefix: //am//x/", {}, ["http://h:1/am/x/api/v2/alerts"], []),
        # Group labels apply where the target has no such label, and after __scheme__.
        ("scheme: http", {"__scheme__": "https"}, ["https://h:1/api/v2/alerts"], []),
        (
            "relabel_configs: [{source_labels: [dc], regex: b, action: drop}]",
            {"dc": "b"},
            [],
            ["http://h:1/api/v2/alerts"],
        ),
        (
            "relabel_configs: [{target_label: __alerts_path__, replacement: rel}]",
            {},
            ["http://h:1/rel"],
            [],
        ),
    ],
    ids=["path-clean", "group-scheme", "drop", "relative-path"],
)
def test_alertmanager_labels(body, group_labels, active, dropped):
    group = TargetGroup("g", (Labels.of(__address__="h:1"),), Labels(group_labels.items()))
    kept, gone = alertmanager_labels(group, am_config(body))
    assert [alertmanager_url(lb) for lb in kept] == active
    assert [alertmanager_url(lb) for lb in gone] == dropped


def test_a_url_in_the_address_rejects_the_group():
    am = am_config("relabel_configs: [{target_label: __address__, replacement: 'h:1/x'}]")
    with pytest.raises(NotifyError, match="is not a valid hostname"):
        alertmanager_labels(TargetGroup("g", (Labels.of(__address__="h:1"),)), am)


def test_set_dedups_urls_and_follows_file_changes(tmp_path):
    path = tmp_path / "am.json"
    path.write_text(json.dumps([{"targets": ["a:1", "a:1", "b:1"]}]))
    am = am_config(f"file_sd_configs: [{{files: ['{path}']}}]")
    changes: list[list[str]] = []

    async def main() -> None:
        s = AlertmanagerSet(am, file_sd_poll_interval=0.02)
        s.on_change = lambda: changes.append([t.url for t in s.active])
        assert [t.url for t in s.active] == ["http://a:1/api/v2/alerts", "http://b:1/api/v2/alerts"]
        s.start()
        await asyncio.sleep(0.1)
        path.write_text(json.dumps([{"targets": ["c:1"]}]))
        for _ in range(100):
            if changes and changes[-1] == ["http://c:1/api/v2/alerts"]:
                break
            await asyncio.sleep(0.02)
        await s.stop()

    asyncio.run(main())
    assert changes[-1] == ["http://c:1/api/v2/alerts"]


def test_reload_with_the_same_entry_keeps_the_set():
    cfg = load_string("alerting: {alertmanagers: [{static_configs: [{targets: ['a:1']}]}]}")
    n = Notifier(NotifierOptions())
    n.apply_config(cfg)
    first = n._sets[0]
    n.apply_config(
        load_string("alerting: {alertmanagers: [{static_configs: [{targets: ['a:1']}]}]}")
    )
    assert n._sets[0] is first
    n.apply_config(
        load_string("alerting: {alertmanagers: [{static_configs: [{targets: ['b:1']}]}]}")
    )
    assert n._sets[0] is not first
    assert n.alertmanagers() == ["http://b:1/api/v2/alerts"]


def test_http_sd_alertmanagers_from_a_real_endpoint():
    served = [[{"targets": ["a:1"], "labels": {"dc": "x"}}]]

    async def sd(_: web.Request) -> web.Response:
        return web.json_response(served[-1])

    async def main() -> list[list[str]]:
        app = web.Application()
        app.router.add_get("/sd", sd)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        am = am_config(
            f"http_sd_configs: [{{url: 'http://127.0.0.1:{port}/sd', refresh_interval: 50ms}}]\n"
            "relabel_configs: [{source_labels: [__meta_url], regex: '.*/sd', "
            "target_label: __alerts_path__, replacement: /via-sd}]"
        )
        seen: list[list[str]] = []
        s = AlertmanagerSet(am)
        assert s.active == []  # HTTP SD is only known once the set runs
        s.on_change = lambda: seen.append([t.url for t in s.active])
        s.start()
        for _ in range(200):
            if seen and seen[-1] == ["http://a:1/via-sd"]:
                break
            await asyncio.sleep(0.01)
        served.append([{"targets": ["b:1"]}])
        for _ in range(200):
            if seen[-1] == ["http://b:1/via-sd"]:
                break
            await asyncio.sleep(0.01)
        await s.stop()
        await runner.cleanup()
        return seen

    seen = asyncio.run(main())
    assert seen[0] == ["http://a:1/via-sd"]
    assert seen[-1] == ["http://b:1/via-sd"]
