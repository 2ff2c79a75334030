"""The engine's async machinery: one episode loop per instance, durable timers, background work."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from local.host.durable.history import utcnow

logger = logging.getLogger(__name__)

EpisodeRunner = Callable[[str], Awaitable[bool]]
RETRY_AFTER_FAILURE_SECONDS = 1.0


class InstanceScheduler:
    """Serialises episodes per instance and keeps timers and background tasks owned."""

    def __init__(self, run_episode: EpisodeRunner) -> None:
        self._run_episode = run_episode
        self._locks: dict[str, asyncio.Lock] = {}
        self._loops: dict[str, asyncio.Task[None]] = {}
        self._dirty: set[str] = set()
        self._timers: dict[tuple[str, int], asyncio.TimerHandle] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._closed = False

    def lock(self, instance_id: str) -> asyncio.Lock:
        """The lock every change to one instance takes."""
        lock = self._locks.get(instance_id)
        if lock is None:
            lock = self._locks[instance_id] = asyncio.Lock()
        return lock

    def wake(self, instance_id: str) -> None:
        """Make sure an episode loop will look at this instance's inbox."""
        if self._closed:
            return
        running = self._loops.get(instance_id)
        if running is not None and not running.done():
            self._dirty.add(instance_id)
            return
        task = asyncio.get_running_loop().create_task(self._episode_loop(instance_id))
        self._loops[instance_id] = task

    async def _episode_loop(self, instance_id: str) -> None:
        try:
            while True:
                self._dirty.discard(instance_id)
                async with self.lock(instance_id):
                    progressed = await self._run_episode(instance_id)
                if not progressed and instance_id not in self._dirty:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("episode loop for %s failed; retrying", instance_id)
            await asyncio.sleep(RETRY_AFTER_FAILURE_SECONDS)
            self._loops.pop(instance_id, None)
            self.wake(instance_id)
        finally:
            if self._loops.get(instance_id) is asyncio.current_task():
                self._loops.pop(instance_id, None)

    def spawn(self, coro: Awaitable[Any]) -> None:
        """Run a coroutine in the background, cancelled at close."""
        if self._closed:
            return
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def arm_timer(
        self, instance_id: str, timer_id: int, fire_at: datetime, on_fire: Callable[[], None]
    ) -> None:
        """Call on_fire at fire_at (replacing an earlier arming of the same timer)."""
        if self._closed:
            return
        delay = max(0.0, (fire_at - utcnow()).total_seconds())
        key = (instance_id, timer_id)
        previous = self._timers.pop(key, None)
        if previous is not None:
            previous.cancel()

        def fire() -> None:
            self._timers.pop(key, None)
            on_fire()

        self._timers[key] = asyncio.get_running_loop().call_later(delay, fire)

    def cancel_timer(self, instance_id: str, timer_id: int) -> None:
        """Stop one armed timer."""
        handle = self._timers.pop((instance_id, timer_id), None)
        if handle is not None:
            handle.cancel()

    def cancel_timers(self, instance_id: str) -> None:
        """Stop every armed timer of an instance."""
        for key in [k for k in self._timers if k[0] == instance_id]:
            self._timers.pop(key).cancel()

    def close(self) -> None:
        """Stop timers, loops and background tasks; persisted state is left for the next start."""
        self._closed = True
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        for task in list(self._background) + list(self._loops.values()):
            task.cancel()
