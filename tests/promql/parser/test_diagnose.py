"""Rejected queries get Prometheus's message and ``line:col`` (testdata/parse_errors.yml).

The expected texts are Prometheus 3.x's; the e2e test
``tests/e2e/test_parse_errors_vs_prometheus.py`` checks the same file against a running
Prometheus 2.42, where the two versions agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from argus.promql.parser import ParseError, parse
from argus.promql.parser.diagnose import diagnose
from argus.promql.parser.positions import line_col, position_text

CASES: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (Path(__file__).parent / "testdata" / "parse_errors.yml").read_text()
)


def _ids(rows: list[dict[str, Any]]) -> list[str]:
    return [repr(r["query"]) for r in rows]


@pytest.mark.parametrize("case", CASES["errors"], ids=_ids(CASES["errors"]))
def test_error_message_and_position(case: dict[str, Any]) -> None:
    query = case["query"]
    with pytest.raises(ParseError) as info:
        parse(query)
    assert str(info.value) == case["error"]
    assert info.value.position_range is not None
    start, end = info.value.position_range
    assert 0 <= start <= end <= len(query)
    assert str(info.value).startswith(f"{position_text(query, start)}: parse error: ")


@pytest.mark.parametrize("case", CASES["valid"], ids=_ids(CASES["valid"]))
def test_valid_queries_have_no_diagnosis(case: dict[str, Any]) -> None:
    assert diagnose(case["query"]) is None


@pytest.mark.parametrize(
    "case", CASES["promql_parser_rejects"], ids=_ids(CASES["promql_parser_rejects"])
)
def test_promql_parser_only_rejections_keep_their_text(case: dict[str, Any]) -> None:
    assert diagnose(case["query"]) is None
    with pytest.raises(ParseError, match="parse error: ") as info:
        parse(case["query"])
    assert str(info.value) == case["error"]


MULTILINE = [
    ("foo +\n  bar baz", '2:7: parse error: unexpected identifier "baz"'),
    ("sum(\n  rate(x[5m])\n) by (a", "3:8: parse error: unclosed left parenthesis"),
    ("# comment\nfoo{a=}", '2:7: parse error: unexpected "}" in label matching, expected string'),
    ('foo{a="é"} bar', '1:13: parse error: unexpected identifier "bar"'),
    ('"日本" + 1 == 1', "1:1: parse error: binary expression must contain only scalar and "
     "instant vector types"),
]  # fmt: skip


@pytest.mark.parametrize(("query", "error"), MULTILINE, ids=[m[0] for m in MULTILINE])
def test_lines_and_byte_columns(query: str, error: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(query)
    assert str(info.value) == error


def test_line_col_counts_bytes_like_prometheus() -> None:
    assert line_col("ab\ncé d", 6) == (2, 5)
    assert position_text("", 0) == "unknown position"


def test_validation_errors_are_positioned_too() -> None:
    # promql-parser accepts these; Argus's own validation rejects them, and the
    # diagnoser still finds Prometheus's message and position.
    with pytest.raises(ParseError) as info:
        parse('foo{a="b" or c="d"}')
    assert str(info.value) == (
        '1:11: parse error: unexpected identifier "or" in label matching, expected "," or "}"'
    )
    with pytest.raises(ParseError) as info:
        parse("start()")
    assert str(info.value) == '1:6: parse error: unexpected "("'


def test_valid_queries_still_parse() -> None:
    assert parse("sum by (job) (rate(x[5m] offset 1m))") is not None
