"""Alertmanager discovery: one set per ``alerting.alertmanagers[]`` entry.

A set runs that entry's ``static_configs``, ``file_sd_configs`` and ``http_sd_configs``
through :class:`argus.discovery.GroupWatcher` and turns the current groups into
Alertmanager targets (:func:`alertmanager_labels`), deduplicated by URL, plus the
URLs of those dropped by relabelling for ``/api/v1/alertmanagers``. Whenever the
groups change it calls ``on_change`` so the notifier can start and stop senders; a
sender whose target did not change keeps its queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from argus.config import AlertmanagerConfig
from argus.discovery import GroupWatcher, providers
from argus.notify.alertmanager import (
    AlertmanagerTarget,
    alertmanager_labels,
    alertmanager_url,
    target_for,
)
from argus.notify.errors import NotifyError

__all__ = ["AlertmanagerSet"]

log = logging.getLogger("argus.notify")


class AlertmanagerSet:
    """The Alertmanagers of one config entry. Create and use on the event loop."""

    def __init__(
        self,
        cfg: AlertmanagerConfig,
        *,
        base_dir: str | Path = ".",
        file_sd_poll_interval: float = 5.0,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.cfg = cfg
        self.base_dir = Path(base_dir)
        self.on_change = on_change
        self.active: list[AlertmanagerTarget] = []
        self.dropped: list[str] = []
        discoverers = providers(
            cfg.static_configs,
            cfg.file_sd_configs,
            cfg.http_sd_configs,
            base_dir=self.base_dir,
            file_sd_poll_interval=file_sd_poll_interval,
        )
        if cfg.other_sd_configs:
            log.warning(
                "alertmanagers: discoveries %s are not implemented yet",
                sorted(cfg.other_sd_configs),
            )
        self.watcher = GroupWatcher(discoverers, self._changed)
        self.watcher.prime()
        self._resolve()

    def __repr__(self) -> str:
        return f"AlertmanagerSet({[t.url for t in self.active]})"

    def same_config(self, cfg: AlertmanagerConfig, base_dir: str | Path) -> bool:
        return self.cfg == cfg and self.base_dir == Path(base_dir)

    def _resolve(self) -> None:
        active: dict[str, AlertmanagerTarget] = {}
        dropped: list[str] = []
        for group in self.watcher.groups():
            try:
                kept, gone = alertmanager_labels(group, self.cfg)
            except NotifyError as exc:
                log.error("creating discovered Alertmanagers failed: %s", exc)
                continue
            for lb in kept:
                t = target_for(lb, self.cfg)
                active.setdefault(t.url, t)
            dropped.extend(alertmanager_url(lb) for lb in gone)
        self.active = list(active.values())
        self.dropped = dropped

    def _changed(self) -> None:
        self._resolve()
        self.on_change()

    def start(self) -> None:
        self.watcher.start()

    def cancel(self) -> None:
        """Stop discovery without waiting (used when a reload replaces this set)."""
        self.watcher.cancel()

    async def stop(self) -> None:
        await self.watcher.stop()
