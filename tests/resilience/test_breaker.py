from __future__ import annotations

from typing import Any

import pytest

from argus.resilience import BreakerOptions, BreakerState, CircuitBreaker


class Clock:
    """A hand-driven monotonic clock (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def state(cb: CircuitBreaker) -> BreakerState:
    """Read the state through a call, so mypy does not narrow it across transitions."""
    return cb.state


def make(**opts: Any) -> tuple[CircuitBreaker, Clock]:
    clock = Clock()
    defaults = {"window": 10.0, "buckets": 10, "min_requests": 4, "sleep_window": 5.0}
    return CircuitBreaker("t", BreakerOptions(**{**defaults, **opts}), clock=clock), clock


def test_minimum_volume_gate_keeps_breaker_closed():
    cb, _ = make()
    for _ in range(3):
        assert cb.allow()
        cb.record_failure()
    assert state(cb) is BreakerState.CLOSED  # 3 failures < min_requests 4


def test_opens_on_error_rate_and_rejects():
    cb, _ = make()
    cb.record_success()
    cb.record_failure()
    cb.record_success()
    assert state(cb) is BreakerState.CLOSED
    cb.record_failure()  # 2 of 4 = 50% >= threshold
    assert state(cb) is BreakerState.OPEN
    assert not cb.allow()
    assert cb.rejected_total == 1
    assert cb.retry_after() == pytest.approx(5.0)


def test_low_error_rate_stays_closed():
    cb, _ = make()
    for _ in range(9):
        cb.record_success()
    cb.record_failure()
    assert state(cb) is BreakerState.CLOSED


def test_old_failures_age_out_of_the_window():
    cb, clock = make()
    for _ in range(3):
        cb.record_failure()
    clock.now += 11  # the whole window has passed
    cb.record_failure()
    assert state(cb) is BreakerState.CLOSED
    assert cb.snapshot().window_requests == 1


def test_half_open_probe_success_closes():
    cb, clock = make()
    for _ in range(4):
        cb.record_failure()
    clock.now += 4.9
    assert not cb.allow()
    clock.now += 0.2
    assert state(cb) is BreakerState.HALF_OPEN
    assert cb.allow()  # the one probe
    assert not cb.allow()  # a second concurrent probe is refused
    cb.record_success()
    assert state(cb) is BreakerState.CLOSED
    assert cb.snapshot().window_requests == 0  # closed starts with a clean window


def test_half_open_probe_failure_reopens_for_another_sleep_window():
    cb, clock = make()
    for _ in range(4):
        cb.record_failure()
    clock.now += 5
    assert cb.allow()
    cb.record_failure()
    assert state(cb) is BreakerState.OPEN
    clock.now += 4
    assert not cb.allow()
    clock.now += 1
    assert cb.allow()


def test_success_threshold_needs_several_probes():
    cb, clock = make(success_threshold=2, half_open_max_calls=2)
    for _ in range(4):
        cb.record_failure()
    clock.now += 5
    assert cb.allow() and cb.allow()
    cb.record_success()
    assert state(cb) is BreakerState.HALF_OPEN
    cb.record_success()
    assert state(cb) is BreakerState.CLOSED


def test_snapshot_counts_transitions():
    cb, clock = make()
    for _ in range(4):
        cb.record_failure()
    clock.now += 5
    cb.allow()
    cb.record_success()
    snap = cb.snapshot()
    assert snap.state is BreakerState.CLOSED
    assert snap.transitions_total == {
        BreakerState.OPEN: 1,
        BreakerState.HALF_OPEN: 1,
        BreakerState.CLOSED: 1,
    }
    assert repr(cb) == "CircuitBreaker('t', state=closed)"


@pytest.mark.parametrize(
    "opts",
    [{"error_threshold": 0}, {"error_threshold": 1.5}, {"buckets": 0}, {"min_requests": 0}],
)
def test_invalid_options(opts):
    with pytest.raises(ValueError, match="must be"):
        BreakerOptions(**opts)
