"""Wiring the server: config, storage, scraping, HTTP, and the order they stop in.

Reloaders (SIGHUP and ``POST /-/reload``) load the config file again; a config that
fails to load is rejected with its error and the running one stays in force.

Stop order: scraping first (its targets' series get staleness markers), then the HTTP
server (no new requests), then the TSDB (its maintenance thread, then the WAL is synced
and closed), so every acknowledged write is on disk.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import hashlib
import logging
import signal
import socket
from collections.abc import Callable, Sequence
from pathlib import Path

from aiohttp import web

from argus.config import Config, ConfigError, load_file, load_string
from argus.model import Matcher
from argus.notify import Notifier, NotifierOptions, notifier_metrics
from argus.promql import Engine
from argus.rules import ManagerOptions as RuleOptions
from argus.rules import RuleManager, rule_metrics
from argus.scrape import ScrapeManager
from argus.tsdb import DB, DBOptions
from argus.tsdb.metrics import tsdb_metrics
from argus.web import READY_KEY, HeadInfo, Sources, WebOptions, build_app, handler_args
from argus.web.rules import alerts_document, rule_groups_document
from argus.web.targets import (
    metadata_document,
    scrape_pool_names,
    target_metadata_document,
    targets_document,
)

__all__ = ["parse_listen_address", "run_server"]

log = logging.getLogger("argus")


def parse_listen_address(addr: str) -> tuple[str, int]:
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"--web.listen-address {addr!r}: expected host:port")
    return host.strip("[]") or "0.0.0.0", int(port)


def db_options(args: argparse.Namespace) -> DBOptions:
    defaults = DBOptions()
    retention = args.retention_time
    if retention is None:  # the deprecated --storage.tsdb.retention, as Prometheus
        retention = getattr(args, "compat_storage_tsdb_retention", None)
    return DBOptions(
        retention_ms=retention,
        retention_bytes=args.retention_size,
        ooo_window_ms=args.ooo_window,
        wal_fsync=args.wal_fsync,
        decoded_cache_bytes=args.decoded_cache_size,
        block_range_ms=getattr(args, "compat_storage_tsdb_min_block_duration", None)
        or defaults.block_range_ms,
        max_block_ms=getattr(args, "compat_storage_tsdb_max_block_duration", None),
        wal_segment_size=getattr(args, "compat_storage_tsdb_wal_segment_size", None)
        or defaults.wal_segment_size,
    )


def external_url(args: argparse.Namespace, port: int) -> str:
    """``--web.external-url``, or Prometheus's default ``http://<hostname>:<port>/``."""
    url: str = getattr(args, "compat_web_external_url", None) or ""
    if not url:
        url = f"http://{socket.gethostname()}:{port}/"
    return url


def rule_options(args: argparse.Namespace, port: int) -> RuleOptions:
    defaults = RuleOptions()
    return RuleOptions(
        resend_delay_ms=getattr(args, "compat_rules_alert_resend_delay", None)
        or defaults.resend_delay_ms,
        outage_tolerance_ms=getattr(args, "compat_rules_alert_for_outage_tolerance", None)
        or defaults.outage_tolerance_ms,
        for_grace_period_ms=getattr(args, "compat_rules_alert_for_grace_period", None)
        or defaults.for_grace_period_ms,
        external_url=external_url(args, port),
    )


def notifier_options(args: argparse.Namespace) -> NotifierOptions:
    defaults = NotifierOptions()
    return NotifierOptions(
        queue_capacity=getattr(args, "compat_alertmanager_notification_queue_capacity", None)
        or defaults.queue_capacity,
        max_batch=getattr(args, "compat_alertmanager_notification_batch_size", None)
        or defaults.max_batch,
    )


def config_fingerprint(path: str) -> bytes:
    """Contents of the config file and the rule files it names: a change means reload."""
    digest = hashlib.sha256()
    try:
        digest.update(Path(path).read_bytes())
        cfg = load_file(path)
    except (OSError, ConfigError):
        return digest.digest()
    base = Path(path).parent
    for pattern in (*cfg.rule_files, *cfg.scrape_config_files):
        for name in sorted(glob.glob(str(base / pattern))):
            with contextlib.suppress(OSError):
                digest.update(name.encode() + b"\0" + Path(name).read_bytes())
    return digest.digest()


async def _auto_reload(path: str, interval_s: float, reload: Callable[[], object]) -> None:
    """``--config.auto-reload``: reload when the files' contents change (Prometheus 3)."""
    loop = asyncio.get_running_loop()
    last = await loop.run_in_executor(None, config_fingerprint, path)
    while True:
        await asyncio.sleep(interval_s)
        now = await loop.run_in_executor(None, config_fingerprint, path)
        if now != last:
            last = now
            log.info("configuration files changed, reloading")
            reload()


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


