"""Subprocess for ``append``: batched appends into head + WAL, one JSON line of figures.

``python -m bench.append_worker --db DIR --series N --batch B --seconds S``

Series refs are resolved once (as a scraper's cache would); then each "scrape" of
``B`` series is one ``appender() / append / commit`` with a shared timestamp, rounds
15 s apart. ``DB.maintain()`` (seal, cut, compact: the server's background loop) runs
about once a wall-clock second and is timed separately from the appends.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--series", type=int, required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--start-ms", type=int, required=True)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--max-rounds", type=int, default=100_000)
    args = p.parse_args()

    from bench import argus_db
    from bench.dataset import generate

    ds = generate(args.series, 2, start_ms=args.start_ms, seed=args.seed, resets=False)
    labels = argus_db.to_labels(ds.labels)
    db = argus_db.open_db(args.db)
    t0 = time.perf_counter()
    app = db.appender()
    refs = app.series_refs(labels)
    app.commit()
    create_s = time.perf_counter() - t0
    del labels
    vals = [ds.values[:, 0].copy(), ds.values[:, 1].copy()]
    bounds = [(lo, min(lo + args.batch, args.series)) for lo in range(0, args.series, args.batch)]
    batches = [(refs[lo:hi], vals[0][lo:hi], vals[1][lo:hi]) for lo, hi in bounds]

    append_s = 0.0
    maintain_s = 0.0
    maintain_calls = 0
    max_maintain = 0.0
    samples = 0
    commits = 0
    lat: list[float] = []
    last_maint = time.perf_counter()
    rounds = 0
    while append_s < args.seconds and rounds < args.max_rounds:
        ts_value = args.start_ms + rounds * 15_000
        for b_refs, v0, v1 in batches:
            a0 = time.perf_counter()
            ts = np.full(len(b_refs), ts_value, dtype=np.int64)
            app = db.appender()
            app.append(b_refs, ts, v0 if rounds % 2 == 0 else v1)
            app.commit()
            dt = time.perf_counter() - a0
            append_s += dt
            lat.append(dt)
            samples += len(b_refs)
            commits += 1
            if time.perf_counter() - last_maint >= 1.0:
                m0 = time.perf_counter()
                db.maintain()
                m = time.perf_counter() - m0
                maintain_s += m
                max_maintain = max(max_maintain, m)
                maintain_calls += 1
                last_maint = time.perf_counter()
        rounds += 1
    m0 = time.perf_counter()
    db.maintain()
    final_maintain = time.perf_counter() - m0
    c0 = time.perf_counter()
    db.close()
    close_s = time.perf_counter() - c0
    lat_ms = np.array(lat) * 1000
    out = {
        "series": args.series,
        "batch": args.batch,
        "rounds": rounds,
        "samples": samples,
        "commits": commits,
        "create_series_s": create_s,
        "append_s": append_s,
        "maintain_s": maintain_s,
        "maintain_calls": maintain_calls,
        "max_maintain_s": max_maintain,
        "final_maintain_s": final_maintain,
        "close_s": close_s,
        "commit_ms_p50": float(np.percentile(lat_ms, 50)),
        "commit_ms_p99": float(np.percentile(lat_ms, 99)),
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
    }
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
