"""``tsdb dump``: promtool's exact line format, selection, and series batching."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from argus.model import Labels, SeriesSet, format_go_labels
from argus.tsdb.tools.dump import dump, format_series_set

EXPECTED = [
    '{__name__="http_requests_total", job="api", path="/q \\"x\\"\\\\ttab"} 1.234567e+06 '
    "1700000000000",
    '{__name__="http_requests_total", job="api", path="/q \\"x\\"\\\\ttab"} 1e-07 1700000015000',
    '{__name__="temp"} NaN 1700000000000',
    '{__name__="temp"} +Inf 1700000015000',
    '{__name__="temp"} -Inf 1700000030000',
    '{__name__="up", instance="a", job="api"} 1 1700000000000',
    '{__name__="up", instance="a", job="api"} 1 1700000015000',
    '{__name__="up", instance="b", job="api"} 0 1700000000000',
    '{__name__="up", instance="b", job="api"} 1 1700000015000',
    '{__name__="up", instance="c", job="node"} 1 1700000000000',
    '{__name__="up", instance="c", job="node"} 0.5 1700000015500',
    '{job="nameless"} 7 1700000000000',
]


def _dump(db: Path, **kwargs: Any) -> list[str]:
    out = io.BytesIO()
    dump(db, out, **kwargs)
    return out.getvalue().decode().splitlines()


def test_dump_everything(backfilled_db):
    assert _dump(backfilled_db) == EXPECTED


def test_dump_match_and_time_range(backfilled_db):
    assert _dump(backfilled_db, match='up{job="api"}', mint=1700000015000) == [
        '{__name__="up", instance="a", job="api"} 1 1700000015000',
        '{__name__="up", instance="b", job="api"} 1 1700000015000',
    ]
    assert _dump(backfilled_db, match='{job="nameless"}') == ['{job="nameless"} 7 1700000000000']
    assert _dump(backfilled_db, match="temp", maxt=1700000015000) == EXPECTED[2:4]


def test_labels_use_go_quote():
    lset = Labels.of(__name__="x", a="tab\there", b="é")
    assert format_go_labels(lset) == '{__name__="x", a="tab\\there", b="é"}'


def test_format_in_slices():
    ss = SeriesSet(
        [Labels.of(__name__="a"), Labels.of(__name__="b")],
        np.array([0, 3, 5], dtype=np.int64),
        np.arange(5, dtype=np.int64),
        np.array([1.0, 2.5, 1e6, -0.0, 3.0]),
    )
    chunks = format_series_set(ss, slice_samples=2)
    assert len(chunks) == 3
    assert b"".join(chunks).decode().splitlines() == [
        '{__name__="a"} 1 0',
        '{__name__="a"} 2.5 1',
        '{__name__="a"} 1e+06 2',
        '{__name__="b"} -0 3',
        '{__name__="b"} 3 4',
    ]