DEFAULT_CONFIG = """\
# Argus's embedded default: scrape Argus itself every 15 seconds, and the services of
# `argus demo` (started beside Argus by `make run`) every 5 seconds. Without the demo
# running, its three targets are simply down.
global:
  scrape_interval: 15s
  evaluation_interval: 15s
scrape_configs:
  - job_name: argus
    static_configs:
      - targets: ["localhost:{port}"]
  - job_name: demo-frontend
    scrape_interval: 5s
    static_configs:
      - targets: ["127.0.0.1:9101"]
  - job_name: demo-checkout
    scrape_interval: 5s
    static_configs:
      - targets: ["127.0.0.1:9102"]
  - job_name: demo-payments
    scrape_interval: 5s
    static_configs:
      - targets: ["127.0.0.1:9103"]
"""


def load_config(args: argparse.Namespace, port: int) -> Config:
    """The config file given by ``--config.file``, or the embedded default."""
    if args.config_file:
        return load_file(args.config_file)
    return load_string(DEFAULT_CONFIG.format(port=port), source="<embedded default>")


async def serve(args: argparse.Namespace) -> None:
    host, port = parse_listen_address(args.listen_address)
    config = load_config(args, port)
    db = DB.open(args.tsdb_path, db_options(args))
    db.start()
    scrape = ScrapeManager(db)
    options = web_options(args)
    notifier = Notifier(notifier_options(args))
    engine = Engine(
        db,
        lookback_ms=options.lookback_ms,
        max_samples=options.max_samples,
        timeout_s=options.query_timeout_s,
    )
    rules = RuleManager(
        appendable=db,
        queryable=db,
        engine=engine,
        notifier=notifier,
        options=rule_options(args, port),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def apply(cfg: Config) -> None:
        # Rules load first: a broken rule file rejects the whole reload before anything
        # else changes, as in Prometheus.
        rules.apply_config(cfg)
        notifier.apply_config(cfg)
        await scrape.apply_config(cfg)

    def reload() -> None:
        """Runs on a worker thread (``/-/reload``); the work happens on the loop."""
        try:
            cfg = load_config(args, port)
        except ConfigError as exc:
            log.error("not reloading: %s", exc)
            raise
        asyncio.run_coroutine_threadsafe(apply(cfg), loop).result()
        log.info("configuration reloaded from %s", cfg.source or "<embedded default>")

    def metrics() -> str:
        return (
            tsdb_metrics(db)
            + scrape.metrics_text()
            + rule_metrics(rules)
            + notifier_metrics(notifier)
        )

    sources = Sources(
        queryable=db,
        metrics=metrics,
        head_info=lambda: _head_info(db),
        admin=_Admin(db),
        targets=lambda: targets_document(scrape),
        scrape_pools=lambda: scrape_pool_names(scrape),
        metadata=lambda: metadata_document(scrape),
        target_metadata=lambda: target_metadata_document(scrape),
        rule_groups=lambda: rule_groups_document(rules),
        alerts=lambda: alerts_document(rules),
        alertmanagers=lambda: (notifier.alertmanagers(), notifier.dropped_alertmanagers()),
        config_yaml=lambda: _config_yaml(args.config_file),
        reloaders=(reload,),
        quit=stop.set,
    )
    app = build_app(sources, options)
    runner = web.AppRunner(app, access_log=None, **handler_args(options))
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    app[READY_KEY]["ready"] = True
    bound = runner.addresses[0] if runner.addresses else (host, port)
    if port == 0 and not args.config_file:
        # An ephemeral port is known only now: point the self-scrape at it.
        config = load_config(args, bound[1])
        port = bound[1]
    await apply(config)
    await notifier.run()
    await rules.run()
    log.info("Argus is ready to receive web requests on %s:%s", bound[0], bound[1])
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def reload_in_background() -> object:
        return loop.run_in_executor(None, _reload_logged, reload)

    loop.add_signal_handler(signal.SIGHUP, reload_in_background)
    watch: asyncio.Task[None] | None = None
    if args.config_file and getattr(args, "compat_config_auto_reload", False):
        interval_s = max(1.0, (getattr(args, "compat_config_auto_reload_interval", 0) or 0) / 1000)
        watch = asyncio.create_task(
            _auto_reload(args.config_file, interval_s, reload_in_background)
        )
    drain = getattr(args, "compat_alertmanager_drain_notification_queue_on_shutdown", True)
    try:
        await stop.wait()
    finally:
        log.info("stopping: scraping, rules, notifications, HTTP server, then storage")
        if watch is not None:
            watch.cancel()
        await scrape.stop()
        await rules.stop()
        await notifier.stop(drain_timeout_s=5.0 if drain else 0.0)
        await runner.cleanup()
        db.close()


def _reload_logged(reload: Callable[[], None]) -> None:
    try:
        reload()
    except Exception as exc:  # noqa: BLE001 - a failed reload keeps the old config
        log.error("reloading configuration failed: %s", exc)


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
