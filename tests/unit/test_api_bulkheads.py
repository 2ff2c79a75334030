"""Bulkheads: a full ARM pool answers busy at once, and never slows the storage pool."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from api.bulkheads import Bulkhead, Busy


def _pools() -> tuple[Bulkhead, Bulkhead]:
    arm = Bulkhead("arm-test", "Azure Resource Manager", 2, queue=False, retry_after_seconds=7)
    storage = Bulkhead("storage-test", "storage", 2, queue=True, retry_after_seconds=2)
    return arm, storage


async def test_a_full_arm_pool_refuses_at_once_with_a_retry_after() -> None:
    arm, _ = _pools()
    release = threading.Event()
    hung = [asyncio.ensure_future(arm.run(release.wait, 10)) for _ in range(2)]
    await asyncio.sleep(0.05)

    started = time.monotonic()
    with pytest.raises(Busy) as refused:
        await arm.run(lambda: "never runs")
    waited = time.monotonic() - started

    assert refused.value.retry_after_seconds == 7
    assert "Azure Resource Manager" in str(refused.value)
    assert waited < 1.0  # refused, not queued behind the hung calls
    release.set()
    assert await asyncio.gather(*hung) == [True, True]
    assert arm.in_use() == 0
    assert await arm.run(lambda: "runs again") == "runs again"


async def test_storage_work_runs_while_the_arm_pool_is_hung() -> None:
    arm, storage = _pools()
    release = threading.Event()
    hung = [asyncio.ensure_future(arm.run(release.wait, 10)) for _ in range(2)]
    await asyncio.sleep(0.05)

    answers = await asyncio.wait_for(
        asyncio.gather(*(storage.run(lambda n=n: n * 2) for n in range(6))), timeout=2
    )

    assert answers == [0, 2, 4, 6, 8, 10]  # six calls through two queueing threads
    release.set()
    await asyncio.gather(*hung)


async def test_a_cancelled_request_keeps_its_slot_until_its_thread_finishes() -> None:
    arm, _ = _pools()
    release = threading.Event()
    waiting = asyncio.ensure_future(arm.run(release.wait, 10))
    await asyncio.sleep(0.05)
    waiting.cancel()
    await asyncio.sleep(0.05)

    assert arm.in_use() == 1  # the thread still blocks: the slot is still taken
    release.set()
    for _ in range(100):
        if arm.in_use() == 0:
            break
        await asyncio.sleep(0.01)
    assert arm.in_use() == 0


async def test_an_error_in_the_work_reaches_the_caller_and_frees_the_slot() -> None:
    arm, _ = _pools()

    def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await arm.run(fail)
    assert arm.in_use() == 0
