"""Bulkheads: requests that wait on ARM and storage-only requests never share threads.

Every blocking step of a handler runs on one of two bounded pools of this process. A hung
ARM can fill the ARM pool, and then a new request that needs ARM is answered 503 `busy`
with Retry-After at once instead of queueing; reading a task, recent failures, a dismiss or
a cancel run on the storage pool and stay as fast as storage. In Azure the same holds: the
Python worker's own thread pool (PYTHON_THREADPOOL_THREAD_COUNT) and the event loop's
default executor are finite and would otherwise be shared by both kinds.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class Busy(Exception):
    """Every thread for this kind of request is taken (503 busy, with Retry-After)."""

    def __init__(self, what: str, retry_after_seconds: int) -> None:
        super().__init__(
            f"Too many requests are waiting on {what} right now; try again in "
            f"{retry_after_seconds} s."
        )
        self.retry_after_seconds = retry_after_seconds


class Bulkhead:
    """A bounded pool of threads for one kind of blocking work.

    With `queue=False` a full pool refuses (Busy) instead of letting work wait for a thread;
    with `queue=True` work waits its turn (for work that is bounded by its own timeouts).
    """

    def __init__(
        self, name: str, what: str, workers: int, *, queue: bool, retry_after_seconds: int
    ) -> None:
        self.name = name
        self.what = what
        self.workers = workers
        self.queue = queue
        self.retry_after_seconds = retry_after_seconds
        self._counter = threading.Lock()
        self._running = 0
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix=name)

    async def run(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `work` on this pool's threads; Busy at once when full and not queueing."""
        self._take_slot()
        call = functools.partial(self._release_after, functools.partial(work, *args, **kwargs))
        try:
            future = asyncio.get_running_loop().run_in_executor(self._executor, call)
        except BaseException:
            self._free_slot()  # never reached a thread
            raise
        return await future

    def _take_slot(self) -> None:
        """Count the work in; refuse when every thread is taken and this pool does not queue."""
        with self._counter:
            if not self.queue and self._running >= self.workers:
                logger.warning(
                    "%s bulkhead full (%d threads): answering busy", self.name, self.workers
                )
                raise Busy(self.what, self.retry_after_seconds)
            self._running += 1

    def _free_slot(self) -> None:
        with self._counter:
            self._running -= 1

    def _release_after(self, work: Callable[[], T]) -> T:
        """The slot is held by the thread, not the request: a cancelled request frees nothing."""
        try:
            return work()
        finally:
            self._free_slot()

    def in_use(self) -> int:
        """Work taken in and not finished yet (running, or queued when this pool queues)."""
        with self._counter:
            return self._running


_lock = threading.Lock()
_bulkheads: dict[str, Bulkhead] = {}


def _bulkhead(name: str, build: Callable[[], Bulkhead]) -> Bulkhead:
    with _lock:
        found = _bulkheads.get(name)
        if found is None:
            found = _bulkheads[name] = build()
        return found


def arm_bound() -> Bulkhead:
    """Threads for requests that wait on ARM: full means 503 busy, never a queue."""
    from provisioning.settings import get_settings

    def build() -> Bulkhead:
        settings = get_settings()
        patience = settings.arm_request_patience
        return Bulkhead(
            "arm-requests",
            "Azure Resource Manager",
            settings.arm_request_workers,
            queue=False,
            retry_after_seconds=max(1, math.ceil(patience.worst_case_seconds)),
        )

    return _bulkhead("arm", build)


def storage_bound() -> Bulkhead:
    """Threads for storage-only requests: each call is bounded by the storage timeout."""
    from provisioning.settings import get_settings

    def build() -> Bulkhead:
        settings = get_settings()
        return Bulkhead(
            "storage-requests",
            "storage",
            settings.storage_request_workers,
            queue=True,
            retry_after_seconds=max(1, math.ceil(settings.storage_timeout_seconds)),
        )

    return _bulkhead("storage", build)
