"""Sealed head segments: compressed, immutable runs of head data.

A segment holds the samples of one block window (so cutting a block never splits a
segment) for a sorted set of series references. Its series are grouped, a few hundred
per group, and each group is one codec payload (``argus.tsdb.chunkenc``) in which each
series is one chunk; reading a handful of series decodes only their groups.

Segments form a small LSM tree per window: the tail seals into level-0 segments, and
``fanout`` segments of one level merge into one of the next, so chunks grow long enough
to compress well while the tail stays small.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from argus.model import Float64Array, Int64Array
from argus.tsdb import chunkenc

__all__ = ["HeadSegment", "build_segment"]

# Aim for payloads of about this many samples: big enough for zstd to find patterns,
# small enough that reading one series decodes little else.
TARGET_PAYLOAD_SAMPLES = 1 << 16
MAX_GROUP_SERIES = 2048

_uids = itertools.count()


@dataclass(frozen=True, slots=True)
class HeadSegment:
    window: int
    level: int
    mint: int
    maxt: int
    refs: Int64Array
    group_starts: Int64Array
    payloads: tuple[bytes, ...]
    num_samples: int
    nbytes: int = field(default=0)
    #: Names this segment's payloads in the decoded-payload cache (never reused).
    uid: int = field(default_factory=lambda: next(_uids))

    def read(
        self,
        want: Int64Array,
        mint: int,
        maxt: int,
        cache: chunkenc.DecodedCache | None = None,
        session: chunkenc.CacheSession | None = None,
    ) -> tuple[Int64Array, Int64Array, Int64Array, Float64Array]:
        """Samples of sorted refs ``want`` in ``[mint, maxt]``: (refs, offsets, ts, values).

        With ``cache``, payloads read repeatedly are decoded once (see ``chunkenc.cache``);
        a replaced segment's entries simply age out.
        """
        refs = self.refs
        pos = np.searchsorted(refs, want)
        ok = pos < len(refs)
        ok[ok] = refs[pos[ok]] == want[ok]
        pos = pos[ok]
        if not len(pos):
            return _empty()
        counts, ts, values = chunkenc.gather_chunks(
            self.payloads.__getitem__,
            self.group_starts,
            pos,
            cache=cache,
            owner=("head", self.uid),
            session=session,
            mint=mint,
            maxt=maxt,
        )
        sel_refs = refs[pos]
        if mint > self.mint or maxt < self.maxt:
            return _time_filter(sel_refs, counts, ts, values, mint, maxt)
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return sel_refs, offsets, ts, values

    def decode_all(self) -> tuple[Int64Array, Int64Array, Int64Array, Float64Array]:
        ts_parts, val_parts, cnt_parts = [], [], []
        for payload in self.payloads:
            off, t, v = chunkenc.decode(payload)
            ts_parts.append(t)
            val_parts.append(v)
            cnt_parts.append(np.diff(off))
        counts = np.concatenate(cnt_parts) if cnt_parts else np.zeros(0, np.int64)
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        ts = np.concatenate(ts_parts) if ts_parts else np.zeros(0, np.int64)
        values = np.concatenate(val_parts) if val_parts else np.zeros(0, np.float64)
        return self.refs, offsets, ts, values


def _empty() -> tuple[Int64Array, Int64Array, Int64Array, Float64Array]:
    z = np.zeros(0, dtype=np.int64)
    return z, np.zeros(1, dtype=np.int64), z, np.zeros(0, dtype=np.float64)


def _time_filter(
    refs: Int64Array,
    counts: Int64Array,
    ts: Int64Array,
    values: Float64Array,
    mint: int,
    maxt: int,
) -> tuple[Int64Array, Int64Array, Int64Array, Float64Array]:
    keep = (ts >= mint) & (ts <= maxt)
    row = np.repeat(np.arange(len(counts)), counts)
    new_counts = np.bincount(row[keep], minlength=len(counts)).astype(np.int64)
    nonempty = new_counts > 0
    offsets = np.zeros(int(nonempty.sum()) + 1, dtype=np.int64)
    np.cumsum(new_counts[nonempty], out=offsets[1:])
    return refs[nonempty], offsets, ts[keep], values[keep]


def build_segment(
    window: int,
    level: int,
    refs: Int64Array,
    offsets: Int64Array,
    ts: Int64Array,
    values: Float64Array,
) -> HeadSegment:
    """Encode CSR data (``refs`` sorted unique, one row each) into a segment."""
    n = len(refs)
    total = int(offsets[-1])
    per_series = max(1, total // max(n, 1))
    group = int(np.clip(TARGET_PAYLOAD_SAMPLES // per_series, 16, MAX_GROUP_SERIES))
    starts = np.arange(0, n, group, dtype=np.int64)
    bounds = np.append(starts, n)
    payloads = []
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        lo, hi = int(offsets[a]), int(offsets[b])
        payloads.append(chunkenc.encode(offsets[a : b + 1] - lo, ts[lo:hi], values[lo:hi]))
    return HeadSegment(
        window=window,
        level=level,
        mint=int(ts.min()) if total else 0,
        maxt=int(ts.max()) if total else 0,
        refs=refs,
        group_starts=bounds,
        payloads=tuple(payloads),
        num_samples=total,
        nbytes=sum(len(p) for p in payloads) + refs.nbytes,
    )
