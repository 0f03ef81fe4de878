"""Resilience for outbound calls: circuit breakers and bulkheads, with their metrics."""

from argus.resilience.breaker import (
    BreakerOptions,
    BreakerSnapshot,
    BreakerState,
    CircuitBreaker,
)
from argus.resilience.bulkhead import Bulkhead, BulkheadFull, BulkheadSnapshot
from argus.resilience.metrics import resilience_metrics

__all__ = [
    "BreakerOptions",
    "BreakerSnapshot",
    "BreakerState",
    "Bulkhead",
    "BulkheadFull",
    "BulkheadSnapshot",
    "CircuitBreaker",
    "resilience_metrics",
]
