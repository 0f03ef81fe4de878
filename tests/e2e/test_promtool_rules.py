"""The same rule files and unit tests through promtool and argus: same verdicts, same text.

``check rules`` runs on every file under ``tests/rules/testdata`` (good and bad) and
``test rules`` on every ``*.test.yml`` there plus the failing one. Exit codes and stdout
must be identical; stderr too, after normalising what comes from different parsers
(PromQL parse-error wording, YAML syntax-error wording).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROMTOOL = "/usr/bin/promtool"
REPO = Path(__file__).resolve().parents[2]
TESTDATA = REPO / "tests" / "rules" / "testdata"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not os.path.exists(PROMTOOL),
        reason=f"{PROMTOOL} is not installed (Debian package 'prometheus'; `make system-deps`)",
    ),
]

RULE_FILES = sorted(TESTDATA.glob("*.rules.yml")) + sorted((TESTDATA / "bad").glob("*.yml"))
TEST_FILES = [*sorted(TESTDATA.glob("*.test.yml")), TESTDATA / "failing" / "failing.test.yml"]


def run(cmd: list[str], cwd: Path) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr


def argus(*args: str, cwd: Path) -> tuple[int, str, str]:
    return run([sys.executable, "-m", "argus.rules.cli", *args], cwd)


def normalise(text: str) -> str:
    text = re.sub(r"(\d+:\d+: )?parse error: .*", "parse error", text)
    text = re.sub(r"yaml: line \d+: .*", "yaml: syntax error", text)
    # promtool 2.42 prints a YAML syntax error twice; one line says the same.
    lines = text.splitlines()
    return "\n".join(line for i, line in enumerate(lines) if i == 0 or line != lines[i - 1])


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_check_rules_same_as_promtool(path):
    want = run([PROMTOOL, "check", "rules", path.name], path.parent)
    got = argus("check", "rules", path.name, cwd=path.parent)
    assert got[0] == want[0]
    assert got[1] == want[1]
    assert normalise(got[2]) == normalise(want[2])


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: p.name)
def test_test_rules_same_as_promtool(path):
    want = run([PROMTOOL, "test", "rules", path.name], path.parent)
    got = argus("test", "rules", path.name, cwd=path.parent)
    assert (got[0], got[1]) == (want[0], want[1])
    assert normalise(got[2]) == normalise(want[2])
