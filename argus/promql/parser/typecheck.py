"""The diagnoser's syntax tree with positions, and Prometheus's type check over it.

:mod:`argus.promql.parser.diagnose` builds these nodes (each knows where it starts and
ends in the query); :func:`check` then walks them in the order of Prometheus's
``checkAST`` and raises :class:`Diagnosis` at the first problem, so the message and
position are the ones Prometheus reports first (``1:3: comparisons between scalars
must use BOOL modifier``). Types are letters: ``v`` instant vector, ``m`` range
vector, ``s`` scalar, ``t`` string.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from argus.model import METRIC_NAME, Matcher, MatcherError, MatchType, go_quote
from argus.promql.parser.signatures import SIGNATURES, TYPE_NAMES

__all__ = [
    "Agg",
    "Binary",
    "Call",
    "Diagnosis",
    "Matrix",
    "Node",
    "Num",
    "Paren",
    "Selector",
    "Str",
    "Subquery",
    "Unary",
    "check",
]

_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
_SET_OPS = frozenset({"and", "or", "unless"})
_SCALAR_PARAM = frozenset({"topk", "bottomk", "quantile", "limitk", "limit_ratio"})
_RAW_TYPE = {"v": "vector", "m": "matrix", "s": "scalar", "t": "string"}
_MATCH = {"=": MatchType.EQUAL, "!=": MatchType.NOT_EQUAL}
_MATCH |= {"=~": MatchType.REGEX, "!~": MatchType.NOT_REGEX}


class Diagnosis(Exception):
    """The first error Prometheus reports: ``message`` at character offset ``pos``."""

    def __init__(self, message: str, pos: int, end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.end = pos if end is None else end


@dataclass(eq=False)
class Node:
    start: int
    end: int

    @property
    def type(self) -> str:
        raise NotImplementedError


@dataclass(eq=False)
class Num(Node):
    value: float

    @property
    def type(self) -> str:
        return "s"


@dataclass(eq=False)
class Str(Node):
    @property
    def type(self) -> str:
        return "t"


@dataclass(eq=False)
class Selector(Node):
    """``name{matchers}``; ``matchers`` are (label, op, value) with the name's last."""

    name: str
    matchers: list[tuple[str, str, str]]
    offset: float = 0.0
    at: str = ""  # "timestamp" or "start()"/"end()" once an @ modifier is set.

    @property
    def type(self) -> str:
        return "v"


@dataclass(eq=False)
class Matrix(Node):
    inner: Node

    @property
    def type(self) -> str:
        return "m"


@dataclass(eq=False)
class Subquery(Node):
    inner: Node
    offset: float = 0.0
    at: str = ""

    @property
    def type(self) -> str:
        return "m"


@dataclass(eq=False)
class Call(Node):
    func: str
    args: list[Node]

    @property
    def type(self) -> str:
        return SIGNATURES[self.func][2]


@dataclass(eq=False)
class Agg(Node):
    op: str
    expr: Node
    param: Node | None

    @property
    def type(self) -> str:
        return "v"


@dataclass(eq=False)
class Binary(Node):
    op: str
    lhs: Node
    rhs: Node
    op_pos: int
    return_bool: bool = False
    on: bool = False
    labels: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    card: str = "one-to-one"

    @property
    def type(self) -> str:
        return "s" if self.lhs.type == "s" and self.rhs.type == "s" else "v"


@dataclass(eq=False)
class Unary(Node):
    op: str
    expr: Node

    @property
    def type(self) -> str:
        return self.expr.type


@dataclass(eq=False)
class Paren(Node):
    expr: Node

    @property
    def type(self) -> str:
        return self.expr.type


def _expect(node: Node, want: str, context: str) -> None:
    got = check(node)
    if got != want:
        raise Diagnosis(
            f"expected type {TYPE_NAMES[want]} in {context}, got {TYPE_NAMES[got]}", node.start
        )


