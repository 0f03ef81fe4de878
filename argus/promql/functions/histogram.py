"""``histogram_quantile`` over classic ``le`` buckets, per group and step in numba.

Series are grouped once by their labels without ``le``; the kernel then gathers each
group's buckets per step, sorts by upper bound, merges equal bounds, forces counts
monotonic and interpolates, exactly as Prometheus's ``BucketQuantile``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

import argus.promql.jit  # noqa: F401 - sets NUMBA_CACHE_DIR before numba compiles
from argus.model import METRIC_NAME, BoolArray, Float64Array, Int64Array, Labels
from argus.promql.value import InstantVector

__all__ = ["histogram_fraction", "histogram_quantile"]


@numba.njit(cache=True, nogil=True)
def _almost_equal(a: float, b: float, eps: float) -> bool:
    if math.isnan(a) and math.isnan(b):
        return True
    if a == b:
        return True
    abs_sum = abs(a) + abs(b)
    diff = abs(a - b)
    min_normal = 2.2250738585072014e-308
    if a == 0 or b == 0 or abs_sum < min_normal:
        return diff < eps * min_normal
    return diff / min(abs_sum, 1.7976931348623157e308) < eps


@numba.njit(cache=True, nogil=True)
def _bucket_quantile(q: float, ub: Float64Array, cnt: Float64Array) -> tuple[float, bool]:
    if math.isnan(q):
        return math.nan, False
    if q < 0:
        return -math.inf, False
    if q > 1:
        return math.inf, False
    order = np.argsort(ub, kind="mergesort")
    u = ub[order]
    c = cnt[order]
    if not (math.isinf(u[-1]) and u[-1] > 0):
        return math.nan, False
    # Coalesce equal upper bounds.
    m = 0
    for i in range(1, u.shape[0]):
        if u[i] == u[m]:
            c[m] += c[i]
        else:
            m += 1
            u[m] = u[i]
            c[m] = c[i]
    m += 1
    u = u[:m]
    c = c[:m]
    forced = False
    prev = c[0]
    for i in range(1, m):
        cur = c[i]
        if cur == prev:
            continue
        if _almost_equal(prev, cur, 1e-12):
            c[i] = prev
            continue
        if cur < prev:
            c[i] = prev
            forced = True
            continue
        prev = cur
    if m < 2:
        return math.nan, False
    obs = c[m - 1]
    if obs == 0:
        return math.nan, False
    rank = q * obs
    b = m - 1
    for i in range(m - 1):
        if c[i] >= rank:
            b = i
            break
    if b == m - 1:
        return u[m - 2], forced
    if b == 0 and u[0] <= 0:
        return u[0], forced
    start = 0.0
    end = u[b]
    count = c[b]
    if b > 0:
        start = u[b - 1]
        count -= c[b - 1]
        rank -= c[b - 1]
    return start + (end - start) * (rank / count), forced


@numba.njit(cache=True, nogil=True)
def _bucket_fraction(lower: float, upper: float, ub: Float64Array, cnt: Float64Array) -> float:
    order = np.argsort(ub, kind="mergesort")
    u = ub[order]
    c = cnt[order]
    if not (math.isinf(u[-1]) and u[-1] > 0):
        return math.nan
    m = 0
    for i in range(1, u.shape[0]):
        if u[i] == u[m]:
            c[m] += c[i]
        else:
            m += 1
            u[m] = u[i]
            c[m] = c[i]
    m += 1
    count = c[m - 1]
    if count == 0 or math.isnan(lower) or math.isnan(upper):
        return math.nan
    if lower >= upper:
        return 0.0
    rank = lower_rank = upper_rank = 0.0
    lower_set = upper_set = False
    for i in range(m):
        lb = -math.inf if i == 0 else u[i - 1]
        hb = u[i]
        if not lower_set and lb >= lower:
            lower_rank = rank
            lower_set = True
        if not upper_set and lb >= upper:
            upper_rank = rank
            upper_set = True
        if lower_set and upper_set:
            break
        if not lower_set and lb < lower < hb:
            lower_rank = rank + (c[i] - rank) * (lower - lb) / (hb - lb)
            lower_set = True
        if not upper_set and lb < upper < hb:
            upper_rank = rank + (c[i] - rank) * (upper - lb) / (hb - lb)
            upper_set = True
        if lower_set and upper_set:
            break
        rank = c[i]
    if not lower_set or lower_rank > count:
        lower_rank = count
    if not upper_set or upper_rank > count:
        upper_rank = count
    r: float = (upper_rank - lower_rank) / count
    return r


@numba.njit(cache=True, nogil=True)
def _kernel(
    groups: Int64Array,
    n_groups: int,
    les: Float64Array,
    values: Float64Array,
    present: BoolArray,
    q: Float64Array,
    upper: Float64Array,
    fraction: bool,
) -> tuple[Float64Array, BoolArray, BoolArray]:
    s, n = values.shape
    out = np.zeros((n_groups, n), dtype=np.float64)
    ok = np.zeros((n_groups, n), dtype=np.bool_)
    forced = np.zeros(n_groups, dtype=np.bool_)
    ub = np.empty(s, dtype=np.float64)
    cnt = np.empty(s, dtype=np.float64)
    for g in range(n_groups):
        for j in range(n):
            k = 0
            for i in range(s):
                if groups[i] == g and present[i, j]:
                    ub[k] = les[i]
                    cnt[k] = values[i, j]
                    k += 1
            if k == 0:
                continue
            if fraction:
                out[g, j] = _bucket_fraction(q[j], upper[j], ub[:k].copy(), cnt[:k].copy())
                ok[g, j] = True
                continue
            r, f = _bucket_quantile(q[j], ub[:k].copy(), cnt[:k].copy())
            out[g, j] = r
            ok[g, j] = True
            forced[g] |= f
    return out, ok, forced


def _parse_le(v: str) -> float | None:
    try:
        return float(v.strip().replace("Inf", "inf"))
    except ValueError:
        return None


def histogram_fraction(
    lower: Float64Array, upper: Float64Array, vec: InstantVector, warnings: list[str]
) -> InstantVector:
    return _classic(lower, upper, True, vec, warnings, [])


def histogram_quantile(
    q: Float64Array, vec: InstantVector, warnings: list[str], infos: list[str]
) -> InstantVector:
    for bad in (q[np.isnan(q)][:1], q[q > 1][:1], q[q < 0][:1]):
        if len(bad):
            warnings.append(  # noqa: PERF401
                f"PromQL warning: quantile value should be between 0 and 1, got {bad[0]:g}"
            )
    return _classic(q, q, False, vec, warnings, infos)


def _classic(
    p1: Float64Array,
    p2: Float64Array,
    fraction: bool,
    vec: InstantVector,
    warnings: list[str],
    infos: list[str],
) -> InstantVector:
    n = vec.values.shape[1]
    index: dict[Labels, int] = {}
    out_labels: list[Labels] = []
    rows: list[int] = []
    gids: list[int] = []
    les: list[float] = []
    for i, lb in enumerate(vec.labels):
        le = _parse_le(lb.get("le"))
        if le is None:
            warnings.append(
                'PromQL warning: bucket label "le" is missing or has a malformed value of '
                f'"{lb.get("le")}" for metric name "{lb.name}"'
            )
            continue
        sig = lb.without("le")
        gid = index.get(sig)
        if gid is None:
            gid = index[sig] = len(out_labels)
            out_labels.append(sig.without(METRIC_NAME))
        rows.append(i)
        gids.append(gid)
        les.append(le)
    if not rows:
        return InstantVector.empty(n)
    idx = np.asarray(rows, dtype=np.int64)
    out, ok, forced = _kernel(
        np.asarray(gids, dtype=np.int64),
        len(out_labels),
        np.asarray(les, dtype=np.float64),
        vec.values[idx],
        vec.present[idx],
        np.ascontiguousarray(p1, dtype=np.float64),
        np.ascontiguousarray(p2, dtype=np.float64),
        fraction,
    )
    for g in np.flatnonzero(forced).tolist():
        name = next(vec.labels[r].name for r, gg in zip(rows, gids, strict=True) if gg == g)
        infos.append(
            "PromQL info: input to histogram_quantile needed to be fixed for monotonicity "
            "(see https://prometheus.io/docs/prometheus/latest/querying/functions/"
            f'#histogram_quantile) for metric name "{name}"'
        )
    res = InstantVector(out_labels, out, ok, np.ones(len(out_labels), dtype=np.bool_))
    keep = np.flatnonzero(ok.any(axis=1))
    return res if len(keep) == len(out_labels) else res.take(keep)
