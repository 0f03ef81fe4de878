"""Columnar batch types shared by writers and readers.

Sets of series travel as NumPy arrays, never as per-sample Python objects:

- a *sample batch* is three parallel arrays ``refs`` (int64[n], series references),
  ``ts`` (int64[n], milliseconds since the epoch) and ``values`` (float64[n]);
- a *series set* is CSR: ``labels`` (one :class:`Labels` per series), ``offsets``
  (int64[s+1]; series ``i`` owns ``ts[offsets[i]:offsets[i+1]]``), ``ts`` and ``values``.
  Within a series, timestamps are strictly increasing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from argus.model.labels import Labels

__all__ = [
    "BoolArray",
    "Float64Array",
    "Int64Array",
    "SampleBatch",
    "SeriesSet",
    "UInt32Array",
    "UInt64Array",
]

Int64Array = npt.NDArray[np.int64]
UInt32Array = npt.NDArray[np.uint32]
UInt64Array = npt.NDArray[np.uint64]
Float64Array = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_EMPTY_I64: Int64Array = np.zeros(0, dtype=np.int64)
_EMPTY_F64: Float64Array = np.zeros(0, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class SampleBatch:
    """Samples for already-known series: ``refs``, ``ts`` (ms) and ``values``, length n."""

    refs: Int64Array
    ts: Int64Array
    values: Float64Array

    def __post_init__(self) -> None:
        if not (len(self.refs) == len(self.ts) == len(self.values)):
            raise ValueError(
                f"sample batch arrays differ in length: refs={len(self.refs)} "
                f"ts={len(self.ts)} values={len(self.values)}"
            )

    def __len__(self) -> int:
        return len(self.refs)


@dataclass(frozen=True, slots=True)
class SeriesSet:
    """Series with their samples in CSR layout, sorted by labels unless said otherwise."""

    labels: Sequence[Labels]
    offsets: Int64Array
    ts: Int64Array = field(default_factory=lambda: _EMPTY_I64)
    values: Float64Array = field(default_factory=lambda: _EMPTY_F64)

    def __post_init__(self) -> None:
        if len(self.offsets) != len(self.labels) + 1:
            raise ValueError(
                f"offsets has {len(self.offsets)} entries for {len(self.labels)} series"
            )
        if len(self.ts) != len(self.values) or int(self.offsets[-1]) != len(self.ts):
            raise ValueError("offsets, ts and values disagree on the sample count")

    @classmethod
    def empty(cls) -> SeriesSet:
        return cls(labels=[], offsets=np.zeros(1, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_samples(self) -> int:
        return len(self.ts)

    def series(self, i: int) -> tuple[Labels, Int64Array, Float64Array]:
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return self.labels[i], self.ts[a:b], self.values[a:b]

    def __iter__(self) -> Iterator[tuple[Labels, Int64Array, Float64Array]]:
        for i in range(len(self.labels)):
            yield self.series(i)

    def counts(self) -> Int64Array:
        return np.diff(self.offsets)
