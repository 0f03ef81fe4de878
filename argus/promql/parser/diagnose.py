"""Find where a rejected query goes wrong, and say it in Prometheus's words.

promql-parser tells us *that* a query is invalid but not where, and in its own words.
This module re-parses such a query with a hand-written recursive-descent parser that
follows Prometheus 3.x's grammar (``promql/parser/generated_parser.y``) closely enough
to stop at the same token with the same message:

- lexer errors come from :mod:`argus.promql.parser.lex`, when the parser asks for the
  token that fails, as yacc's lookahead would;
- an unexpected token is reported by the innermost construct that has an ``error``
  rule in Prometheus's grammar (``unexpected "}" in label matching, expected string``),
  or bare (``unexpected <by>``) when none is open;
- checks that Prometheus makes in grammar actions (unknown function, offset twice,
  ranges on non-selectors) fire as the construct completes, and the type check of
  :mod:`argus.promql.parser.typecheck` runs only when the syntax is clean.

It is only the slow path for errors; valid queries never come here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from argus.model import METRIC_NAME, go_quote
from argus.promql.parser.lex import AGGREGATORS, KEYWORDS, Kind, Lexer, LexError, Token
from argus.promql.parser.literals import (
    LiteralError,
    go_number,
    go_regex_error,
    parse_duration_s,
    unquote,
)
from argus.promql.parser.signatures import SIGNATURES
from argus.promql.parser.typecheck import (
    Agg,
    Binary,
    Call,
    Diagnosis,
    Matrix,
    Node,
    Num,
    Paren,
    Selector,
    Str,
    Subquery,
    Unary,
    check,
)

__all__ = ["Diagnosis", "diagnose", "diagnose_selector", "negative_at"]

_PRECEDENCE = {
    Kind.LOR: 1,
    Kind.LAND: 2,
    Kind.LUNLESS: 2,
    Kind.EQLC: 3,
    Kind.NEQ: 3,
    Kind.LTE: 3,
    Kind.LSS: 3,
    Kind.GTE: 3,
    Kind.GTR: 3,
    Kind.ADD: 4,
    Kind.SUB: 4,
    Kind.MUL: 5,
    Kind.DIV: 5,
    Kind.MOD: 5,
    Kind.ATAN2: 5,
    Kind.POW: 6,
}
_UNARY_PRECEDENCE = 6  # Unary minus binds like MUL: only ``^`` binds tighter.
_METRIC_NAMES = (AGGREGATORS | {Kind.IDENTIFIER, Kind.METRIC_IDENTIFIER, Kind.BY}) | {
    Kind.LAND, Kind.LOR, Kind.LUNLESS, Kind.OFFSET, Kind.WITHOUT, Kind.START, Kind.END,
}  # fmt: skip
_LABEL_WORDS = (AGGREGATORS | KEYWORDS) | {
    Kind.IDENTIFIER, Kind.METRIC_IDENTIFIER, Kind.LAND, Kind.LOR, Kind.LUNLESS,
    Kind.START, Kind.END, Kind.ATAN2,
}  # fmt: skip
_EXPR_START = _METRIC_NAMES | {
    Kind.NUMBER, Kind.DURATION, Kind.STRING, Kind.LEFT_PAREN, Kind.LEFT_BRACE, Kind.ADD,
    Kind.SUB,
}  # fmt: skip
_MATCH_OPS = {Kind.EQL: "=", Kind.NEQ: "!=", Kind.EQL_REGEX: "=~", Kind.NEQ_REGEX: "!~"}
_PARAM_AGGREGATORS = frozenset(
    {Kind.TOPK, Kind.BOTTOMK, Kind.COUNT_VALUES, Kind.QUANTILE, Kind.LIMITK, Kind.LIMIT_RATIO}
)
_MAX_DURATION_S = 2**63 / 1e9
_DURATION_OPS = frozenset({Kind.ADD, Kind.SUB, Kind.MUL, Kind.DIV, Kind.MOD, Kind.POW})


class _Unexpected(Exception):
    """A token no rule accepts here; the innermost error rule will word it."""

    def __init__(self, token: Token) -> None:
        super().__init__(token.desc())
        self.token = token


def _unexpected(token: Token, context: str = "", expected: str = "") -> Diagnosis:
    """Prometheus's ``parser.unexpected``."""
    msg = f"unexpected {token.desc()}"
    if context:
        msg += f" in {context}"
    if expected:
        msg += f", expected {expected}"
    return Diagnosis(msg, token.pos, token.end)


