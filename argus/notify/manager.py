"""The notifier: queue alerts, batch them, deliver to every Alertmanager, survive outages.

Flow::

    alertmanagers[] ──static/file/http SD, relabel_configs──▶ AlertmanagerSet per entry
                                                                  │ (targets by URL)
    send(alerts)  ──external labels, alert_relabel_configs──▶ one queue per Alertmanager
                                                                  │ (bounded, drop oldest)
    per Alertmanager: sender task ── circuit breaker ── POST batch ── retry with backoff

:meth:`Notifier.send` only appends to in-memory queues, so rule evaluation never
waits for an Alertmanager. Each Alertmanager has its own queue and sender, so a slow or
dead one delays nobody else. A batch leaves its queue only after a 2xx answer: while an
Alertmanager is down its alerts wait (retried with exponential backoff, and not
hammered while its breaker is open), and when it comes back it receives all of them,
unless more than ``queue_capacity`` arrived meanwhile, in which case the oldest are
dropped and counted in ``prometheus_notifications_dropped_total``. (Prometheus drops a
batch that no Alertmanager accepted; since firing alerts are re-sent every
``resend_delay`` the newest state wins either way, but keeping them means a resolve
sent during an outage is not lost.) A 4xx answer means the batch itself is bad:
it is dropped and counted, not retried forever.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from argus.config import Config
from argus.model import Labels
from argus.model.relabel import RelabelConfig, relabel
from argus.notify.alert import Alert
from argus.notify.alertmanager import AlertmanagerTarget, post_alerts
from argus.notify.discovery import AlertmanagerSet
from argus.notify.errors import SendError
from argus.resilience import BreakerOptions, BreakerSnapshot, CircuitBreaker

__all__ = ["Notifier", "NotifierOptions", "SenderStats"]

log = logging.getLogger("argus.notify")

PostFunc = Callable[[aiohttp.ClientSession, AlertmanagerTarget, bytes], Awaitable[None]]
"""Delivers one batch or raises :class:`SendError`; tests pass a fake here."""


@dataclass(frozen=True, slots=True)
class NotifierOptions:
    """``queue_capacity`` is per Alertmanager (Prometheus's flag, default 10000).

    ``max_batch`` alerts go in one POST; failed POSTs are retried after
    ``retry_initial_s`` doubling up to ``retry_max_s``.
    """

    queue_capacity: int = 10_000
    max_batch: int = 256
    retry_initial_s: float = 0.5
    retry_max_s: float = 30.0
    breaker: BreakerOptions = field(
        default_factory=lambda: BreakerOptions(
            window=60.0, buckets=6, min_requests=3, error_threshold=0.5, sleep_window=10.0
        )
    )
    file_sd_poll_interval_s: float = 5.0
    """How often ``file_sd_configs`` files of Alertmanagers are checked for changes."""


@dataclass(slots=True)
class SenderStats:
    """Per-Alertmanager counters, exported with ``alertmanager="URL"``."""

    sent_total: int = 0
    errors_total: int = 0
    dropped_total: int = 0
    latency_sum_s: float = 0.0
    latency_count: int = 0


class _Sender:
    """One Alertmanager's queue and the task that drains it."""

    def __init__(
        self,
        target: AlertmanagerTarget,
        options: NotifierOptions,
        post: PostFunc,
    ) -> None:
        self.target = target
        self.options = options
        self.queue: deque[tuple[int, Alert]] = deque()
        self._seq = 0
        self.stats = SenderStats()
        self.breaker = CircuitBreaker(target.url, options.breaker)
        self.wakeup = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self._post = post

    def enqueue(self, alerts: Sequence[Alert]) -> int:
        """Queue alerts (after this Alertmanager's relabelling); returns how many dropped."""
        dropped = 0
        for a in alerts:
            if self.target.alert_relabel_configs:
                lb = relabel(a.labels, self.target.alert_relabel_configs)
                if lb is None:
                    continue
                a = a.with_labels(lb)
            if len(self.queue) >= self.options.queue_capacity:
                self.queue.popleft()
                dropped += 1
            self._seq += 1
            self.queue.append((self._seq, a))
        self.stats.dropped_total += dropped
        self.wakeup.set()
        return dropped

    async def run(self, session: aiohttp.ClientSession) -> None:
        backoff = self.options.retry_initial_s
        while True:
            if not self.queue:
                self.wakeup.clear()
                await self.wakeup.wait()
                continue
            if not self.breaker.allow():
                await asyncio.sleep(max(self.breaker.retry_after(), 0.05))
                continue
            batch = [a for _, a in itertools.islice(self.queue, self.options.max_batch)]
            last_seq = self.queue[len(batch) - 1][0]
            body = json.dumps([a.to_v2() for a in batch]).encode()
            start = time.perf_counter()
            try:
                await self._post(session, self.target, body)
            except SendError as exc:
                self.stats.errors_total += 1
                self.breaker.record_failure()
                if not exc.retryable:
                    log.error("Alertmanager rejected %d alerts, dropping them: %s", len(batch), exc)
                    self._remove(last_seq)
                    self.stats.dropped_total += len(batch)
                    continue
                log.warning("sending %d alerts failed, will retry: %s", len(batch), exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.options.retry_max_s)
                continue
            finally:
                self.stats.latency_sum_s += time.perf_counter() - start
                self.stats.latency_count += 1
            self.breaker.record_success()
            self.stats.sent_total += len(batch)
            self._remove(last_seq)
            backoff = self.options.retry_initial_s

    def _remove(self, last_seq: int) -> None:
        """Drop the sent batch from the queue head; overflow may have dropped some already."""
        while self.queue and self.queue[0][0] <= last_seq:
            self.queue.popleft()


class Notifier:
    """Sends alerts to the configured Alertmanagers. Use from one event loop."""

    def __init__(
        self,
        options: NotifierOptions | None = None,
        *,
        post: PostFunc = post_alerts,
    ) -> None:
        self.options = options or NotifierOptions()
        self.external_labels = Labels()
        self.relabel_configs: tuple[RelabelConfig, ...] = ()
        self._senders: dict[str, _Sender] = {}
        self._sets: list[AlertmanagerSet] = []
        self._manual: list[AlertmanagerTarget] = []
        self._post = post
        self._session: aiohttp.ClientSession | None = None
        self.dropped_total = 0
        """Alerts dropped for want of any Alertmanager; queues count their own drops."""

    def __repr__(self) -> str:
        return f"Notifier(alertmanagers={list(self._senders)})"

    # -- configuration
    def apply_config(self, cfg: Config) -> None:
        """Take external labels, relabelling and Alertmanager discovery from ``cfg``.

        Each ``alertmanagers[]`` entry is a discovery set; an entry whose config did
        not change keeps its set (and its discovered targets) as in Prometheus. Static
        targets and SD files are read at once; file and HTTP SD then keep updating the
        targets while the notifier runs. Unchanged targets keep their queues.
        """
        base_dir = Path(cfg.source).parent if cfg.source else Path(".")
        old = self._sets
        sets: list[AlertmanagerSet] = []
        for i, am in enumerate(cfg.alerting.alertmanagers):
            if i < len(old) and old[i].same_config(am, base_dir):
                sets.append(old[i])
                continue
            sets.append(
                AlertmanagerSet(
                    am,
                    base_dir=base_dir,
                    file_sd_poll_interval=self.options.file_sd_poll_interval_s,
                    on_change=self._sync,
                )
            )
        for s in old:
            if not any(s is n for n in sets):
                s.cancel()
        self._sets = sets
        self._manual = []
        self.external_labels = cfg.global_.external_labels
        self.relabel_configs = tuple(cfg.alerting.alert_relabel_configs)
        self._sync()
        if self._session is not None:
            for am_set in self._sets:
                am_set.start()

    def set_targets(
        self,
        targets: Sequence[AlertmanagerTarget],
        *,
        external_labels: Labels | None = None,
        relabel_configs: Sequence[RelabelConfig] = (),
    ) -> None:
        """Send to exactly ``targets`` (no discovery); for embedding and tests."""
        for s in self._sets:
            s.cancel()
        self._sets = []
        self._manual = list(targets)
        self.external_labels = external_labels if external_labels is not None else Labels()
        self.relabel_configs = tuple(relabel_configs)
        self._sync()

    def _sync(self) -> None:
        """Match the senders to the discovered targets (first of a URL wins)."""
        targets: dict[str, AlertmanagerTarget] = {}
        for t in [*self._manual, *(t for s in self._sets for t in s.active)]:
            targets.setdefault(t.url, t)
        new: dict[str, _Sender] = {}
        for t in targets.values():
            old = self._senders.get(t.url)
            if old is not None and old.target == t:
                new[t.url] = old
                continue
            sender = _Sender(t, self.options, self._post)
            if old is not None:
                sender.queue = old.queue
                sender.stats = old.stats
            new[t.url] = sender
        for url, sender in self._senders.items():
            if new.get(url) is not sender and sender.task is not None:
                sender.task.cancel()
        if list(new) != list(self._senders):
            log.info("Alertmanagers: %s", list(new) or "none")
        self._senders = new
        if self._session is not None:
            self._start_senders()

    def alertmanagers(self) -> list[str]:
        """URLs of the active Alertmanagers."""
        return list(self._senders)

    def dropped_alertmanagers(self) -> list[str]:
        """URLs (before relabelling) of discovered Alertmanagers that relabelling dropped."""
        return [url for s in self._sets for url in s.dropped]

    # -- sending
    def send(self, alerts: Sequence[Alert]) -> None:
        """Queue alerts for every Alertmanager; never blocks, never raises on delivery."""
        prepared: list[Alert] = []
        for a in alerts:
            lb = dict(a.labels)
            for name, value in self.external_labels:
                lb.setdefault(name, value)
            labels: Labels | None = Labels(lb.items())
            if self.relabel_configs and labels is not None:
                labels = relabel(labels, self.relabel_configs)
            if labels is not None and len(labels) > 0:
                prepared.append(a.with_labels(labels))
        if not prepared:
            return
        if not self._senders:
            self.dropped_total += len(prepared)
            return
        for sender in self._senders.values():
            sender.enqueue(prepared)

    # -- lifecycle
    async def run(self) -> None:
        """Start the senders; returns at once (they run until :meth:`stop`)."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        self._start_senders()
        for am_set in self._sets:
            am_set.start()

    def _start_senders(self) -> None:
        assert self._session is not None
        for sender in self._senders.values():
            if sender.task is None or sender.task.done():
                sender.task = asyncio.create_task(sender.run(self._session))

    async def drain(self, timeout_s: float) -> bool:
        """Wait until every queue is empty (or ``timeout_s``); True if all drained."""
        deadline = time.monotonic() + timeout_s
        while any(s.queue for s in self._senders.values()):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def stop(self, drain_timeout_s: float = 0.0) -> None:
        """Stop senders, after trying to flush queued alerts for up to ``drain_timeout_s``."""
        for am_set in self._sets:
            await am_set.stop()
        if drain_timeout_s > 0:
            await self.drain(drain_timeout_s)
        tasks = [s.task for s in self._senders.values() if s.task is not None]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for s in self._senders.values():
            s.task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- observation
    def queue_length(self) -> int:
        return sum(len(s.queue) for s in self._senders.values())

    def stats(self) -> dict[str, SenderStats]:
        return {url: s.stats for url, s in self._senders.items()}

    def breakers(self) -> list[BreakerSnapshot]:
        return [s.breaker.snapshot() for s in self._senders.values()]
