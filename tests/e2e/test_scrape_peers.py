"""Argus scraping real peers: Debian's node_exporter, side by side with Prometheus.

(a) node_exporter is a real target for ``python -m argus``: its ``node_*`` series and
``up == 1`` show up through ``/api/v1/query``.

(b) Prometheus and Argus scrape the same targets (node_exporter and a generated body)
at the same time, under one config whose ``relabel_configs`` and
``metric_relabel_configs`` use every action. The label sets each stores, read through
``/api/v1/series``, must be equal, ``up`` and the ``scrape_*`` series included.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.peers import (
    PROMETHEUS,
    argus,
    free_port,
    generated_target,
    get_json,
    process,
    prometheus,
    wait_for,
)

NODE_EXPORTER = shutil.which("prometheus-node-exporter") or "/usr/bin/prometheus-node-exporter"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not os.path.exists(NODE_EXPORTER),
        reason="node_exporter not installed (Debian package 'prometheus-node-exporter')",
    ),
]

# Collectors whose series set does not change from one scrape to the next, so two
# servers scraping at different moments store the same series.
STABLE_COLLECTORS = ("cpu", "loadavg", "meminfo", "stat", "time", "uname", "vmstat")

# The generated target: label names and values chosen to exercise each
# metric_relabel_configs action below.
GENERATED = b"""# TYPE gen_requests_total counter
gen_requests_total{gen_path="/a",mode="Read",code="200"} 10
gen_requests_total{gen_path="/b",mode="Write",code="500"} 2
gen_requests_total{gen_path="/c",mode="Read",code="200",xtra="dropped label"} 7
# TYPE gen_pair gauge
gen_pair{a="1",b="1"} 1
gen_pair{a="1",b="2"} 2
gen_pair{c="gen_pair"} 3
gen_pair{c="other"} 4
# TYPE gen_dropped_metric gauge
gen_dropped_metric 5
# TYPE other_unkept gauge
other_unkept 6
"""

TARGET_RELABEL = [
    # drop: the junk target goes.
    {"source_labels": ["kind"], "regex": "junk", "action": "drop"},
    # keep: only loopback targets stay.
    {"source_labels": ["__address__"], "regex": r"127\.0\.0\.1:\d+", "action": "keep"},
    # keepequal: the target whose copy_src differs from copy_dst goes.
    {"source_labels": ["copy_src"], "target_label": "copy_dst", "action": "keepequal"},
    # dropequal: the target whose kind equals its drop_if label goes.
    {"source_labels": ["kind"], "target_label": "drop_if", "action": "dropequal"},
    # replace, with a template.
    {
        "source_labels": ["kind", "env"],
        "separator": "/",
        "regex": "(.+)/(.+)",
        "target_label": "service",
        "replacement": "svc-${1}-${2}",
    },
    {"source_labels": ["env"], "target_label": "env_lower", "action": "lowercase"},
    {"source_labels": ["kind"], "target_label": "kind_upper", "action": "uppercase"},
    {
        "source_labels": ["__address__"],
        "modulus": 8,
        "target_label": "__tmp_shard",
        "action": "hashmod",
    },
    {"source_labels": ["__tmp_shard"], "target_label": "shard"},
    {"regex": "team_(.+)", "replacement": "owner_$1", "action": "labelmap"},
    {"regex": "team_.+", "action": "labeldrop"},
    # labelkeep: everything but drop_if and copy_dst.
    {
        "regex": "__.+|job|kind|env|env_lower|kind_upper|service|shard|owner_.+|copy_src",
        "action": "labelkeep",
    },
]

METRIC_RELABEL = [
    {"source_labels": ["__name__"], "regex": "gen_dropped_metric", "action": "drop"},
    {"source_labels": ["__name__"], "regex": "node_.+|gen_.+", "action": "keep"},
    {"source_labels": ["a"], "target_label": "b", "action": "keepequal"},
    {"source_labels": ["__name__"], "target_label": "c", "action": "dropequal"},
    {
        "source_labels": ["__name__", "cpu"],
        "regex": "node_cpu_seconds_total;(.+)",
        "target_label": "core",
        "replacement": "core-$1",
    },
    {"source_labels": ["mode"], "target_label": "mode_lower", "action": "lowercase"},
    {"source_labels": ["mode"], "target_label": "mode_upper", "action": "uppercase"},
    {"source_labels": ["__name__"], "modulus": 4, "target_label": "bucket", "action": "hashmod"},
    {"regex": "gen_(.+)", "replacement": "mapped_$1", "action": "labelmap"},
    {"regex": "gen_.+", "action": "labeldrop"},
    {"regex": "[^x].*", "action": "labelkeep"},
]


@contextlib.contextmanager
def node_exporter(tmp_path: Path, *collectors: str) -> Iterator[str]:
    port = free_port()
    cmd = [NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{port}"]
    if collectors:
        cmd += ["--collector.disable-defaults", *(f"--collector.{c}" for c in collectors)]
    with process(cmd, tmp_path / "node_exporter.log"):
        url = f"http://127.0.0.1:{port}/metrics"
        wait_for(lambda: urllib.request.urlopen(url, timeout=5).read(), "node_exporter")
        yield f"127.0.0.1:{port}"


def write_config(path: Path, scrape_configs: list[dict[str, Any]]) -> Path:
    # JSON is YAML, so both servers read this file.
    cfg = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
        "scrape_configs": scrape_configs,
    }
    path.write_text(json.dumps(cfg, indent=1))
    return path


def query(base: str, expr: str) -> list[dict[str, Any]]:
    data = get_json(base + "/api/v1/query", query=expr)
    assert data["status"] == "success", data
    result: list[dict[str, Any]] = data["data"]["result"]
    return result


def series(base: str, start: float, end: float) -> set[tuple[tuple[str, str], ...]]:
    data = get_json(
        base + "/api/v1/series",
        **{"match[]": '{__name__=~".+"}', "start": f"{start:.3f}", "end": f"{end:.3f}"},
    )
    assert data["status"] == "success", data
    return {tuple(sorted(s.items())) for s in data["data"]}


def test_argus_scrapes_node_exporter(tmp_path: Path):
    with node_exporter(tmp_path) as address:
        config = write_config(
            tmp_path / "argus.yml",
            [{"job_name": "node", "static_configs": [{"targets": [address]}]}],
        )
        with argus(tmp_path, config) as base:
            up = wait_for(lambda: query(base, 'up{job="node"} == 1'), "up == 1")
            assert up[0]["metric"] == {"__name__": "up", "job": "node", "instance": address}
            names = wait_for(
                lambda: {r["metric"]["__name__"] for r in query(base, '{__name__=~"node_.+"}')},
                "node_* series",
            )
            assert {"node_cpu_seconds_total", "node_memory_MemTotal_bytes"} <= names
            assert len(names) > 50
            load = query(base, 'node_load1{job="node"}')
            assert float(load[0]["value"][1]) >= 0


def scraped_three_times(base: str) -> bool:
    counts = query(base, 'count_over_time(up{job="peers"}[1h])')
    return len(counts) == 2 and all(float(r["value"][1]) >= 3 for r in counts)


def _labels_of(s: set[tuple[tuple[str, str], ...]]) -> set[str]:
    return {"{" + ",".join(f'{k}="{v}"' for k, v in ls) + "}" for ls in s}


@pytest.mark.skipif(not os.path.exists(PROMETHEUS), reason="prometheus not installed")
def test_prometheus_and_argus_store_the_same_series(tmp_path: Path):
    with (
        node_exporter(tmp_path, *STABLE_COLLECTORS) as node,
        generated_target(GENERATED) as gen,
    ):
        common = {"env": "Prod", "team_core": "sre", "copy_src": "same", "copy_dst": "same"}
        job = {
            "job_name": "peers",
            "static_configs": [
                {"targets": [node], "labels": {**common, "kind": "node"}},
                {"targets": [gen], "labels": {**common, "kind": "gen", "env": "Staging"}},
                {"targets": ["127.0.0.1:1"], "labels": {**common, "kind": "junk"}},
                {"targets": ["localhost:2"], "labels": {**common, "kind": "remote"}},
                {"targets": ["127.0.0.1:3"], "labels": {**common, "kind": "x", "copy_dst": "no"}},
                {"targets": ["127.0.0.1:4"], "labels": {**common, "kind": "y", "drop_if": "y"}},
            ],
            "relabel_configs": TARGET_RELABEL,
            "metric_relabel_configs": METRIC_RELABEL,
        }
        config = write_config(tmp_path / "peers.yml", [job])
        start = time.time() - 1
        with prometheus(tmp_path, config) as prom, argus(tmp_path, config) as ours:
            # Three scrapes of each target by each server, then read both.
            for base in (prom, ours):
                wait_for(functools.partial(scraped_three_times, base), f"three scrapes in {base}")
            end = time.time() + 1
            theirs, mine = series(prom, start, end), series(ours, start, end)

    assert len(theirs) > 100
    names = {dict(s)["__name__"] for s in theirs}
    assert {"up", "scrape_duration_seconds", "scrape_samples_scraped"} <= names
    assert {"scrape_samples_post_metric_relabeling", "scrape_series_added"} <= names
    assert _labels_of(mine - theirs) == set(), "Argus stored series Prometheus did not"
    assert _labels_of(theirs - mine) == set(), "Prometheus stored series Argus did not"
    # The relabelling did what it says (checked once, on Prometheus's side).
    ups = {dict(s)["kind"]: dict(s) for s in theirs if dict(s)["__name__"] == "up"}
    assert set(ups) == {"node", "gen"}
    assert ups["gen"]["service"] == "svc-gen-Staging" and ups["gen"]["env_lower"] == "staging"
    assert ups["node"]["owner_core"] == "sre" and "copy_dst" not in ups["node"]
    gen_series = {s for s in _labels_of(theirs) if "gen_" in s or "mapped_" in s}
    assert any('mapped_path="/a"' in s for s in gen_series)
    assert not any("xtra" in s or "gen_dropped_metric" in s for s in gen_series)
    assert re.search(r'core="core-0"', " ".join(_labels_of(theirs)))
