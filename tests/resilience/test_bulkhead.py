from __future__ import annotations

import asyncio

import pytest

from argus.resilience import Bulkhead, BulkheadFull


def test_limits_concurrency_and_serves_in_order():
    async def main() -> list[int]:
        bh = Bulkhead(2, "job")
        order: list[int] = []
        peak = 0

        async def work(i: int) -> None:
            nonlocal peak
            async with bh.slot():
                peak = max(peak, bh.in_flight)
                order.append(i)
                await asyncio.sleep(0.01)

        await asyncio.gather(*(work(i) for i in range(6)))
        assert peak == 2
        assert bh.in_flight == 0 and bh.waiting == 0
        return order

    assert asyncio.run(main()) == list(range(6))


def test_wait_times_out_with_bulkhead_full():
    async def main() -> None:
        bh = Bulkhead(1, "job")
        await bh.acquire()
        with pytest.raises(BulkheadFull, match="no slot within"):
            await bh.acquire(max_wait=0.01)
        with pytest.raises(BulkheadFull, match="is full"):
            await bh.acquire(max_wait=0)
        assert bh.rejected_total == 2
        assert bh.waiting == 0
        bh.release()
        assert bh.in_flight == 0
        await bh.acquire(max_wait=0)  # free again

    asyncio.run(main())


def test_cancelled_waiter_does_not_leak_a_slot():
    async def main() -> None:
        bh = Bulkhead(1)
        await bh.acquire()
        waiter = asyncio.create_task(bh.acquire())
        await asyncio.sleep(0)
        assert bh.waiting == 1
        # Hand the slot over and cancel in the same step: the slot must pass on.
        bh.release()
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert bh.in_flight == 0
        assert bh.snapshot().waiting == 0

    asyncio.run(main())


def test_release_without_acquire_is_an_error():
    with pytest.raises(RuntimeError, match="released more often"):
        Bulkhead(1, "x").release()
    with pytest.raises(ValueError, match="at least 1"):
        Bulkhead(0)
