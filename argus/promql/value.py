"""Columnar values: what the evaluator passes between nodes and what queries return.

Inside the engine every instant vector of a query with ``n`` steps is a dense
``series x n`` float64 matrix. Absence is a separate boolean mask, not NaN, because NaN
is a legitimate sample value in PromQL (``0/0``). Range vectors stay in CSR form with
per-step window bounds, so windowed functions never copy samples per step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from argus.model import BoolArray, Float64Array, Int64Array, Labels

__all__ = [
    "InstantVector",
    "Matrix",
    "RangeVector",
    "Result",
    "Scalar",
    "ScalarSteps",
    "String",
    "StringValue",
    "Vector",
]


# ----------------------------------------------------------------- engine-internal


@dataclass(slots=True)
class ScalarSteps:
    """A scalar per step: ``values`` float64[n]."""

    values: Float64Array


@dataclass(slots=True)
class StringValue:
    value: str


@dataclass(slots=True)
class InstantVector:
    """Series x steps. ``values``/``present`` are [s, n]; ``drop_name`` is bool[s].

    ``drop_name`` is Prometheus's delayed name removal: a function or operator marks the
    series, and ``__name__`` is removed once, when the query's result is built.
    """

    labels: list[Labels]
    values: Float64Array
    present: BoolArray
    drop_name: BoolArray

    @classmethod
    def empty(cls, n: int) -> InstantVector:
        return cls(
            [],
            np.zeros((0, n), dtype=np.float64),
            np.zeros((0, n), dtype=np.bool_),
            np.zeros(0, dtype=np.bool_),
        )

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, rows: Int64Array | Sequence[int]) -> InstantVector:
        idx = np.asarray(rows, dtype=np.int64)
        return InstantVector(
            [self.labels[i] for i in idx.tolist()],
            self.values[idx],
            self.present[idx],
            self.drop_name[idx],
        )


@dataclass(slots=True)
class RangeVector:
    """Samples in CSR form plus, per series and step, the window ``[lo, hi)``.

    ``offsets`` int64[s+1], ``ts`` int64[m] ms, ``values`` float64[m] (no staleness
    markers); ``lo``/``hi`` int64[s, n] index ``ts``; ``window_end`` int64[n] is the
    right edge of each step's window (ms) and ``range_ms`` its length, both used by the
    extrapolating functions.
    """

    labels: list[Labels]
    offsets: Int64Array
    ts: Int64Array
    values: Float64Array
    lo: Int64Array
    hi: Int64Array
    window_end: Int64Array
    range_ms: int
    drop_name: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))


# ----------------------------------------------------------------- query results


@dataclass(frozen=True, slots=True)
class Vector:
    """An instant query's vector: one sample per series at ``t_ms``."""

    labels: Sequence[Labels]
    values: Float64Array
    t_ms: int

    def __len__(self) -> int:
        return len(self.labels)

    def __iter__(self) -> Iterator[tuple[Labels, float]]:
        return zip(self.labels, self.values.tolist(), strict=True)

    def __repr__(self) -> str:
        body = ", ".join(f"{lb} => {v!r}" for lb, v in self)
        return f"Vector(t={self.t_ms}, [{body}])"


@dataclass(frozen=True, slots=True)
class Matrix:
    """Series x timestamps. ``values``/``present`` are [s, n] over ``timestamps``."""

    labels: Sequence[Labels]
    timestamps: Int64Array
    values: Float64Array
    present: BoolArray

    def __len__(self) -> int:
        return len(self.labels)

    def series(self) -> Iterator[tuple[Labels, Int64Array, Float64Array]]:
        """Each series with only the points it has: ``(labels, ts, values)``."""
        for i, lb in enumerate(self.labels):
            mask = self.present[i]
            yield lb, self.timestamps[mask], self.values[i, mask]

    def __repr__(self) -> str:
        parts = [f"{lb} => {len(ts)} points" for lb, ts, _ in self.series()]
        return f"Matrix([{', '.join(parts)}])"


@dataclass(frozen=True, slots=True)
class Scalar:
    value: float
    t_ms: int


@dataclass(frozen=True, slots=True)
class String:
    value: str
    t_ms: int


@dataclass(slots=True)
class Result:
    """What a query returns: the value plus Prometheus-style warnings and infos."""

    value: Vector | Matrix | Scalar | String
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