@dataclass
class _Duration:
    """A duration expression: a literal's seconds, or where arithmetic first began."""

    start: int
    seconds: float | None  # None: an experimental duration expression.


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lexer = Lexer(text)
        self.lookahead: Token | None = None
        self.last: Token | None = None

    # Tokens.

    def peek(self) -> Token:
        if self.lookahead is None:
            try:
                token = self.lexer.next_token()
                while token.kind is Kind.COMMENT:
                    token = self.lexer.next_token()
            except LexError as exc:
                raise Diagnosis(exc.message, exc.pos, len(self.text)) from None
            self.lookahead = token
        return self.lookahead

    def advance(self) -> Token:
        token = self.peek()
        self.lookahead = None
        self.last = token
        return token

    def expect(self, kind: Kind) -> Token:
        if self.peek().kind is not kind:
            raise _Unexpected(self.peek())
        return self.advance()

    def end(self) -> int:
        return self.last.end if self.last is not None else 0

    def within(self, context: str, expected: str, parse: Callable[[], Node]) -> Node:
        """Run ``parse`` inside a construct that has an ``error`` rule."""
        try:
            return parse()
        except _Unexpected as exc:
            raise _unexpected(exc.token, context, expected) from None

    # Entry.

    def parse(self) -> None:
        if self.peek().kind is Kind.EOF:
            raise Diagnosis("no expression found in input", 0)
        try:
            expr = self.expr(0)
            if self.peek().kind is not Kind.EOF:
                raise _Unexpected(self.peek())
        except _Unexpected as exc:
            raise _unexpected(exc.token) from None
        check(expr)

    def parse_selector(self) -> None:
        """Prometheus's ``ParseMetricSelector`` grammar: one bare selector, unchecked."""
        try:
            token = self.peek()
            if token.kind is Kind.LEFT_BRACE:
                self.selector(None)
            elif token.kind in _METRIC_NAMES:
                self.selector(self.advance())
            else:
                raise _Unexpected(token)
            if self.peek().kind is not Kind.EOF:
                raise _Unexpected(self.peek())
        except _Unexpected as exc:
            raise _unexpected(exc.token) from None

    # Expressions.

    def expr(self, min_prec: int) -> Node:
        lhs = self.unary()
        while True:
            op = self.peek()
            prec = _PRECEDENCE.get(op.kind)
            if prec is None or prec < min_prec:
                return lhs
            self.advance()
            binary = Binary(lhs.start, 0, op.val.lower(), lhs, lhs, op_pos=0)
            self.bin_modifiers(binary)
            rhs = self.expr(prec if op.kind is Kind.POW else prec + 1)
            binary.rhs, binary.end = rhs, rhs.end
            pos = lhs.end
            while pos < len(self.text) and self.text[pos] in " \t\n\r":
                pos += 1
            binary.op_pos = pos
            lhs = binary

    def unary(self) -> Node:
        token = self.peek()
        if token.kind not in (Kind.ADD, Kind.SUB):
            return self.postfix(self.primary())
        self.advance()
        operand = self.expr(_UNARY_PRECEDENCE)
        if isinstance(operand, Num):
            value = -operand.value if token.kind is Kind.SUB else operand.value
            return Num(token.pos, operand.end, value)
        return Unary(token.pos, operand.end, token.val, operand)

    def primary(self) -> Node:
        token = self.peek()
        kind = token.kind
        if kind in (Kind.NUMBER, Kind.DURATION):
            self.advance()
            return Num(token.pos, token.end, self.literal_seconds(token))
        if kind is Kind.STRING:
            self.advance()
            return Str(token.pos, token.end)
        if kind is Kind.LEFT_PAREN:
            self.advance()
            inner = self.expr(0)
            close = self.expect(Kind.RIGHT_PAREN)
            return Paren(token.pos, close.end, inner)
        if kind is Kind.LEFT_BRACE:
            return self.selector(None)
        if kind in AGGREGATORS:
            self.advance()
            if self.peek().kind in (Kind.LEFT_PAREN, Kind.BY, Kind.WITHOUT):
                return self.aggregate(token)
            return self.selector(token)
        if kind is Kind.IDENTIFIER:
            self.advance()
            if self.peek().kind is Kind.LEFT_PAREN:
                return self.call(token)
            return self.selector(token)
        if kind in _METRIC_NAMES:
            self.advance()
            return self.selector(token)
        raise _Unexpected(token)

    def literal_seconds(self, token: Token) -> float:
        try:
            if token.kind is Kind.DURATION:
                return parse_duration_s(token.val)
            return go_number(token.val)
        except LiteralError as exc:
            raise Diagnosis(str(exc), token.pos) from None

    # Calls and aggregations.

    def call_body(self) -> tuple[list[Node], Token]:
        self.expect(Kind.LEFT_PAREN)
        args: list[Node] = []
        if self.peek().kind is Kind.RIGHT_PAREN:
            return args, self.advance()
        args.append(self.expr(0))
        while True:
            token = self.peek()
            if token.kind is Kind.RIGHT_PAREN:
                return args, self.advance()
            if token.kind is not Kind.COMMA:
                raise _Unexpected(token)
            self.advance()
            if self.peek().kind not in _EXPR_START:
                # Prometheus reduces "args ," before it looks at what follows, so any
                # token that cannot start an argument is reported as a trailing comma.
                raise Diagnosis("trailing commas not allowed in function call args", token.pos)
            args.append(self.expr(0))

    def call(self, name: Token) -> Node:
        args, close = self.call_body()
        if name.val not in SIGNATURES:
            raise Diagnosis(f"unknown function with name {go_quote(name.val)}", name.pos)
        return Call(name.pos, close.end, name.val, args)

    def aggregate(self, op: Token) -> Node:
        def body() -> Node:
            if self.peek().kind in (Kind.BY, Kind.WITHOUT):
                self.grouping()
                args, close = self.call_body()
            else:
                args, close = self.call_body()
                if self.peek().kind in (Kind.BY, Kind.WITHOUT):
                    self.grouping()
            return self.new_aggregate(op, args, close)

        return self.within("aggregation", "", body)

    def new_aggregate(self, op: Token, args: list[Node], close: Token) -> Node:
        if not args:
            raise Diagnosis("no arguments for aggregate expression provided", op.pos)
        want = 2 if op.kind in _PARAM_AGGREGATORS else 1
        if len(args) != want:
            raise Diagnosis(
                "wrong number of arguments for aggregate expression provided, "
                f"expected {want}, got {len(args)}",
                op.pos,
            )
        param = args[0] if want == 2 else None
        return Agg(op.pos, close.end, op.val.lower(), args[-1], param)

    def grouping(self) -> list[str]:
        """``by``/``without``/``on``/``ignoring``/``group_x`` then ``(labels)``."""
        self.advance()
        return self.grouping_labels()

    def grouping_labels(self) -> list[str]:
        token = self.peek()
        if token.kind is not Kind.LEFT_PAREN:
            raise _unexpected(token, "grouping opts", '"("')
        self.advance()
        labels: list[str] = []
        if self.peek().kind is Kind.RIGHT_PAREN:
            self.advance()
            return labels
        while True:
            labels.append(self.grouping_label())
            token = self.peek()
            if token.kind is Kind.RIGHT_PAREN:
                self.advance()
                return labels
            if token.kind is not Kind.COMMA:
                raise _unexpected(token, "grouping opts", '"," or ")"')
            self.advance()
            if self.peek().kind is Kind.RIGHT_PAREN:
                self.advance()
                return labels

    def grouping_label(self) -> str:
        token = self.peek()
        if token.kind in _LABEL_WORDS:
            self.advance()
            return token.val
        if token.kind is Kind.STRING:
            self.advance()
            name = unquote(token.val)
            if not name:
                raise Diagnosis(f"invalid label name for grouping: {go_quote(name)}", token.pos)
            return name
        raise _unexpected(token, "grouping opts", "label")

    # Binary operator modifiers.

    def bin_modifiers(self, binary: Binary) -> None:
        if self.peek().kind is Kind.BOOL:
            self.advance()
            binary.return_bool = True
        if self.peek().kind in (Kind.ON, Kind.IGNORING):
            binary.on = self.peek().kind is Kind.ON
            binary.labels = self.grouping()
            side = self.peek().kind
            if side in (Kind.GROUP_LEFT, Kind.GROUP_RIGHT):
                self.advance()
                binary.card = "many-to-one" if side is Kind.GROUP_LEFT else "one-to-many"
                # The label list is optional only where an operand follows.
                if self.peek().kind not in _EXPR_START - {Kind.LEFT_PAREN}:
                    binary.include = self.grouping_labels()

    # Selectors.

    def selector(self, name: Token | None) -> Node:
        matchers: list[tuple[str, str, str]] = []
        start = name.pos if name is not None else self.peek().pos
        end = name.end if name is not None else start
        if self.peek().kind is Kind.LEFT_BRACE:
            self.advance()
            self.label_matchers(matchers)
            end = self.end()
        if name is not None:
            matchers.append((METRIC_NAME, "=", name.val))
        return Selector(start, end, name.val if name is not None else "", matchers)

    def label_matchers(self, out: list[tuple[str, str, str]]) -> None:
        if self.peek().kind is Kind.RIGHT_BRACE:
            self.advance()
            return
        while True:
            out.append(self.label_matcher())
            token = self.peek()
            if token.kind is Kind.RIGHT_BRACE:
                self.advance()
                return
            if token.kind is not Kind.COMMA:
                raise _unexpected(token, "label matching", '"," or "}"')
            self.advance()
            if self.peek().kind is Kind.RIGHT_BRACE:
                self.advance()
                return

    def label_matcher(self) -> tuple[str, str, str]:
        label = self.peek()
        if label.kind not in (Kind.IDENTIFIER, Kind.STRING):
            raise _unexpected(label, "label matching", 'identifier or "}"')
        self.advance()
        name = label.val if label.kind is Kind.IDENTIFIER else unquote(label.val)
        op = self.peek()
        if op.kind not in _MATCH_OPS:
            if label.kind is Kind.STRING:
                return (METRIC_NAME, "=", name)
            raise _unexpected(op, "label matching", "label matching operator")
        self.advance()
        value = self.peek()
        if value.kind is not Kind.STRING:
            raise _unexpected(value, "label matching", "string")
        self.advance()
        text = unquote(value.val)
        if op.kind in (Kind.EQL_REGEX, Kind.NEQ_REGEX):
            try:
                re.compile(text)
            except re.error as exc:
                message = go_regex_error(text, str(exc))
                if message is not None:  # Else Python's re rejects what Go's regexp takes.
                    raise Diagnosis(message, label.pos) from None
        return (name, _MATCH_OPS[op.kind], text)

    # Postfix: ranges, subqueries, offset, @.

    def postfix(self, expr: Node) -> Node:
        while True:
            kind = self.peek().kind
            if kind is Kind.LEFT_BRACKET:
                expr = self.brackets(expr)
            elif kind is Kind.OFFSET:
                self.advance()
                seconds = self.within_offset()
                expr = self.add_offset(expr, seconds)
            elif kind is Kind.AT:
                self.advance()
                expr = self.add_at(expr)
            else:
                return expr

    def brackets(self, expr: Node) -> Node:
        open_ = self.advance()
        first = self.peek()
        if first.kind not in (Kind.NUMBER, Kind.DURATION, Kind.ADD, Kind.SUB, Kind.LEFT_PAREN):
            raise _unexpected(first, "subquery selector", "number or duration")
        try:
            self.positive_duration()
        except _Unexpected as exc:
            raise _unexpected(exc.token, "subquery selector", "number or duration") from None
        token = self.peek()
        if token.kind is Kind.RIGHT_BRACKET:
            self.advance()
            message = ""
            if not isinstance(expr, Selector):
                message = "ranges only allowed for vector selectors"
            elif expr.offset:
                message = "no offset modifiers allowed before range"
            elif expr.at == "timestamp":
                message = "no @ modifiers allowed before range"
            if message:
                raise Diagnosis(message, open_.pos)
            return Matrix(expr.start, self.end(), expr)
        if token.kind is not Kind.COLON:
            raise _unexpected(token, "subquery or range", '":" or "]"')
        self.advance()
        step = self.peek()
        if step.kind is not Kind.RIGHT_BRACKET:
            expected = 'number or duration or "]"'
            if step.kind not in (Kind.NUMBER, Kind.DURATION, Kind.ADD, Kind.SUB, Kind.LEFT_PAREN):
                raise _unexpected(step, "subquery selector", expected)
            try:
                self.positive_duration()
            except _Unexpected as exc:
                raise _unexpected(exc.token, "subquery selector", expected) from None
            close = self.peek()
            if close.kind is not Kind.RIGHT_BRACKET:
                raise _unexpected(close, "subquery selector", '"]"')
        self.advance()
        return Subquery(expr.start, self.end(), expr)

    def positive_duration(self) -> None:
        duration = self.duration_expr(0)
        self.peek()
        if duration.seconds is None:
            raise Diagnosis("experimental duration expression is not enabled", duration.start)
        if duration.seconds <= 0:
            raise Diagnosis("duration must be greater than 0", duration.start)

    def duration_expr(self, min_prec: int) -> _Duration:
        """Duration arithmetic (experimental in Prometheus): parsed to find its end."""
        token = self.peek()
        if token.kind in (Kind.ADD, Kind.SUB):
            self.advance()
            inner = self.duration_expr(_UNARY_PRECEDENCE)
            seconds = inner.seconds
            if seconds is not None and token.kind is Kind.SUB:
                seconds = -seconds
            if seconds is not None and abs(seconds) > _MAX_DURATION_S:
                raise Diagnosis("duration out of range", token.pos)
            lhs = _Duration(token.pos, seconds)
        elif token.kind is Kind.LEFT_PAREN:
            self.advance()
            inner = self.duration_expr(0)
            self.expect(Kind.RIGHT_PAREN)
            raise Diagnosis("experimental duration expression is not enabled", inner.start)
        elif token.kind in (Kind.NUMBER, Kind.DURATION):
            self.advance()
            seconds = self.literal_seconds(token)
            if abs(seconds) > _MAX_DURATION_S:
                raise Diagnosis("duration out of range", token.pos)
            lhs = _Duration(token.pos, seconds)
        else:
            raise _Unexpected(token)
        while True:
            op = self.peek()
            prec = _PRECEDENCE.get(op.kind)
            if op.kind not in _DURATION_OPS or prec is None or prec < min_prec:
                return lhs
            self.advance()
            self.duration_expr(prec if op.kind is Kind.POW else prec + 1)
            raise Diagnosis("experimental duration expression is not enabled", lhs.start)

    def within_offset(self) -> float:
        token = self.peek()
        sign = 1.0
        try:
            if token.kind is Kind.LEFT_PAREN:
                self.duration_expr(0)
                raise Diagnosis("experimental duration expression is not enabled", token.pos)
            if token.kind in (Kind.ADD, Kind.SUB):
                self.advance()
                sign = -1.0 if token.kind is Kind.SUB else 1.0
            literal = self.peek()
            if literal.kind not in (Kind.NUMBER, Kind.DURATION):
                raise _Unexpected(literal)
            self.advance()
            self.peek()
            seconds = sign * self.literal_seconds(literal)
        except _Unexpected as exc:
            raise _unexpected(exc.token, "offset", "number or duration") from None
        if abs(seconds) > _MAX_DURATION_S:
            raise Diagnosis("duration out of range", token.pos)
        return seconds

    def add_offset(self, expr: Node, seconds: float) -> Node:
        target: Selector | Subquery
        if isinstance(expr, Selector | Subquery):
            target = expr
        elif isinstance(expr, Matrix):
            if not isinstance(expr.inner, Selector):
                raise Diagnosis("ranges only allowed for vector selectors", expr.start)
            target = expr.inner
        else:
            raise Diagnosis(
                "offset modifier must be preceded by an instant vector selector or range "
                "vector selector or a subquery",
                expr.start,
            )
        if target.offset:
            raise Diagnosis("offset may not be set multiple times", expr.start)
        target.offset = seconds
        expr.end = self.end()
        return expr

    def add_at(self, expr: Node) -> Node:
        token = self.peek()
        try:
            if token.kind in (Kind.START, Kind.END):
                self.advance()
                self.expect(Kind.LEFT_PAREN)
                self.expect(Kind.RIGHT_PAREN)
                ts, kind = 0.0, token.val.lower() + "()"
            else:
                sign = 1.0
                if token.kind in (Kind.ADD, Kind.SUB):
                    self.advance()
                    sign = -1.0 if token.kind is Kind.SUB else 1.0
                literal = self.peek()
                if literal.kind not in (Kind.NUMBER, Kind.DURATION):
                    raise _Unexpected(literal)
                self.advance()
                ts, kind = sign * self.literal_seconds(literal), "timestamp"
        except _Unexpected as exc:
            raise _unexpected(exc.token, "@", "timestamp") from None
        if math.isnan(ts) or math.isinf(ts) or abs(ts) >= 2.0**63:
            shown = "NaN" if math.isnan(ts) else ("+Inf" if ts > 0 else "-Inf")
            if not (math.isnan(ts) or math.isinf(ts)):
                shown = f"{ts:f}"
            raise Diagnosis(f"timestamp out of bounds for @ modifier: {shown}", expr.start)
        target: Selector | Subquery
        if isinstance(expr, Selector | Subquery):
            target = expr
        elif isinstance(expr, Matrix):
            if not isinstance(expr.inner, Selector):
                raise Diagnosis("ranges only allowed for vector selectors", expr.start)
            target = expr.inner
        else:
            raise Diagnosis(
                "@ modifier must be preceded by an instant vector selector or range vector "
                "selector or a subquery",
                expr.start,
            )
        if target.at:
            raise Diagnosis("@ <timestamp> may not be set multiple times", expr.start)
        target.at = kind
        expr.end = self.end()
        return expr


def diagnose(query: str) -> Diagnosis | None:
    """Prometheus's first error for ``query``, or None if its grammar accepts it."""
    try:
        _Parser(query).parse()
    except Diagnosis as exc:
        return exc
    return None


def diagnose_selector(text: str) -> Diagnosis | None:
    """Prometheus's first error for ``text`` read as a series selector (``match[]``)."""
    try:
        _Parser(text).parse_selector()
    except Diagnosis as exc:
        return exc
    return None


def negative_at(query: str) -> int | None:
    """Where ``@ -<timestamp>`` starts in a valid query (promql-parser cannot convert it)."""
    lexer = Lexer(query)
    previous: Token | None = None
    try:
        while (token := lexer.next_token()).kind is not Kind.EOF:
            if token.kind is Kind.COMMENT:
                continue
            if previous is not None and previous.kind is Kind.AT and token.kind is Kind.SUB:
                return previous.pos
            previous = token
    except LexError:
        return None
    return None
