"""An asyncio bulkhead: a bound on concurrent calls, with fair (FIFO) waiting.

Scrapes of one job share a bulkhead, and all scrapes share a global one, so a job with
thousands of slow targets cannot starve the others, and the process never opens more
connections than configured. A caller waits for a slot at most ``max_wait`` seconds
(for scrapes: the scrape timeout) and then gets :class:`BulkheadFull`.

Cancellation-safe: a waiter cancelled after a slot was handed to it passes the slot on.
Not thread-safe: one event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

__all__ = ["Bulkhead", "BulkheadFull", "BulkheadSnapshot"]


class BulkheadFull(Exception):
    """No slot became free within the allowed wait."""


@dataclass(frozen=True, slots=True)
class BulkheadSnapshot:
    name: str
    limit: int
    in_flight: int
    waiting: int
    rejected_total: int


class Bulkhead:
    """At most ``limit`` holders at a time; others queue in arrival order."""

    def __init__(self, limit: int, name: str = "") -> None:
        if limit < 1:
            raise ValueError("bulkhead limit must be at least 1")
        self.name = name
        self.limit = limit
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.rejected_total = 0

    def __repr__(self) -> str:
        return f"Bulkhead({self.name!r}, {self._in_flight}/{self.limit}, waiting={self.waiting})"

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def waiting(self) -> int:
        return sum(1 for w in self._waiters if not w.done())

    async def acquire(self, max_wait: float | None = None) -> None:
        """Take a slot, waiting up to ``max_wait`` seconds (``None``: no limit)."""
        if self._in_flight < self.limit and not self.waiting:
            self._in_flight += 1
            return
        if max_wait is not None and max_wait <= 0:
            self.rejected_total += 1
            raise BulkheadFull(f"bulkhead {self.name!r} is full ({self.limit} in flight)")
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            async with asyncio.timeout(max_wait):
                await fut
        except TimeoutError:
            self._abandon(fut)
            self.rejected_total += 1
            raise BulkheadFull(
                f"bulkhead {self.name!r} is full: no slot within {max_wait:g}s"
            ) from None
        except BaseException:
            self._abandon(fut)
            raise

    def _abandon(self, fut: asyncio.Future[None]) -> None:
        if fut.done() and not fut.cancelled():
            # The slot was handed over as we left: give it to the next waiter.
            self.release()
        else:
            fut.cancel()
            with contextlib.suppress(ValueError):
                self._waiters.remove(fut)

    def release(self) -> None:
        """Give a slot back; the longest waiter (if any) takes it over."""
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(None)
                return
        if self._in_flight <= 0:
            raise RuntimeError(f"bulkhead {self.name!r} released more often than acquired")
        self._in_flight -= 1

    @asynccontextmanager
    async def slot(self, max_wait: float | None = None) -> AsyncIterator[None]:
        """``async with bulkhead.slot(max_wait):`` hold a slot for the block."""
        await self.acquire(max_wait)
        try:
            yield
        finally:
            self.release()

    def snapshot(self) -> BulkheadSnapshot:
        return BulkheadSnapshot(
            self.name, self.limit, self._in_flight, self.waiting, self.rejected_total
        )
