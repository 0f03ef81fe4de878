"""Relabelling cases from tests/model/testdata/relabel/*.yml (one case per entry)."""

from __future__ import annotations

import dataclasses
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from argus.model import Labels
from argus.model.relabel import RelabelAction, RelabelConfig, RelabelConfigError, relabel

TESTDATA = Path(__file__).parent / "testdata" / "relabel"


def _cases(kind: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(TESTDATA.glob("*.yml")):
        if (path.stem == "invalid") != (kind == "invalid"):
            continue
        for i, case in enumerate(yaml.safe_load(path.read_text())):
            out.append((f"{path.stem}:{case.get('name', i)}", case))
    return out


@pytest.mark.parametrize(("name", "case"), _cases("valid"), ids=[n for n, _ in _cases("valid")])
def test_relabel_case(name, case):
    utf8 = not case.get("legacy", False)
    rules = [RelabelConfig.from_dict(r, utf8_names=utf8) for r in case["rules"]]
    got = relabel(Labels.from_dict(case["input"]), rules)
    want = None if case["output"] is None else Labels.from_dict(case["output"])
    assert got == want


@pytest.mark.parametrize(("name", "case"), _cases("invalid"), ids=[n for n, _ in _cases("invalid")])
def test_invalid_rule(name, case):
    with pytest.raises(RelabelConfigError) as info:
        RelabelConfig.from_dict(case["rules"], utf8_names=not case.get("legacy", False))
    assert case["error"] in str(info.value)


def test_defaults_match_prometheus():
    cfg = RelabelConfig(target_label="x")
    assert (cfg.separator, cfg.regex, cfg.replacement, cfg.action) == (
        ";",
        "(.*)",
        "$1",
        RelabelAction.REPLACE,
    )


def test_config_is_a_comparable_value():
    a = RelabelConfig.from_dict({"source_labels": ["a"], "target_label": "b"})
    b = RelabelConfig.from_dict({"source_labels": ["a"], "target_label": "b"})
    assert a == b and hash(a) == hash(b)
    assert "target_label='b'" in repr(a)


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("prometheus") is None, reason="prometheus not installed")
def test_target_relabelling_matches_real_prometheus(tmp_path):
    """Run every valid case as target relabelling in a real Prometheus and in Argus.

    Debian's Prometheus 2.42 validates names the legacy way, so Argus runs in legacy
    mode here. Targets Prometheus drops must be dropped by Argus too, and the labels
    of kept targets (``__`` labels excluded, as the targets API shows them) must match.
    """
    from argus.config import load_string
    from argus.scrape import Target, TargetError, populate_labels

    cases = _cases("valid")
    jobs = []
    for i, (_, case) in enumerate(cases):
        # __case finds the target again: the input may override the job label.
        labels = {"__address__": "127.0.0.1:1", **case["input"], "__case": str(i)}
        jobs.append(
            {
                "job_name": f"case{i}",
                "scrape_interval": "1h",
                "static_configs": [{"targets": [labels.pop("__address__")], "labels": labels}],
                "relabel_configs": case["rules"],
            }
        )
    cfg_text = yaml.safe_dump({"scrape_configs": jobs})
    ours = load_string(
        "global: {metric_name_validation_scheme: legacy}\n" + cfg_text
    ).scrape_configs
    expected: dict[str, dict[str, str] | str | None] = {}
    for i, (_, case) in enumerate(cases):
        rules = tuple(RelabelConfig.from_dict(r, utf8_names=False) for r in case["rules"])
        sc = dataclasses.replace(ours[i], relabel_configs=rules)
        group = Labels(
            [(k, v) for k, v in case["input"].items() if k != "__address__"] + [("__case", str(i))]
        )
        address = case["input"].get("__address__", "127.0.0.1:1")
        try:
            final, _ = populate_labels(group, Labels.of(__address__=address), sc)
        except TargetError:
            expected[f"case{i}"] = "error"  # Prometheus logs it and shows no target.
            continue
        expected[f"case{i}"] = (
            None if final is None else Target(final, final, sc).sample_labels.as_dict()
        )
    (tmp_path / "prometheus.yml").write_text(cfg_text)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        shown = sum(1 for v in expected.values() if v != "error")
        targets = _wait_for_targets(port, shown)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    for i, (name, case) in enumerate(cases):
        if case.get("prometheus2") == "differs":
            continue
        want = expected[f"case{i}"]
        got = targets.get(f"case{i}", "error")
        assert got == want, name


def _wait_for_targets(port: int, jobs: int) -> dict[str, dict[str, str] | None]:
    deadline = time.monotonic() + 60
    url = f"http://127.0.0.1:{port}/api/v1/targets?state=any"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                data = json.load(resp)["data"]
        except OSError:
            time.sleep(0.5)
            continue
        out: dict[str, dict[str, str] | None] = {}
        for t in data["activeTargets"]:
            out["case" + t["discoveredLabels"]["__case"]] = t["labels"]
        for t in data["droppedTargets"]:
            out["case" + t["discoveredLabels"]["__case"]] = None
        if len(out) >= jobs:
            return out
        time.sleep(0.5)
    raise AssertionError("Prometheus did not report all targets in time")
