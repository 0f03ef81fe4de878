"""The scrape manager: one pool per job, one loop per target, fed by discovery.

Lifecycle (the shape every Argus component has): construct with the appendable and
options, ``await apply_config(cfg)`` to start or change jobs, ``await stop()`` to end.
Discovery runs inside the manager: each job's providers send target groups, the pool
turns them into targets (``populate_labels``) and starts or stops loops so that
exactly the current targets are scraped. A target that disappears gets staleness
markers. On reload, a job whose config is unchanged keeps its loops (and their caches
and breakers); a changed job is restarted; a removed job is stopped.

Resilience: every target has a circuit breaker; scrapes pass a per-job bulkhead and
a global one, so one slow job cannot take every connection. Their states are exported
by :meth:`ScrapeManager.metrics_text`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from argus.config import Config, ScrapeConfig
from argus.discovery import GroupWatcher, providers
from argus.model import Labels, now_ms
from argus.resilience import BreakerOptions, Bulkhead, CircuitBreaker, resilience_metrics
from argus.scrape.client import ScrapeClient
from argus.scrape.loop import ScrapeLoop
from argus.scrape.target import Target, TargetError, populate_labels
from argus.storage import Appendable

__all__ = ["DroppedTarget", "ManagerOptions", "ScrapeManager"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ManagerOptions:
    max_concurrent_scrapes: int = 1000
    """Global bulkhead: scrapes in flight across all jobs."""
    max_concurrent_scrapes_per_job: int = 200
    """Per-job bulkhead."""
    breaker: BreakerOptions | None = field(default_factory=BreakerOptions)
    """Per-target circuit breaker options; ``None`` disables breakers."""
    offset_seed: str = ""
    """Mixed into each target's start offset (Prometheus uses the external labels)."""
    file_sd_poll_interval: float = 5.0


@dataclass(frozen=True, slots=True)
class DroppedTarget:
    discovered: Labels
    reason: str


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class _Pool:
    """One job: its client, bulkhead, discoverers and loops."""

    def __init__(self, manager: ScrapeManager, cfg: ScrapeConfig) -> None:
        self.manager = manager
        self.cfg = cfg
        self.client = ScrapeClient(cfg)
        self.bulkhead = Bulkhead(manager.options.max_concurrent_scrapes_per_job, cfg.job_name)
        self.loops: dict[Labels, ScrapeLoop] = {}
        self.breakers: dict[Labels, CircuitBreaker] = {}
        self.dropped: list[DroppedTarget] = []
        self.error = ""
        if cfg.other_sd_configs:
            log.warning(
                "job %s: discoveries %s are not implemented yet",
                cfg.job_name,
                sorted(cfg.other_sd_configs),
            )
        self.watcher = GroupWatcher(
            providers(
                cfg.static_configs,
                cfg.file_sd_configs,
                cfg.http_sd_configs,
                base_dir=manager.base_dir,
                file_sd_poll_interval=manager.options.file_sd_poll_interval,
            ),
            self._changed,
        )
        self._dirty = asyncio.Event()
        self._syncer: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.watcher.start()
        self._syncer = asyncio.create_task(self._sync_on_change(), name=f"sync {self.cfg.job_name}")

    def _changed(self) -> None:
        self._dirty.set()

    async def _sync_on_change(self) -> None:
        """One sync at a time; changes that arrive during a sync cause one more."""
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            await self.sync()

    async def sync(self) -> None:
        wanted: dict[Labels, Target] = {}
        dropped: list[DroppedTarget] = []
        for group in self.watcher.groups():
            for target_labels in group.targets:
                try:
                    labels, discovered = populate_labels(group.labels, target_labels, self.cfg)
                except TargetError as exc:
                    dropped.append(DroppedTarget(Labels((*group.labels, *target_labels)), str(exc)))
                    continue
                if labels is None:
                    dropped.append(DroppedTarget(discovered, "dropped by relabeling"))
                    continue
                wanted.setdefault(labels, Target(labels, discovered, self.cfg))
        self.dropped = dropped
        limit = self.cfg.target_limit
        if limit and len(wanted) > limit:
            self.error = f"target_limit exceeded (number of targets: {len(wanted)}, limit: {limit})"
            wanted = {}
        else:
            self.error = ""
        for labels in [k for k in self.loops if k not in wanted]:
            await self.manager.retire(self.cfg.job_name, labels, self.loops.pop(labels))
            self.breakers.pop(labels, None)
        for labels, target in wanted.items():
            if labels in self.loops:
                continue
            breaker = None
            if self.manager.options.breaker is not None:
                breaker = CircuitBreaker(target.url, self.manager.options.breaker)
                self.breakers[labels] = breaker
            loop = ScrapeLoop(
                target,
                self.manager.appendable,
                self.client,
                breaker=breaker,
                bulkheads=(self.bulkhead, self.manager.bulkhead),
                clock_ms=self.manager.clock_ms,
                offset_seed=self.manager.options.offset_seed,
            )
            retired = self.manager.retired.pop((self.cfg.job_name, labels), None)
            if retired is not None:
                loop.take_over(retired)
            self.loops[labels] = loop
            loop.start()

    async def stop(self, *, shutdown: bool = False) -> None:
        """Stop discovery and loops; loops retire (end-of-run markers) unless shutting down."""
        await self.watcher.stop()
        if self._syncer is not None:
            self._syncer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._syncer
            self._syncer = None
        for labels, loop in self.loops.items():
            if shutdown:
                await loop.stop(write_staleness=False)
            else:
                await self.manager.retire(self.cfg.job_name, labels, loop)
        self.loops.clear()
        await self.client.close()


