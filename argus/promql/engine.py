"""The public entry point: :class:`Engine` runs instant and range queries.

An instant query is a range query with one step. The engine opens one querier per
query, evaluates the tree once over all steps, applies delayed ``__name__`` removal,
and packs the result into :mod:`argus.promql.value` objects.
"""

from __future__ import annotations

import numpy as np

from argus.model import MAX_TIME, METRIC_NAME, MIN_TIME, Labels
from argus.promql.errors import EvalError
from argus.promql.evaluator import Evaluator, Value
from argus.promql.limits import QueryLimits, ensure_recursion_limit
from argus.promql.parser.ast import Expr
from argus.promql.parser.parse import parse
from argus.promql.value import (
    InstantVector,
    Matrix,
    RangeVector,
    Result,
    Scalar,
    ScalarSteps,
    String,
    StringValue,
    Vector,
)
from argus.storage import Queryable

__all__ = ["Engine"]


class Engine:
    """Evaluates PromQL against a :class:`~argus.storage.Queryable`.

    ``lookback_ms`` is how far back an instant selector looks for a sample;
    ``max_samples`` bounds the samples one node may hold; ``timeout_s`` bounds the wall
    time of one query; ``max_series`` (0: unlimited) bounds one selection.
    """

    def __init__(
        self,
        queryable: Queryable,
        *,
        lookback_ms: int = 300_000,
        max_samples: int = 50_000_000,
        timeout_s: float = 120,
        max_series: int = 0,
        subquery_step_ms: int = 60_000,
    ) -> None:
        self.queryable = queryable
        self.lookback_ms = lookback_ms
        self.max_samples = max_samples
        self.timeout_s = timeout_s
        self.max_series = max_series
        self.subquery_step_ms = subquery_step_ms

    def __repr__(self) -> str:
        return (
            f"Engine(lookback_ms={self.lookback_ms}, max_samples={self.max_samples}, "
            f"timeout_s={self.timeout_s})"
        )

    def instant(self, query: str | Expr, t_ms: int) -> Result:
        """Evaluate ``query`` at ``t_ms``; vectors keep the order the query produced."""
        expr = parse(query) if isinstance(query, str) else query
        ev, value = self._run(expr, t_ms, t_ms, 1)
        return Result(_instant_result(value, t_ms), ev.warnings, ev.infos)

    def range(self, query: str | Expr, start_ms: int, end_ms: int, step_ms: int) -> Result:
        """Evaluate ``query`` at every step in ``[start_ms, end_ms]``; series sorted by labels."""
        if step_ms <= 0:
            raise EvalError("zero or negative query resolution step widths are not accepted")
        if end_ms < start_ms:
            raise EvalError("end timestamp must not be before start time")
        expr = parse(query) if isinstance(query, str) else query
        ev, value = self._run(expr, start_ms, end_ms, step_ms)
        ts = np.arange(start_ms, end_ms + 1, step_ms, dtype=np.int64)
        return Result(_range_result(value, ts), ev.warnings, ev.infos)

    def _run(self, expr: Expr, start: int, end: int, step: int) -> tuple[Evaluator, Value]:
        ensure_recursion_limit()
        limits = QueryLimits(self.max_samples, self.timeout_s, self.max_series)
        ts = np.arange(start, end + 1, step, dtype=np.int64)
        querier = self.queryable.querier(MIN_TIME, MAX_TIME)
        try:
            ev = Evaluator(
                querier,
                lookback_ms=self.lookback_ms,
                limits=limits,
                start_ms=start,
                end_ms=end,
                interval_ms=step,
                subquery_step_ms=self.subquery_step_ms,
            )
            value = ev.eval(expr, ts)
        finally:
            querier.close()
        if isinstance(value, InstantVector):
            value = _drop_names(value)
        return ev, value


def _drop_names(v: InstantVector) -> InstantVector:
    if not v.drop_name.any():
        return v
    labels = [
        lb.without(METRIC_NAME) if d else lb
        for lb, d in zip(v.labels, v.drop_name.tolist(), strict=True)
    ]
    if len(set(labels)) != len(labels):
        raise EvalError("vector cannot contain metrics with the same labelset")
    return InstantVector(labels, v.values, v.present, np.zeros(len(labels), np.bool_))


def _instant_result(value: Value, t_ms: int) -> Vector | Matrix | Scalar | String:
    if isinstance(value, ScalarSteps):
        return Scalar(float(value.values[0]), t_ms)
    if isinstance(value, StringValue):
        return String(value.value, t_ms)
    if isinstance(value, InstantVector):
        rows = np.flatnonzero(value.present[:, 0])
        return Vector([value.labels[i] for i in rows.tolist()], value.values[rows, 0], t_ms)
    return _raw_matrix(value)


def _raw_matrix(rv: RangeVector) -> Matrix:
    """A range selector's samples in its (single) window, on their own timestamps."""
    counts = rv.hi[:, 0] - rv.lo[:, 0]
    rows = np.flatnonzero(counts > 0)
    idx = np.concatenate(
        [np.arange(rv.lo[i, 0], rv.hi[i, 0]) for i in rows.tolist()] or [np.zeros(0, np.int64)]
    )
    stamps = np.unique(rv.ts[idx])
    values = np.zeros((len(rows), len(stamps)))
    present = np.zeros((len(rows), len(stamps)), np.bool_)
    row_of = np.repeat(np.arange(len(rows)), counts[rows])
    col = np.searchsorted(stamps, rv.ts[idx])
    values[row_of, col] = rv.values[idx]
    present[row_of, col] = True
    labels = [rv.labels[i] for i in rows.tolist()]
    if len(rv.drop_name) and rv.drop_name.any():
        # A subquery over a name-dropping expression (``rate(x[5m])[10m:1m]``): the
        # delayed removal happens here, as Prometheus cleans up a matrix result.
        drop = rv.drop_name[rows].tolist()
        labels = [lb.without(METRIC_NAME) if d else lb for lb, d in zip(labels, drop, strict=True)]
        if len(set(labels)) != len(labels):
            raise EvalError("vector cannot contain metrics with the same labelset")
    order = sorted(range(len(labels)), key=labels.__getitem__)
    return Matrix([labels[i] for i in order], stamps, values[order], present[order])


def _range_result(value: Value, ts: np.ndarray) -> Matrix:
    if isinstance(value, ScalarSteps):
        return Matrix([Labels()], ts, value.values[np.newaxis, :], np.ones((1, len(ts)), np.bool_))
    if isinstance(value, InstantVector):
        rows = np.flatnonzero(value.present.any(axis=1))
        order = sorted(rows.tolist(), key=value.labels.__getitem__)
        return Matrix(
            [value.labels[i] for i in order], ts, value.values[order], value.present[order]
        )
    raise EvalError("range query needs an expression of type scalar or instant vector")
