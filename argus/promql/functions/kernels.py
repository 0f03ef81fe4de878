"""numba kernels: window bounds, instant lookups, and every ``*_over_time``-style function.

Each kernel walks series x steps and, inside, the samples of one window; NumPy cannot
express "per window, sequentially" without copying every window (research §7 measured
numba 17-20x faster). One dispatching kernel (:func:`range_function`) serves all range
functions so that only one big function is compiled and cached.
"""

from __future__ import annotations

import math

import numba
import numpy as np

import argus.promql.jit  # noqa: F401 - sets NUMBA_CACHE_DIR before numba compiles
from argus.model import BoolArray, Float64Array, Int64Array

__all__ = ["FN_CODES", "instant_lookup", "range_function", "window_bounds"]

FN_CODES: dict[str, int] = {
    "rate": 0,
    "increase": 1,
    "delta": 2,
    "irate": 3,
    "idelta": 4,
    "deriv": 5,
    "predict_linear": 6,
    "resets": 7,
    "changes": 8,
    "avg_over_time": 9,
    "sum_over_time": 10,
    "min_over_time": 11,
    "max_over_time": 12,
    "count_over_time": 13,
    "stddev_over_time": 14,
    "stdvar_over_time": 15,
    "last_over_time": 16,
    "present_over_time": 17,
    "quantile_over_time": 18,
    "mad_over_time": 19,
    "double_exponential_smoothing": 20,
    "first_over_time": 21,
    "ts_of_last_over_time": 22,
    "ts_of_max_over_time": 23,
    "ts_of_min_over_time": 24,
    "ts_of_first_over_time": 25,
}


@numba.njit(cache=True, nogil=True)
def _bisect_right(ts: Int64Array, a: int, b: int, x: int) -> int:
    lo, hi = a, b
    while lo < hi:
        mid = (lo + hi) >> 1
        if ts[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True, nogil=True)
def _advance(ts: Int64Array, pos: int, b: int, x: int) -> int:
    """``_bisect_right(ts, pos, b, x)`` when ``ts[:pos] <= x`` already holds: a few
    linear steps (the next window edge is usually close), then a bisection."""
    for _ in range(8):
        if pos >= b or ts[pos] > x:
            return pos
        pos += 1
    return _bisect_right(ts, pos, b, x)


@numba.njit(cache=True, nogil=True)
def window_bounds(
    offsets: Int64Array, ts: Int64Array, ends: Int64Array, range_ms: int
) -> tuple[Int64Array, Int64Array]:
    """Per series and step, ``[lo, hi)`` indexes of samples in ``(end - range, end]``.

    While ``ends`` ascend (always, but for ``@`` pins) each edge moves on from where
    the previous step left it instead of bisecting the whole series again.
    """
    s = offsets.shape[0] - 1
    n = ends.shape[0]
    lo = np.empty((s, n), dtype=np.int64)
    hi = np.empty((s, n), dtype=np.int64)
    for i in range(s):
        a, b = offsets[i], offsets[i + 1]
        right = left = a
        for j in range(n):
            e = ends[j]
            if j == 0 or e < ends[j - 1]:
                right = _bisect_right(ts, a, b, e)
                left = _bisect_right(ts, a, b, e - range_ms)
            else:
                right = _advance(ts, right, b, e)
                left = _advance(ts, left, b, e - range_ms)
            hi[i, j] = right
            lo[i, j] = left
    return lo, hi


@numba.njit(cache=True, nogil=True)
def instant_lookup(
    offsets: Int64Array,
    ts: Int64Array,
    values: Float64Array,
    stale: BoolArray,
    ends: Int64Array,
    lookback_ms: int,
) -> tuple[Float64Array, BoolArray, Int64Array]:
    """Newest sample in ``(end - lookback, end]`` per series and step, unless stale.

    Returns values [s, n], present [s, n] and the sample timestamps [s, n] (ms).
    """
    s = offsets.shape[0] - 1
    n = ends.shape[0]
    out = np.zeros((s, n), dtype=np.float64)
    ok = np.zeros((s, n), dtype=np.bool_)
    sts = np.zeros((s, n), dtype=np.int64)
    for i in range(s):
        a, b = offsets[i], offsets[i + 1]
        for j in range(n):
            k = _bisect_right(ts, a, b, ends[j]) - 1
            if k >= a and ts[k] > ends[j] - lookback_ms and not stale[k]:
                out[i, j] = values[k]
                ok[i, j] = True
                sts[i, j] = ts[k]
    return out, ok, sts


@numba.njit(cache=True, nogil=True)
def _kahan_inc(inc: float, total: float, c: float) -> tuple[float, float]:
    t = total + inc
    if math.isinf(t):
        c = 0.0
    elif abs(total) >= abs(inc):
        c += (total - t) + inc
    else:
        c += (inc - t) + total
    return t, c


@numba.njit(cache=True, nogil=True)
def _quantile_sorted(q: float, vals: Float64Array) -> float:
    """Prometheus's ``quantile`` over values already sorted with NaN first."""
    n = vals.shape[0]
    if n == 0 or math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    rank = q * (n - 1)
    lower = max(0.0, math.floor(rank))
    upper = min(n - 1.0, lower + 1)
    weight = rank - math.floor(rank)
    r: float = vals[int(lower)] * (1 - weight) + vals[int(upper)] * weight
    return r


