"""A small backfilled database shared by the dump, export and CLI tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from argus.model import Labels
from argus.tsdb import write_blocks
from argus.tsdb.tools.backfill import backfill_openmetrics

SAMPLE_FILE = """# TYPE up gauge
up{job="api",instance="a"} 1 1700000000
up{job="api",instance="b"} 0 1700000000
up{job="node",instance="c"} 1 1700000000
up{job="api",instance="a"} 1 1700000015
up{job="api",instance="b"} 1 1700000015
up{job="node",instance="c"} 0.5 1700000015.5
# TYPE http_requests_total counter
http_requests_total{job="api",path="/q \\"x\\"\\ttab"} 1234567 1700000000
http_requests_total{job="api",path="/q \\"x\\"\\ttab"} 1e-07 1700000015
temp NaN 1700000000
temp +Inf 1700000015
temp -Inf 1700000030
# EOF
"""


@pytest.fixture
def backfilled_db(tmp_path: Path) -> Path:
    src = tmp_path / "in.om"
    src.write_text(SAMPLE_FILE)
    db = tmp_path / "data"
    backfill_openmetrics(src, db, quiet=True)
    # A series without a metric name (possible through other writers).
    write_blocks(
        db,
        [Labels.of(job="nameless")],
        np.array([0, 1], dtype=np.int64),
        np.array([1700000000000], dtype=np.int64),
        np.array([7.0]),
    )
    return db
