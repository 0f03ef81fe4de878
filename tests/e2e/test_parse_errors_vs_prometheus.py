"""Bad queries get the same error from Argus as from Prometheus, position included.

Every query of ``tests/promql/parser/testdata/parse_errors.yml`` goes to
``/api/v1/query`` of Debian's Prometheus 2.42 and of Argus. Argus answers with
Prometheus 3.x's text; where 2.42 words it differently the file records 2.42's text
and why (the bracket lexer, numbers as offsets, UTF-8 names, ...), and the test holds
Prometheus to that record, so every difference is listed and explained. Bad
``match[]`` selectors and ``check rules`` on a bad rule file are compared the same way.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.test_api_vs_prometheus import PROMETHEUS, PROMTOOL, Peers, _free_port, _stop, fetch
from tests.e2e.test_api_vs_prometheus import _wait_ready as wait_ready

REPO = Path(__file__).resolve().parents[2]
CASES: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (REPO / "tests" / "promql" / "parser" / "testdata" / "parse_errors.yml").read_text()
)
ERRORS = [c for c in CASES["errors"] if c["query"]]  # 2.42's API rejects "" before parsing.
QUERY_PREFIX = 'invalid parameter "query": '

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (os.path.exists(PROMETHEUS) and os.path.exists(PROMTOOL)),
        reason="Prometheus/promtool not installed (Debian package 'prometheus')",
    ),
]


def _start_argus(tmp: Path, config: Path) -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "argus",
            "--web.listen-address=127.0.0.1:0",
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp / 'argus'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=REPO,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline().decode()
        if not line:
            break
        m = re.search(r"ready to receive web requests on 127\.0\.0\.1:(\d+)", line)
        if m:
            proc.stderr.close()
            return proc, f"http://127.0.0.1:{m.group(1)}"
    _stop(proc)
    raise RuntimeError("argus did not report its address")


@pytest.fixture(scope="module")
def peers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    tmp = tmp_path_factory.mktemp("parse_errors")
    config = tmp / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 15s\n")
    port = _free_port()
    prom = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp / 'prom'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    argus = None
    try:
        argus, argus_url = _start_argus(tmp, config)
        prom_url = f"http://127.0.0.1:{port}"
        wait_ready(prom_url, prom)
        wait_ready(argus_url, argus)
        yield Peers(prom_url, argus_url)
    finally:
        _stop(prom)
        if argus is not None:
            _stop(argus)


def _error(base: str, path: str, params: list[tuple[str, str]]) -> str:
    status, body = fetch(base, path, params)
    if status == 200:
        return "OK"
    assert status == 400, (path, params, body)
    assert body["errorType"] == "bad_data"
    error: str = body["error"]
    return error


def test_query_errors_match_prometheus(peers: Peers) -> None:
    identical, documented, wrong = 0, [], []
    for case in ERRORS:
        params = [("query", case["query"]), ("time", "1700000000")]
        ours = _error(peers.argus, "/api/v1/query", params)
        theirs = _error(peers.prometheus, "/api/v1/query", params)
        expected_theirs = case.get("prometheus_2_42", case["error"])
        expected_theirs = "OK" if expected_theirs == "OK" else QUERY_PREFIX + expected_theirs
        if ours != QUERY_PREFIX + case["error"] or theirs != expected_theirs:
            wrong.append(f"{case['query']!r}\n  argus:      {ours}\n  prometheus: {theirs}")
        elif ours == theirs:
            identical += 1
        else:
            documented.append(f"{case['query']!r}: {case['why']}")
    print(f"\n{identical} identical, {len(documented)} differ (2.42 vs 3.x):")
    print("\n".join(documented))
    assert wrong == []
    assert len(ERRORS) >= 60
    assert identical >= 0.9 * len(ERRORS)


SELECTORS = [
    "up{",
    "rate(up[5m])",
    "up + 1",
    "up offset 5m",
    "sum(up)",
    "up[5m]",
    # Not "up @ 5": Prometheus 2.42 names the @ token "<Item 57385>" there (fixed in 3.x).
    '{job="a",,}',
    "up{job}",
]


@pytest.mark.parametrize("selector", SELECTORS)
def test_series_selector_errors_match_prometheus(peers: Peers, selector: str) -> None:
    params = [("match[]", selector)]
    ours = _error(peers.argus, "/api/v1/series", params)
    theirs = _error(peers.prometheus, "/api/v1/series", params)
    assert ours == theirs
    assert re.match(r'invalid parameter "match\[\]": \d+:\d+: parse error: ', ours)


BAD_RULES = """\
groups:
- name: g
  rules:
  - record: job:x:sum
    expr: sum by (job (x)
  - alert: A
    expr: rate(foo) > 1
  - record: y
    expr: "foo{a=\\"b\\"\\n  + bar baz"
"""


def test_check_rules_reports_positions_like_promtool(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(BAD_RULES)
    theirs = subprocess.run(
        [PROMTOOL, "check", "rules", "bad.yml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    ours = subprocess.run(
        [sys.executable, "-m", "argus", "check", "rules", "bad.yml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    assert (ours.returncode, ours.stdout + ours.stderr) == (
        theirs.returncode,
        theirs.stdout + theirs.stderr,
    )
    assert "1:13: parse error:" in ours.stderr
