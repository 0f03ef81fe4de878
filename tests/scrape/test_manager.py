"""The scrape manager end to end: config -> discovery -> loops -> DB, on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json

import numpy as np
from prometheus_client.parser import text_string_to_metric_families

from argus.config import load_string
from argus.model import Matcher, is_stale
from argus.scrape.manager import ManagerOptions, ScrapeManager
from argus.tsdb import DB
from tests.scrape.server import TargetServer


def up_values(db: DB) -> dict[str, list[float]]:
    q = db.querier(0, 2**62)
    out = {
        labels.get("instance"): vals.tolist()
        for labels, _, vals in q.select([Matcher.equal("__name__", "up")])
    }
    q.close()
    return out


def _config(targets: list[str], extra: str = "") -> str:
    return (
        "scrape_configs:\n"
        "  - job_name: web\n"
        "    scrape_interval: 100ms\n"
        "    scrape_timeout: 90ms\n"
        f"    static_configs: [{{targets: {json.dumps(targets)}}}]\n"
        f"{extra}"
    )


def test_static_targets_scraped_and_removed_target_goes_stale(tmp_db):
    async def main() -> None:
        async with TargetServer() as a, TargetServer() as b:
            manager = ScrapeManager(tmp_db, ManagerOptions(file_sd_poll_interval=0.02))
            await manager.apply_config(load_string(_config([a.address, b.address])))
            await asyncio.sleep(0.35)
            ups = up_values(tmp_db)
            assert set(ups) == {a.address, b.address}
            assert all(v and all(x == 1.0 for x in v) for v in ups.values())
            loops_before = manager.active_targets()["web"]

            await manager.apply_config(load_string(_config([a.address])))
            await asyncio.sleep(0.05)
            assert len(manager.active_targets()["web"]) == 1
            # Same job config? No: the target list changed, so the job restarted, and
            # the new loop for `a` took its series over: `a` never goes stale.
            assert manager.active_targets()["web"][0] is not loops_before[0]
            await asyncio.sleep(0.3)  # next slot + one interval + 10 %
            gone = up_values(tmp_db)[b.address]
            assert is_stale(np.array([gone[-1]]))[0]
            kept = up_values(tmp_db)[a.address]
            assert not is_stale(np.array(kept)).any()
            assert manager.retired == {}

            text = manager.metrics_text()
            names = {f.name for f in text_string_to_metric_families(text)}
            assert {"argus_circuit_breaker_state", "argus_bulkhead_in_flight"} <= names
            await manager.stop()

    asyncio.run(main())


def test_unchanged_job_keeps_its_loops_on_reload(tmp_db):
    async def main() -> None:
        async with TargetServer() as a:
            manager = ScrapeManager(tmp_db)
            cfg = load_string(_config([a.address]))
            await manager.apply_config(cfg)
            await asyncio.sleep(0.05)
            (loop,) = manager.active_targets()["web"]
            await manager.apply_config(load_string(_config([a.address])))
            assert manager.active_targets()["web"] == [loop]
            await manager.stop()
            assert manager.active_targets() == {}

    asyncio.run(main())


def test_file_sd_relabel_and_dropped_targets(tmp_db, tmp_path):
    async def main() -> None:
        async with TargetServer() as a:
            (tmp_path / "targets.json").write_text(
                json.dumps([{"targets": [a.address, "127.0.0.1:1"], "labels": {"team": "x"}}])
            )
            cfg_path = tmp_path / "prometheus.yml"
            cfg_path.write_text(
                "scrape_configs:\n"
                "  - job_name: files\n"
                "    scrape_interval: 100ms\n"
                "    scrape_timeout: 50ms\n"
                "    file_sd_configs: [{files: ['*.json']}]\n"
                "    relabel_configs:\n"
                "      - source_labels: [__address__]\n"
                "        regex: '127.0.0.1:1'\n"
                "        action: drop\n"
                "      - source_labels: [__meta_filepath]\n"
                "        regex: '.*/(.*)'\n"
                "        target_label: file\n"
            )
            from argus.config import load_file

            manager = ScrapeManager(tmp_db, ManagerOptions(file_sd_poll_interval=0.02))
            await manager.apply_config(load_file(cfg_path))
            await asyncio.sleep(0.25)
            (loop,) = manager.active_targets()["files"]
            assert loop.target.sample_labels.get("file") == "targets.json"
            assert loop.target.sample_labels.get("team") == "x"
            (dropped,) = manager.dropped_targets()["files"]
            assert dropped.reason == "dropped by relabeling"
            assert up_values(tmp_db)[a.address][0] == 1.0
            await manager.stop()

    asyncio.run(main())


def test_a_bad_target_does_not_affect_a_good_one(tmp_db):
    async def main() -> None:
        async with TargetServer() as good, TargetServer() as bad:
            bad.expo.body = b"garbage{ here\n"
            manager = ScrapeManager(tmp_db)
            await manager.apply_config(load_string(_config([good.address, bad.address])))
            await asyncio.sleep(0.35)
            text = manager.metrics_text()
            await manager.stop()
            ups = up_values(tmp_db)
            assert ups[good.address][:2] == [1.0, 1.0]
            assert ups[bad.address][:2] == [0.0, 0.0]
            assert 'argus_scrape_failures_total{job="web",kind="parse"}' in text

    asyncio.run(main())


def test_shutdown_writes_no_staleness_markers(tmp_db):
    async def main() -> None:
        async with TargetServer() as a:
            manager = ScrapeManager(tmp_db)
            await manager.apply_config(load_string(_config([a.address])))
            await asyncio.sleep(0.25)
            await manager.stop()
            await asyncio.sleep(0.3)
            ups = up_values(tmp_db)[a.address]
            assert ups and not is_stale(np.array(ups)).any()

    asyncio.run(main())


def test_target_back_within_two_intervals_keeps_its_series(tmp_db):
    async def main() -> None:
        async with TargetServer() as a, TargetServer() as b:
            manager = ScrapeManager(tmp_db)
            await manager.apply_config(load_string(_config([a.address, b.address])))
            await asyncio.sleep(0.25)
            await manager.apply_config(load_string(_config([a.address])))
            await asyncio.sleep(0.05)
            (((_, labels), old_b),) = manager.retired.items()
            assert labels.get("instance") == b.address
            await manager.apply_config(load_string(_config([a.address, b.address])))
            await asyncio.sleep(0.35)
            # The new loop took b's series over: the pending markers were dropped.
            assert old_b.end_of_run is not None and old_b.end_of_run.cancelled()
            for values in up_values(tmp_db).values():
                assert not is_stale(np.array(values)).any()
            await manager.stop()

    asyncio.run(main())