@numba.njit(cache=True, nogil=True)
def _quantile_select(q: float, x: Float64Array) -> float:
    """``_quantile_sorted(q, _sort_nan_first(x))`` without sorting: the two order
    statistics it reads come from one ``np.partition`` of the non-NaN values (NaN sort
    first), O(n) instead of O(n log n); the arithmetic is the same, so is the result."""
    n = x.shape[0]
    if n == 0 or math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    rank = q * (n - 1)
    lower = int(max(0.0, math.floor(rank)))
    upper = int(min(n - 1.0, lower + 1))
    weight = rank - math.floor(rank)
    buf = np.empty(n)
    m = 0
    for v in x:
        if not math.isnan(v):
            buf[m] = v
            m += 1
    nn = n - m
    if lower < nn:
        lo_v = math.nan
        hi_v = math.nan if upper < nn else np.min(buf[:m])
    else:
        k = lower - nn
        part = np.partition(buf[:m], k)
        lo_v = part[k]
        hi_v = lo_v if upper == lower else np.min(part[k + 1 :])
    r: float = lo_v * (1 - weight) + hi_v * weight
    return r


@numba.njit(cache=True, nogil=True)
def _sort_nan_first(x: Float64Array) -> Float64Array:
    srt = np.sort(x)  # NaN last
    nn = 0
    for v in srt:
        if math.isnan(v):
            nn += 1
    out = np.empty_like(srt)
    out[:nn] = math.nan
    out[nn:] = srt[: srt.shape[0] - nn]
    return out


@numba.njit(cache=True, nogil=True)
def _extrapolated(
    ts: Int64Array,
    v: Float64Array,
    a: int,
    b: int,
    end: int,
    range_ms: int,
    code: int,
    resets: Int64Array,
) -> float:
    counter = code != 2
    result = v[b - 1] - v[a]
    # ``resets`` (prefix counts, see ``_reset_prefix``) says whether the window holds a
    # reset at all; only then is it walked, adding in Prometheus's order.
    if counter and resets[b - 1] != resets[a]:
        prev = v[a]
        for k in range(a + 1, b):
            if v[k] < prev:
                result += prev
            prev = v[k]
    start = end - range_ms
    to_start = (ts[a] - start) / 1000.0
    to_end = (end - ts[b - 1]) / 1000.0
    sampled = (ts[b - 1] - ts[a]) / 1000.0
    avg = sampled / (b - a - 1)
    threshold = avg * 1.1
    interval = sampled
    if to_start >= threshold:
        to_start = avg / 2
    if counter and result > 0 and v[a] >= 0:
        to_zero = sampled * (v[a] / result)
        if to_zero < to_start:
            to_start = to_zero
    interval += to_start
    if to_end >= threshold:
        to_end = avg / 2
    interval += to_end
    factor = interval / sampled
    if code == 0:
        factor /= range_ms / 1000.0
    r: float = result * factor
    return r


@numba.njit(cache=True, nogil=True)
def _regression(
    ts: Int64Array, v: Float64Array, a: int, b: int, intercept_t: int
) -> tuple[float, float]:
    n = 0.0
    sx = cx = sy = cy = sxy = cxy = sx2 = cx2 = 0.0
    init = v[a]
    const = True
    for k in range(a, b):
        if const and k > a and v[k] != init:
            const = False
        n += 1.0
        x = (ts[k] - intercept_t) / 1e3
        sx, cx = _kahan_inc(x, sx, cx)
        sy, cy = _kahan_inc(v[k], sy, cy)
        sxy, cxy = _kahan_inc(x * v[k], sxy, cxy)
        sx2, cx2 = _kahan_inc(x * x, sx2, cx2)
    if const:
        if math.isinf(init):
            return math.nan, math.nan
        return 0.0, init
    sx += cx
    sy += cy
    sxy += cxy
    sx2 += cx2
    cov = sxy - sx * sy / n
    var = sx2 - sx * sx / n
    slope = cov / var
    return slope, sy / n - slope * sx / n


