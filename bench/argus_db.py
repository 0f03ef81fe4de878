"""The Argus side of the benchmarks: open a DB, backfill blocks, compact, measure.

Imports of ``argus.tsdb`` happen inside functions so the peer side of a benchmark still
runs (and reports) while the storage engine is unfinished or broken.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bench.dataset import Dataset, Pairs
from bench.peers import dir_size

if TYPE_CHECKING:
    from argus.model import Labels
    from argus.tsdb import DB

__all__ = [
    "availability",
    "block_bytes",
    "compact_until_stable",
    "open_db",
    "to_labels",
    "write_dataset",
]

_ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


def to_labels(pairs: Sequence[Pairs]) -> list[Labels]:
    from argus.model import Labels

    return [Labels.from_sorted(p) for p in pairs]


def open_db(path: Path, **options: Any) -> DB:
    from argus.tsdb import DB, DBOptions

    opts = {"retention_ms": 0, **options}  # 0: no time retention (backfilled data is old)
    return DB.open(path, DBOptions(**opts))


def availability() -> str | None:
    """None if a small append / commit / select round-trip works, else why not."""
    tmp = Path(tempfile.mkdtemp(prefix="argus-bench-probe-"))
    try:
        from argus.model import Labels, Matcher

        db = open_db(tmp / "db")
        try:
            app = db.appender()
            refs = app.series_refs([Labels.of(__name__="probe", i=str(i)) for i in range(3)])
            ts = np.array([1000, 1000, 1000, 16000, 16000, 16000], dtype=np.int64)
            app.append(np.tile(refs, 2), ts, np.arange(6, dtype=np.float64))
            app.commit()
            db.maintain(force_cut=True)
            q = db.querier(0, 100_000)
            try:
                s = q.select([Matcher.regex("__name__", ".+")])
                if len(s) != 3 or len(s.ts) != 6:
                    return f"round-trip returned {len(s)} series / {len(s.ts)} samples"
            finally:
                q.close()
        finally:
            db.close()
    except Exception as exc:  # noqa: BLE001 (any failure means "not usable yet")
        return f"{type(exc).__name__}: {exc} ({traceback.format_exc(limit=-1).strip()[-300:]})"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return None


def block_dirs(path: Path) -> list[Path]:
    return [p for p in path.iterdir() if p.is_dir() and _ULID.fullmatch(p.name)]


def block_bytes(path: Path) -> int:
    """Bytes in the DB's block directories (no WAL, lock or quarantine)."""
    return sum(dir_size(d) for d in block_dirs(path))


def compact_until_stable(db: DB, *, max_rounds: int = 60, timeout: float = 900.0) -> int:
    """Call ``maintain()`` until the block list stops changing; returns rounds run."""
    deadline = time.monotonic() + timeout
    last: list[str] = []
    for i in range(1, max_rounds + 1):
        db.maintain(force_cut=True)
        now = sorted(m.ulid for m in db.blocks())
        if now == last or time.monotonic() > deadline:
            return i
        last = now
    return max_rounds


def write_dataset(path: Path, ds: Dataset, rows: np.ndarray[Any, Any] | None = None) -> int:
    """``write_blocks`` the data set (or ``rows`` of it) into a new DB dir; returns blocks."""
    from argus.tsdb import write_blocks

    path.mkdir(parents=True, exist_ok=True)
    if rows is None:
        labels = to_labels(ds.labels)
        offsets, ts, values = ds.csr()
    else:
        labels = to_labels([ds.labels[i] for i in rows.tolist()])
        m = ds.n_samples
        offsets = np.arange(0, len(rows) * m + 1, m, dtype=np.int64)
        ts = ds.instance_ts[ds.instance[rows]].reshape(-1)
        values = ds.values[rows].reshape(-1)
    return len(write_blocks(path, labels, offsets, ts, values))


def block_summary(db: DB) -> dict[str, Any]:
    metas = db.blocks()
    return {
        "blocks": len(metas),
        "levels": sorted({m.level for m in metas}),
        "samples": sum(m.num_samples for m in metas),
        "spans_h": [round((m.max_time - m.min_time) / 3_600_000, 2) for m in metas],
    }
