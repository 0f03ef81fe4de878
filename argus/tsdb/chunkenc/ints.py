"""Integer transforms shared by the timestamp and mantissa columns.

Every column of a payload is built from the same few steps, each vectorised across all
chunks at once so that a payload of 100,000 chunks costs a handful of NumPy passes rather
than 100,000 Python iterations:

- *segmented* differences and prefix sums ("cumsum with a reset at each chunk start");
- zigzag, so small negative numbers become small unsigned ones;
- packing into the narrowest little-endian width (1, 2, 4 or 8 bytes) that holds the
  column's largest value, stored as byte planes (all first bytes, then all second
  bytes, ...). One width per column, not per chunk, and planes rather than interleaved
  bytes: with planes, a rare wide value (a counter reset, a spike) costs only its own
  high bytes instead of widening every value of the column. ``chunks.md`` ("Integer
  widths") has the measurements behind that choice.

Arithmetic is int64 modulo 2**64 throughout (NumPy wraps silently on arrays), so a prefix
sum that passes through an overflow still lands on the right value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from argus.model.series import Int64Array, UInt64Array

__all__ = [
    "WIDTHS",
    "pack_uints",
    "ranks",
    "segmented_cumsum",
    "unpack_uints",
    "unpack_uints_at",
    "zigzag_decode",
    "zigzag_encode",
]

#: The integer widths a column may use, in bytes.
WIDTHS = (1, 2, 4, 8)
_DTYPES: dict[int, np.dtype[np.unsignedinteger[Any]]] = {
    1: np.dtype("<u1"),
    2: np.dtype("<u2"),
    4: np.dtype("<u4"),
    8: np.dtype("<u8"),
}


def zigzag_encode(x: Int64Array) -> UInt64Array:
    """Map int64 to uint64 so that 0, -1, 1, -2, ... become 0, 1, 2, 3, ..."""
    out: UInt64Array = ((x << 1) ^ (x >> 63)).view(np.uint64)
    return out


def zigzag_decode(u: UInt64Array) -> Int64Array:
    """Inverse of :func:`zigzag_encode`."""
    out: Int64Array = ((u >> np.uint64(1)) ^ (np.uint64(0) - (u & np.uint64(1)))).view(np.int64)
    return out


def ranks(lens: Int64Array, starts: Int64Array, total: int) -> Int64Array:
    """The position of every sample inside its chunk: int64[total].

    ``lens`` and ``starts`` are int64[c]: chunk ``i`` owns ``[starts[i], starts[i]+lens[i])``
    and the chunks tile ``[0, total)`` in order.
    """
    out: Int64Array = np.arange(total, dtype=np.int64) - np.repeat(starts, lens)
    return out


def segmented_cumsum(x: Int64Array, starts: Int64Array) -> Int64Array:
    """Prefix sums of ``x`` restarting at every index in ``starts``; ``x`` is overwritten.

    ``starts``: int64[k], strictly increasing, ``starts[0] == 0`` when ``x`` is not empty;
    segment ``j`` runs from ``starts[j]`` up to ``starts[j+1]`` (or the end).
    """
    if x.size == 0:
        return x
    # Make each segment's first element cancel the previous segment's total, so that one
    # global cumsum restarts at every segment.
    seg_sums = np.add.reduceat(x, starts)
    x[starts[1:]] -= seg_sums[:-1]
    out: Int64Array = np.cumsum(x, out=x)
    return out


def _width_for(max_value: int) -> int:
    for w in WIDTHS:
        if max_value < (1 << (8 * w)):
            return w
    raise AssertionError("unreachable: every uint64 fits in 8 bytes")  # pragma: no cover


def pack_uints(u: UInt64Array) -> tuple[int, bytes]:
    """``(width, byte planes)`` of ``u`` at the narrowest width holding its maximum.

    The bytes are the ``width`` little-endian byte planes of the values, plane 0 (the
    lowest bytes) first; for width 1 that is just the values.
    """
    if u.size == 0:
        return 1, b""
    w = _width_for(int(u.max()))
    narrow = u.astype(_DTYPES[w], copy=False)
    if w == 1:
        return w, narrow.tobytes()
    return w, narrow.view(np.uint8).reshape(-1, w).T.tobytes()


def unpack_uints(buf: bytes, width: int, count: int) -> UInt64Array:
    """Inverse of :func:`pack_uints`; the caller has checked ``len(buf) == width * count``."""
    if width == 1:
        out: UInt64Array = np.frombuffer(buf, dtype=np.uint8, count=count).astype(np.uint64)
        return out
    planes = np.frombuffer(buf, dtype=np.uint8, count=width * count).reshape(width, count)
    narrow = planes.T.copy().view(_DTYPES[width]).reshape(count)
    out = narrow.astype(np.uint64)
    return out


def unpack_uints_at(buf: bytes, width: int, count: int, at: Int64Array) -> UInt64Array:
    """``unpack_uints(buf, width, count)[at]`` without unpacking the other entries."""
    if width == 1:
        out: UInt64Array = np.frombuffer(buf, dtype=np.uint8, count=count)[at].astype(np.uint64)
        return out
    planes = np.frombuffer(buf, dtype=np.uint8, count=width * count).reshape(width, count)
    narrow = planes[:, at].T.copy().view(_DTYPES[width]).reshape(at.size)
    out = narrow.astype(np.uint64)
    return out
