"""``python -m bench [NAME ...] [--series N] [--hours H] ...``: side-by-side benchmarks.

With no names, runs every benchmark in :data:`BENCHMARKS` order. Each prints a table
and writes ``bench/results/<name>.json`` and ``.md``. See ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.context import ALL_SYSTEMS, Context
from bench.report import RESULTS_DIR, environment, render_table, write

BENCHMARKS = {
    "storage": "bench.storage",
    "append": "bench.append",
    "memory": "bench.memory",
    "select": "bench.selection",
    "query": "bench.query",
    "scrape": "bench.scrape",
    "api": "bench.api",
    "rules": "bench.rules",
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(BENCHMARKS)}")
    p.add_argument("--series", type=int, help="series count (each benchmark has its own default)")
    p.add_argument("--hours", type=float, help="hours of data at 15 s (storage, select)")
    p.add_argument("--seconds", type=float, help="measuring time (append)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--systems",
        default=",".join(ALL_SYSTEMS),
        help="comma-separated subset of argus,prometheus,victoriametrics",
    )
    p.add_argument("--workdir", type=Path, help="scratch directory (default: a new temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory")
    p.add_argument("--out", type=Path, default=RESULTS_DIR, help="where results are written")
    args = p.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        p.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    systems = tuple(s.strip() for s in args.systems.split(",") if s.strip())
    if bad := [s for s in systems if s not in ALL_SYSTEMS]:
        p.error(f"unknown system(s): {', '.join(bad)}")
    args.systems = systems
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    names = args.names or list(BENCHMARKS)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="argus-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = environment()
    failed = []
    try:
        for name in names:
            ctx = Context(
                workdir / name,
                series=args.series,
                hours=args.hours,
                seconds=args.seconds,
                seed=args.seed,
                systems=args.systems,
            )
            ctx.log(f"--- {name} (scratch: {ctx.workdir})")
            module = importlib.import_module(BENCHMARKS[name])
            t0 = time.monotonic()
            try:
                result = module.run(ctx)
            except Exception:  # noqa: BLE001 (one failing benchmark must not stop the rest)
                traceback.print_exc()
                failed.append(name)
                continue
            finally:
                if not args.keep:
                    shutil.rmtree(ctx.workdir, ignore_errors=True)
            result.elapsed_s = time.monotonic() - t0
            result.env = env
            print(render_table(result), flush=True)
            jp, mp = write(result, args.out)
            print(f"  -> {mp} , {jp.name}\n", flush=True)
    finally:
        if args.keep:
            print(f"scratch kept in {workdir}", file=sys.stderr)
        elif args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
