"""The content of the checked-in golden payload ``testdata/v1_payload.bin``.

The file was written once by ``python -m tests.tsdb.chunkenc.golden`` (format version 1)
and must never be regenerated for the same version: ``test_golden.py`` decodes it and
compares with :func:`golden_content`, so a change that breaks reading old payloads fails
the suite. A new format version gets a new file beside this one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from argus.model.values import STALE_NAN

GOLDEN_V1 = Path(__file__).parent / "testdata" / "v1_payload.bin"
SEED = 20_240_601


def golden_content() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(offsets, ts, values)`` covering every chunk kind and the exception list."""
    rng = np.random.default_rng(SEED)
    t0 = 1_700_000_000_000
    chunks: list[tuple[np.ndarray, np.ndarray]] = []
    grid = t0 + np.arange(40, dtype=np.int64) * 15_000
    jittered = grid + np.where(np.arange(40) % 7 == 3, 5, 0)
    # 0: integer counter (decimal, delta of delta).
    chunks.append((jittered, np.cumsum(rng.integers(0, 20, 40)).astype(np.float64)))
    # 1: two-decimal gauge (decimal, delta).
    chunks.append((grid, np.round(rng.integers(-500, 500, 40) / 100.0, 2)))
    # 2: empty chunk.
    chunks.append((grid[:0], np.zeros(0)))
    # 3: constant.
    chunks.append((grid, np.full(40, 4.0)))
    # 4: full-precision floats (XOR fallback).
    chunks.append((grid, np.cumsum(rng.random(40))))
    # 5: specials inside a counter: stale marker, NaN, +Inf, -Inf, -0.0.
    v = np.arange(40, dtype=np.float64) * 3.0
    v[[0, 5, 6, 20, 39]] = [STALE_NAN, np.nan, np.inf, -np.inf, -0.0]
    chunks.append((grid, v))
    # 6: single sample with a negative timestamp.
    chunks.append((np.array([-1_234], dtype=np.int64), np.array([0.5])))
    # 7: round millions (negative decimal exponent) with irregular timestamps.
    chunks.append((np.cumsum(rng.integers(1, 100_000, 40)), rng.integers(1, 9, 40) * 1e6))
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(t) for t, _ in chunks])
    ts = np.concatenate([t for t, _ in chunks]).astype(np.int64)
    values = np.concatenate([v for _, v in chunks]).astype(np.float64)
    return offsets, ts, values


def main() -> None:  # pragma: no cover - run once by hand
    from argus.tsdb import chunkenc

    GOLDEN_V1.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN_V1.write_bytes(chunkenc.encode(*golden_content()))
    print(f"wrote {GOLDEN_V1} ({GOLDEN_V1.stat().st_size} bytes)")


if __name__ == "__main__":  # pragma: no cover
    main()
