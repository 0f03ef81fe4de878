"""Turn query text into Argus's AST: promql-parser does the grammar, we do the rest.

promql-parser (Rust) parses and type-checks; this module converts its nodes once into
the frozen dataclasses of :mod:`argus.promql.parser.ast`, turns durations into
milliseconds, and adds the checks the Rust parser skips (bare ``start()``/``end()``,
``or`` inside braces, out-of-range durations). When either rejects the query,
:mod:`argus.promql.parser.diagnose` re-reads it to find the position and Prometheus's
message, so the :class:`ParseError` raised here reads ``1:8: parse error: ...``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import promql_parser as pp

from argus.model import METRIC_NAME, Matcher, MatcherError, MatchType
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
    ValueType,
    VectorMatching,
    VectorSelector,
)
from argus.promql.parser.diagnose import Diagnosis, diagnose, diagnose_selector, negative_at
from argus.promql.parser.errors import ParseError
from argus.promql.parser.positions import position_text
from argus.promql.parser.signatures import SIGNATURES

__all__ = ["located_error", "parse", "parse_selector", "value_type"]

_MAX_DURATION_MS = 2**63 // 1_000_000  # Go's time.Duration limit, in ms.
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

_MATCH_OPS = {
    "MatchOp.Equal": MatchType.EQUAL,
    "MatchOp.NotEqual": MatchType.NOT_EQUAL,
    "MatchOp.Re": MatchType.REGEX,
    "MatchOp.NotRe": MatchType.NOT_REGEX,
}
_VALUE_TYPES = {
    "ValueType.Scalar": ValueType.SCALAR,
    "ValueType.Vector": ValueType.VECTOR,
    "ValueType.Matrix": ValueType.MATRIX,
    "ValueType.String": ValueType.STRING,
}
_CARDS = {
    "VectorMatchCardinality.OneToOne": "one-to-one",
    "VectorMatchCardinality.ManyToOne": "many-to-one",
    "VectorMatchCardinality.OneToMany": "one-to-many",
    "VectorMatchCardinality.ManyToMany": "many-to-many",
}
_SET_OPS = frozenset({"and", "or", "unless"})
_NEGATIVE_AT = re.compile(r"@\s*-")

MAX_NESTING = 5_000
"""The deepest query promql-parser is given, in the units of :func:`nesting`.

Its Rust parser recurses once per parenthesis, aggregation or unary minus and twice per
binary operator in a chain, and overflows an 8 MiB thread stack (a segfault that ends
the server) at about 8,200 of those units; this leaves room to spare and still takes
chains of 2,500 operators (Prometheus has no limit)."""
_NESTING_TOKENS = re.compile(
    r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|\#[^\n]*"""
    r"|[(){}]|\b(?:and|or|unless|atan2)\b|[-+*/%^]|[=!<>]=|[<>]"
)


def parse(query: str) -> Expr:
    """Parse ``query`` into an :data:`Expr`; raise :class:`ParseError` if it is invalid."""
    if 2 * len(query) > MAX_NESTING and (depth := nesting(query)) > MAX_NESTING:
        raise ParseError(
            f"{position_text(query, 0)}: parse error: query too deeply nested "
            f"({depth} levels of operators and parentheses, at most {MAX_NESTING})",
            (0, len(query)),
        )
    try:
        raw = pp.parse(query)
    except ValueError as exc:
        raise located_error(query, str(exc)) from exc
    if "@" in query and _NEGATIVE_AT.search(query) and (at := negative_at(query)) is not None:
        where = position_text(query, at)
        raise ParseError(
            f"{where}: parse error: @ timestamps before 1970 are not supported", (at, at + 1)
        )
    try:
        return _convert(raw)
    except ParseError as exc:
        raise located_error(query, str(exc).removeprefix("parse error: ")) from exc


def nesting(query: str) -> int:
    """An upper bound of the parser's recursion for ``query``: two per binary operator
    or minus (outside strings, comments and braces) plus the deepest parenthesis."""
    ops = depth = deepest = braces = 0
    for m in _NESTING_TOKENS.finditer(query):
        tok = m.group()
        if tok == "{":
            braces += 1
        elif tok == "}":
            braces = max(braces - 1, 0)
        elif braces or tok[0] in "\"'`#":
            continue
        elif tok == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif tok == ")":
            depth = max(depth - 1, 0)
        else:
            ops += 1
    return 2 * ops + deepest


