"""Argus's own immutable PromQL syntax tree.

promql-parser's node objects are slow to walk (each attribute access crosses into Rust)
and awkward to compare, so :mod:`argus.promql.parser.parse` converts them once into
these frozen dataclasses. Durations and timestamps are int64 milliseconds here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from argus.model import Matcher

__all__ = [
    "AggregateExpr",
    "AtModifier",
    "BinaryExpr",
    "Call",
    "Expr",
    "MatrixSelector",
    "NumberLiteral",
    "ParenExpr",
    "StringLiteral",
    "SubqueryExpr",
    "UnaryExpr",
    "ValueType",
    "VectorMatching",
    "VectorSelector",
]


class ValueType(enum.Enum):
    SCALAR = "scalar"
    VECTOR = "vector"
    MATRIX = "matrix"
    STRING = "string"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class AtModifier:
    """``@ <t>`` (``timestamp_ms``) or ``@ start()`` / ``@ end()`` (``kind``)."""

    kind: str  # "at", "start" or "end"
    timestamp_ms: int = 0


@dataclass(frozen=True, slots=True)
class NumberLiteral:
    value: float


@dataclass(frozen=True, slots=True)
class StringLiteral:
    value: str


@dataclass(frozen=True, slots=True)
class VectorSelector:
    """``name{matchers} offset <offset_ms> @ <at>``; ``matchers`` include ``__name__``."""

    name: str | None
    matchers: tuple[Matcher, ...]
    offset_ms: int = 0
    at: AtModifier | None = None


@dataclass(frozen=True, slots=True)
class MatrixSelector:
    selector: VectorSelector
    range_ms: int


@dataclass(frozen=True, slots=True)
class SubqueryExpr:
    """``expr[range:step]``; ``step_ms`` is None when the default interval applies."""

    expr: Expr
    range_ms: int
    step_ms: int | None
    offset_ms: int = 0
    at: AtModifier | None = None


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    returns: ValueType = ValueType.VECTOR


@dataclass(frozen=True, slots=True)
class AggregateExpr:
    """``op [without|by (grouping)] ([param,] expr)``; ``grouping`` keeps source order."""

    op: str
    expr: Expr
    param: Expr | None
    grouping: tuple[str, ...]
    without: bool


@dataclass(frozen=True, slots=True)
class VectorMatching:
    """How a vector-vector operation pairs series.

    ``card`` is ``one-to-one``, ``many-to-one`` (group_left), ``one-to-many``
    (group_right) or ``many-to-many`` (set operators). ``on`` tells whether
    ``labels`` were given with ``on`` (kept) or ``ignoring`` (dropped); ``include``
    holds the ``group_x`` extra labels copied from the "one" side.
    """

    card: str
    on: bool
    labels: tuple[str, ...]
    include: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BinaryExpr:
    op: str
    lhs: Expr
    rhs: Expr
    return_bool: bool = False
    matching: VectorMatching | None = None


@dataclass(frozen=True, slots=True)
class UnaryExpr:
    op: str
    expr: Expr


@dataclass(frozen=True, slots=True)
class ParenExpr:
    expr: Expr


Expr = (
    NumberLiteral
    | StringLiteral
    | VectorSelector
    | MatrixSelector
    | SubqueryExpr
    | Call
    | AggregateExpr
    | BinaryExpr
    | UnaryExpr
    | ParenExpr
)
