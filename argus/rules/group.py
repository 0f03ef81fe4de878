"""A rule group: its rules evaluated in order, on a schedule, with their outputs stored.

Each evaluation at ``t`` runs the rules one after another and commits each rule's
output before the next runs, so a rule may use the series an earlier rule of the same
group just recorded (Prometheus's documented ordering guarantee). When no rule of the
group reads another's output (:mod:`argus.rules.deps`), the outputs are stored with one
commit at the end instead: no rule can tell the difference, and a group of 100 rules
makes one WAL write instead of 100. A series a rule produced last time but not this
time gets a staleness marker at ``t``, so queries stop seeing it at once instead of
after the 5-minute lookback.

Scheduling follows Prometheus's ``Group.run``: the group's phase within its interval
is ``xxhash({file, name}) % interval``, so the same group fires at the same offsets as
in Prometheus; missed ticks (an evaluation longer than the interval) are counted, not
queued up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from argus.model import STALE_NAN, Labels, now_ms
from argus.rules.alerting import Alert, AlertingRule
from argus.rules.deps import can_commit_once
from argus.rules.errors import RuleError
from argus.rules.recording import RecordingRule
from argus.rules.rule import EvalSample, QueryFunc
from argus.rules.xxhash import labels_hash
from argus.storage import Appendable, StorageError

__all__ = ["Group", "GroupMetrics", "Rule", "SendAlerts"]

log = logging.getLogger("argus.rules")

Rule = RecordingRule | AlertingRule
SendAlerts = Callable[[AlertingRule, list[Alert]], None]
"""Called on the event loop with the alerts of one rule that are due for sending."""


@dataclass(slots=True)
class GroupMetrics:
    """Counters and gauges of one group, exported under Prometheus's metric names."""

    iterations_total: int = 0
    iterations_missed_total: int = 0
    evaluations_total: int = 0
    evaluation_failures_total: int = 0
    eval_seconds_sum: float = 0.0
    rule_eval_seconds_sum: float = 0.0
    last_duration_seconds: float = 0.0
    last_evaluation_ms: int = 0
    last_evaluation_samples: int = 0
    last_restore_duration_seconds: float = 0.0
    samples_rejected_total: int = 0


@dataclass(slots=True)
class _Batch:
    """Outputs of one evaluation waiting for the group's single commit."""

    labels: list[Labels] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    rules: list[int] = field(default_factory=list)
    currents: list[set[Labels]] = field(default_factory=list)

    def add(
        self, index: int, labels: list[Labels], values: list[float], current: set[Labels]
    ) -> None:
        self.labels += labels
        self.values += values
        self.rules.append(index)
        self.currents.append(current)


