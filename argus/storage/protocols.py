"""The seam between writers (scrape, rules, remote write) and readers (PromQL, API).

Writers and readers see only these protocols, never ``argus.tsdb``, so any part can be
tested against a small in-memory implementation and the engine can change underneath.

Conventions for every implementation:

- Timestamps are int64 milliseconds; ``[mint, maxt]`` bounds are inclusive on both ends,
  as in Prometheus's ``Querier``.
- Arrays passed in are read, never kept: an implementation copies what it stores.
  Arrays returned are owned by the caller unless a method says otherwise.
- Staleness markers (``argus.model.STALE_NAN``) are ordinary samples here: stored and
  returned bit for bit. Interpreting them is PromQL's job.
- Appenders are not thread-safe: one appender per writer task. Queryables and
  appendables are safe to share across tasks and threads.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from argus.model import Float64Array, Int64Array, Labels, Matcher, SeriesSet

__all__ = [
    "AppendResult",
    "Appendable",
    "Appender",
    "Querier",
    "Queryable",
    "RejectReason",
]


class RejectReason(enum.Enum):
    """Why a sample was not stored. Values are the metric label values we export."""

    OUT_OF_ORDER = "out_of_order"
    """Older than the series' newest sample and out-of-order ingestion is off."""
    TOO_OLD = "too_old"
    """Older than the series' newest sample by more than the out-of-order window."""
    OUT_OF_BOUNDS = "out_of_bounds"
    """Older than the head's lowest appendable time (already cut into a block)."""
    DUPLICATE = "duplicate_timestamp"
    """Same series and timestamp as a stored sample, with a different value."""


@dataclass(slots=True)
class AppendResult:
    """What a commit stored. Identical re-sends of a stored sample count as accepted."""

    accepted: int = 0
    rejected: dict[RejectReason, int] = field(default_factory=dict)

    @property
    def num_rejected(self) -> int:
        return sum(self.rejected.values())

    def merge(self, other: AppendResult) -> None:
        self.accepted += other.accepted
        for reason, n in other.rejected.items():
            self.rejected[reason] = self.rejected.get(reason, 0) + n


@runtime_checkable
class Appender(Protocol):
    """Buffers samples of one writer and stores them atomically on :meth:`commit`.

    When ``commit`` returns, every accepted sample is durable (in the write-ahead log)
    and visible to queriers. ``rollback`` drops what was buffered. After either, the
    appender may be reused.
    """

    def series_refs(self, labels: Sequence[Labels]) -> Int64Array:
        """References for these label sets, creating series as needed (int64[len])."""
        ...

    def append(self, refs: Int64Array, ts: Int64Array, values: Float64Array) -> None:
        """Buffer one batch: parallel arrays of series refs, ms timestamps and values."""
        ...

    def commit(self) -> AppendResult: ...

    def rollback(self) -> None: ...


@runtime_checkable
class Appendable(Protocol):
    def appender(self) -> Appender: ...


@runtime_checkable
class Querier(Protocol):
    """A read view over ``[mint, maxt]``, fixed when it is opened.

    Data committed after the querier was opened may or may not be visible. ``close``
    releases what the view pins (blocks that retention may otherwise delete).
    """

    def select(
        self,
        matchers: Sequence[Matcher],
        mint: int | None = None,
        maxt: int | None = None,
        *,
        labels_only: bool = False,
    ) -> SeriesSet:
        """Series matching every matcher, sorted by labels, with samples in range.

        ``mint``/``maxt`` narrow the querier's own range. A series with no sample in the
        range is left out. With ``labels_only`` no samples are read (offsets are zero).
        """
        ...

    def label_names(self, matchers: Sequence[Matcher] = ()) -> list[str]:
        """Sorted label names of the series that match (all series if none given)."""
        ...

    def label_values(self, name: str, matchers: Sequence[Matcher] = ()) -> list[str]:
        """Sorted distinct values of ``name`` over the series that match."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Queryable(Protocol):
    def querier(self, mint: int, maxt: int) -> Querier: ...