def parse_selector(text: str) -> VectorSelector:
    """A bare series selector (``match[]``), errors as Prometheus's ``ParseMetricSelector``."""
    try:
        expr = parse(text)
    except ParseError as exc:
        found = diagnose_selector(text)
        if found is None:
            raise
        raise _error_at(text, found) from exc
    if isinstance(expr, VectorSelector) and not expr.offset_ms and expr.at is None:
        return expr
    found = diagnose_selector(text)
    if found is None:
        raise ParseError(f"{position_text(text, 0)}: parse error: not a series selector")
    raise _error_at(text, found)


def located_error(query: str, fallback: str) -> ParseError:
    """The error Prometheus would give for ``query``, with its ``line:col``.

    ``fallback`` (promql-parser's or our own message) is used, at the start of the
    query, only when the diagnoser finds nothing wrong, i.e. where promql-parser
    rejects something Prometheus accepts.
    """
    found = diagnose(query)
    if found is None:
        return ParseError(f"{position_text(query, 0)}: parse error: {fallback}", (0, len(query)))
    return _error_at(query, found)


def _error_at(query: str, found: Diagnosis) -> ParseError:
    where = position_text(query, found.pos)
    return ParseError(f"{where}: parse error: {found.message}", (found.pos, found.end))


def _ms(td: dt.timedelta | None) -> int:
    if td is None:
        return 0
    ms = (td.days * 86_400 + td.seconds) * 1000 + td.microseconds // 1000
    if abs(ms) >= _MAX_DURATION_MS:
        raise ParseError("parse error: duration out of range")
    return ms


