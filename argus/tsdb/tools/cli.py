"""``argus tsdb …`` subcommands, shaped like promtool's so users' scripts carry over.

    argus tsdb create-blocks-from openmetrics FILE [DIR]    (promtool 2.42's flags)
    argus tsdb dump [DIR] [--min-time] [--max-time] [--match]
    argus tsdb export parquet DB_DIR OUT_DIR [--min-time] [--max-time] [--match]

Every handler returns the exit code: 0, or 1 with ``error: …`` on stderr for a bad
input, a bad selector or a storage failure (promtool prints the error and exits 1 too).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from argus.model import MAX_TIME, MIN_TIME
from argus.storage import StorageError
from argus.tsdb.tools.errors import ToolError

__all__ = ["parse_go_duration_ms", "register"]

_GO_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h|d|w|y)")
_UNIT_MS = {
    "ns": 1e-6,
    "us": 1e-3,
    "µs": 1e-3,
    "ms": 1.0,
    "s": 1e3,
    "m": 6e4,
    "h": 3.6e6,
    "d": 8.64e7,
    "w": 6.048e8,
    "y": 3.1536e10,
}


def parse_go_duration_ms(text: str) -> int:
    """Go's ``time.ParseDuration`` (``90m``, ``1.5h``, ``2h30m``), plus ``d``/``w``/``y``."""
    if text in ("0", "+0", "-0"):
        return 0
    body = text.lstrip("+-")
    sign = -1 if text.startswith("-") else 1
    pos, total = 0, 0.0
    while pos < len(body):
        m = _GO_DURATION_PART.match(body, pos)
        if m is None:
            raise argparse.ArgumentTypeError(f"invalid duration {text!r} (e.g. 2h, 90m, 1h30m)")
        total += float(m.group(1)) * _UNIT_MS[m.group(2)]
        pos = m.end()
    if pos == 0:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r} (e.g. 2h, 90m, 1h30m)")
    return sign * int(total)


def _int64(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from exc
    if not MIN_TIME <= value <= MAX_TIME:
        raise argparse.ArgumentTypeError(f"out of the int64 range: {text!r}")
    return value


def _report(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except BrokenPipeError:  # pragma: no cover - `argus tsdb dump | head`
            return 0
        except (ToolError, StorageError, OSError) as exc:
            sys.stdout.flush()
            print(f"error: {exc}", file=sys.stderr)
            return 1

    return handler


def _run_backfill(args: argparse.Namespace) -> int:
    from argus.tsdb.tools.backfill import backfill_openmetrics

    backfill_openmetrics(
        Path(args.input_file),
        Path(args.output_dir),
        max_block_duration_ms=args.max_block_duration,
        human_readable=args.human_readable,
        quiet=args.quiet,
        stdout=sys.stdout,
    )
    return 0


def _run_dump(args: argparse.Namespace) -> int:
    from argus.tsdb.tools.dump import dump

    dump(
        Path(args.db_path),
        sys.stdout.buffer,
        mint=args.min_time,
        maxt=args.max_time,
        match=args.match,
    )
    return 0


def _run_export_parquet(args: argparse.Namespace) -> int:
    from argus.tsdb.tools.parquet import export_parquet

    result = export_parquet(
        Path(args.db_dir),
        Path(args.out_dir),
        mint=args.min_time,
        maxt=args.max_time,
        match=args.match,
    )
    if not args.quiet:
        print(f"wrote {result.rows} rows to {len(result.files)} file(s) in {args.out_dir}")
    return 0


def _add_range_flags(p: argparse.ArgumentParser) -> None:
    from argus.tsdb.tools.selector import DEFAULT_MATCH

    p.add_argument(
        "--min-time",
        type=_int64,
        default=MIN_TIME,
        help="Minimum timestamp to dump (ms, inclusive).",
    )
    p.add_argument(
        "--max-time",
        type=_int64,
        default=MAX_TIME,
        help="Maximum timestamp to dump (ms, inclusive).",
    )
    p.add_argument(
        "--match", default=DEFAULT_MATCH, help=f"Series selector (default: {DEFAULT_MATCH})."
    )


def register(subparsers: Any) -> None:
    tsdb = subparsers.add_parser("tsdb", help="Work with a TSDB directory offline.")
    tsdb_sub = tsdb.add_subparsers(dest="tsdb_command", metavar="TSDB_COMMAND", required=True)

    create = tsdb_sub.add_parser(
        "create-blocks-from", help="Import samples from input and produce TSDB blocks."
    )
    create_sub = create.add_subparsers(dest="source", metavar="SOURCE", required=True)
    om = create_sub.add_parser(
        "openmetrics",
        help="Import samples from OpenMetrics input and produce TSDB blocks.",
        description="Import samples from an OpenMetrics file (every sample with a "
        "timestamp, ending in '# EOF') and produce TSDB blocks, as promtool does.",
    )
    om.add_argument("input_file", metavar="FILE", help="OpenMetrics file to read samples from.")
    om.add_argument(
        "output_dir",
        metavar="DIR",
        nargs="?",
        default="data",
        help="Output directory for generated blocks (default: data).",
    )
    om.add_argument(
        "-r", "--human-readable", action="store_true", help="Print human readable values."
    )
    om.add_argument("-q", "--quiet", action="store_true", help="Do not print created blocks.")
    om.add_argument(
        "--max-block-duration",
        type=parse_go_duration_ms,
        default=2 * 3_600_000,
        metavar="DURATION",
        help="Maximum duration created blocks may span; anything less than 2h "
        "is ignored (default: 2h).",
    )
    om.set_defaults(handler=_report(_run_backfill))

    dump = tsdb_sub.add_parser("dump", help="Dump samples from a TSDB.")
    dump.add_argument(
        "db_path", metavar="DIR", nargs="?", default="data/", help="Database path (default: data/)."
    )
    _add_range_flags(dump)
    dump.set_defaults(handler=_report(_run_dump))

    export = tsdb_sub.add_parser("export", help="Export samples to an open format.")
    export_sub = export.add_subparsers(dest="format", metavar="FORMAT", required=True)
    parquet = export_sub.add_parser(
        "parquet",
        help="One row per sample: metric_name, labels (map), timestamp, value.",
    )
    parquet.add_argument("db_dir", metavar="DB_DIR", help="Database path.")
    parquet.add_argument("out_dir", metavar="OUT_DIR", help="Directory for the .parquet files.")
    parquet.add_argument("-q", "--quiet", action="store_true", help="Print nothing on success.")
    _add_range_flags(parquet)
    parquet.set_defaults(handler=_report(_run_export_parquet))
