"""Reading chunks spread over many payloads, as head segments and blocks store them.

Both lay out series in consecutive payloads (a few hundred series each) and read a
sorted set of series by decoding only the payloads that hold them; this is that loop.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from argus.model.series import Float64Array, Int64Array
from argus.tsdb.chunkenc.codec import decode_chunks

__all__ = ["gather_chunks"]


def gather_chunks(
    payload: Callable[[int], bytes],
    first_chunk: Int64Array,
    chunks: Int64Array,
) -> tuple[Int64Array, Int64Array, Float64Array]:
    """Decode sorted global chunk ids ``chunks``: ``(counts, ts, values)`` in that order.

    Payload ``g`` holds chunks ``[first_chunk[g], first_chunk[g+1])`` and is fetched with
    ``payload(g)``, once per payload that holds a requested chunk.
    """
    if not len(chunks):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    groups = np.searchsorted(first_chunk, chunks, side="right") - 1
    bounds = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1], True])
    ts_parts, val_parts, cnt_parts = [], [], []
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        g = int(groups[a])
        off, t, v = decode_chunks(payload(g), chunks[a:b] - int(first_chunk[g]))
        ts_parts.append(t)
        val_parts.append(v)
        cnt_parts.append(np.diff(off))
    return np.concatenate(cnt_parts), np.concatenate(ts_parts), np.concatenate(val_parts)
