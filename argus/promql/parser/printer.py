"""Print an AST back as PromQL text that parses to the same tree.

The text follows Prometheus's ``promql/parser/printer.go`` (what ``format_query`` and
``expr.String()`` give there): ``sum by (job) (x)``, ``sum(x)``, ``a / on (x) group_left () b``,
sorted matchers joined by ``,``, numbers in Go's ``'f'`` format. promql-parser's ``str()``
does not round-trip (subquery-of-range, regex escapes), so ``format_query`` and the test
runner's ``@`` rewriting use this printer instead.
"""

from __future__ import annotations

import math
import re

import numpy as np

from argus.config.units import format_duration
from argus.model import METRIC_NAME, MatchType, go_quote
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
    VectorMatching,
    VectorSelector,
)

__all__ = ["format_duration", "format_expr"]

_LEGACY_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _label_name(name: str) -> str:
    return name if _LEGACY_NAME.fullmatch(name) else go_quote(name)


def _label_list(names: tuple[str, ...]) -> str:
    return "(" + ", ".join(_label_name(n) for n in names) + ")"


def _number(v: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'f', -1, 64)``: shortest digits, never an exponent."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return np.format_float_positional(v, trim="-")


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
        if vs.name is not None and is_name and m.value == vs.name and m.value:
            continue
        terms.append(f"{_label_name(m.name)}{m.type.value}{go_quote(m.value)}")
    out = vs.name or ""
    if terms:
        # Prometheus sorts the matcher strings and joins them without a space.
        out += "{" + ",".join(sorted(terms)) + "}"
    if range_ms is not None:
        out += f"[{format_duration(range_ms)}]"
    return out + _modifiers(vs.offset_ms, vs.at)


def _matching(m: VectorMatching | None) -> str:
    """``getMatchingStr`` of Prometheus's printer: only what changes the matching."""
    if m is None:
        return ""
    grouped = m.card in ("many-to-one", "one-to-many")
    out = ""
    if m.labels or m.on or grouped:
        out += f" {'on' if m.on else 'ignoring'} {_label_list(m.labels)}"
    if grouped:
        side = "group_left" if m.card == "many-to-one" else "group_right"
        out += f" {side} {_label_list(m.include)}"
    return out


def format_expr(expr: Expr) -> str:
    """The PromQL text of ``expr``."""
    match expr:
        case NumberLiteral():
            return _number(expr.value)
        case StringLiteral():
            return go_quote(expr.value)
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
            if expr.without:
                mod = f" without {_label_list(expr.grouping)} "
            elif expr.grouping:
                mod = f" by {_label_list(expr.grouping)} "
            args = format_expr(expr.expr)
            if expr.param is not None:
                args = f"{format_expr(expr.param)}, {args}"
            return f"{expr.op}{mod}({args})"
        case BinaryExpr():
            op = expr.op + (" bool" if expr.return_bool else "") + _matching(expr.matching)
            return f"{format_expr(expr.lhs)} {op} {format_expr(expr.rhs)}"
        case UnaryExpr():
            return f"{expr.op}{format_expr(expr.expr)}"
        case ParenExpr():
            return f"({format_expr(expr.expr)})"
