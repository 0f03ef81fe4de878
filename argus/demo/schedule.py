"""The demo's weather: a repeating cycle of healthy, slow, failing and down phases.

With the default 4-minute cycle and the embedded config's 5 s scrape interval, the
``down`` phase (75 s) is long enough for Argus's circuit breaker on the payments target
to open (about 30 s in, once half the breaker's 60 s window failed), to probe and open
again, and to close on the first probe after payments is back.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["DEFAULT_CYCLE_S", "Phase", "Schedule"]

DEFAULT_CYCLE_S = 240.0


class Phase(enum.Enum):
    """Values are the ``phase`` label values of the ``demo_phase`` gauge."""

    HEALTHY = "healthy"
    """Fast answers, rare errors."""
    SLOW = "slow"
    """Payments takes 0.3-1.5 s; checkout's 1 s timeout turns some orders into 504s."""
    FAILING = "failing"
    """Payments fails most charges with 500; checkout's breaker to payments opens."""
    DOWN = "down"
    """Payments stops listening: its ``/metrics`` is gone and its target goes down."""


# Each phase's share of the cycle, in order (90 s, 45 s, 30 s and 75 s of 240 s).
_SHARES = ((Phase.HEALTHY, 90.0), (Phase.SLOW, 45.0), (Phase.FAILING, 30.0), (Phase.DOWN, 75.0))


@dataclass(frozen=True, slots=True)
class Schedule:
    """Which phase it is at a given time, for a cycle of ``cycle_s`` seconds.

    ``clock`` returns seconds (any origin); the cycle starts at ``start`` on that clock.
    Tests pass a clock they move by hand.
    """

    cycle_s: float = DEFAULT_CYCLE_S
    start: float = 0.0
    clock: Callable[[], float] | None = None

    def __post_init__(self) -> None:
        if self.cycle_s <= 0:
            raise ValueError(f"cycle must be positive, got {self.cycle_s}")

    def bounds(self) -> list[tuple[Phase, float, float]]:
        """``(phase, begin, end)`` offsets into the cycle, in seconds."""
        total = sum(s for _, s in _SHARES)
        out, begin = [], 0.0
        for phase, share in _SHARES:
            end = begin + share / total * self.cycle_s
            out.append((phase, begin, end))
            begin = end
        return out

    def phase_at(self, t: float) -> Phase:
        offset = (t - self.start) % self.cycle_s
        for phase, _begin, end in self.bounds():
            if offset < end:
                return phase
        return _SHARES[-1][0]

    def offset_of(self, phase: Phase) -> float:
        """Seconds into the cycle at which ``phase`` begins."""
        return next(b for p, b, _ in self.bounds() if p is phase)

    def now(self) -> Phase:
        if self.clock is None:
            raise ValueError("schedule has no clock")
        return self.phase_at(self.clock())
