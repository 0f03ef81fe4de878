"""``format_expr``: Prometheus's printer text, and parse → print → parse round trips.

The round trip runs over every ``eval`` expression of Prometheus's scripts
(``../shared/promql-testdata``, skipped when absent) and of ours; expressions that do
not parse (the scripts' expected parse errors, experimental syntax) are left out.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from pathlib import Path
from typing import Any

import pytest

from argus.promql import ParseError, format_expr, parse
from argus.promql.parser.ast import NumberLiteral, VectorSelector
from tests.promql.promqltest import eval_expressions
from tests.promql.test_conformance import OUR_FILES, SHARED_FILES

# (input, what Prometheus's printer gives for it: promql/parser/printer.go)
EXACT = [
    ("sum(rate(x[5m]))", "sum(rate(x[5m]))"),
    ("sum by(job)(rate(x[5m]))", "sum by (job) (rate(x[5m]))"),
    ("sum(rate(x[5m])) by (job, instance)", "sum by (job, instance) (rate(x[5m]))"),
    ("sum without(job)(x)", "sum without (job) (x)"),
    ("sum without()(x)", "sum without () (x)"),
    ("sum by()(x)", "sum(x)"),
    ("topk(5, x)", "topk(5, x)"),
    ("count_values by (a) ('v', x)", 'count_values by (a) ("v", x)'),
    ("quantile(0.9, x)", "quantile(0.9, x)"),
    ("a / on(job) group_left(x, y) b", "a / on (job) group_left (x, y) b"),
    ("a / on() group_left b", "a / on () group_left () b"),
    ("a * ignoring(x) group_right b", "a * ignoring (x) group_right () b"),
    ("a / ignoring() group_left b", "a / ignoring () group_left () b"),
    ("a + ignoring() b", "a + b"),
    ("a + ignoring(c) b", "a + ignoring (c) b"),
    ("a and on(x) b", "a and on (x) b"),
    ("a unless b", "a unless b"),
    ("a > bool 1", "a > bool 1"),
    ("a == bool on(x) b", "a == bool on (x) b"),
    ('x{b="1", a=~"2.*", c!="", d!~"e"}', 'x{a=~"2.*",b="1",c!="",d!~"e"}'),
    ("x{job='a\\\\b\"c'}", 'x{job="a\\\\b\\"c"}'),
    ('{__name__=~"node_.+"}', '{__name__=~"node_.+"}'),
    ("x[5m] offset 1h", "x[5m] offset 1h"),
    ("x @ 100 offset -5m", "x @ 100.000 offset -5m"),
    ("x[1h30m] @ start()", "x[1h30m] @ start()"),
    ("rate(x[5m])[10m:1m]", "rate(x[5m])[10m:1m]"),
    ("max_over_time(x[1h:])", "max_over_time(x[1h:])"),
    ("rate(x[5m])[1d:5m] @ end() offset 1w", "rate(x[5m])[1d:5m] @ end() offset 1w"),
    ("-x", "-x"),
    ("-(a + b)", "-(a + b)"),
    ("1e-7", "0.0000001"),
    ("2.5e3", "2500"),
    ("0x10", "16"),
    ("Inf", "+Inf"),
    ("-Inf", "-Inf"),
    ("NaN", "NaN"),
    ('label_replace(x, "a", "$1", "b", "(.*)")', 'label_replace(x, "a", "$1", "b", "(.*)")'),
    (
        "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))",
        "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))",
    ),
]


@pytest.mark.parametrize(("text", "want"), EXACT, ids=[t for t, _ in EXACT])
def test_prometheus_text(text: str, want: str) -> None:
    assert format_expr(parse(text)) == want


@pytest.mark.parametrize(("text", "want"), EXACT, ids=[t for t, _ in EXACT])
def test_printed_text_is_a_fixed_point(text: str, want: str) -> None:
    assert format_expr(parse(want)) == want


_NAN = math.nan


def _canonical(node: Any) -> Any:
    """``node`` with every selector's matchers sorted (their order carries no meaning and
    Prometheus's printer sorts them too) and NaN literals comparable; all else as it was."""
    if isinstance(node, NumberLiteral) and math.isnan(node.value):
        # NaN != NaN, but one NaN object equals itself inside the dataclass's field tuple.
        return dataclasses.replace(node, value=_NAN)
    if isinstance(node, VectorSelector):
        key = operator.attrgetter("name", "type.value", "value")
        return dataclasses.replace(node, matchers=tuple(sorted(node.matchers, key=key)))
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {
            f.name: _canonical(getattr(node, f.name))
            for f in dataclasses.fields(node)
            if dataclasses.is_dataclass(getattr(node, f.name)) or f.name == "args"
        }
        return dataclasses.replace(node, **changes) if changes else node
    if isinstance(node, tuple):
        return tuple(_canonical(n) for n in node)
    return node


def _round_trip(path: Path) -> int:
    checked = 0
    failures = []
    for line, text in eval_expressions(path.read_text()):
        try:
            tree = parse(text)
        except ParseError:
            continue
        printed = format_expr(tree)
        try:
            again = parse(printed)
        except ParseError as exc:
            failures.append(f"line {line}: {text}\n    printed {printed}\n    {exc}")
            continue
        if _canonical(again) != _canonical(tree):
            failures.append(f"line {line}: {text}\n    printed {printed}\n    parses differently")
        checked += 1
    assert not failures, "\n".join(failures)
    return checked


@pytest.mark.skipif(not SHARED_FILES, reason="../shared/promql-testdata is absent")
@pytest.mark.parametrize("path", SHARED_FILES, ids=[p.name for p in SHARED_FILES])
def test_round_trip_prometheus_scripts(path: Path) -> None:
    _round_trip(path)


@pytest.mark.parametrize("path", OUR_FILES, ids=[p.name for p in OUR_FILES])
def test_round_trip_our_scripts(path: Path) -> None:
    assert _round_trip(path) > 0
