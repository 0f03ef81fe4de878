"""``static_configs``: targets written in the config file, sent once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from argus.config import StaticConfig
from argus.discovery.provider import TargetGroup
from argus.model import Labels

__all__ = ["StaticDiscoverer", "static_groups"]


def static_groups(configs: Sequence[StaticConfig]) -> list[TargetGroup]:
    """One group per ``static_configs`` entry, sources ``"0"``, ``"1"``… as Prometheus."""
    return [
        TargetGroup(
            source=str(i),
            targets=tuple(Labels.of(__address__=t) for t in sc.targets),
            labels=sc.labels,
        )
        for i, sc in enumerate(configs)
    ]


class StaticDiscoverer:
    def __init__(self, configs: Sequence[StaticConfig]) -> None:
        self.configs = tuple(configs)

    def __repr__(self) -> str:
        return f"StaticDiscoverer({len(self.configs)} groups)"

    async def run(self, updates: asyncio.Queue[list[TargetGroup]]) -> None:
        await updates.put(static_groups(self.configs))
