from __future__ import annotations

from typing import Any

import numpy as np

Csr = tuple[np.ndarray, np.ndarray, np.ndarray]


def csr(*chunks: tuple[Any, Any]) -> Csr:
    """``(offsets, ts, values)`` from ``(ts, values)`` pairs, one per chunk."""
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(t) for t, _ in chunks])
    empty: list[np.ndarray] = [np.zeros(0)]
    ts = np.concatenate([np.asarray(t, dtype=np.int64) for t, _ in chunks] or empty)
    values = np.concatenate([np.asarray(v, dtype=np.float64) for _, v in chunks] or empty)
    return offsets, ts.astype(np.int64), values.astype(np.float64)


def assert_same(got: Csr, want: Csr) -> None:
    """Bit-exact comparison of two CSR triples (floats through their uint64 view)."""
    g_off, g_ts, g_v = got
    w_off, w_ts, w_v = want
    assert g_off.dtype == np.int64 and g_ts.dtype == np.int64 and g_v.dtype == np.float64
    np.testing.assert_array_equal(g_off, w_off)
    np.testing.assert_array_equal(g_ts, w_ts)
    np.testing.assert_array_equal(g_v.view(np.uint64), np.asarray(w_v, np.float64).view(np.uint64))
