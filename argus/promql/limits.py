"""Per-query limits: samples held, series selected, wall time.

One :class:`QueryLimits` is created per query and checked at each node, so a query that
would exhaust memory or run forever fails early with a clear error instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from argus.promql.errors import QueryTimeoutError, TooManySamplesError, TooManySeriesError

__all__ = ["QueryLimits"]


@dataclass(slots=True)
class QueryLimits:
    max_samples: int
    timeout_s: float
    max_series: int = 0
    """0 means unlimited."""
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.timeout_s

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise QueryTimeoutError("query timed out in expression evaluation")

    def check_samples(self, n: int) -> None:
        """``n`` samples are about to be held at once by one node."""
        if n > self.max_samples:
            raise TooManySamplesError(self.max_samples)
        self.check_time()

    def check_series(self, n: int) -> None:
        if self.max_series and n > self.max_series:
            raise TooManySeriesError(self.max_series, n)
