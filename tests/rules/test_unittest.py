"""``argus test rules``: the promtool unit-test format, against promtool's own output.

Every ``testdata/*.test.yml`` passes (the e2e suite checks promtool agrees), and
``testdata/failing/`` holds a file that fails in every way promtool reports, with
promtool 2.42's stdout and stderr beside it: argus must print the same, except for
the wording of PromQL parse errors, which comes from a different parser.
"""

from __future__ import annotations

import io
import math
import os
import re
from pathlib import Path

import pytest

from argus.model import is_stale_value
from argus.rules.unittest import SeriesError, expand_values, parse_metric, run_test_files
from argus.rules.unittest.runner import go_duration, run_test_file

TESTDATA = Path(__file__).parent / "testdata"
PASSING = sorted(TESTDATA.glob("*.test.yml"))


@pytest.mark.parametrize("path", PASSING, ids=lambda p: p.name)
def test_passing_files(path):
    assert run_test_file(str(path)) == []


def normalise(text: str) -> str:
    return re.sub(r"(\d+:\d+: )?parse error: .*", "parse error", text)


def test_failing_file_matches_promtool_output(monkeypatch):
    folder = TESTDATA / "failing"
    monkeypatch.chdir(folder)
    out, err = io.StringIO(), io.StringIO()
    assert run_test_files(["failing.test.yml"], out, err) == 1
    assert out.getvalue() == (folder / "failing.stdout").read_text()
    assert normalise(err.getvalue()) == normalise((folder / "failing.stderr").read_text())


def test_eval_errors_stop_the_test_group(tmp_path):
    (tmp_path / "r.yml").write_text(
        "groups: [{name: g, rules: [{record: r, expr: a, labels: {x: same}}]}]\n"
    )
    (tmp_path / "t.yml").write_text(
        "rule_files: [r.yml]\ntests:\n"
        "  - input_series:\n"
        "      - {series: 'a{x=\"1\"}', values: '1'}\n"
        "      - {series: 'a{x=\"2\"}', values: '1'}\n"
        "    promql_expr_test: [{expr: r, eval_time: 0m}]\n"
    )
    errors = run_test_file(str(tmp_path / "t.yml"))
    assert len(errors) == 1
    assert errors[0] == (
        "    rule: r, time: 0s, err: vector contains metrics with the same labelset "
        "after applying rule labels"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("rule_files: [nope.yml]\nbogus: 1\n", "field bogus not found"),
        ("group_eval_order: [a, a]\n", "group name repeated in evaluation order: a"),
        ("tests: [{alert_rule_test: [{eval_time: 1m}]}]\n", "misses required attribute alertname"),
        ("tests: [{input_series: [{series: 'up', values: '1 x'}]}]\n", "invalid value 'x'"),
        ("rule_files: [bad.yml]\n", "invalid recording rule name"),
    ],
)
def test_invalid_test_files(tmp_path, body, message):
    (tmp_path / "bad.yml").write_text("groups: [{name: g, rules: [{record: 'a b', expr: up}]}]\n")
    (tmp_path / "t.yml").write_text(body)
    errors = run_test_file(str(tmp_path / "t.yml"))
    assert any(message in e for e in errors), errors


def test_series_notation():
    values = expand_values("1+2x2 _ _x2 stale -1-1x1 3x1 Inf -Inf NaN")
    assert values[:3] == [1, 3, 5]
    assert values[3:6] == [None, None, None]
    assert values[6] is not None and is_stale_value(values[6])
    assert values[7:11] == [-1, -2, 3, 3]
    assert values[11:13] == [math.inf, -math.inf]
    assert values[13] is not None and math.isnan(values[13])
    with pytest.raises(SeriesError, match="native histogram"):
        expand_values("{{schema:0 sum:1}}")


def test_parse_metric():
    assert parse_metric('up{job="a"}').as_dict() == {"__name__": "up", "job": "a"}
    assert parse_metric("{}") == parse_metric("")
    with pytest.raises(SeriesError, match="only = matchers"):
        parse_metric('up{job=~"a"}')


@pytest.mark.parametrize(
    ("ms", "text"), [(0, "0s"), (300_000, "5m0s"), (3_600_000, "1h0m0s"), (1500, "1.5s")]
)
def test_go_duration(ms, text):
    assert go_duration(ms) == text


def test_relative_rule_files_resolve_from_the_test_file(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "r.yml").write_text("groups: [{name: g, rules: [{record: r, expr: '1'}]}]\n")
    (sub / "t.yml").write_text(
        "rule_files: [r.yml]\ntests:\n  - promql_expr_test:\n"
        "      - {expr: r, eval_time: 0s, exp_samples: [{labels: r, value: 1}]}\n"
    )
    assert os.getcwd() != str(sub)
    assert run_test_file(str(sub / "t.yml")) == []
