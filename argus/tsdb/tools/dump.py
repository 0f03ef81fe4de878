"""``argus tsdb dump``: every sample as a text line, in promtool's exact format.

Line format (promtool 2.42 ``dumpSamples``: ``fmt.Printf("%s %g %d\\n", lbs, val, ts)``)::

    {__name__="up", instance="a:9100", job="node"} 1 1700000000000

Labels print with Go's ``strconv.Quote`` and values with Go's ``%g``
(:mod:`argus.tsdb.tools.goformat`), so the output diffs cleanly against promtool's.
The database is read one metric name at a time (:mod:`argus.tsdb.tools.batches`) and
each batch is formatted in slices of at most ``slice_samples`` samples with list
operations that run in C, then written to the binary stream in one call per slice.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np

from argus.model import MAX_TIME, MIN_TIME, SeriesSet, format_go_labels
from argus.tsdb.tools.batches import iter_series_batches, open_read_only
from argus.tsdb.tools.goformat import format_go_floats
from argus.tsdb.tools.selector import DEFAULT_MATCH, parse_selector

__all__ = ["dump", "format_series_set"]

SLICE_SAMPLES = 1 << 18


def format_series_set(series: SeriesSet, *, slice_samples: int = SLICE_SAMPLES) -> list[bytes]:
    """The dump lines of a series set, as UTF-8 byte chunks of at most ``slice_samples``."""
    n = series.num_samples
    if n == 0:
        return []
    prefixes = np.array([format_go_labels(lset) + " " for lset in series.labels], dtype=object)
    per_sample = np.repeat(prefixes, series.counts())
    chunks = []
    for a in range(0, n, slice_samples):
        b = min(a + slice_samples, n)
        m = b - a
        parts: list[str] = [" "] * (5 * m)
        parts[0::5] = per_sample[a:b].tolist()
        parts[1::5] = format_go_floats(series.values[a:b])
        parts[3::5] = map(str, series.ts[a:b].tolist())
        parts[4::5] = ["\n"] * m
        chunks.append("".join(parts).encode())
    return chunks


def dump(
    db_path: Path,
    out: BinaryIO,
    *,
    mint: int = MIN_TIME,
    maxt: int = MAX_TIME,
    match: str = DEFAULT_MATCH,
) -> int:
    """Write the matching samples in ``[mint, maxt]`` to ``out``; return how many."""
    matchers = parse_selector(match)
    total = 0
    with open_read_only(db_path, mint, maxt) as querier:
        for batch in iter_series_batches(querier, matchers, mint, maxt):
            for chunk in format_series_set(batch):
                out.write(chunk)
            total += batch.num_samples
    out.flush()
    return total
