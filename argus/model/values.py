"""Special sample values: Prometheus's staleness marker and how to recognise it.

A staleness marker is a NaN with one exact bit pattern. Ordinary NaN samples are data;
only this pattern ends a series, so tests must compare bits, not ``isnan``.
"""

from __future__ import annotations

import struct

import numpy as np

from argus.model.series import BoolArray, Float64Array

__all__ = ["STALE_NAN", "STALE_NAN_BITS", "is_stale", "is_stale_value"]

STALE_NAN_BITS = 0x7FF0000000000002
STALE_NAN: float = struct.unpack("<d", struct.pack("<Q", STALE_NAN_BITS))[0]


def is_stale(values: Float64Array) -> BoolArray:
    """Vectorised: which values are staleness markers (exact bit pattern)."""
    out: BoolArray = np.ascontiguousarray(values).view(np.uint64) == np.uint64(STALE_NAN_BITS)
    return out


def is_stale_value(value: float) -> bool:
    return bool(struct.pack("<d", value) == struct.pack("<Q", STALE_NAN_BITS))
