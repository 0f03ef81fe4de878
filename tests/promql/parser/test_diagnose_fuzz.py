"""The diagnoser never crashes and never blames a valid query.

Random edits of valid queries (inserted tokens and characters, deleted spans,
truncation) must either parse or raise :class:`ParseError` whose position lies inside
the query. Every query of the PromQL test scripts that promql-parser accepts must get
no diagnosis at all.
"""

from __future__ import annotations

import re
from pathlib import Path

import promql_parser as pp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from argus.promql.parser import ParseError, parse
from argus.promql.parser.diagnose import diagnose
from tests.promql.promqltest import eval_expressions

REPO = Path(__file__).resolve().parents[3]
SCRIPTS = sorted((REPO.parent / "shared" / "promql-testdata").glob("*.test")) + sorted(
    (REPO / "tests" / "promql" / "testdata").glob("*.test")
)
SEEDS = [
    'sum by (job) (rate(http_requests_total{job="api", code=~"5.."}[5m]))',
    "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m] offset 1h)))",
    'a / on (i) group_left (j) b{c!="d"} > bool 0.5',
    "max_over_time(deriv(x[5m])[1h:1m] @ 1700000000)",
    '-x ^ 2 unless topk(3, y) or count_values("v", z)',
    'label_replace(up, "a", "$1", "b", "(.*)") # comment',
    '{"foo.bar", job=`raw`} offset -5m',
    "quantile without (a) (0.5, x @ start())",
    "1 + 2 * 3 % 4 atan2 5 == bool 6",
    'absent_over_time(nonexistent{job="x"}[1h30m])',
]
PIECES = [
    *"(){}[],:=!~\"'`@+-*/%^<> \n#.0123456789xeEsmhdwy\\",
    "offset", "by", "without", "on", "ignoring", "bool", "group_left", "sum", "topk",
    "rate", "start()", "Inf", "NaN", "\\x", "\\u12", "é", "1h30m", "[5m:]",
]  # fmt: skip
LOCATED = re.compile(r"(\d+):(\d+): parse error: .+", re.S)


def _error(query: str) -> ParseError | None:
    try:
        parse(query)
    except ParseError as exc:
        return exc
    return None


@st.composite
def mutated(draw: st.DrawFn) -> str:
    query = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(query)))
        edit = draw(st.sampled_from(["insert", "delete", "truncate"]))
        if edit == "insert":
            query = query[:pos] + draw(st.sampled_from(PIECES)) + query[pos:]
        elif edit == "delete":
            query = query[:pos] + query[pos + draw(st.integers(1, 4)) :]
        else:
            query = query[:pos]
    return query


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutations_parse_or_fail_with_a_position(query: str) -> None:
    exc = _error(query)
    if exc is None:
        return
    text = str(exc)
    if not query:
        assert text == "unknown position: parse error: no expression found in input"
        return
    m = LOCATED.fullmatch(text)
    assert m is not None, text
    assert exc.position_range is not None
    start, end = exc.position_range
    assert 0 <= start <= end <= len(query)
    line = int(m.group(1))
    assert line <= query.count("\n") + 1
    assert int(m.group(2)) <= len(query.split("\n")[line - 1].encode()) + 1


@settings(max_examples=300, deadline=None)
@given(mutated())
def test_diagnosis_agrees_that_accepted_mutations_are_valid(query: str) -> None:
    # Where promql-parser accepts a query Prometheus rejects, Argus's validation or
    # the diagnoser may still object; the reverse (a diagnosis on a query both accept
    # and our validation keeps) must not happen.
    if _error(query) is None:
        assert diagnose(query) is None


@pytest.mark.skipif(not SCRIPTS, reason="no PromQL test scripts")
def test_every_accepted_script_query_has_no_diagnosis() -> None:
    blamed = []
    for script in SCRIPTS:
        for line, expr in eval_expressions(script.read_text()):
            try:
                pp.parse(expr)
            except ValueError:
                continue
            found = diagnose(expr)
            if found is not None:
                blamed.append(f"{script.name}:{line}: {expr} -> {found.message}")
    assert blamed == []
