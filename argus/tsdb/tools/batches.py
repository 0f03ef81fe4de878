"""Reading a database in bounded batches of series, for dump and export.

A whole-database ``select`` would hold every sample in memory. Instead we list the
metric names that match (labels only), then select one metric name at a time, and
finally the series that have no metric name at all. Within a batch series come sorted
by labels; batches come in metric-name order, which is promtool's overall order except
for series with a label name that sorts before ``__name__`` (upper-case names).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from argus.model import METRIC_NAME, Matcher, SeriesSet
from argus.storage import Querier, StorageError
from argus.tsdb import DB

__all__ = ["iter_series_batches", "open_read_only"]


@contextmanager
def open_read_only(path: Path, mint: int, maxt: int) -> Iterator[Querier]:
    """A querier over ``[mint, maxt]`` of the database at ``path``, opened read-only."""
    if not path.is_dir():
        raise StorageError(f"{path}: no such database directory")
    db = DB.open(path, read_only=True)
    try:
        querier = db.querier(mint, maxt)
        try:
            yield querier
        finally:
            querier.close()
    finally:
        db.close()


def iter_series_batches(
    querier: Querier, matchers: Sequence[Matcher], mint: int, maxt: int
) -> Iterator[SeriesSet]:
    """Non-empty series sets, one per metric name, then one for nameless series."""
    for name in querier.label_values(METRIC_NAME, matchers):
        batch = querier.select([*matchers, Matcher.equal(METRIC_NAME, name)], mint, maxt)
        if len(batch):
            yield batch
    nameless = querier.select([*matchers, Matcher.equal(METRIC_NAME, "")], mint, maxt)
    if len(nameless):
        yield nameless
