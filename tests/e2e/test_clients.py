"""Real Prometheus clients against a running Argus.

(a) The Python ``prometheus-api-client`` package: every call it makes is answered, and
what it returns equals the raw API answer to the same request (so its parsing of our
JSON holds), with values that make sense for the data (``up`` is 1, the self-scrape
shows up in targets and metadata).

(b) Debian's Prometheus federating from Argus's ``/federate`` (``honor_labels``) and
scraping its ``/metrics``: the federated series keep Argus's label sets, every sample
Prometheus stored is one Argus has (same timestamp, same value), and Argus's own metrics
arrive with ``up == 1``.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_api_client import PrometheusConnect

from tests.e2e.peers import (
    PROMETHEUS,
    argus,
    free_port,
    generated_target,
    get_json,
    prometheus,
    wait_for,
)

pytestmark = pytest.mark.e2e

GENERATED = b"""# HELP gen_value A generated gauge.
# TYPE gen_value gauge
gen_value{path="/a"} 1.5
gen_value{path="/b"} -2
gen_value{path="/c",code="500"} 1e+21
# TYPE gen_requests_total counter
gen_requests_total{path="/a"} 10
gen_requests_total{path="/b"} 20
"""


def write_config(path: Path, scrape_configs: list[dict[str, Any]]) -> Path:
    cfg = {"global": {"scrape_interval": "1s", "scrape_timeout": "1s"}}
    path.write_text(json.dumps({**cfg, "scrape_configs": scrape_configs}))
    return path


def data(base: str, path: str, **params: str) -> Any:
    doc = get_json(base + path, **params)
    assert doc["status"] == "success", doc
    return doc["data"]


def self_and_generated(tmp_path: Path, port: int, target: str) -> Path:
    return write_config(
        tmp_path / "argus.yml",
        [
            {"job_name": "argus", "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]},
            {"job_name": "gen", "static_configs": [{"targets": [target]}]},
        ],
    )


def scraped(base: str, job: str, times: int = 3) -> bool:
    result = data(base, "/api/v1/query", query=f'count_over_time(up{{job="{job}"}}[1m])')["result"]
    return bool(result) and float(result[0]["value"][1]) >= times


def test_prometheus_api_client(tmp_path: Path):
    port = free_port()
    with (
        generated_target(GENERATED) as target,
        argus(tmp_path, self_and_generated(tmp_path, port, target), port=port) as base,
    ):
        wait_for(lambda: scraped(base, "argus") and scraped(base, "gen"), "three scrapes")
        pc = PrometheusConnect(url=base, disable_ssl=True)
        assert pc.check_prometheus_connection()

        names = pc.all_metrics()
        assert {"up", "gen_value", "scrape_duration_seconds"} <= set(names)
        assert names == data(base, "/api/v1/label/__name__/values")
        assert pc.get_label_names() == data(base, "/api/v1/labels")
        assert pc.get_label_values("job") == ["argus", "gen"]

        up = pc.get_current_metric_value("up", label_config={"job": "gen"})
        assert [(s["metric"]["instance"], s["value"][1]) for s in up] == [(target, "1")]
        gen = pc.custom_query('gen_value{path="/c"}')
        assert float(gen[0]["value"][1]) == 1e21

        by_job = pc.custom_query("sum by (job) (up)")
        raw = data(
            base, "/api/v1/query", query="sum by (job) (up)", time=str(by_job[0]["value"][0])
        )
        assert by_job == raw["result"]

        end = datetime.now(UTC)
        start = end - timedelta(seconds=30)
        rng = pc.custom_query_range("sum(gen_requests_total)", start, end, step="2s")
        assert len(rng) == 1 and {v for _, v in rng[0]["values"]} == {"30"}
        raw = data(
            base,
            "/api/v1/query_range",
            query="sum(gen_requests_total)",
            start=str(round(start.timestamp())),  # the client sends whole seconds
            end=str(round(end.timestamp())),
            step="2",
        )
        assert rng == raw["result"]

        # A range-vector instant query, as get_metric_range_data sends it.
        chunks = pc.get_metric_range_data(
            "gen_requests_total", label_config={"path": "/a"}, start_time=start, end_time=end
        )
        samples = [v for chunk in chunks for _, v in chunk["values"]]
        assert samples and set(samples) == {"10"}

        series = pc.get_series(start, end, params={"match[]": "gen_value"})
        assert sorted(s["path"] for s in series) == ["/a", "/b", "/c"]

        agg = pc.get_metric_aggregation(
            'gen_value{path=~"/a|/b"}', operations=["sum", "max", "min"]
        )
        assert agg == {"sum": -0.5, "max": 1.5, "min": -2.0}

        targets = pc.get_targets(state="active")
        assert {t["labels"]["job"] for t in targets["activeTargets"]} == {"argus", "gen"}
        assert all(t["health"] == "up" for t in targets["activeTargets"])
        meta = pc.get_metric_metadata("gen_value")
        assert meta == [
            {"metric_name": "gen_value", "type": "gauge", "help": "A generated gauge.", "unit": ""}
        ]
        tmeta = pc.get_target_metadata({"job": "gen"}, metric="gen_requests_total")
        assert [m["type"] for m in tmeta] == ["counter"]


@pytest.mark.skipif(not os.path.exists(PROMETHEUS), reason="Debian package 'prometheus' missing")
def test_prometheus_federates_from_argus_and_scrapes_its_metrics(tmp_path: Path):
    port = free_port()
    with (
        generated_target(GENERATED) as target,
        argus(tmp_path, self_and_generated(tmp_path, port, target), port=port) as argus_base,
    ):
        wait_for(lambda: scraped(argus_base, "gen"), "Argus scraping the target")
        prom_cfg = write_config(
            tmp_path / "prometheus.yml",
            [
                {
                    "job_name": "federate",
                    "honor_labels": True,
                    "metrics_path": "/federate",
                    "params": {"match[]": ['{job="gen"}']},
                    "static_configs": [{"targets": [f"127.0.0.1:{port}"]}],
                },
                {
                    "job_name": "argus-metrics",
                    "static_configs": [{"targets": [f"127.0.0.1:{port}"]}],
                },
            ],
        )
        with prometheus(tmp_path, prom_cfg) as prom:
            wait_for(lambda: scraped(prom, "federate", 4), "Prometheus federating", timeout=30)
            now = time.time() - 1

            def label_sets(base: str) -> set[tuple[tuple[str, str], ...]]:
                found = data(base, "/api/v1/series", **{"match[]": '{job="gen"}'})
                return {tuple(sorted(s.items())) for s in found}

            federated = label_sets(prom)
            assert federated == label_sets(argus_base)
            assert len(federated) == 5 + 5  # the target's series and its scrape series

            # Every federated sample is one of Argus's: same timestamp, same value.
            window = {"query": '{job="gen"}[30s]', "time": f"{now:.3f}"}
            ours = {
                (tuple(sorted(s["metric"].items())), ts, v)
                for s in data(argus_base, "/api/v1/query", **window)["result"]
                for ts, v in s["values"]
            }
            theirs = {
                (tuple(sorted(s["metric"].items())), ts, v)
                for s in data(prom, "/api/v1/query", **window)["result"]
                for ts, v in s["values"]
            }
            assert len(theirs) >= 3 * len(federated)
            assert theirs <= ours

            # Argus's /metrics as an ordinary target.
            up = data(prom, "/api/v1/query", query='up{job="argus-metrics"}')["result"]
            assert [s["value"][1] for s in up] == ["1"]
            own = data(prom, "/api/v1/query", query='{job="argus-metrics",__name__=~"argus_.+"}')
            assert len(own["result"]) > 10