class ScrapeManager:
    """Scrapes every configured job into ``appendable``. One event loop; not thread-safe."""

    def __init__(
        self,
        appendable: Appendable,
        options: ManagerOptions | None = None,
        *,
        base_dir: str | Path = ".",
        clock_ms: Callable[[], int] = now_ms,
    ) -> None:
        self.appendable = appendable
        self.options = options if options is not None else ManagerOptions()
        self.base_dir = Path(base_dir)
        self.clock_ms = clock_ms
        self.bulkhead = Bulkhead(self.options.max_concurrent_scrapes, "global")
        self._pools: dict[str, _Pool] = {}
        self.retired: dict[tuple[str, Labels], ScrapeLoop] = {}
        """Stopped loops whose end-of-run markers are pending, by job and target labels:
        a loop started for the same target meanwhile takes their series over."""

    def __repr__(self) -> str:
        return f"ScrapeManager(jobs={sorted(self._pools)})"

    async def apply_config(self, cfg: Config) -> None:
        """Start, restart or stop jobs so that they match ``cfg``."""
        if cfg.source:
            self.base_dir = Path(cfg.source).parent
        new = {sc.job_name: sc for sc in cfg.scrape_configs}
        for name in [n for n in self._pools if n not in new or self._pools[n].cfg != new[n]]:
            await self._pools.pop(name).stop()
        for name, sc in new.items():
            if name not in self._pools:
                pool = _Pool(self, sc)
                self._pools[name] = pool
                pool.start()

    async def retire(self, job: str, labels: Labels, loop: ScrapeLoop) -> None:
        """Stop ``loop`` for a target that went away; its markers follow later."""
        await loop.stop()
        if loop.end_of_run is None:
            return
        key = (job, labels)
        self.retired[key] = loop

        def forget(_: asyncio.Task[None]) -> None:
            if self.retired.get(key) is loop:
                del self.retired[key]

        loop.end_of_run.add_done_callback(forget)

    async def stop(self) -> None:
        """Stop every job at shutdown. No staleness markers (Prometheus writes none
        either): after a restart the series continue where they were."""
        for pool in self._pools.values():
            await pool.stop(shutdown=True)
        self._pools.clear()
        for loop in list(self.retired.values()):
            loop.cancel_end_of_run()
            if loop.end_of_run is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await loop.end_of_run
        self.retired.clear()

    def active_targets(self) -> dict[str, list[ScrapeLoop]]:
        return {name: list(p.loops.values()) for name, p in sorted(self._pools.items())}

    def dropped_targets(self) -> dict[str, list[DroppedTarget]]:
        return {name: list(p.dropped) for name, p in sorted(self._pools.items())}

    def metrics_text(self) -> str:
        """Breaker and bulkhead states, plus scrape failures by kind, as exposition text."""
        breakers = [b.snapshot() for p in self._pools.values() for b in p.breakers.values()]
        bulkheads = [self.bulkhead.snapshot()] + [
            p.bulkhead.snapshot() for p in self._pools.values()
        ]
        lines = [
            "# HELP argus_scrape_failures_total Failed scrapes by job and kind of failure.\n",
            "# TYPE argus_scrape_failures_total counter\n",
        ]
        extra: dict[str, list[str]] = {"duplicate": [], "rejected": []}
        for name, pool in sorted(self._pools.items()):
            totals: dict[str, int] = {}
            for loop in pool.loops.values():
                for kind, n in loop.failures_by_kind.items():
                    totals[kind] = totals.get(kind, 0) + n
            lines += [
                f"argus_scrape_failures_total{{job={_quote(name)},kind={_quote(kind)}}} {n}\n"
                for kind, n in sorted(totals.items())
            ]
            job = f"{{job={_quote(name)}}}"
            dup = sum(loop.duplicates_total for loop in pool.loops.values())
            rej = sum(loop.rejected_total for loop in pool.loops.values())
            extra["duplicate"].append(f"argus_scrape_duplicate_samples_total{job} {dup}\n")
            extra["rejected"].append(f"argus_scrape_rejected_samples_total{job} {rej}\n")
        lines += [
            "# HELP argus_scrape_duplicate_samples_total Samples of a series seen twice "
            "in one scrape (the first is kept).\n",
            "# TYPE argus_scrape_duplicate_samples_total counter\n",
            *extra["duplicate"],
            "# HELP argus_scrape_rejected_samples_total Samples storage refused "
            "(out of order, duplicate timestamp).\n",
            "# TYPE argus_scrape_rejected_samples_total counter\n",
            *extra["rejected"],
        ]
        return resilience_metrics(breakers, bulkheads) + "".join(lines)
