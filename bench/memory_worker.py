"""Subprocess for ``memory``: fill an Argus head, print RSS figures as one JSON line.

``python -m bench.memory_worker --db DIR --series N --scrapes K --start-ms T``

The baseline is VmRSS right after importing NumPy and Argus. The same label sets and
values as the scrape target's body are appended once per "scrape" (all series, one
timestamp, 15 s apart) through the appender with cached refs, and ``DB.maintain()`` runs
after each commit as the server's background loop would. There is no scraper yet, so
parse and scrape-cache memory are not included.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import sys
import time
from pathlib import Path

import numpy as np


def rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def trim() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--series", type=int, required=True)
    p.add_argument("--scrapes", type=int, default=8)
    p.add_argument("--start-ms", type=int, required=True)
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()

    import argus.tsdb  # noqa: F401  (counted in the baseline)
    from bench import argus_db
    from bench.dataset import generate

    gc.collect()
    trim()
    baseline = rss()
    t0 = time.perf_counter()
    ds = generate(args.series, 1, start_ms=args.start_ms, seed=args.seed, resets=False)
    values = ds.values[:, 0].copy()
    labels = argus_db.to_labels(ds.labels)
    del ds
    db = argus_db.open_db(args.db)
    app = db.appender()
    refs = app.series_refs(labels)
    app.commit()
    del labels
    gc.collect()
    t_series = time.perf_counter() - t0
    maintain_s = 0.0
    t1 = time.perf_counter()
    for k in range(args.scrapes):
        app = db.appender()
        ts = np.full(len(refs), args.start_ms + k * 15_000, dtype=np.int64)
        app.append(refs, ts, values)
        app.commit()
        m0 = time.perf_counter()
        db.maintain()
        maintain_s += time.perf_counter() - m0
    t_append = time.perf_counter() - t1
    gc.collect()
    after_gc = rss()
    trim()
    after_trim = rss()
    head_series = getattr(db.head, "num_series", None)
    out = {
        "baseline_rss": baseline,
        "rss_after_gc": after_gc,
        "rss_after_trim": after_trim,
        "series": args.series,
        "scrapes": args.scrapes,
        "create_series_s": t_series,
        "append_s": t_append,
        "maintain_s": maintain_s,
        "head_series": head_series if isinstance(head_series, int) else None,
    }
    db.close()
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
