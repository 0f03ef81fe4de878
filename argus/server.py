"""Wiring the server: storage, background work, HTTP, and the order they stop in.

Stop order: the HTTP server first (no new requests), then the TSDB (its maintenance
thread, then the WAL is synced and closed), so every acknowledged write is on disk.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from argus.model import Matcher
from argus.tsdb import DB, DBOptions
from argus.tsdb.metrics import tsdb_metrics
from argus.web import READY_KEY, HeadInfo, Sources, WebOptions, build_app, handler_args

__all__ = ["parse_listen_address", "run_server"]

log = logging.getLogger("argus")


def parse_listen_address(addr: str) -> tuple[str, int]:
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"--web.listen-address {addr!r}: expected host:port")
    return host.strip("[]") or "0.0.0.0", int(port)


def db_options(args: argparse.Namespace) -> DBOptions:
    return DBOptions(
        retention_ms=args.retention_time,
        retention_bytes=args.retention_size,
        ooo_window_ms=args.ooo_window,
        wal_fsync=args.wal_fsync,
    )


class _Admin:
    """The admin API's view of the DB (``argus.web.TSDBAdmin``)."""

    def __init__(self, db: DB) -> None:
        self._db = db

    def delete(self, matchers: Sequence[Matcher], mint: int, maxt: int) -> None:
        self._db.delete(matchers, mint, maxt)

    def clean_tombstones(self) -> None:
        self._db.clean_tombstones()

    def snapshot(self, with_head: bool) -> str:
        return self._db.snapshot(with_head)


def _head_info(db: DB) -> HeadInfo:
    head = db.head
    series = head.labels_of(head.select_refs([]))
    if not head.num_samples:
        return HeadInfo(series, 0, 2**63 - 1, -(2**63))
    # The head has no 120-sample chunks; report the count Prometheus would hold.
    chunks = -(-head.num_samples // 120)
    return HeadInfo(series, chunks, head.min_time, head.max_time)


def web_options(args: argparse.Namespace) -> WebOptions:
    retention = args.retention_time
    return WebOptions(
        enable_admin_api=getattr(args, "enable_admin_api", False),
        enable_lifecycle=getattr(args, "enable_lifecycle", False),
        lookback_ms=getattr(args, "query_lookback_delta", 300_000),
        query_timeout_s=getattr(args, "query_timeout", 120_000) / 1000,
        max_samples=getattr(args, "query_max_samples", 50_000_000),
        max_concurrency=getattr(args, "query_max_concurrency", 20),
        flags=getattr(args, "flag_values", {}),
        storage_retention="15d" if retention is None else f"{retention}ms",
    )


def _config_yaml(path: str | None) -> str:
    if not path:
        return ""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        log.warning("cannot read %s for /api/v1/status/config: %s", path, exc)
        return ""


async def serve(args: argparse.Namespace) -> None:
    host, port = parse_listen_address(args.listen_address)
    db = DB.open(args.tsdb_path, db_options(args))
    db.start()
    stop = asyncio.Event()
    sources = Sources(
        queryable=db,
        metrics=lambda: tsdb_metrics(db),
        head_info=lambda: _head_info(db),
        admin=_Admin(db),
        config_yaml=lambda: _config_yaml(args.config_file),
        quit=stop.set,
    )
    options = web_options(args)
    app = build_app(sources, options)
    runner = web.AppRunner(app, access_log=None, **handler_args(options))
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    app[READY_KEY]["ready"] = True
    bound = runner.addresses[0] if runner.addresses else (host, port)
    log.info("Argus is ready to receive web requests on %s:%s", bound[0], bound[1])
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        log.info("stopping: HTTP server, then storage")
        await runner.cleanup()
        db.close()


def run_server(args: argparse.Namespace) -> int:
    try:
        parse_listen_address(args.listen_address)
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # noqa: BLE001 - last resort: log it, exit non-zero
        log.error("fatal: %s", exc)
        return 1
    return 0
