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

from aiohttp import web

from argus.tsdb import DB, DBOptions
from argus.tsdb.metrics import tsdb_metrics
from argus.web import READY_KEY, build_app

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


async def serve(args: argparse.Namespace) -> None:
    host, port = parse_listen_address(args.listen_address)
    db = DB.open(args.tsdb_path, db_options(args))
    db.start()
    app = build_app(lambda: tsdb_metrics(db))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    app[READY_KEY]["ready"] = True
    bound = runner.addresses[0] if runner.addresses else (host, port)
    log.info("Argus is ready to receive web requests on %s:%s", bound[0], bound[1])
    stop = asyncio.Event()
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