def _at(raw: Any) -> AtModifier | None:
    if raw is None:
        return None
    kind = str(raw.type)
    if kind.endswith("Start"):
        return AtModifier("start")
    if kind.endswith("End"):
        return AtModifier("end")
    try:
        when: dt.datetime = raw.at
    except BaseException as exc:  # pyo3's PanicException is a BaseException.
        if not isinstance(exc, ValueError) and type(exc).__name__ != "PanicException":
            raise
        # promql-parser cannot convert a timestamp before 1970 to Python; parse() catches
        # the usual spelling (``@ -5``) before it gets here.
        raise ParseError("parse error: @ timestamps before 1970 are not supported") from None
    delta = when - _EPOCH
    return AtModifier(
        "at", (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    )


def _selector(raw: Any) -> VectorSelector:
    if raw.matchers.or_matchers:
        raise ParseError("parse error: unexpected 'or' inside braces")
    matchers: list[Matcher] = []
    if raw.name:
        matchers.append(Matcher.equal(METRIC_NAME, raw.name))
    try:
        matchers.extend(
            Matcher(_MATCH_OPS[str(m.op)], m.name, m.value) for m in raw.matchers.matchers
        )
    except MatcherError as exc:
        raise ParseError(f"parse error: {exc}") from exc
    return VectorSelector(
        name=raw.name or None,
        matchers=tuple(matchers),
        offset_ms=_ms(raw.offset),
        at=_at(raw.at),
    )


def _matching(raw: Any, op: str) -> VectorMatching | None:
    mod = raw.modifier
    if mod is None:
        if op in _SET_OPS:
            return VectorMatching("many-to-many", on=False, labels=())
        return None
    card = _CARDS[str(mod.card)]
    if mod.matching is None:
        return VectorMatching(card, on=False, labels=(), include=tuple(mod.group_labels or ()))
    on = str(mod.matching.type).endswith("Include")
    return VectorMatching(
        card,
        on=on,
        labels=tuple(mod.matching.labels),
        include=tuple(mod.group_labels or ()),
    )


def _convert(root: Any) -> Expr:
    """promql-parser's tree as Argus's, children before parents on an explicit stack:
    a chain of thousands of operators needs no Python recursion. Each child attribute
    is read once (pyo3 builds a new Python object per read)."""
    done: list[Expr] = []
    stack: list[tuple[Any, list[Any] | None]] = [(root, None)]
    while stack:
        raw, kids = stack.pop()
        if kids is not None:
            n = len(kids)
            args = done[len(done) - n :] if n else []
            del done[len(done) - n :]
            done.append(_build(raw, kids, args))
            continue
        leaf = _leaf(raw)
        if leaf is not None:
            done.append(leaf)
            continue
        kids = _children(raw)
        stack.append((raw, kids))
        stack.extend((k, None) for k in reversed(kids))
    return done[0]


def _leaf(raw: Any) -> Expr | None:
    if isinstance(raw, pp.NumberLiteral):
        return NumberLiteral(float(raw.val))
    if isinstance(raw, pp.StringLiteral):
        return StringLiteral(str(raw.val))
    if isinstance(raw, pp.VectorSelector):
        return _selector(raw)
    if isinstance(raw, pp.MatrixSelector):
        return MatrixSelector(_selector(raw.vector_selector), _ms(raw.range))
    return None


def _children(raw: Any) -> list[Any]:
    """The operands of ``raw``, in the order :func:`_build` takes them."""
    if isinstance(raw, pp.SubqueryExpr | pp.UnaryExpr | pp.ParenExpr):
        return [raw.expr]
    if isinstance(raw, pp.Call):
        if raw.func.name not in SIGNATURES:  # promql-parser takes bare start() and end().
            raise ParseError(f"parse error: unknown function with name {raw.func.name!r}")
        return list(raw.args)
    if isinstance(raw, pp.AggregateExpr):
        return [raw.expr] if raw.param is None else [raw.param, raw.expr]
    if isinstance(raw, pp.BinaryExpr):
        return [raw.lhs, raw.rhs]
    raise ParseError(f"parse error: unsupported expression {type(raw).__name__}")


def _build(raw: Any, kids: list[Any], args: list[Expr]) -> Expr:
    """Node ``raw`` over its converted operands ``args``."""
    if isinstance(raw, pp.SubqueryExpr):
        step = None if raw.step is None else _ms(raw.step)
        return SubqueryExpr(args[0], _ms(raw.range), step, _ms(raw.offset), _at(raw.at))
    if isinstance(raw, pp.Call):
        return Call(raw.func.name, tuple(args), _VALUE_TYPES[str(raw.func.return_type)])
    if isinstance(raw, pp.AggregateExpr):
        mod = raw.modifier
        grouping: tuple[str, ...] = ()
        without = False
        if mod is not None:
            grouping = tuple(mod.labels)
            without = str(mod.type).endswith("Without")
        param = args[0] if len(kids) == 2 else None
        return AggregateExpr(str(raw.op), args[-1], param, grouping, without)
    if isinstance(raw, pp.BinaryExpr):
        op = str(raw.op)
        bmod = raw.modifier
        return_bool = bool(bmod is not None and bmod.return_bool)
        lhs, rhs = args
        matching = None
        if value_type(lhs) is ValueType.VECTOR and value_type(rhs) is ValueType.VECTOR:
            matching = _matching(raw, op) or VectorMatching("one-to-one", on=False, labels=())
        return BinaryExpr(op, lhs, rhs, return_bool, matching)
    if isinstance(raw, pp.UnaryExpr):
        return UnaryExpr("-", args[0])
    return ParenExpr(args[0])


def value_type(expr: Expr) -> ValueType:
    """The static type of an expression, as Prometheus's ``Expr.Type()``; iterative, so
    deep trees need no recursion."""
    while isinstance(expr, UnaryExpr | ParenExpr):
        expr = expr.expr
    if not isinstance(expr, BinaryExpr):
        return _operand_type(expr)
    # Scalar only if every operand below is: look at the right-hand sides first, where
    # a left-leaning chain (``a + b + c``) shows a vector at once.
    todo: list[Expr] = [expr.lhs, expr.rhs]
    while todo:
        e = todo.pop()
        while isinstance(e, UnaryExpr | ParenExpr):
            e = e.expr
        if isinstance(e, BinaryExpr):
            todo += (e.lhs, e.rhs)
        elif _operand_type(e) is not ValueType.SCALAR:
            return ValueType.VECTOR
    return ValueType.SCALAR


def _operand_type(expr: Expr) -> ValueType:
    match expr:
        case NumberLiteral():
            return ValueType.SCALAR
        case StringLiteral():
            return ValueType.STRING
        case VectorSelector():
            return ValueType.VECTOR
        case MatrixSelector() | SubqueryExpr():
            return ValueType.MATRIX
        case Call():
            return expr.returns
        case AggregateExpr():
            return ValueType.VECTOR
    raise TypeError(f"not an expression: {type(expr).__name__}")
