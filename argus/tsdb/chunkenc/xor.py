"""The fallback for chunks whose values have no lossless decimal form.

Full-precision floats (a cumulative sum of measured seconds, a ratio) carry ~52 bits of
noise that no integer transform removes. For those chunks each value is XORed with the
previous one (as uint64; the first value of a chunk with 0, i.e. stored raw). The words
then go through the same byte-plane packing as every other column (``ints.py``), so the
shared sign/exponent/top-mantissa bytes of neighbouring values form long runs that zstd
compresses; research §3 measured XOR + byte shuffle as the best scheme for such data.
"""

from __future__ import annotations

import numpy as np

from argus.model.series import Int64Array, UInt64Array

__all__ = ["xor_decode", "xor_encode"]


def xor_encode(bits: UInt64Array, starts: Int64Array) -> UInt64Array:
    """XOR every word with its predecessor, restarting at each index of ``starts``.

    ``bits``: uint64[n], the values' bit patterns; ``starts``: int64[k] chunk starts
    (strictly increasing, ``starts[0] == 0`` when ``n > 0``).
    """
    out: UInt64Array = np.empty_like(bits)
    if bits.size == 0:
        return out
    out[0] = bits[0]
    np.bitwise_xor(bits[1:], bits[:-1], out=out[1:])
    out[starts] = bits[starts]
    return out


def xor_decode(words: UInt64Array, starts: Int64Array) -> UInt64Array:
    """Inverse of :func:`xor_encode`; ``words`` is overwritten.

    A global running XOR, then each chunk cancels everything before its start (XOR is its
    own inverse, so no per-chunk loop is needed).
    """
    if words.size == 0:
        return words
    # Make each chunk's first word cancel the previous chunk's running XOR, so that one
    # global accumulate restarts at every chunk.
    seg = np.bitwise_xor.reduceat(words, starts)
    words[starts[1:]] ^= seg[:-1]
    out: UInt64Array = np.bitwise_xor.accumulate(words, out=words)
    return out