def _binary(n: Binary) -> None:
    lt, rt = check(n.lhs), check(n.rhs)
    if n.return_bool and n.op not in _COMPARISONS:
        raise Diagnosis("bool modifier can only be used on comparison operators", n.op_pos)
    if n.op in _COMPARISONS and not n.return_bool and lt == "s" and rt == "s":
        raise Diagnosis("comparisons between scalars must use BOOL modifier", n.op_pos)
    if n.on:
        for label in n.labels:
            if label in n.include:
                raise Diagnosis(
                    f"label {go_quote(label)} must not occur in ON and GROUP clause at once",
                    n.op_pos,
                )
    for side, t in ((n.lhs, lt), (n.rhs, rt)):
        if t not in ("s", "v"):
            raise Diagnosis(
                "binary expression must contain only scalar and instant vector types", side.start
            )
    if lt != "v" or rt != "v":
        if n.labels:
            raise Diagnosis("vector matching only allowed between instant vectors", n.start)
    elif n.op in _SET_OPS and n.card != "one-to-one":
        raise Diagnosis(f"no grouping allowed for {go_quote(n.op)} operation", n.start)
    if (lt == "s" or rt == "s") and n.op in _SET_OPS:
        raise Diagnosis(
            f"set operator {go_quote(n.op)} not allowed in binary scalar expression", n.start
        )


def _call(n: Call) -> None:
    arg_types, variadic, _ = SIGNATURES[n.func]
    nargs, got, name = len(arg_types), len(n.args), go_quote(n.func)
    if variadic == 0:
        if nargs != got:
            raise Diagnosis(f"expected {nargs} argument(s) in call to {name}, got {got}", n.start)
    elif nargs - 1 > got:
        raise Diagnosis(
            f"expected at least {nargs - 1} argument(s) in call to {name}, got {got}", n.start
        )
    elif variadic > 0 and nargs - 1 + variadic < got:
        raise Diagnosis(
            f"expected at most {nargs - 1 + variadic} argument(s) in call to {name}, got {got}",
            n.start,
        )
    for i, arg in enumerate(n.args):
        if i >= nargs and variadic == 0:
            break
        _expect(arg, arg_types[min(i, nargs - 1)], f"call to function {name}")


def _selector(n: Selector) -> None:
    if n.name:
        for label, _, value in n.matchers[:-1]:
            if label == METRIC_NAME:
                raise Diagnosis(
                    f"metric name must not be set twice: {go_quote(n.name)} or {go_quote(value)}",
                    n.start,
                )
        return
    for label, op, value in n.matchers:
        try:
            if not Matcher(_MATCH[op], label, value).matches(""):
                return
        except MatcherError:
            return
    raise Diagnosis("vector selector must contain at least one non-empty matcher", n.start)


def check(node: Node) -> str:
    """Prometheus's ``checkAST``: the node's type, or :class:`Diagnosis` at the first error."""
    match node:
        case Agg():
            _expect(node.expr, "v", "aggregation expression")
            if node.param is not None and node.op in _SCALAR_PARAM:
                _expect(node.param, "s", "aggregation parameter")
            if node.param is not None and node.op == "count_values":
                _expect(node.param, "t", "aggregation parameter")
        case Binary():
            _binary(node)
        case Call():
            _call(node)
        case Paren():
            check(node.expr)
        case Unary():
            t = check(node.expr)
            if t not in ("s", "v"):
                raise Diagnosis(
                    "unary expression only allowed on expressions of type scalar or "
                    f"instant vector, got {go_quote(TYPE_NAMES[t])}",
                    node.start,
                )
        case Subquery():
            t = check(node.inner)
            if t != "v":
                raise Diagnosis(
                    f"subquery is only allowed on instant vector, got {_RAW_TYPE[t]} instead",
                    node.start,
                )
        case Matrix():
            check(node.inner)
        case Selector():
            _selector(node)
    return node.type
