"""The rule manager: load rule files, run their groups, reload without losing state.

Lifecycle (the same shape as every Argus component)::

    m = RuleManager(appendable=db, queryable=db, engine=engine, notifier=notifier)
    m.apply_config(cfg)      # load rule_files; on any error raise and keep the old rules
    await m.run()            # one task per group
    m.apply_config(new_cfg)  # reload: unchanged rules keep their alerts and timers
    await m.stop()

A reload builds the new groups first and only swaps them in when every file loaded,
so a typo in one file leaves all rules running as before. Rules that survive a reload
(same group, kind, name and labels) carry their active alerts over, so ``for`` timers
and firing alerts are not reset; removed groups get staleness markers for the series
they wrote. ``for`` state is restored from storage only for the groups loaded at
startup, after their first evaluation (see :mod:`argus.rules.restore`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from argus.config import Config
from argus.model import Labels, now_ms
from argus.notify import Alert as Notification
from argus.promql import Engine
from argus.rules.alerting import Alert, AlertingRule
from argus.rules.build import build_group
from argus.rules.errors import RuleFileError
from argus.rules.group import Group, Rule
from argus.rules.load import GroupSpec, expand_rule_files, load_rule_file
from argus.rules.restore import restore_for_state
from argus.rules.rule import QueryFunc, engine_query_func
from argus.storage import Appendable, Queryable

__all__ = ["AlertSender", "ManagerOptions", "RuleManager"]

log = logging.getLogger("argus.rules")


class AlertSender(Protocol):
    """What the manager needs from the notifier: a non-blocking ``send``."""

    def send(self, alerts: Sequence[Notification]) -> None: ...


@dataclass(frozen=True, slots=True)
class ManagerOptions:
    """Prometheus's flags: ``--rules.alert.resend-delay``, ``…for-outage-tolerance``,
    ``…for-grace-period``; the global defaults come from ``apply_config``."""

    resend_delay_ms: int = 60_000
    outage_tolerance_ms: int = 3_600_000
    for_grace_period_ms: int = 600_000
    evaluation_interval_ms: int = 60_000
    query_offset_ms: int = 0
    external_labels: Labels = field(default_factory=Labels)
    external_url: str = ""


class RuleManager:
    """Owns the rule groups. Use from one event loop; evaluation runs in threads."""

    def __init__(
        self,
        *,
        appendable: Appendable,
        queryable: Queryable,
        engine: Engine | None = None,
        query: QueryFunc | None = None,
        notifier: AlertSender | None = None,
        options: ManagerOptions | None = None,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.appendable = appendable
        self.queryable = queryable
        if query is None:
            query = engine_query_func(engine if engine is not None else Engine(queryable))
        self.query = query
        self.notifier = notifier
        self.options = options or ManagerOptions()
        self.clock = clock
        self._groups: dict[tuple[str, str], Group] = {}
        self._tasks: dict[tuple[str, str], tuple[Group, asyncio.Task[None]]] = {}
        self._retired: set[asyncio.Task[None]] = set()
        self._loaded_once = False
        self._running = False

    def __repr__(self) -> str:
        return f"RuleManager(groups={len(self._groups)}, running={self._running})"

    # -- configuration
    def apply_config(self, cfg: Config) -> None:
        """Load ``cfg.rule_files`` (globs relative to the config file) and the globals."""
        base = os.path.dirname(cfg.source) if getattr(cfg, "source", "") else ""
        files = expand_rule_files(cfg.rule_files, base)
        g = cfg.global_
        self.options = ManagerOptions(
            resend_delay_ms=self.options.resend_delay_ms,
            outage_tolerance_ms=self.options.outage_tolerance_ms,
            for_grace_period_ms=self.options.for_grace_period_ms,
            evaluation_interval_ms=g.evaluation_interval,
            query_offset_ms=g.rule_query_offset,
            external_labels=g.external_labels,
            external_url=self.options.external_url,
        )
        self.update(files)

    def update(self, files: Sequence[str]) -> None:
        """Replace the groups with those in ``files``; :class:`RuleFileError` keeps the old.

        All files are read and validated before anything changes; the error lists the
        problems of every bad file.
        """
        specs: list[GroupSpec] = []
        problems: list[str] = []
        for path in files:
            try:
                specs.extend(load_rule_file(path))
            except RuleFileError as exc:
                problems.extend(f"{exc.path}: {p}" for p in exc.problems)
        if problems:
            raise RuleFileError(", ".join(files), problems)
        first_load = not self._loaded_once
        new: dict[tuple[str, str], Group] = {}
        for spec in specs:
            group = self._build(spec, restore=first_load)
            old = self._groups.get(group.key)
            if old is not None:
                group.copy_state_from(old)
            new[group.key] = group
        now = self.clock()
        for key, old in self._groups.items():
            old.stop()
            if key not in new:
                old.mark_stale(now)
        self._groups = new
        self._loaded_once = True
        if self._running:
            self._start_all()

    def _build(self, spec: GroupSpec, *, restore: bool) -> Group:
        o = self.options
        group = build_group(
            spec,
            default_interval_ms=o.evaluation_interval_ms,
            default_query_offset_ms=o.query_offset_ms,
            appendable=self.appendable,
            query=self.query,
            external_labels=o.external_labels,
            external_url=o.external_url,
            restored=not restore,
            resend_delay_ms=o.resend_delay_ms,
            send_alerts=self._send_alerts,
            clock=self.clock,
        )
        group.should_restore = restore and bool(group.alerting_rules())
        if restore and not group.should_restore:
            for rule in group.alerting_rules():
                rule.restored = True
        return group

    # -- notification
    def _send_alerts(self, rule: AlertingRule, alerts: list[Alert]) -> None:
        if self.notifier is None or not alerts:
            return
        url = self.options.external_url.rstrip("/") + rule.generator_path()
        self.notifier.send(
            [
                Notification(
                    labels=a.labels,
                    annotations=a.annotations,
                    starts_at_ms=a.fired_at_ms,
                    ends_at_ms=a.resolved_at_ms or a.valid_until_ms,
                    generator_url=url,
                )
                for a in alerts
            ]
        )

    def _after_first_eval(self, group: Group, t_ms: int) -> None:
        if not group.should_restore:
            return
        start = time.perf_counter()
        n = restore_for_state(
            group,
            self.clock(),
            self.queryable,
            outage_tolerance_ms=self.options.outage_tolerance_ms,
            for_grace_period_ms=self.options.for_grace_period_ms,
        )
        group.metrics.last_restore_duration_seconds = time.perf_counter() - start
        group.should_restore = False
        if n:
            log.info("restored 'for' state of %d alerts in group %r", n, group.name)

    # -- lifecycle
    async def run(self) -> None:
        """Start every group's schedule; returns at once."""
        self._running = True
        self._start_all()

    def _start_all(self) -> None:
        for key, group in self._groups.items():
            current = self._tasks.get(key)
            if current is not None and current[0] is group and not current[1].done():
                continue
            if current is not None:
                self._retired.add(current[1])
            task = asyncio.create_task(group.run(on_first_eval=self._after_first_eval))
            self._tasks[key] = (group, task)
        for key in list(self._tasks):
            if key not in self._groups:
                self._retired.add(self._tasks.pop(key)[1])

    async def stop(self) -> None:
        """Stop all groups and wait for evaluations in flight to finish."""
        self._running = False
        for group in self._groups.values():
            group.stop()
        tasks = [t for _, t in self._tasks.values()] + list(self._retired)
        self._tasks.clear()
        self._retired.clear()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- observation (API and metrics)
    def groups(self) -> list[Group]:
        """Groups in file order, then name order, as ``/api/v1/rules`` lists them."""
        return sorted(self._groups.values(), key=lambda g: (g.file, g.name))

    def rules(self) -> list[Rule]:
        return [r for g in self.groups() for r in g.rules]

    def alerting_rules(self) -> list[AlertingRule]:
        return [r for g in self.groups() for r in g.alerting_rules()]
