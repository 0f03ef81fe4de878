"""``/api/v1/parse_query``: the syntax tree as the JSON Prometheus's UI tree view reads.

Mirrors ``web/api/v1/translate_ast.go``. Differences, because Argus's tree keeps less:
a call's ``argTypes`` are its actual arguments' types and ``variadic`` is 0; duration
expressions are not supported by the parser, so every ``*Expr`` duration field is null.
"""

from __future__ import annotations

from typing import Any

from argus.promql.parser import value_type
from argus.promql.parser.ast import (
    AggregateExpr,
    AtModifier,
    BinaryExpr,
    Call,
    Expr,
    MatrixSelector,
    NumberLiteral,
    ParenExpr,
    StringLiteral,
    SubqueryExpr,
    UnaryExpr,
    VectorSelector,
)
from argus.web.api.v1.codec import format_go_float

__all__ = ["expr_json"]


def _matchers(vs: VectorSelector) -> list[dict[str, str]]:
    return [{"name": m.name, "value": m.value, "type": m.type.value} for m in vs.matchers]


def _at(at: AtModifier | None) -> tuple[int | None, str | None]:
    if at is None:
        return None, None
    if at.kind == "at":
        return at.timestamp_ms, None
    return None, at.kind


def _selector(vs: VectorSelector) -> dict[str, Any]:
    timestamp, start_or_end = _at(vs.at)
    return {
        "name": vs.name or "",
        "offset": vs.offset_ms,
        "offsetExpr": None,
        "matchers": _matchers(vs),
        "timestamp": timestamp,
        "startOrEnd": start_or_end,
        "anchored": False,
        "smoothed": False,
    }


def expr_json(node: Expr | None) -> Any:
    """The JSON document for ``node`` (``None`` for an absent parameter)."""
    match node:
        case None:
            return None
        case AggregateExpr():
            return {
                "type": "aggregation",
                "op": node.op,
                "expr": expr_json(node.expr),
                "param": expr_json(node.param),
                "grouping": list(node.grouping),
                "without": node.without,
            }
        case BinaryExpr():
            matching = None
            if node.matching is not None:
                m = node.matching
                matching = {
                    "card": m.card,
                    "labels": list(m.labels),
                    "on": m.on,
                    "include": list(m.include),
                    "fillValues": {"lhs": None, "rhs": None},
                }
            return {
                "type": "binaryExpr",
                "op": node.op,
                "lhs": expr_json(node.lhs),
                "rhs": expr_json(node.rhs),
                "matching": matching,
                "bool": node.return_bool,
            }
        case Call():
            return {
                "type": "call",
                "func": {
                    "name": node.func,
                    "argTypes": [str(value_type(a)) for a in node.args],
                    "variadic": 0,
                    "returnType": str(node.returns),
                },
                "args": [expr_json(a) for a in node.args],
            }
        case MatrixSelector():
            doc = {"type": "matrixSelector", **_selector(node.selector)}
            doc["range"] = node.range_ms
            doc["rangeExpr"] = None
            return doc
        case SubqueryExpr():
            timestamp, start_or_end = _at(node.at)
            return {
                "type": "subquery",
                "expr": expr_json(node.expr),
                "range": node.range_ms,
                "rangeExpr": None,
                "offset": node.offset_ms,
                "offsetExpr": None,
                "step": node.step_ms or 0,
                "stepExpr": None,
                "timestamp": timestamp,
                "startOrEnd": start_or_end,
            }
        case NumberLiteral():
            return {"type": "numberLiteral", "val": format_go_float(node.value)}
        case ParenExpr():
            return {"type": "parenExpr", "expr": expr_json(node.expr)}
        case StringLiteral():
            return {"type": "stringLiteral", "val": node.value}
        case UnaryExpr():
            return {"type": "unaryExpr", "op": node.op, "expr": expr_json(node.expr)}
        case VectorSelector():
            return {"type": "vectorSelector", **_selector(node)}
