"""Print an AST back as PromQL text that parses to the same tree.

promql-parser's ``str()`` does not round-trip (subquery-of-range, regex escapes), so
``format_query`` and the test runner's ``@`` rewriting use this printer instead.
"""

from __future__ import annotations

import math

from argus.model import METRIC_NAME, MatchType
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

__all__ = ["format_duration", "format_expr"]

_UNITS = (
    ("y", 365 * 86_400_000),
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1000),
    ("ms", 1),
)


def format_duration(ms: int) -> str:
    """Prometheus duration notation: ``90000`` -> ``1m30s``; ``0`` -> ``0s``."""
    if ms == 0:
        return "0s"
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    parts = []
    for unit, size in _UNITS:
        if ms >= size:
            parts.append(f"{ms // size}{unit}")
            ms %= size
    return sign + "".join(parts)


def _quote(s: str) -> str:
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{out}"'


def _number(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def _modifiers(offset_ms: int, at: AtModifier | None) -> str:
    out = ""
    if at is not None:
        if at.kind == "at":
            out += f" @ {at.timestamp_ms / 1000:.3f}"
        else:
            out += f" @ {at.kind}()"
    if offset_ms:
        out += f" offset {format_duration(offset_ms)}"
    return out


def _selector(vs: VectorSelector, range_ms: int | None = None) -> str:
    terms = []
    for m in vs.matchers:
        is_name = m.name == METRIC_NAME and m.type is MatchType.EQUAL
        if vs.name is not None and is_name and m.value == vs.name:
            continue
        terms.append(f"{m.name}{m.type.value}{_quote(m.value)}")
    out = vs.name or ""
    if terms or not out:
        out += "{" + ", ".join(terms) + "}"
    if range_ms is not None:
        out += f"[{format_duration(range_ms)}]"
    return out + _modifiers(vs.offset_ms, vs.at)


def format_expr(expr: Expr) -> str:
    """The PromQL text of ``expr``."""
    match expr:
        case NumberLiteral():
            return _number(expr.value)
        case StringLiteral():
            return _quote(expr.value)
        case VectorSelector():
            return _selector(expr)
        case MatrixSelector():
            return _selector(expr.selector, expr.range_ms)
        case SubqueryExpr():
            step = "" if expr.step_ms is None else format_duration(expr.step_ms)
            inner = format_expr(expr.expr)
            return f"{inner}[{format_duration(expr.range_ms)}:{step}]" + _modifiers(
                expr.offset_ms, expr.at
            )
        case Call():
            return f"{expr.func}({', '.join(format_expr(a) for a in expr.args)})"
        case AggregateExpr():
            mod = ""
            if expr.has_modifier:
                kw = "without" if expr.without else "by"
                mod = f" {kw} ({', '.join(expr.grouping)})"
            args = format_expr(expr.expr)
            if expr.param is not None:
                args = f"{format_expr(expr.param)}, {args}"
            return f"{expr.op}{mod} ({args})"
        case BinaryExpr():
            op = expr.op
            if expr.return_bool:
                op += " bool"
            m = expr.matching
            if m is not None and m.explicit:
                op += f" {'on' if m.on else 'ignoring'}({', '.join(m.labels)})"
            if m is not None and m.card in ("many-to-one", "one-to-many"):
                side = "group_left" if m.card == "many-to-one" else "group_right"
                op += f" {side}({', '.join(m.include)})"
            return f"{format_expr(expr.lhs)} {op} {format_expr(expr.rhs)}"
        case UnaryExpr():
            return f"-{format_expr(expr.expr)}"
        case ParenExpr():
            return f"({format_expr(expr.expr)})"
