"""Per-query limits: samples held, series selected, wall time.

One :class:`QueryLimits` is created per query and checked at each node, so a query that
would exhaust memory or run forever fails early with a clear error instead.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from argus.promql.errors import QueryTimeoutError, TooManySamplesError, TooManySeriesError

__all__ = ["RECURSION_LIMIT", "QueryLimits", "ensure_recursion_limit"]


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


RECURSION_LIMIT = 12_000
"""Python frames a query may use: the evaluator recurses about three frames per nested
node, and the parser admits up to ``MAX_NESTING`` (5,000) nesting units.

Raising the limit is safe here because Python 3.11 calls Python functions without
growing the C stack; the C-recursive operations on a tree (repr, hash, equality of the
frozen AST) were measured to survive 10,000 levels on an 8 MiB thread stack, twice the
deepest tree the parser admits."""


def ensure_recursion_limit() -> None:
    """Raise the interpreter's recursion limit to :data:`RECURSION_LIMIT` (never lower it)."""
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
