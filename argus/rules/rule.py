"""What recording and alerting rules share: the query seam, health, and timing.

Rules never touch the engine directly: they get a :class:`QueryFunc`, so tests can
feed fixed vectors and the unit-test runner and the server can evaluate the same rule
objects against different storages.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass

from argus.model import Labels
from argus.promql import Engine, PromQLError, Scalar, Vector
from argus.promql.parser.ast import Expr
from argus.rules.errors import RuleEvalError

__all__ = [
    "EvalSample",
    "QueryFunc",
    "RuleHealth",
    "RuleStatus",
    "engine_query_func",
    "same_float",
]

EvalSample = tuple[Labels, float]
"""One output sample of a rule: labels and value (its timestamp is the eval time)."""

QueryFunc = Callable[[Expr, int], list[EvalSample]]
"""Instant query of a parsed expression at ``t_ms``; raises :class:`RuleEvalError`."""


class RuleHealth(enum.Enum):
    """Values are the API's ``health`` strings."""

    UNKNOWN = "unknown"
    OK = "ok"
    ERR = "err"


@dataclass(slots=True)
class RuleStatus:
    """The outcome of a rule's latest evaluation, as ``/api/v1/rules`` shows it."""

    health: RuleHealth = RuleHealth.UNKNOWN
    last_error: str = ""
    last_evaluation_ms: int = 0
    evaluation_seconds: float = 0.0

    def record(self, t_ms: int, seconds: float, error: str = "") -> None:
        self.last_evaluation_ms = t_ms
        self.evaluation_seconds = seconds
        self.last_error = error
        self.health = RuleHealth.ERR if error else RuleHealth.OK


def engine_query_func(engine: Engine) -> QueryFunc:
    """Prometheus's ``EngineQueryFunc``: a vector as is, a scalar as one unlabelled sample."""

    def query(expr: Expr, t_ms: int) -> list[EvalSample]:
        try:
            result = engine.instant(expr, t_ms).value
        except PromQLError as exc:
            raise RuleEvalError(str(exc)) from exc
        if isinstance(result, Vector):
            return list(result)
        if isinstance(result, Scalar):
            return [(Labels(), result.value)]
        raise RuleEvalError("rule result is not a vector or scalar")

    return query


def same_float(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))
