"""Aggregation operators: series are mapped to groups once, then rows are reduced.

Grouping keys are computed once per input series (a Python loop over series, never
over samples); the reduction itself runs in :mod:`argus.promql.functions.aggkernels`.
"""

from __future__ import annotations

import math

import numpy as np

from argus.model import METRIC_NAME, Float64Array, Int64Array, Labels, is_valid_label_name
from argus.promql.errors import EvalError
from argus.promql.functions.aggkernels import AGG_CODES, aggregate, quantile_groups, select_k
from argus.promql.value import InstantVector

__all__ = ["aggregate_vector"]


def _groups(
    vec: InstantVector, grouping: tuple[str, ...], without: bool
) -> tuple[Int64Array, list[Labels]]:
    """Group id of each series and each group's labels, in order of first appearance.

    Keys are plain tuples of the kept pairs, built by one comprehension per series;
    ``Labels`` objects are made once per distinct group, not once per series.
    """
    n = len(vec)
    if not without and not grouping:
        return np.zeros(n, dtype=np.int64), [Labels()] * bool(n)
    if without:
        drop = frozenset(grouping) | {METRIC_NAME}
        keys = [tuple([p for p in lb if p[0] not in drop]) for lb in vec.labels]
    else:
        keep = frozenset(grouping)
        keys = [tuple([p for p in lb if p[0] in keep]) for lb in vec.labels]
    index: dict[tuple[tuple[str, str], ...], int] = {}
    gids = np.fromiter((index.setdefault(k, len(index)) for k in keys), np.int64, n)
    return gids, [Labels.from_sorted(k) for k in index]


def aggregate_vector(
    op: str,
    vec: InstantVector,
    grouping: tuple[str, ...],
    without: bool,
    param: Float64Array | str | None,
    warnings: list[str],
) -> InstantVector:
    n = vec.values.shape[1]
    if op == "count_values":
        assert isinstance(param, str)
        return _count_values(vec, grouping, without, param)
    if len(vec) == 0:
        return InstantVector.empty(n)
    if op in ("topk", "bottomk", "limitk"):
        assert isinstance(param, np.ndarray)
        return _select_k(op, vec, grouping, without, param)
    if op == "limit_ratio":
        raise EvalError("limit_ratio is not supported")
    gids, glabels = _groups(vec, grouping, without)
    if op == "quantile":
        assert isinstance(param, np.ndarray)
        q = param
        for bad in (q[np.isnan(q)][:1], q[q > 1][:1], q[q < 0][:1]):
            if len(bad):
                warnings.append(  # noqa: PERF401
                    f"PromQL warning: quantile value should be between 0 and 1, got {_fmt(bad[0])}"
                )
        values, seen = quantile_groups(gids, len(glabels), vec.values, vec.present, q)
    else:
        values, seen = aggregate(AGG_CODES[op], gids, len(glabels), vec.values, vec.present)
    ng = len(glabels)
    drop = np.zeros(ng, dtype=np.bool_)
    # Prometheus copies the delayed-name-removal flag of input series i to group i.
    m = min(ng, len(vec))
    drop[:m] = vec.drop_name[:m]
    out = InstantVector(glabels, values, seen, drop)
    rows = np.flatnonzero(seen.any(axis=1))
    return out if len(rows) == ng else out.take(rows)


def _fmt(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    return repr(float(v)).removesuffix(".0") if float(v).is_integer() else repr(float(v))


def _select_k(
    op: str, vec: InstantVector, grouping: tuple[str, ...], without: bool, param: Float64Array
) -> InstantVector:
    n = vec.values.shape[1]
    with np.errstate(invalid="ignore"):
        if np.isnan(param).any():
            raise EvalError("Parameter value is NaN")
        k = np.clip(param, -(2**62), 2**62).astype(np.int64)
    gids, glabels = _groups(vec, grouping, without)
    if op == "limitk":
        # limitk keeps the first k series of each group, in input order.
        order_vals = np.zeros_like(vec.values)
        keep, _ = select_k(gids, len(glabels), order_vals, vec.present, k, False)
    else:
        keep, _ = select_k(gids, len(glabels), vec.values, vec.present, k, op == "topk")
    out = InstantVector(list(vec.labels), vec.values, keep, vec.drop_name)
    rows = np.flatnonzero(keep.any(axis=1))
    out = out.take(rows)
    if n == 1 and len(out) and op != "limitk":
        # Instant queries list each group's selection best-first, as Prometheus does.
        gsel = gids[rows]
        key = -out.values[:, 0] if op == "topk" else out.values[:, 0]
        key = np.where(np.isnan(key), np.inf, key)
        order = np.lexsort((key, gsel))
        out = out.take(order)
    return out


def _count_values(
    vec: InstantVector, grouping: tuple[str, ...], without: bool, label: str
) -> InstantVector:
    if not is_valid_label_name(label):
        raise EvalError(f"invalid label name {label!r}")
    n = vec.values.shape[1]
    rows, cols = np.nonzero(vec.present)
    vals = vec.values[rows, cols]
    gids, glabels = _groups(vec, grouping, without)
    uvals, vinv = np.unique(vals.view(np.int64), return_inverse=True)
    key = gids[rows] * max(len(uvals), 1) + vinv
    ukeys, kinv = np.unique(key, return_inverse=True)
    out_labels: list[Labels] = []
    for kk in ukeys.tolist():
        g, vi = divmod(kk, max(len(uvals), 1))
        value = float(uvals[vi : vi + 1].view(np.float64)[0])
        pairs = dict(glabels[g])
        pairs[label] = _format_value(value)
        out_labels.append(Labels(pairs.items()))
    counts = np.zeros((len(ukeys), n), dtype=np.float64)
    np.add.at(counts, (kinv, cols), 1.0)
    out = InstantVector(out_labels, counts, counts > 0, np.zeros(len(ukeys), dtype=np.bool_))
    return out


def _format_value(v: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'f', -1, 64)``."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    r = repr(v)
    if "e" in r or "E" in r:
        from decimal import Decimal

        s = format(Decimal(r), "f")
        return s.rstrip("0").rstrip(".") if "." in s else s
    return r.removesuffix(".0")
