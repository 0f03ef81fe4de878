"""The evaluator: walks the AST once, each node computing all steps at the same time.

``eval(expr, ts)`` takes the evaluation times (int64[n], ms) and returns an
:class:`InstantVector`, :class:`ScalarSteps`, :class:`StringValue` or
:class:`RangeVector`. ``@`` replaces the times with a constant, ``offset`` shifts them,
and a subquery evaluates its inner expression on the union of the aligned inner steps
of all outer windows. Python loops here run over series (for labels), never samples.
"""

from __future__ import annotations

import re

import numpy as np

from argus.model import (
    METRIC_NAME,
    Float64Array,
    Int64Array,
    Labels,
    MatchType,
    SeriesSet,
    is_stale,
)
from argus.promql import aggregate, binary
from argus.promql.errors import EvalError
from argus.promql.functions import histogram as hist
from argus.promql.functions import labels as lbl
from argus.promql.functions.kernels import FN_CODES, instant_lookup, range_function, window_bounds
from argus.promql.functions.math import ELEMENTWISE, clamp, round_to
from argus.promql.functions.time import DATE_FUNCTIONS
from argus.promql.limits import QueryLimits
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
    VectorSelector,
)
from argus.promql.parser.parse import value_type
from argus.promql.value import InstantVector, RangeVector, ScalarSteps, StringValue
from argus.storage import Querier

__all__ = ["Evaluator", "Value"]

Value = InstantVector | ScalarSteps | StringValue | RangeVector

_COUNTER_SUFFIXES = ("_total", "_sum", "_count", "_bucket")


