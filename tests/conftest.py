"""Shared factories: a real database in tmp_path, and helpers to build columnar input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from argus.model import Labels
from argus.tsdb import DB, DBOptions


@pytest.fixture
def tmp_db(tmp_path: Path) -> Iterator[DB]:
    db = DB.open(tmp_path / "data", DBOptions(seal_samples=1000))
    yield db
    db.close()


def append(
    db: DB, labels: list[Labels], ts: list[int] | np.ndarray, values: list[float] | np.ndarray
):
    """Append one sample per (labels[i], ts[i], values[i]) and commit."""
    app = db.appender()
    refs = app.series_refs(labels)
    app.append(refs, np.asarray(ts, dtype=np.int64), np.asarray(values, dtype=np.float64))
    return app.commit()
