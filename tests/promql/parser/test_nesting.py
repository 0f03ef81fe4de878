"""Deep queries: a long operator chain parses and evaluates without recursion, and a
query nested beyond the parser's stack gets a parse error, not a crashed server."""

from __future__ import annotations

import pytest

from argus.promql.parser import ParseError, parse
from argus.promql.parser.ast import BinaryExpr, ValueType
from argus.promql.parser.parse import MAX_NESTING, nesting, value_type


def test_chain_of_two_thousand_operators_parses_to_a_left_leaning_tree() -> None:
    expr = parse(" + ".join(["up"] * 2_000))
    depth = 0
    while isinstance(expr, BinaryExpr):
        expr, depth = expr.lhs, depth + 1
    assert depth == 1_999
    assert value_type(parse(" + ".join(["1"] * 2_000))) is ValueType.SCALAR
    assert value_type(parse(" + ".join(["1"] * 1_000 + ["up"]))) is ValueType.VECTOR


@pytest.mark.parametrize(
    "query",
    ["(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1), " - ".join(["up"] * MAX_NESTING)],
    ids=["parentheses", "operators"],
)
def test_too_deep_is_a_parse_error(query: str) -> None:
    with pytest.raises(ParseError, match=r"^1:1: parse error: query too deeply nested"):
        parse(query)


def test_nesting_ignores_strings_comments_and_matchers() -> None:
    assert nesting('foo{a="(((-+"} # (((\n') == 0
    assert nesting("(a + (b * c))") == 2 * 2 + 2
