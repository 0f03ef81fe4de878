"""Deciding, for a whole batch at once, which samples the head accepts.

Rules, per sample, checked against the series' newest stored sample and the rest of
the batch (Prometheus's rules, with an optional out-of-order window):

- older than the head's lowest appendable time (already cut into a block): out of bounds;
- newer than the series' newest sample: accepted;
- same timestamp as the newest sample: a no-op if the value is bit-identical, else a
  rejected duplicate;
- older than the newest sample: rejected as out of order when the window is zero, as too
  old when outside the window; inside it accepted, unless a stored sample has the same
  timestamp (then a no-op or a duplicate, as above);
- two samples of one series with one timestamp inside a batch: the first is judged as
  above, the second is a no-op or a duplicate.

All of it is a sort and a few vectorised comparisons; only the rare out-of-order path
reads stored data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from argus.model import BoolArray, Float64Array, Int64Array, UInt64Array
from argus.storage import RejectReason

__all__ = ["Verdict", "judge"]

# Reads stored samples of sorted unique refs in [mint, maxt] as (refs, offsets, ts, values).
StoredReader = Callable[
    [Int64Array, int, int], tuple[Int64Array, Int64Array, Int64Array, Float64Array]
]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Samples to store (sorted by ref, ts) and counts of the rest."""

    refs: Int64Array
    ts: Int64Array
    values: Float64Array
    noop: int
    rejected: dict[RejectReason, int]


_OK, _NOOP = 0, 1
_CODES = {
    2: RejectReason.OUT_OF_BOUNDS,
    3: RejectReason.DUPLICATE,
    4: RejectReason.OUT_OF_ORDER,
    5: RejectReason.TOO_OLD,
}
_BOUNDS, _DUP, _OOO, _OLD = 2, 3, 4, 5


def judge(
    refs: Int64Array,
    ts: Int64Array,
    values: Float64Array,
    *,
    last_ts: Int64Array,
    last_bits: UInt64Array,
    min_valid_time: int,
    head_max_time: int,
    ooo_window: int,
    read_stored: StoredReader,
) -> Verdict:
    n = len(refs)
    order = np.lexsort((np.arange(n), ts, refs))
    r, t, v = refs[order], ts[order], values[order]
    bits = v.view(np.uint64)

    # The first sample of each (ref, ts) run is judged against stored data; later
    # copies in the batch follow it (identical) or are duplicates (different value).
    leader = np.ones(n, dtype=bool)
    leader[1:] = (r[1:] != r[:-1]) | (t[1:] != t[:-1])
    run_first = np.maximum.accumulate(np.where(leader, np.arange(n), 0))

    code = np.zeros(n, dtype=np.int8)
    lt = last_ts[r]
    code[t == lt] = np.where(bits[t == lt] == last_bits[r][t == lt], _NOOP, _DUP)
    older = t < lt
    if older.any():
        if ooo_window <= 0:
            code[older] = _OOO
        else:
            too_old = older & (t < head_max_time - ooo_window)
            code[too_old] = _OLD
            candidates = older & ~too_old & leader
            if candidates.any():
                same, conflict = _against_stored(r, t, bits, candidates, read_stored)
                code[same] = _NOOP
                code[conflict] = _DUP
    code[t < min_valid_time] = _BOUNDS

    follower = ~leader
    lead_code = code[run_first]
    code[follower] = np.where(
        bits[follower] != bits[run_first][follower],
        _DUP,
        np.where(lead_code[follower] == _OK, _NOOP, lead_code[follower]),
    )
    keep = code == _OK
    counts = np.bincount(code, minlength=6)
    rejected = {reason: int(counts[c]) for c, reason in _CODES.items() if counts[c]}
    return Verdict(r[keep], t[keep], v[keep], int(counts[_NOOP]), rejected)


def _pairs(a: Int64Array, b: Int64Array) -> np.ndarray[Any, Any]:
    """A structured array that sorts and searches by (a, b)."""
    out = np.empty(len(a), dtype=[("a", "<i8"), ("b", "<i8")])
    out["a"] = a
    out["b"] = b
    return out


def _against_stored(
    r: Int64Array,
    t: Int64Array,
    bits: UInt64Array,
    candidates: BoolArray,
    read_stored: StoredReader,
) -> tuple[BoolArray, BoolArray]:
    """Out-of-order candidates that hit a stored timestamp: (identical, conflicting)."""
    idx = np.flatnonzero(candidates)
    cr, ct = r[idx], t[idx]
    srefs, soff, sts, svals = read_stored(np.unique(cr), int(ct.min()), int(ct.max()))
    same = np.zeros(len(r), dtype=bool)
    conflict = np.zeros(len(r), dtype=bool)
    if not len(sts):
        return same, conflict
    s_ref = np.repeat(srefs, np.diff(soff))
    # Both sides sorted by (ref, ts): find each candidate among stored samples.
    s_order = np.lexsort((sts, s_ref))
    s_ref, sts, sbits = s_ref[s_order], sts[s_order], svals[s_order].view(np.uint64)
    key_s = _pairs(s_ref, sts)
    key_c = _pairs(cr, ct)
    pos = np.searchsorted(key_s, key_c)
    pos_ok = pos < len(key_s)
    hit = np.zeros(len(idx), dtype=bool)
    hit[pos_ok] = (s_ref[pos[pos_ok]] == cr[pos_ok]) & (sts[pos[pos_ok]] == ct[pos_ok])
    equal = np.zeros(len(idx), dtype=bool)
    equal[hit] = sbits[pos[hit]] == bits[idx][hit]
    same[idx[hit & equal]] = True
    conflict[idx[hit & ~equal]] = True
    return same, conflict
