"""numba kernels for aggregation operators: one pass over series x steps, in input order.

Input order matters: Prometheus sums with Kahan compensation and computes variance
incrementally, so the result depends on the order samples arrive. These kernels walk
series in the same order Prometheus does and keep per-group, per-step accumulators.
"""

from __future__ import annotations

import math

import numba
import numpy as np

import argus.promql.jit  # noqa: F401 - sets NUMBA_CACHE_DIR before numba compiles
from argus.model import BoolArray, Float64Array, Int64Array
from argus.promql.functions.kernels import _kahan_inc, _quantile_select

__all__ = ["AGG_CODES", "aggregate", "quantile_groups", "select_k"]

AGG_CODES = {
    "sum": 0,
    "avg": 1,
    "min": 2,
    "max": 3,
    "count": 4,
    "group": 5,
    "stddev": 6,
    "stdvar": 7,
}


@numba.njit(cache=True, nogil=True)
def aggregate(
    code: int, groups: Int64Array, n_groups: int, values: Float64Array, present: BoolArray
) -> tuple[Float64Array, BoolArray]:
    """Reduce rows of ``values`` [s, n] into ``n_groups`` rows by ``groups`` int64[s]."""
    s, n = values.shape
    val = np.zeros((n_groups, n), dtype=np.float64)
    comp = np.zeros((n_groups, n), dtype=np.float64)
    mean = np.zeros((n_groups, n), dtype=np.float64)
    cnt = np.zeros((n_groups, n), dtype=np.float64)
    incr = np.zeros((n_groups, n), dtype=np.bool_)
    seen = np.zeros((n_groups, n), dtype=np.bool_)
    for i in range(s):
        g = groups[i]
        for j in range(n):
            if not present[i, j]:
                continue
            f = values[i, j]
            if not seen[g, j]:
                seen[g, j] = True
                val[g, j] = f
                mean[g, j] = f
                cnt[g, j] = 1.0
                if code == 6 or code == 7:
                    if math.isnan(f) or math.isinf(f):
                        val[g, j] = math.nan
                    else:
                        val[g, j] = 0.0
                elif code == 5:
                    val[g, j] = 1.0
                continue
            if code == 0:
                val[g, j], comp[g, j] = _kahan_inc(f, val[g, j], comp[g, j])
            elif code == 1:
                cnt[g, j] += 1
                c = cnt[g, j]
                if not incr[g, j]:
                    nv, nc = _kahan_inc(f, val[g, j], comp[g, j])
                    if not math.isinf(nv):
                        val[g, j], comp[g, j] = nv, nc
                        continue
                    incr[g, j] = True
                    mean[g, j] = val[g, j] / (c - 1)
                    comp[g, j] /= c - 1
                q = (c - 1) / c
                mean[g, j], comp[g, j] = _kahan_inc(f / c, q * mean[g, j], q * comp[g, j])
            elif code == 2:
                if val[g, j] > f or math.isnan(val[g, j]):
                    val[g, j] = f
            elif code == 3:
                if val[g, j] < f or math.isnan(val[g, j]):
                    val[g, j] = f
            elif code == 4:
                cnt[g, j] += 1
            elif code == 6 or code == 7:
                cnt[g, j] += 1
                delta = f - mean[g, j]
                mean[g, j] += delta / cnt[g, j]
                val[g, j] += delta * (f - mean[g, j])
    for g in range(n_groups):
        for j in range(n):
            if not seen[g, j]:
                continue
            if code == 0:
                val[g, j] += comp[g, j]
            elif code == 1:
                if incr[g, j]:
                    val[g, j] = mean[g, j] + comp[g, j]
                else:
                    val[g, j] = val[g, j] / cnt[g, j] + comp[g, j] / cnt[g, j]
            elif code == 4:
                val[g, j] = cnt[g, j]
            elif code == 7:
                val[g, j] /= cnt[g, j]
            elif code == 6:
                val[g, j] = math.sqrt(val[g, j] / cnt[g, j])
    return val, seen


@numba.njit(cache=True, nogil=True)
def quantile_groups(
    groups: Int64Array, n_groups: int, values: Float64Array, present: BoolArray, q: Float64Array
) -> tuple[Float64Array, BoolArray]:
    s, n = values.shape
    out = np.zeros((n_groups, n), dtype=np.float64)
    seen = np.zeros((n_groups, n), dtype=np.bool_)
    buf = np.empty(s, dtype=np.float64)
    for g in range(n_groups):
        for j in range(n):
            k = 0
            for i in range(s):
                if groups[i] == g and present[i, j]:
                    buf[k] = values[i, j]
                    k += 1
            if k > 0:
                seen[g, j] = True
                out[g, j] = _quantile_select(q[j], buf[:k])
    return out, seen


@numba.njit(cache=True, nogil=True)
def select_k(
    groups: Int64Array,
    n_groups: int,
    values: Float64Array,
    present: BoolArray,
    k: Int64Array,
    top: bool,
) -> tuple[BoolArray, Int64Array]:
    """topk/bottomk: which samples are kept, and their rank within the group [s, n].

    Ties keep input order; NaN ranks last for both directions.
    """
    s, n = values.shape
    keep = np.zeros((s, n), dtype=np.bool_)
    rank = np.zeros((s, n), dtype=np.int64)
    idx = np.empty(s, dtype=np.int64)
    key = np.empty(s, dtype=np.float64)
    for g in range(n_groups):
        for j in range(n):
            if k[j] < 1:
                continue
            m = 0
            for i in range(s):
                if groups[i] == g and present[i, j]:
                    idx[m] = i
                    f = values[i, j]
                    if math.isnan(f):
                        key[m] = math.inf
                    elif top:
                        key[m] = -f
                    else:
                        key[m] = f
                    m += 1
            if m == 0:
                continue
            order = np.argsort(key[:m], kind="mergesort")
            for r in range(min(m, k[j])):
                i = idx[order[r]]
                keep[i, j] = True
                rank[i, j] = r
    return keep, rank
