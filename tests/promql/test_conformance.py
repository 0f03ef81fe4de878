"""Runs Prometheus's PromQL test scripts (../shared/promql-testdata) and our own.

Prometheus's scripts are read from the shared folder, never copied here; when it is
absent those cases skip. Each file is one test: every eval must pass or be skipped for
a recorded reason (native histograms, experimental syntax), and the counts are printed
with ``-rA`` for the record.
"""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from tests.promql.promqltest import run_script

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "promql-testdata"
OURS = Path(__file__).parent / "testdata"

SHARED_FILES = sorted(SHARED.glob("*.test")) if SHARED.is_dir() else []
OUR_FILES = sorted(OURS.glob("*.test"))


def _run(path: Path) -> None:
    outcomes = run_script(path.read_text())
    counts = collections.Counter(o.status for o in outcomes)
    failures = [f"line {o.line}: {o.expr}\n    {o.reason}" for o in outcomes if o.status == "fail"]
    print(f"{path.name}: pass={counts['pass']} skip={counts['skip']} fail={counts['fail']}")
    assert not failures, "\n".join(failures)


@pytest.mark.skipif(not SHARED_FILES, reason="../shared/promql-testdata is absent")
@pytest.mark.parametrize("path", SHARED_FILES, ids=[p.name for p in SHARED_FILES])
def test_prometheus_script(path: Path) -> None:
    _run(path)


@pytest.mark.parametrize("path", OUR_FILES, ids=[p.name for p in OUR_FILES])
def test_argus_script(path: Path) -> None:
    _run(path)
