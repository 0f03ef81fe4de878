"""Scrape one target with a real Prometheus and with Argus; compare what each stores."""

from __future__ import annotations

import asyncio
import math
import shutil
import socket
import time
from pathlib import Path

import aiohttp
import pytest

from argus.config import load_string
from argus.model import Labels, Matcher
from argus.scrape import ScrapeClient, ScrapeLoop, Target, populate_labels
from argus.tsdb import DB
from tests.scrape.server import TargetServer

# Debian's Prometheus 2.42 predates UTF-8 names and le/quantile normalisation, so the
# body sticks to what both versions read the same way.
BODY = b"""# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027
http_requests_total{method="post",code="400"}    3
http_requests_total{code="500" ,method="get",} 5
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find:\\n\\"F\\""} 1.5e9
metric_without_labels 12.47
something_weird{problem="division by zero"} +Inf
nan_value NaN
tabbed\t{a="1"}\t2
clash{job="theirs",instance="x",exported_job="y"} 1
dropped_by_relabel 1
renamed{src="v"} 2
"""

JOB = """
scrape_configs:
  - job_name: e2e
    scrape_interval: 1s
    scrape_timeout: 500ms
    static_configs: [{targets: ["ADDRESS"], labels: {team: a}}]
    metric_relabel_configs:
      - {source_labels: [__name__], regex: dropped_by_relabel, action: drop}
      - {source_labels: [src], target_label: dst}
      - {regex: src, action: labeldrop}
"""


def _value(v: str | float) -> float | str:
    f = float(v)
    return "NaN" if math.isnan(f) else f


async def _prometheus_series(port: int) -> dict[Labels, float | str]:
    url = f"http://127.0.0.1:{port}/api/v1/query"
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url, params={"query": '{job="e2e"}'}) as resp:
                    data = await resp.json()
            except aiohttp.ClientError:
                await asyncio.sleep(0.5)
                continue
            result = data.get("data", {}).get("result", [])
            if any(r["metric"].get("__name__") == "up" for r in result):
                return {Labels(r["metric"].items()): _value(r["value"][1]) for r in result}
            await asyncio.sleep(0.5)
    raise AssertionError("Prometheus stored nothing in time")


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("prometheus") is None, reason="prometheus not installed")
def test_argus_stores_what_prometheus_stores(tmp_path: Path, tmp_db: DB) -> None:
    async def main() -> None:
        async with TargetServer() as server:
            server.expo.body = BODY
            config = JOB.replace("ADDRESS", server.address)
            (tmp_path / "prometheus.yml").write_text(config)
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            proc = await asyncio.create_subprocess_exec(
                "prometheus",
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'prom'}",
                f"--web.listen-address=127.0.0.1:{port}",
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            try:
                theirs = await _prometheus_series(port)
            finally:
                proc.terminate()
                await proc.wait()

            sc = load_string(config).scrape_configs[0]
            labels, discovered = populate_labels(
                Labels.of(team="a"), Labels.of(__address__=server.address), sc
            )
            assert labels is not None
            loop = ScrapeLoop(Target(labels, discovered, sc), tmp_db, ScrapeClient(sc))
            report = await loop.scrape_once()
            await loop.client.close()
            assert report.error == ""

        q = tmp_db.querier(0, 2**62)
        ours = {
            lbls: _value(float(vals[-1]))
            for lbls, _, vals in q.select([Matcher.equal("job", "e2e")])
        }
        q.close()
        synthetic = {"scrape_duration_seconds", "scrape_series_added"}
        assert set(ours) == set(theirs)
        for lbls, value in ours.items():
            if lbls.name not in synthetic:
                assert value == theirs[lbls], lbls

    asyncio.run(main())