class Group:
    """One group of rules. ``eval`` is synchronous; ``run`` schedules it."""

    def __init__(
        self,
        name: str,
        file: str,
        rules: Sequence[Rule],
        *,
        interval_ms: int,
        appendable: Appendable,
        query: QueryFunc,
        query_offset_ms: int = 0,
        limit: int = 0,
        resend_delay_ms: int = 60_000,
        send_alerts: SendAlerts | None = None,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        if interval_ms <= 0:
            raise ValueError("group interval must be positive")
        self.name = name
        self.file = file
        self.rules = list(rules)
        self.interval_ms = interval_ms
        self.query_offset_ms = query_offset_ms
        self.limit = limit
        self.resend_delay_ms = resend_delay_ms
        self.appendable = appendable
        self.query = query
        self.send_alerts = send_alerts
        self.clock = clock
        self.metrics = GroupMetrics()
        self._previous: list[set[Labels]] = [set() for _ in self.rules]
        self.commit_once = can_commit_once(self.rules)
        """Store all outputs of an evaluation in one commit (no rule reads another's)."""
        self._stopping = asyncio.Event()
        self.should_restore = False

    def __repr__(self) -> str:
        return f"Group({self.file!r}, {self.name!r}, rules={len(self.rules)})"

    @property
    def key(self) -> tuple[str, str]:
        return (self.file, self.name)

    @property
    def metric_label(self) -> str:
        """The ``rule_group`` label value Prometheus uses: ``FILE;NAME``."""
        return f"{self.file};{self.name}"

    def alerting_rules(self) -> list[AlertingRule]:
        return [r for r in self.rules if isinstance(r, AlertingRule)]

    # -- scheduling
    def offset_ms(self) -> int:
        """This group's phase within its interval, in ms (Prometheus's hash, in ns)."""
        h = labels_hash([("file", self.file), ("name", self.name)])
        return (h % (self.interval_ms * 1_000_000)) // 1_000_000

    def eval_timestamp(self, t_ms: int) -> int:
        """The latest scheduled evaluation time at or before ``t_ms``."""
        offset = self.offset_ms()
        adjusted = t_ms - offset
        return adjusted - adjusted % self.interval_ms + offset

    async def run(self, *, on_first_eval: Callable[[Group, int], None] | None = None) -> None:
        """Evaluate at every scheduled tick until :meth:`stop`.

        The first evaluation is at the first tick after now, as in Prometheus.
        ``on_first_eval`` runs after it (the manager restores ``for`` state there).
        """
        next_ms = self.eval_timestamp(self.clock()) + self.interval_ms
        first = True
        while not self._stopping.is_set():
            delay = max(0.0, (next_ms - self.clock()) / 1000)
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=delay)
                return
            except TimeoutError:
                pass
            to_send = await asyncio.to_thread(self.eval, next_ms)
            self._send(to_send)
            if first and on_first_eval is not None:
                on_first_eval(self, next_ms)
            first = False
            # Ticks that came due while evaluating: run the latest at once, count the
            # others as missed (Prometheus's ticker semantics).
            due = (self.clock() - next_ms) // self.interval_ms
            if due >= 2:
                self.metrics.iterations_missed_total += due - 1
                self.metrics.iterations_total += due - 1
            next_ms += max(1, due) * self.interval_ms

    def stop(self) -> None:
        self._stopping.set()

    def _send(self, to_send: list[tuple[AlertingRule, list[Alert]]]) -> None:
        if self.send_alerts is None:
            return
        for rule, alerts in to_send:
            if alerts:
                self.send_alerts(rule, alerts)

    # -- evaluation
    def eval(self, t_ms: int) -> list[tuple[AlertingRule, list[Alert]]]:
        """Evaluate every rule at ``t_ms`` and store the results; returns alerts to send.

        Rule failures are recorded on the rule and counted, never raised: the other
        rules still run, as in Prometheus.
        """
        start = time.perf_counter()
        samples_total = 0
        to_send: list[tuple[AlertingRule, list[Alert]]] = []
        batch = _Batch() if self.commit_once else None
        for i, rule in enumerate(self.rules):
            rule_start = time.perf_counter()
            self.metrics.evaluations_total += 1
            try:
                out = rule.eval(t_ms, self.query_offset_ms, self.query, self.limit)
            except RuleError as exc:
                self.metrics.evaluation_failures_total += 1
                rule.status.record(t_ms, time.perf_counter() - rule_start, str(exc))
                log.warning("evaluating rule %r of group %r failed: %s", rule.name, self.name, exc)
                out = None
            if isinstance(rule, AlertingRule):
                sent = rule.alerts_to_send(t_ms, self.resend_delay_ms, self.interval_ms)
                to_send.append((rule, sent))
            if out is None:
                continue
            samples_total += len(out)
            labels, values, current = self._outputs(i, out)
            if batch is not None:
                batch.add(i, labels, values, current)
                rule.status.record(t_ms, time.perf_counter() - rule_start)
                continue
            try:
                if labels:
                    self._append(labels, t_ms, values)
            except StorageError as exc:
                self.metrics.evaluation_failures_total += 1
                rule.status.record(t_ms, time.perf_counter() - rule_start, str(exc))
                log.warning("storing the output of rule %r failed: %s", rule.name, exc)
                continue
            self._previous[i] = current
            rule.status.record(t_ms, time.perf_counter() - rule_start)
        if batch is not None:
            self._commit_batch(batch, t_ms)
        elapsed = time.perf_counter() - start
        m = self.metrics
        m.rule_eval_seconds_sum += sum(r.status.evaluation_seconds for r in self.rules)
        m.iterations_total += 1
        m.eval_seconds_sum += elapsed
        m.last_duration_seconds = elapsed
        m.last_evaluation_ms = t_ms
        m.last_evaluation_samples = samples_total
        return to_send

    def _outputs(
        self, index: int, out: list[EvalSample]
    ) -> tuple[list[Labels], list[float], set[Labels]]:
        """Samples to store for one rule: its output, then stale markers for series it
        wrote last time but not now; and the set to remember for next time."""
        current = {lb for lb, _ in out}
        stale = [lb for lb in self._previous[index] if lb not in current]
        labels = [lb for lb, _ in out] + stale
        values = [v for _, v in out] + [STALE_NAN] * len(stale)
        return labels, values, current

    def _commit_batch(self, batch: _Batch, t_ms: int) -> None:
        try:
            if batch.labels:
                self._append(batch.labels, t_ms, batch.values)
        except StorageError as exc:
            # Nothing of this evaluation was stored: every rule with output failed.
            for i in batch.rules:
                rule = self.rules[i]
                self.metrics.evaluation_failures_total += 1
                rule.status.record(t_ms, rule.status.evaluation_seconds, str(exc))
            log.warning("storing the outputs of group %r failed: %s", self.name, exc)
            return
        for i, current in zip(batch.rules, batch.currents, strict=True):
            self._previous[i] = current

    def _append(self, labels: list[Labels], t_ms: int, values: list[float]) -> None:
        app = self.appendable.appender()
        try:
            refs = app.series_refs(labels)
            app.append(
                refs,
                np.full(len(labels), t_ms, dtype=np.int64),
                np.asarray(values, dtype=np.float64),
            )
            result = app.commit()
        except BaseException:
            app.rollback()
            raise
        self.metrics.samples_rejected_total += result.num_rejected

    def mark_stale(self, t_ms: int) -> None:
        """Staleness markers for everything this group wrote last (it is being removed)."""
        labels = [lb for prev in self._previous for lb in prev]
        if labels:
            try:
                self._append(labels, t_ms, [STALE_NAN] * len(labels))
            except StorageError as exc:
                log.warning("writing stale markers for group %r failed: %s", self.name, exc)
        self._previous = [set() for _ in self.rules]

    def copy_state_from(self, old: Group) -> None:
        """Carry alerts and staleness bookkeeping over a reload, rule by rule.

        Rules are matched by kind, name and labels (the first unused match wins, so
        duplicates pair up in order), which is how Prometheus's ``CopyState`` keeps
        ``for`` timers running across a reload that did not change a rule.
        """
        pool: dict[tuple[str, str, Labels], list[int]] = {}
        for j, rule in enumerate(old.rules):
            pool.setdefault(rule.identity(), []).append(j)
        for i, rule in enumerate(self.rules):
            candidates = pool.get(rule.identity())
            if not candidates:
                continue
            j = candidates.pop(0)
            old_rule = old.rules[j]
            self._previous[i] = old._previous[j]
            rule.status = old_rule.status
            if isinstance(rule, AlertingRule) and isinstance(old_rule, AlertingRule):
                rule.active = old_rule.active
                rule.restored = old_rule.restored
        self.metrics = old.metrics
        self.should_restore = False
