"""Reading chunks spread over many payloads, as head segments and blocks store them.

Both lay out series in consecutive payloads (a few hundred series each) and read a
sorted set of series by decoding only the payloads that hold them, and within those
only the chunks asked for; this is that loop. With a :class:`DecodedCache`, payloads
read repeatedly are decoded once and served from memory.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np

from argus.model.series import Float64Array, Int64Array
from argus.tsdb.chunkenc.cache import CachedPayload, CacheSession, DecodedCache
from argus.tsdb.chunkenc.codec import decode, decode_chunks

__all__ = ["gather_chunks"]


def gather_chunks(
    payload: Callable[[int], bytes],
    first_chunk: Int64Array,
    chunks: Int64Array,
    *,
    cache: DecodedCache | None = None,
    owner: Hashable = None,
    session: CacheSession | None = None,
    mint: int | None = None,
    maxt: int | None = None,
) -> tuple[Int64Array, Int64Array, Float64Array]:
    """Decode sorted global chunk ids ``chunks``: ``(counts, ts, values)`` in that order.

    Payload ``g`` holds chunks ``[first_chunk[g], first_chunk[g+1])`` and is fetched with
    ``payload(g)``, once per payload that holds a requested chunk and is not cached.
    Cache keys are ``(owner, g)``; ``owner`` must name immutable payloads (a block ULID).
    ``session`` spans one query's reads (default: this call alone). Chunks served from
    the cache are clipped to ``[mint, maxt]`` when given; others are not (the caller
    filters by time in any case).
    The arrays returned are always new (never views of the cache or the payloads).
    """
    if not len(chunks):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    groups = np.searchsorted(first_chunk, chunks, side="right") - 1
    if groups[0] == groups[-1]:
        bounds = np.array([0, len(chunks)], dtype=np.int64)
    else:
        change = np.ones(len(chunks) + 1, dtype=np.bool_)
        np.not_equal(groups[1:], groups[:-1], out=change[1:-1])
        bounds = np.flatnonzero(change)
    ts_parts, val_parts, cnt_parts = [], [], []
    use_cache = cache is not None and cache.max_bytes > 0
    if session is None:
        session = CacheSession()
    for a, b, g in zip(
        bounds[:-1].tolist(), bounds[1:].tolist(), groups[bounds[:-1]].tolist(), strict=True
    ):
        ids = chunks[a:b] - int(first_chunk[g])
        if use_cache:
            assert cache is not None
            key = (owner, g)
            found = cache.get(key, ids, session)
            if found is None and not session.full:
                share = (b - a) / max(int(first_chunk[g + 1] - first_chunk[g]), 1)
                if cache.should_admit(key, share):
                    decoded = decode(payload(g))
                    entry = cache.put(key, decoded, session)
                    # No room: this read still uses what it decoded, later ones go cold.
                    session.full = entry is None
                    entry = entry or CachedPayload(decoded)
                    entry.local(ids)  # checks the ids' range
                    found = (entry, ids)
            if found is not None:
                entry, pos = found
                cnt, t, v = entry.take(pos, mint, maxt)
                cnt_parts.append(cnt)
                ts_parts.append(t)
                val_parts.append(v)
                continue
            # A sparse read decodes only its chunks; keep them as a partial entry.
            off, t, v = decode_chunks(payload(g), ids)
            cnt_parts.append(np.diff(off))
            ts_parts.append(t)
            val_parts.append(v)
            cache.put(key, (off, t, v), session, chunk_ids=ids)
            continue
        off, t, v = decode_chunks(payload(g), ids)
        ts_parts.append(t)
        val_parts.append(v)
        cnt_parts.append(np.diff(off))
    return np.concatenate(cnt_parts), np.concatenate(ts_parts), np.concatenate(val_parts)
