"""Command line: the server with Prometheus's flag names, plus ``argus tsdb …`` tools.

``argus [flags]`` runs the server; subcommands share the entry point the way promtool's
commands would if they lived in the server binary. Flag names and defaults follow
Prometheus so existing unit files and scripts carry over.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from argus import __version__
from argus.config.units import format_duration, parse_duration, parse_size
from argus.flags import add_compat_flags, check_compat_flags

__all__ = [
    "build_parser",
    "flag_values",
    "format_duration_ms",
    "main",
    "parse_duration_ms",
    "parse_size_bytes",
]


def parse_duration_ms(text: str) -> int:
    """Prometheus duration syntax (``1h30m``, ``15d``, ``0``) to milliseconds."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def parse_size_bytes(text: str) -> int:
    """Prometheus byte sizes (``512MB``, ``1GB``, ``0``): powers of 1024, as Prometheus."""
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc}") from exc


def format_duration_ms(ms: int) -> str:
    return format_duration(ms)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="argus", description="Argus, a Prometheus-compatible monitoring server."
    )
    parser.add_argument("--version", action="version", version=f"argus {__version__}")
    server = parser.add_argument_group("server")
    server.add_argument(
        "--config.file",
        dest="config_file",
        default=None,
        help="Prometheus configuration file (default: the embedded one).",
    )
    server.add_argument(
        "--storage.tsdb.path",
        dest="tsdb_path",
        default="data/",
        help="Base path for metrics storage.",
    )
    server.add_argument(
        "--storage.tsdb.retention.time",
        dest="retention_time",
        type=parse_duration_ms,
        default=None,
        help="How long to retain samples (default 15d unless a size is set).",
    )
    server.add_argument(
        "--storage.tsdb.retention.size",
        dest="retention_size",
        type=parse_size_bytes,
        default=0,
        help="Maximum bytes of blocks to retain, e.g. 512MB (0: no limit).",
    )
    server.add_argument(
        "--storage.tsdb.wal-fsync",
        dest="wal_fsync",
        default="interval",
        choices=["always", "interval", "never"],
        help="When the WAL is fsynced: every commit, every second, or only "
        "on segment rotation. Written samples survive kill -9 in all "
        "three; only 'always' survives power loss without a gap.",
    )
    server.add_argument(
        "--storage.tsdb.decoded-cache-size",
        dest="decoded_cache_size",
        type=parse_size_bytes,
        default=256 * 2**20,
        help="Memory for decoded block and head-segment payloads that repeated queries "
        "read again, e.g. 256MB (0: no cache).",
    )
    server.add_argument(
        "--storage.tsdb.out-of-order-time-window",
        dest="ooo_window",
        type=parse_duration_ms,
        default=0,
        help="Accept samples this much older than a series' newest one.",
    )
    server.add_argument(
        "--web.listen-address",
        dest="listen_address",
        default="0.0.0.0:9090",
        help="Address to listen on for UI, API, and telemetry.",
    )
    server.add_argument(
        "--web.enable-admin-api",
        dest="enable_admin_api",
        action="store_true",
        help="Enable API endpoints for admin control actions (delete, snapshot).",
    )
    server.add_argument(
        "--web.enable-lifecycle",
        dest="enable_lifecycle",
        action="store_true",
        help="Enable shutdown and reload via HTTP request.",
    )
    server.add_argument(
        "--query.timeout",
        dest="query_timeout",
        type=parse_duration_ms,
        default=parse_duration_ms("2m"),
        help="Maximum time a query may take before being aborted.",
    )
    server.add_argument(
        "--query.max-samples",
        dest="query_max_samples",
        type=int,
        default=50_000_000,
        help="Maximum number of samples a single query can load into memory.",
    )
    server.add_argument(
        "--query.lookback-delta",
        dest="query_lookback_delta",
        type=parse_duration_ms,
        default=parse_duration_ms("5m"),
        help="How far back to look for a sample when evaluating an instant selector.",
    )
    server.add_argument(
        "--query.max-concurrency",
        dest="query_max_concurrency",
        type=int,
        default=20,
        help="Maximum number of queries executed concurrently.",
    )
    server.add_argument(
        "--log.level", dest="log_level", default="info", choices=["debug", "info", "warn", "error"]
    )
    compat = parser.add_argument_group(
        "Prometheus flags accepted for compatibility (see argus/flags.py)"
    )
    add_compat_flags(compat, parse_duration_ms, parse_size_bytes)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from argus.config.cli import register as register_check
    from argus.demo.cli import register as register_demo
    from argus.rules.cli import register as register_rules
    from argus.tsdb.tools.cli import register as register_tsdb

    register_tsdb(sub)
    check = register_check(sub)
    register_rules(sub, check_subparsers=check.check_subparsers)  # type: ignore[attr-defined]
    register_demo(sub)
    return parser


def flag_values(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, str]:
    """Every server flag and its effective value, as ``/api/v1/status/flags`` shows them."""
    out = {}
    for action in parser._actions:  # argparse has no public list of its actions.
        names = [o for o in action.option_strings if o.startswith("--")]
        if not names or names[0] in ("--help", "--version") or not hasattr(args, action.dest):
            continue
        value = getattr(args, action.dest)
        if action.type is parse_duration_ms and isinstance(value, int):
            text = format_duration_ms(value)
        elif isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, list):
            text = ",".join(str(v) for v in value)
        else:
            text = "" if value is None else str(value)
        out[names[0][2:]] = text
    return dict(sorted(out.items()))


class _JSONFormatter(logging.Formatter):
    """``--log.format=json``: one object per line with Prometheus's keys."""

    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "time": self.formatTime(record),
            "level": record.levelname.lower().replace("warning", "warn"),
            "source": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            doc["err"] = self.formatException(record.exc_info)
        return json.dumps(doc)


def _configure_logging(level: str, fmt: str = "logfmt") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(_JSONFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "ts=%(asctime)s level=%(levelname)s component=%(name)s msg=%(message)s"
            )
        )
    logging.basicConfig(level={"warn": "WARNING"}.get(level, level.upper()), handlers=[handler])


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    log_format = getattr(args, "compat_log_format", None) or "logfmt"
    if log_format not in ("logfmt", "json"):
        parser.error(f"--log.format: must be logfmt or json, got {log_format!r}")
    _configure_logging(args.log_level, log_format)
    if args.command is not None:
        handler = args.handler
        return int(handler(args))
    refused = check_compat_flags(args)
    if refused:
        parser.error(refused)
    args.flag_values = flag_values(parser, args)
    from argus.server import run_server

    return run_server(args)


if __name__ == "__main__":
    sys.exit(main())