@numba.njit(cache=True, nogil=True)
def _window(
    code: int,
    ts: Int64Array,
    v: Float64Array,
    a: int,
    b: int,
    end: int,
    eval_t: int,
    range_ms: int,
    p1: float,
    p2: float,
    resets: Int64Array,
) -> tuple[float, bool]:
    cnt = b - a
    if cnt == 0:
        return 0.0, False
    if code <= 2:
        if cnt < 2:
            return 0.0, False
        return _extrapolated(ts, v, a, b, end, range_ms, code, resets), True
    if code == 3 or code == 4:
        if cnt < 2:
            return 0.0, False
        dt = ts[b - 1] - ts[b - 2]
        if dt == 0:
            return 0.0, False
        last, prev = v[b - 1], v[b - 2]
        r = last
        if code == 4 or not (last < prev):
            r = last - prev
        if code == 3:
            r /= dt / 1000.0
        return r, True
    if code == 5 or code == 6:
        if cnt < 2:
            return 0.0, False
        if code == 5:
            slope, _ = _regression(ts, v, a, b, ts[a])
            return slope, True
        slope, icpt = _regression(ts, v, a, b, eval_t)
        return slope * p1 + icpt, True
    if code == 7 or code == 8:
        r = 0
        for k in range(a + 1, b):
            if code == 7:
                if v[k] < v[k - 1]:
                    r += 1
            elif v[k] != v[k - 1] and not (math.isnan(v[k]) and math.isnan(v[k - 1])):
                r += 1
        return float(r), True
    if code == 9:
        total = v[a]
        c = 0.0
        mean = 0.0
        incremental = False
        count = 1.0
        for k in range(a + 1, b):
            count = float(k - a + 1)
            if not incremental:
                ns, nc = _kahan_inc(v[k], total, c)
                if not math.isinf(ns):
                    total, c = ns, nc
                    continue
                incremental = True
                mean = total / (count - 1)
                c /= count - 1
            q = (count - 1) / count
            mean, c = _kahan_inc(v[k] / count, q * mean, q * c)
        if incremental:
            return mean + c, True
        return total / count + c / count, True
    if code == 10:
        total = 0.0
        c = 0.0
        for k in range(a, b):
            total, c = _kahan_inc(v[k], total, c)
        if math.isinf(total):
            return total, True
        return total + c, True
    if code == 11 or code == 12 or code == 23 or code == 24:
        best = v[a]
        best_t = ts[a]
        for k in range(a, b):
            x = v[k]
            if code == 11:
                better = x < best or math.isnan(best)
            elif code == 12:
                better = x > best or math.isnan(best)
            elif code == 23:
                better = x >= best or math.isnan(best)
            else:
                better = x <= best or math.isnan(best)
            if better:
                best = x
                best_t = ts[k]
        if code >= 23:
            return best_t / 1000.0, True
        return best, True
    if code == 13:
        return float(cnt), True
    if code == 14 or code == 15:
        count = 0.0
        mean = cmean = aux = caux = 0.0
        for k in range(a, b):
            count += 1
            delta = v[k] - (mean + cmean)
            mean, cmean = _kahan_inc(delta / count, mean, cmean)
            aux, caux = _kahan_inc(delta * (v[k] - (mean + cmean)), aux, caux)
        var = (aux + caux) / count
        if code == 14:
            return math.sqrt(var), True
        return var, True
    if code == 16:
        return v[b - 1], True
    if code == 17:
        return 1.0, True
    if code == 18:
        return _quantile_select(p1, v[a:b]), True
    if code == 19:
        med = _quantile_select(0.5, v[a:b])
        return _quantile_select(0.5, np.abs(v[a:b] - med)), True
    if code == 20:
        if cnt < 2:
            return 0.0, False
        s0 = 0.0
        s1 = v[a]
        tr = v[a + 1] - v[a]
        for k in range(a + 1, b):
            x = p1 * v[k]
            if k - 1 > a:
                tr = p2 * (s1 - s0) + (1 - p2) * tr
            y = (1 - p1) * (s1 + tr)
            s0, s1 = s1, x + y
        return s1, True
    if code == 21:
        return v[a], True
    if code == 22:
        return ts[b - 1] / 1000.0, True
    if code == 25:
        return ts[a] / 1000.0, True
    return 0.0, False


@numba.njit(cache=True, nogil=True)
def _reset_prefix(v: Float64Array) -> Int64Array:
    """``r[k]``: how many ``i <= k`` have ``v[i] < v[i-1]`` (across series bounds too; a
    window ``[a, b)`` of one series holds ``r[b-1] - r[a]`` resets)."""
    r = np.zeros(len(v), dtype=np.int64)
    c = 0
    for k in range(1, len(v)):
        if v[k] < v[k - 1]:
            c += 1
        r[k] = c
    return r


@numba.njit(cache=True, nogil=True)
def range_function(
    code: int,
    ts: Int64Array,
    values: Float64Array,
    lo: Int64Array,
    hi: Int64Array,
    ends: Int64Array,
    eval_ts: Int64Array,
    range_ms: int,
    p1: Float64Array,
    p2: Float64Array,
) -> tuple[Float64Array, BoolArray]:
    """Apply function ``code`` (see :data:`FN_CODES`) to every window.

    ``p1``/``p2`` are per-step scalar parameters (quantile, predict_linear's seconds,
    smoothing and trend factors). Returns values [s, n] and present [s, n].
    """
    s, n = lo.shape
    out = np.zeros((s, n), dtype=np.float64)
    ok = np.zeros((s, n), dtype=np.bool_)
    resets = _reset_prefix(values) if code <= 1 else np.zeros(1, dtype=np.int64)
    for i in range(s):
        for j in range(n):
            r, good = _window(
                code,
                ts,
                values,
                lo[i, j],
                hi[i, j],
                ends[j],
                eval_ts[j],
                range_ms,
                p1[j],
                p2[j],
                resets,
            )
            out[i, j] = r
            ok[i, j] = good
    return out, ok
