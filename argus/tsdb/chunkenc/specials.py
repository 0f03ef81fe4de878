"""The exception list: samples stored as raw bits beside the chunk coding.

NaN, ±Inf and ``-0.0`` have no decimal form, and the staleness marker (a NaN with the
exact bits ``0x7ff0000000000002``) must survive bit for bit, as must any other NaN
payload. Letting one of them into a chunk would push the whole chunk to the XOR
fallback (research §3 saw exactly that), so they are taken out: their positions and raw
8 bytes go to the payload's exception columns, and in the chunk each is replaced by a
neighbouring ordinary value of the same chunk (the previous one, else the next, else
0.0). A repeated value costs a zero delta and keeps a counter monotonic. The decoder
writes the raw bits back over those positions.
"""

from __future__ import annotations

import numpy as np

from argus.model.series import Float64Array, Int64Array, UInt64Array

__all__ = ["NEG_ZERO_BITS", "restore_specials", "split_specials"]

NEG_ZERO_BITS = np.uint64(0x8000000000000000)


def split_specials(
    values: Float64Array, offsets: Int64Array
) -> tuple[Int64Array, UInt64Array, Float64Array]:
    """``(positions: int64[k], bits: uint64[k], filled: float64[n])``.

    ``offsets``: int64[c+1], the CSR chunk bounds of ``values``. ``filled`` is ``values``
    with every special replaced by a neighbour (a new array only when there is something
    to replace).
    """
    bits = values.view(np.uint64)
    special = ~np.isfinite(values) | (bits == NEG_ZERO_BITS)
    pos: Int64Array = np.flatnonzero(special).astype(np.int64, copy=False)
    if not pos.size:
        return pos, np.zeros(0, dtype=np.uint64), values
    raw: UInt64Array = bits[pos]
    n = values.size
    ordinary = ~special
    arange = np.arange(n, dtype=np.int64)
    prev = np.maximum.accumulate(np.where(ordinary, arange, -1))[pos]
    nxt = np.minimum.accumulate(np.where(ordinary, arange, n)[::-1])[::-1][pos]
    chunk = np.searchsorted(offsets, pos, side="right") - 1
    start, end = offsets[chunk], offsets[chunk + 1]
    src = np.where(prev >= start, prev, np.where(nxt < end, nxt, -1))
    filled = values.copy()
    filled[pos] = np.where(src >= 0, values[np.maximum(src, 0)], 0.0)
    return pos, raw, filled


def restore_specials(values: Float64Array, pos: Int64Array, raw: UInt64Array) -> None:
    """Write the raw bits of the exception list back into ``values`` (in place)."""
    if pos.size:
        values.view(np.uint64)[pos] = raw
