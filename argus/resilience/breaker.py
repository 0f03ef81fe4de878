"""A Hystrix-style circuit breaker: stop calling what keeps failing, probe, recover.

States and transitions::

    CLOSED --(window has >= min_requests calls and error rate >= threshold)--> OPEN
    OPEN   --(sleep_window passed; next allow())---------------------------> HALF_OPEN
    HALF_OPEN --(probe succeeds, success_threshold times)------------------> CLOSED
    HALF_OPEN --(probe fails)-----------------------------------------------> OPEN

The error rate is counted over a rolling window of ``buckets`` time buckets, so old
failures age out. The minimum-volume gate keeps one failure out of two calls from
opening the breaker. In HALF_OPEN at most ``half_open_max_calls`` probes are in flight.

Callers ask :meth:`CircuitBreaker.allow` before the call and report the outcome with
:meth:`record_success` / :meth:`record_failure`. A refused call is the caller's to
account for (a scrape loop still writes ``up 0``). The breaker is not thread-safe; it
is meant for one asyncio event loop, where these methods never interleave.
"""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["BreakerOptions", "BreakerSnapshot", "BreakerState", "CircuitBreaker"]


class BreakerState(enum.Enum):
    """Values are the ``state`` label values of the exported metric."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerOptions:
    """Tuning, with Hystrix's defaults where they fit scraping.

    ``window``/``sleep_window`` are seconds; ``error_threshold`` a fraction in (0, 1].
    """

    window: float = 60.0
    buckets: int = 6
    min_requests: int = 5
    error_threshold: float = 0.5
    sleep_window: float = 30.0
    half_open_max_calls: int = 1
    success_threshold: int = 1

    def __post_init__(self) -> None:
        if self.window <= 0 or self.buckets < 1 or self.sleep_window < 0:
            raise ValueError("window and buckets must be positive, sleep_window >= 0")
        if not 0 < self.error_threshold <= 1:
            raise ValueError("error_threshold must be in (0, 1]")
        if self.min_requests < 1 or self.half_open_max_calls < 1 or self.success_threshold < 1:
            raise ValueError("min_requests, half_open_max_calls, success_threshold must be >= 1")


@dataclass(frozen=True, slots=True)
class BreakerSnapshot:
    """The exported view: state, window counts, and lifetime counters."""

    name: str
    state: BreakerState
    window_requests: int
    window_failures: int
    rejected_total: int
    transitions_total: dict[BreakerState, int] = field(default_factory=dict)

    @property
    def error_rate(self) -> float:
        return self.window_failures / self.window_requests if self.window_requests else 0.0


@dataclass(slots=True)
class _Bucket:
    index: int
    successes: int = 0
    failures: int = 0


class CircuitBreaker:
    """One breaker per protected peer (here: per scrape target)."""

    def __init__(
        self,
        name: str = "",
        options: BreakerOptions | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.options = options if options is not None else BreakerOptions()
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._buckets: deque[_Bucket] = deque()
        self._opened_at = 0.0
        self._probes_in_flight = 0
        self._probe_successes = 0
        self.rejected_total = 0
        self.transitions_total: dict[BreakerState, int] = dict.fromkeys(BreakerState, 0)

    def __repr__(self) -> str:
        return f"CircuitBreaker({self.name!r}, state={self._state.value})"

    @property
    def state(self) -> BreakerState:
        """The current state, moving OPEN to HALF_OPEN once the sleep window passed."""
        if self._state is BreakerState.OPEN and self._clock() >= self._reopen_at:
            self._transition(BreakerState.HALF_OPEN)
        return self._state

    @property
    def _reopen_at(self) -> float:
        return self._opened_at + self.options.sleep_window

    def retry_after(self) -> float:
        """Seconds until an OPEN breaker lets a probe through (0 if not OPEN)."""
        if self.state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self._reopen_at - self._clock())

    def allow(self) -> bool:
        """Whether a call may go ahead now. A refused call is counted in ``rejected_total``.

        In HALF_OPEN an allowed call is a probe: report its outcome, or it holds a slot.
        """
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if (
            state is BreakerState.HALF_OPEN
            and self._probes_in_flight < self.options.half_open_max_calls
        ):
            self._probes_in_flight += 1
            return True
        self.rejected_total += 1
        return False

    def record_success(self) -> None:
        if self._state is BreakerState.HALF_OPEN:
            self._probes_in_flight = max(0, self._probes_in_flight - 1)
            self._probe_successes += 1
            if self._probe_successes >= self.options.success_threshold:
                self._transition(BreakerState.CLOSED)
            return
        if self._state is BreakerState.CLOSED:
            self._bucket().successes += 1

    def record_failure(self) -> None:
        if self._state is BreakerState.HALF_OPEN:
            self._probes_in_flight = max(0, self._probes_in_flight - 1)
            self._transition(BreakerState.OPEN)
            return
        if self._state is BreakerState.CLOSED:
            self._bucket().failures += 1
            requests, failures = self._window_counts()
            opts = self.options
            if requests >= opts.min_requests and failures >= opts.error_threshold * requests:
                self._transition(BreakerState.OPEN)

    def snapshot(self) -> BreakerSnapshot:
        state = self.state
        requests, failures = self._window_counts()
        return BreakerSnapshot(
            self.name, state, requests, failures, self.rejected_total, dict(self.transitions_total)
        )

    def reset(self) -> None:
        """Back to CLOSED with an empty window (for example after a config reload)."""
        self._transition(BreakerState.CLOSED)

    # -- internals ---------------------------------------------------------------------

    def _transition(self, to: BreakerState) -> None:
        if to is self._state and to is not BreakerState.OPEN:
            return
        self._state = to
        self.transitions_total[to] += 1
        self._probes_in_flight = 0
        self._probe_successes = 0
        if to is BreakerState.OPEN:
            self._opened_at = self._clock()
        if to is BreakerState.CLOSED:
            self._buckets.clear()

    def _bucket_width(self) -> float:
        return self.options.window / self.options.buckets

    def _expire(self, now_index: int) -> None:
        oldest = now_index - self.options.buckets + 1
        while self._buckets and self._buckets[0].index < oldest:
            self._buckets.popleft()

    def _bucket(self) -> _Bucket:
        index = int(self._clock() // self._bucket_width())
        self._expire(index)
        if not self._buckets or self._buckets[-1].index != index:
            self._buckets.append(_Bucket(index))
        return self._buckets[-1]

    def _window_counts(self) -> tuple[int, int]:
        self._expire(int(self._clock() // self._bucket_width()))
        successes = sum(b.successes for b in self._buckets)
        failures = sum(b.failures for b in self._buckets)
        return successes + failures, failures
