"""The contract between service discovery and its consumers (scrape, notify).

A :class:`Discoverer` watches one source of targets and sends :class:`TargetGroup`
lists on a queue. Each group has a ``source`` key unique within its discoverer; a later
group with the same source replaces the earlier one, and a group with no targets
deletes it (Prometheus's ``targetgroup.Group`` semantics). Target labels carry
``__address__`` and the provider's ``__meta_<provider>_*`` labels, named as in
Prometheus so relabel configs written for it carry over.

Writing a provider: implement ``run(updates)`` as a coroutine that sends the full
current state first, then changes, until cancelled. It must not raise on a bad source
(log it, keep the last good groups); cancellation is the only way it ends, except for
providers with nothing to watch (static), which may return after the first send.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from argus.model import Labels

__all__ = ["Discoverer", "GroupSet", "TargetGroup"]


@dataclass(frozen=True, slots=True)
class TargetGroup:
    """Targets sharing labels, identified by ``source`` within one discoverer."""

    source: str
    targets: tuple[Labels, ...] = ()
    labels: Labels = field(default_factory=Labels)

    def __repr__(self) -> str:
        addresses = [t.get("__address__") for t in self.targets]
        return f"TargetGroup({self.source!r}, {addresses}, {self.labels!r})"


@runtime_checkable
class Discoverer(Protocol):
    async def run(self, updates: asyncio.Queue[list[TargetGroup]]) -> None:
        """Send the current groups, then every change, until cancelled."""
        ...


class GroupSet:
    """The current groups of one discoverer, updated by source (empty group deletes)."""

    def __init__(self) -> None:
        self._groups: dict[str, TargetGroup] = {}

    def update(self, groups: list[TargetGroup]) -> None:
        for g in groups:
            if g.targets:
                self._groups[g.source] = g
            else:
                self._groups.pop(g.source, None)

    def groups(self) -> list[TargetGroup]:
        return [self._groups[s] for s in sorted(self._groups)]