class Evaluator:
    def __init__(
        self,
        querier: Querier,
        *,
        lookback_ms: int,
        limits: QueryLimits,
        start_ms: int,
        end_ms: int,
        interval_ms: int,
        subquery_step_ms: int = 60_000,
    ) -> None:
        self.querier = querier
        self.lookback_ms = lookback_ms
        self.limits = limits
        self.start_ms = start_ms
        self.end_ms = end_ms
        self.interval_ms = interval_ms
        self.subquery_step_ms = subquery_step_ms
        self.warnings: list[str] = []
        self.infos: list[str] = []

    # ------------------------------------------------------------------ dispatch

    def eval(self, expr: Expr, ts: Int64Array) -> Value:
        self.limits.check_time()
        match expr:
            case NumberLiteral():
                return ScalarSteps(np.full(len(ts), expr.value, dtype=np.float64))
            case StringLiteral():
                return StringValue(expr.value)
            case ParenExpr():
                return self.eval(expr.expr, ts)
            case VectorSelector():
                return self._vector_selector(expr, ts)
            case MatrixSelector():
                return self._matrix_selector(expr, ts)
            case SubqueryExpr():
                return self._subquery(expr, ts)
            case UnaryExpr():
                return self._unary(expr, ts)
            case BinaryExpr():
                return self._binary(expr, ts)
            case AggregateExpr():
                return self._aggregate(expr, ts)
            case Call():
                return self._call(expr, ts)
        raise EvalError(f"unhandled expression {expr!r}")

    def vector(self, expr: Expr, ts: Int64Array) -> InstantVector:
        v = self.eval(expr, ts)
        if not isinstance(v, InstantVector):
            raise EvalError(f"expected instant vector, got {type(v).__name__}")
        return v

    def scalar(self, expr: Expr, ts: Int64Array) -> Float64Array:
        v = self.eval(expr, ts)
        if not isinstance(v, ScalarSteps):
            raise EvalError(f"expected scalar, got {type(v).__name__}")
        return v.values

    def range(self, expr: Expr, ts: Int64Array) -> RangeVector:
        v = self.eval(expr, ts)
        if not isinstance(v, RangeVector):
            raise EvalError(f"expected range vector, got {type(v).__name__}")
        return v

    # ------------------------------------------------------------------ selectors

    def _times(self, at: AtModifier | None, offset_ms: int, ts: Int64Array) -> Int64Array:
        if at is None:
            base = ts
        elif at.kind == "start":
            base = np.full(len(ts), self.start_ms, dtype=np.int64)
        elif at.kind == "end":
            base = np.full(len(ts), self.end_ms, dtype=np.int64)
        else:
            base = np.full(len(ts), at.timestamp_ms, dtype=np.int64)
        out: Int64Array = base - offset_ms
        return out

    def _select(self, vs: VectorSelector, mint: int, maxt: int) -> SeriesSet:
        if all(m.matches_empty() for m in vs.matchers):
            raise EvalError("vector selector must contain at least one non-empty matcher")
        ss = self.querier.select(vs.matchers, mint, maxt)
        self.limits.check_series(len(ss))
        self.limits.check_samples(ss.num_samples)
        return ss

    def _vector_selector(self, vs: VectorSelector, ts: Int64Array) -> InstantVector:
        ends = self._times(vs.at, vs.offset_ms, ts)
        n = len(ts)
        if n == 0:
            return InstantVector.empty(0)
        ss = self._select(vs, int(ends.min()) - self.lookback_ms + 1, int(ends.max()))
        values, present, _ = instant_lookup(
            ss.offsets, ss.ts, ss.values, is_stale(ss.values), ends, self.lookback_ms
        )
        vec = InstantVector(list(ss.labels), values, present, np.zeros(len(ss), dtype=np.bool_))
        return _nonempty(vec)

    def _sample_times(self, vs: VectorSelector, ts: Int64Array) -> InstantVector:
        """``timestamp(selector)``: the timestamps of the selected samples, in seconds."""
        ends = self._times(vs.at, vs.offset_ms, ts)
        ss = self._select(vs, int(ends.min()) - self.lookback_ms + 1, int(ends.max()))
        _, present, sts = instant_lookup(
            ss.offsets, ss.ts, ss.values, is_stale(ss.values), ends, self.lookback_ms
        )
        vec = InstantVector(
            list(ss.labels), sts / 1000.0, present, np.ones(len(ss), dtype=np.bool_)
        )
        return _nonempty(vec)

    def _matrix_selector(self, ms: MatrixSelector, ts: Int64Array) -> RangeVector:
        vs = ms.selector
        ends = self._times(vs.at, vs.offset_ms, ts)
        ss = self._select(vs, int(ends.min()) - ms.range_ms + 1, int(ends.max()))
        keep = ~is_stale(ss.values)
        offsets, sts, values = ss.offsets, ss.ts, ss.values
        if not keep.all():
            cum = np.concatenate([[0], np.cumsum(keep)])
            offsets = cum[offsets]
            sts, values = sts[keep], values[keep]
        lo, hi = window_bounds(offsets, sts, ends, ms.range_ms)
        self.limits.check_samples(int((hi - lo).sum(axis=0).max(initial=0)))
        return RangeVector(
            list(ss.labels),
            offsets,
            sts,
            values,
            lo,
            hi,
            ends,
            ms.range_ms,
            np.zeros(len(ss), dtype=np.bool_),
        )

    def _subquery(self, sq: SubqueryExpr, ts: Int64Array) -> RangeVector:
        ends = self._times(sq.at, sq.offset_ms, ts)
        step = sq.step_ms or self.subquery_step_ms
        first = ((ends - sq.range_ms) // step + 1) * step
        last = (ends // step) * step
        inner = _union_of_steps(first, last, step)
        if len(inner) == 0:
            vec = InstantVector.empty(0)
        else:
            val = self.eval(sq.expr, inner)
            if isinstance(val, ScalarSteps):
                vec = InstantVector(
                    [Labels()],
                    val.values[np.newaxis, :],
                    np.ones((1, len(inner)), np.bool_),
                    np.zeros(1, np.bool_),
                )
            elif isinstance(val, InstantVector):
                vec = val
            else:
                raise EvalError("subquery is only allowed on instant vector")
        self.limits.check_samples(int(vec.present.sum()))
        per_series = vec.present.sum(axis=1)
        offsets = np.concatenate([[0], np.cumsum(per_series)]).astype(np.int64)
        grid = np.broadcast_to(inner, vec.present.shape)
        sts = np.ascontiguousarray(grid[vec.present], dtype=np.int64)
        values = np.ascontiguousarray(vec.values[vec.present])
        lo, hi = window_bounds(offsets, sts, ends, sq.range_ms)
        return RangeVector(
            list(vec.labels), offsets, sts, values, lo, hi, ends, sq.range_ms, vec.drop_name
        )

    # ------------------------------------------------------------------ operators

    def _unary(self, e: UnaryExpr, ts: Int64Array) -> Value:
        v = self.eval(e.expr, ts)
        if isinstance(v, ScalarSteps):
            return ScalarSteps(-v.values)
        if isinstance(v, InstantVector):
            return InstantVector(v.labels, -v.values, v.present, np.ones(len(v), dtype=np.bool_))
        raise EvalError("unary minus needs a scalar or an instant vector")

    def _binary(self, e: BinaryExpr, ts: Int64Array) -> Value:
        lt, rt = value_type(e.lhs), value_type(e.rhs)
        if lt is ValueType.SCALAR and rt is ValueType.SCALAR:
            res = binary.apply_op(e.op, self.scalar(e.lhs, ts), self.scalar(e.rhs, ts))
            return ScalarSteps(res)
        if lt is ValueType.VECTOR and rt is ValueType.VECTOR:
            lhs, rhs = self.vector(e.lhs, ts), self.vector(e.rhs, ts)
            assert e.matching is not None
            if e.op in ("and", "or", "unless"):
                return binary.set_op(e.op, lhs, rhs, e.matching)
            out = binary.vector_vector(e.op, lhs, rhs, e.matching, return_bool=e.return_bool)
            return merge_duplicates(out)
        if lt is ValueType.VECTOR:
            return binary.scalar_vector(
                e.op,
                self.vector(e.lhs, ts),
                self.scalar(e.rhs, ts),
                swap=False,
                return_bool=e.return_bool,
            )
        return binary.scalar_vector(
            e.op,
            self.vector(e.rhs, ts),
            self.scalar(e.lhs, ts),
            swap=True,
            return_bool=e.return_bool,
        )

    def _aggregate(self, e: AggregateExpr, ts: Int64Array) -> InstantVector:
        param: Float64Array | str | None = None
        if e.op == "count_values":
            p = self.eval(e.param, ts) if e.param is not None else None
            if not isinstance(p, StringValue):
                raise EvalError("count_values needs a string parameter")
            param = p.value
        elif e.param is not None:
            param = self.scalar(e.param, ts)
        vec = self.vector(e.expr, ts)
        return aggregate.aggregate_vector(e.op, vec, e.grouping, e.without, param, self.warnings)

    # ------------------------------------------------------------------ functions

    def _call(self, e: Call, ts: Int64Array) -> Value:
        name, args = e.func, e.args
        n = len(ts)
        if name in FN_CODES or name == "absent_over_time":
            return self._range_call(e, ts)
        if name == "time":
            return ScalarSteps(ts / 1000.0)
        if name == "pi":
            return ScalarSteps(np.full(n, np.pi))
        if name == "scalar":
            v = self.vector(args[0], ts)
            cnt = v.present.sum(axis=0)
            vals = np.where(v.present, v.values, 0.0).sum(axis=0) if len(v) else np.zeros(n)
            return ScalarSteps(np.where(cnt == 1, vals, np.nan))
        if name == "vector":
            s = self.scalar(args[0], ts)
            return InstantVector(
                [Labels()],
                s[np.newaxis, :].copy(),
                np.ones((1, n), np.bool_),
                np.zeros(1, np.bool_),
            )
        if name == "timestamp":
            arg = _unwrap(args[0])
            if isinstance(arg, VectorSelector):
                return self._sample_times(arg, ts)
            v = self.vector(args[0], ts)
            vals = np.broadcast_to(ts / 1000.0, v.values.shape).copy()
            return InstantVector(v.labels, vals, v.present, np.ones(len(v), np.bool_))
        if name == "absent":
            v = self.vector(args[0], ts)
            missing = np.asarray(~v.present.any(axis=0) if len(v) else np.ones(n, np.bool_))
            out = InstantVector(
                [_absent_labels(args[0])],
                np.ones((1, n)),
                missing[np.newaxis, :].copy(),
                np.zeros(1, np.bool_),
            )
            return _nonempty(out)
        if name in ELEMENTWISE:
            v = self.vector(args[0], ts)
            with np.errstate(all="ignore"):
                vals = ELEMENTWISE[name](v.values)
            return InstantVector(v.labels, vals, v.present, np.ones(len(v), np.bool_))
        if name in DATE_FUNCTIONS:
            if args:
                v = self.vector(args[0], ts)
            else:
                v = InstantVector(
                    [Labels()],
                    np.asarray(ts / 1000.0)[np.newaxis, :].copy(),
                    np.ones((1, n), np.bool_),
                    np.zeros(1, np.bool_),
                )
            vals = DATE_FUNCTIONS[name](v.values)
            return InstantVector(v.labels, vals, v.present, np.ones(len(v), np.bool_))
        if name == "round":
            v = self.vector(args[0], ts)
            to = self.scalar(args[1], ts) if len(args) > 1 else np.ones(n)
            vals = round_to(v.values, to[np.newaxis, :])
            return InstantVector(v.labels, vals, v.present, np.ones(len(v), np.bool_))
        if name in ("clamp", "clamp_min", "clamp_max"):
            v = self.vector(args[0], ts)
            lo = np.full(n, -np.inf)
            hi = np.full(n, np.inf)
            if name == "clamp":
                lo, hi = self.scalar(args[1], ts), self.scalar(args[2], ts)
            elif name == "clamp_min":
                lo = self.scalar(args[1], ts)
            else:
                hi = self.scalar(args[1], ts)
            vals = clamp(v.values, lo[np.newaxis, :], hi[np.newaxis, :])
            present = v.present & ~(lo > hi)[np.newaxis, :]
            return _nonempty(InstantVector(v.labels, vals, present, np.ones(len(v), np.bool_)))
        if name in ("sort", "sort_desc"):
            v = self.vector(args[0], ts)
            if n != 1 or len(v) == 0:
                return v
            key = v.values[:, 0]
            nan = np.isnan(key)
            order = np.lexsort((key, nan)) if name == "sort" else np.lexsort((-key, nan))
            return v.take(order)
        if name in ("sort_by_label", "sort_by_label_desc"):
            v = self.vector(args[0], ts)
            names = [self._string(a, ts) for a in args[1:]]
            idx = sorted(
                range(len(v)),
                key=lambda i: ([_natural(v.labels[i].get(nm)) for nm in names], v.labels[i]),
                reverse=name.endswith("desc"),
            )
            return v.take(idx)
        if name == "label_replace":
            v = self.vector(args[0], ts)
            strs = [self._string(a, ts) for a in args[1:5]]
            return _check_unique(lbl.label_replace(v, strs[0], strs[1], strs[2], strs[3]))
        if name == "label_join":
            v = self.vector(args[0], ts)
            strs = [self._string(a, ts) for a in args[1:]]
            return _check_unique(lbl.label_join(v, strs[0], strs[1], strs[2:]))
        if name == "histogram_quantile":
            q = self.scalar(args[0], ts)
            v = self.vector(args[1], ts)
            return merge_duplicates(hist.histogram_quantile(q, v, self.warnings, self.infos))
        if name == "histogram_fraction":
            lo, hi = self.scalar(args[0], ts), self.scalar(args[1], ts)
            v = self.vector(args[2], ts)
            return merge_duplicates(hist.histogram_fraction(lo, hi, v, self.warnings))
        if name.startswith("histogram_"):
            # Native-histogram functions: float samples yield nothing.
            for a in args:
                self.eval(a, ts)
            return InstantVector.empty(n)
        raise EvalError(f"function {name}() is not supported")

    def _string(self, expr: Expr, ts: Int64Array) -> str:
        v = self.eval(expr, ts)
        if not isinstance(v, StringValue):
            raise EvalError("expected a string argument")
        return v.value

    def _range_call(self, e: Call, ts: Int64Array) -> InstantVector:
        name = e.func
        n = len(ts)
        idx = next(i for i, a in enumerate(e.args) if value_type(a) is ValueType.MATRIX)
        rv = self.range(e.args[idx], ts)
        others = [self.scalar(a, ts) for i, a in enumerate(e.args) if i != idx]
        if name == "absent_over_time":
            has = np.asarray(
                (rv.hi > rv.lo).any(axis=0) if len(rv.labels) else np.zeros(n, np.bool_)
            )
            out = InstantVector(
                [_absent_labels(e.args[0])],
                np.ones((1, n)),
                (~has)[np.newaxis, :].copy(),
                np.ones(1, np.bool_),
            )
            return _nonempty(out)
        p1 = others[0] if others else np.zeros(n)
        p2 = others[1] if len(others) > 1 else np.zeros(n)
        if name == "quantile_over_time":
            p1 = others[0]
            for bad in (p1[np.isnan(p1)][:1], p1[p1 > 1][:1], p1[p1 < 0][:1]):
                if len(bad):
                    self.warnings.append(
                        f"PromQL warning: quantile value should be between 0 and 1, got {bad[0]:g}"
                    )
        if name == "double_exponential_smoothing":
            sf, tf = others[0], others[1]
            if ((sf <= 0) | (sf >= 1)).any():
                raise EvalError(f"invalid smoothing factor. Expected: 0 < sf < 1, got: {sf[0]:f}")
            if ((tf <= 0) | (tf >= 1)).any():
                raise EvalError(f"invalid trend factor. Expected: 0 < tf < 1, got: {tf[0]:f}")
        values, ok = range_function(
            FN_CODES[name],
            rv.ts,
            rv.values,
            rv.lo,
            rv.hi,
            rv.window_end,
            ts,
            rv.range_ms,
            np.ascontiguousarray(p1, dtype=np.float64),
            np.ascontiguousarray(p2, dtype=np.float64),
        )
        keep_name = name in ("last_over_time", "first_over_time")
        drop = rv.drop_name.copy() if keep_name else np.ones(len(rv.labels), np.bool_)
        if len(drop) != len(rv.labels):
            drop = np.zeros(len(rv.labels), np.bool_)
        out = _nonempty(InstantVector(rv.labels, values, ok, drop))
        if name in ("rate", "increase"):
            for lb in out.labels:
                metric = lb.name
                if metric and not metric.endswith(_COUNTER_SUFFIXES):
                    self.infos.append(
                        "PromQL info: metric might not be a counter, name does not end in "
                        f'_total/_sum/_count/_bucket: "{metric}"'
                    )
        return out


# ---------------------------------------------------------------------- helpers


_CHUNKS = re.compile(r"(\d+)")


def _union_of_steps(first: Int64Array, last: Int64Array, step: int) -> Int64Array:
    """Sorted union of the grids ``first[i], first[i] + step, ... <= last[i]`` (ms).

    Every grid point is a multiple of ``step``, so the union is a mask over one grid
    from ``min(first)``: +1 where a window opens, -1 after it closes, a cumulative sum.
    That is linear, where ``np.unique`` of every window's points sorted them all again
    (range queries over 1441 steps re-listed each inner step ~60 times).
    """
    counts = np.maximum((last - first) // step + 1, 0)
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    live = counts > 0
    first, last = first[live], last[live]
    base = int(first.min())
    width = (int(last.max()) - base) // step + 1
    if width > 4 * total:  # Sparse windows (far-apart ``@`` times): sort the points instead.
        counts = counts[live]
        starts = np.repeat(first, counts)
        within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.unique(starts + within * step)
    edges = np.zeros(width + 1, dtype=np.int64)
    np.add.at(edges, (first - base) // step, 1)
    np.add.at(edges, (last - base) // step + 1, -1)
    covered = np.cumsum(edges[:-1]) > 0
    return base + np.flatnonzero(covered).astype(np.int64) * step


def _natural(value: str) -> list[tuple[int, int, str]]:
    """Natural-sort key: digit runs compare as numbers (``cpu2`` < ``cpu10``)."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in _CHUNKS.split(value)
        if part
    ]


def _unwrap(e: Expr) -> Expr:
    while isinstance(e, ParenExpr):
        e = e.expr
    return e


def _nonempty(v: InstantVector) -> InstantVector:
    rows = np.flatnonzero(v.present.any(axis=1))
    return v if len(rows) == len(v) else v.take(rows)


def _absent_labels(expr: Expr) -> Labels:
    e = _unwrap(expr)
    if isinstance(e, MatrixSelector):
        e = e.selector
    if not isinstance(e, VectorSelector):
        return Labels()
    pairs: dict[str, str] = {}
    seen: set[str] = set()
    for m in e.matchers:
        if m.name == METRIC_NAME:
            continue
        if m.type is MatchType.EQUAL and m.name not in seen:
            pairs[m.name] = m.value
            seen.add(m.name)
        else:
            pairs.pop(m.name, None)
    return Labels(pairs.items())


def _check_unique(v: InstantVector) -> InstantVector:
    if len(set(v.labels)) != len(v.labels):
        raise EvalError("vector cannot contain metrics with the same labelset")
    return v


def merge_duplicates(v: InstantVector) -> InstantVector:
    """Fold series with equal labels into one; two samples at one step is an error."""
    index: dict[Labels, int] = {}
    groups = np.empty(len(v), dtype=np.int64)
    for i, lb in enumerate(v.labels):
        groups[i] = index.setdefault(lb, len(index))
    if len(index) == len(v):
        return v
    g = len(index)
    counts = np.zeros((g, v.values.shape[1]), dtype=np.int64)
    np.add.at(counts, groups, v.present.astype(np.int64))
    if (counts > 1).any():
        raise EvalError("vector cannot contain metrics with the same labelset")
    values = np.zeros((g, v.values.shape[1]))
    rows, cols = np.nonzero(v.present)
    values[groups[rows], cols] = v.values[rows, cols]
    first = np.full(g, -1, dtype=np.int64)
    first[groups[::-1]] = np.arange(len(v))[::-1]
    return InstantVector(list(index), values, counts > 0, v.drop_name[first])
