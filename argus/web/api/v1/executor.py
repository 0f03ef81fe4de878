"""Queries run off the event loop, in a bounded thread pool, within their deadline.

The event loop only parses parameters and writes responses; evaluation *and* JSON
encoding run on a worker, so ``/-/healthy`` and cheap queries stay fast while a heavy
query runs (NumPy and numba release the GIL for the bulk of the work; the rest is
shared by the interpreter's switch interval).

At most ``max_concurrency`` queries run at once (``--query.max-concurrency``). Others
wait for a slot; waiting counts against the query's timeout, and a query that times out
in the queue fails like Prometheus's: ``timeout``, "query timed out in query queue".
A slot is held until its worker really finishes, even when the request has already
been answered (deadline passed, client gone), so the bound is on threads, not requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from argus.promql import QueryTimeoutError

__all__ = ["QueryExecutor"]

T = TypeVar("T")

_GRACE_S = 1.0
"""How long past the deadline a worker may run before the request gets ``timeout``: the
engine checks its own deadline between steps and usually reports first."""


class QueryExecutor:
    """Runs blocking query work on ``max_concurrency`` threads; safe to share."""

    def __init__(self, max_concurrency: int = 20, *, metadata_workers: int = 4) -> None:
        self.max_concurrency = max_concurrency
        self._pool = ThreadPoolExecutor(max_concurrency, thread_name_prefix="query")
        self._meta_pool = ThreadPoolExecutor(metadata_workers, thread_name_prefix="meta")
        self._slots: asyncio.Semaphore | None = None
        self.running = 0
        self.queued = 0

    def __repr__(self) -> str:
        return f"QueryExecutor(max_concurrency={self.max_concurrency}, running={self.running})"

    async def run(self, fn: Callable[[float], T], timeout_s: float) -> T:
        """``fn(remaining_s)`` on a query thread; ``remaining_s`` is what is left of
        ``timeout_s`` after queueing. Raises :class:`QueryTimeoutError` on expiry."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_concurrency)
        slots = self._slots
        start = time.monotonic()
        self.queued += 1
        try:
            await asyncio.wait_for(slots.acquire(), timeout_s)
        except TimeoutError:
            raise QueryTimeoutError("query timed out in query queue") from None
        finally:
            self.queued -= 1
        remaining = timeout_s - (time.monotonic() - start)
        loop = asyncio.get_running_loop()
        self.running += 1
        try:
            fut = loop.run_in_executor(self._pool, fn, remaining)
        except BaseException:
            self.running -= 1
            slots.release()
            raise

        def done(_: asyncio.Future[T]) -> None:
            self.running -= 1
            slots.release()

        fut.add_done_callback(done)
        try:
            return await asyncio.wait_for(asyncio.shield(fut), remaining + _GRACE_S)
        except TimeoutError:
            # The worker keeps its slot until it notices its own deadline.
            fut.add_done_callback(_consume)
            raise QueryTimeoutError("query timed out in expression evaluation") from None

    async def run_metadata(self, fn: Callable[[], T]) -> T:
        """Series/label lookups: off the loop on a small pool of their own, so they are
        not starved by heavy queries holding every query slot."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._meta_pool, fn)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._meta_pool.shutdown(wait=False, cancel_futures=True)


def _consume(fut: asyncio.Future[Any]) -> None:
    """Retrieve an abandoned worker's outcome so asyncio does not log it as lost."""
    with contextlib.suppress(BaseException):
        fut.result()
