"""What every benchmark gets: its scale knobs, a scratch directory, and a logger."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ALL_SYSTEMS", "Context", "day_start_ms"]

ALL_SYSTEMS = ("argus", "prometheus", "victoriametrics")


def day_start_ms(days_ago: int) -> int:
    """Midnight UTC ``days_ago`` days ago, in ms: backfills start there (inside retention)."""
    day = 86_400_000
    return (int(time.time() * 1000) // day - days_ago) * day


@dataclass(slots=True)
class Context:
    workdir: Path
    """Scratch space for this run; each benchmark gets a subdirectory."""
    series: int | None = None
    """Override of the benchmark's series count (None: its default)."""
    hours: float | None = None
    seconds: float | None = None
    seed: int = 42
    systems: tuple[str, ...] = ALL_SYSTEMS
    t0: float = field(default_factory=time.monotonic)

    def dir(self, *parts: str) -> Path:
        p = self.workdir.joinpath(*parts)
        p.mkdir(parents=True, exist_ok=True)
        return p

    def runs(self, system: str) -> bool:
        return system in self.systems

    def log(self, msg: str) -> None:
        print(f"[{time.monotonic() - self.t0:7.1f}s] {msg}", file=sys.stderr, flush=True)
