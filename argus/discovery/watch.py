"""Run discoverers for a consumer that only wants "the current groups changed".

The scrape side wires its providers itself (it needs one target set per job); other
consumers, such as the notifier's Alertmanager discovery, need the same plumbing: the
providers of a ``static_configs`` / ``file_sd_configs`` / ``http_sd_configs`` trio, each
feeding a :class:`GroupSet`, and a callback after every batch of updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from argus.config import FileSDConfig, HTTPSDConfig, StaticConfig
from argus.discovery.file import FileDiscoverer
from argus.discovery.http import HTTPDiscoverer
from argus.discovery.provider import Discoverer, GroupSet, TargetGroup
from argus.discovery.static import StaticDiscoverer, static_groups

__all__ = ["GroupWatcher", "providers"]

log = logging.getLogger(__name__)


def providers(
    static_configs: Sequence[StaticConfig] = (),
    file_sd_configs: Sequence[FileSDConfig] = (),
    http_sd_configs: Sequence[HTTPSDConfig] = (),
    *,
    base_dir: str | Path = ".",
    file_sd_poll_interval: float = 5.0,
) -> list[Discoverer]:
    """One discoverer per configured source, static ones folded into one."""
    out: list[Discoverer] = []
    if static_configs:
        out.append(StaticDiscoverer(static_configs))
    out.extend(
        FileDiscoverer(cfg, base_dir, poll_interval=file_sd_poll_interval)
        for cfg in file_sd_configs
    )
    out.extend(HTTPDiscoverer(cfg) for cfg in http_sd_configs)
    return out


class GroupWatcher:
    """Keeps the current groups of several discoverers; calls ``on_change`` after updates.

    :meth:`prime` fills the groups that can be known without waiting (static configs
    and a first read of SD files), so a consumer has its targets as soon as a config is
    applied; :meth:`start` then runs every discoverer in the running event loop and
    calls ``on_change()`` (on the loop) after each coalesced batch of updates.
    """

    def __init__(self, discoverers: Sequence[Discoverer], on_change: Callable[[], None]) -> None:
        self.discoverers = list(discoverers)
        self.on_change = on_change
        self._sets = [GroupSet() for _ in self.discoverers]
        self._tasks: list[asyncio.Task[None]] = []

    def __repr__(self) -> str:
        return f"GroupWatcher({self.discoverers})"

    def prime(self) -> None:
        for disc, groups in zip(self.discoverers, self._sets, strict=True):
            if isinstance(disc, StaticDiscoverer):
                groups.update(static_groups(disc.configs))
            elif isinstance(disc, FileDiscoverer):
                groups.update(disc.refresh(force=True))

    def groups(self) -> list[TargetGroup]:
        """Every current group, discoverer by discoverer, each in source order."""
        return [g for s in self._sets for g in s.groups()]

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    def start(self) -> None:
        if self._tasks:
            return
        for disc, groups in zip(self.discoverers, self._sets, strict=True):
            queue: asyncio.Queue[list[TargetGroup]] = asyncio.Queue()
            self._tasks.append(asyncio.create_task(disc.run(queue)))
            self._tasks.append(asyncio.create_task(self._consume(queue, groups)))

    async def _consume(self, queue: asyncio.Queue[list[TargetGroup]], groups: GroupSet) -> None:
        while True:
            update = await queue.get()
            groups.update(update)
            while not queue.empty():
                groups.update(queue.get_nowait())
            try:
                self.on_change()
            except Exception:  # a consumer bug must not stop discovery
                log.exception("applying discovered groups failed")

    def cancel(self) -> list[asyncio.Task[None]]:
        """Cancel the tasks without waiting; returns them for a caller that can await."""
        tasks, self._tasks = self._tasks, []
        for t in tasks:
            t.cancel()
        return tasks

    async def stop(self) -> None:
        for t in self.cancel():
            with contextlib.suppress(asyncio.CancelledError):
                await t
