"""A small per-process cache for Azure catalog reads: bounded, timed, one load per key.

Concurrent cold requests for one key share a single load (the others wait for it), and a
load that fails is never cached: every waiter sees the failure and the next request tries
again, so a transient fault is never remembered as "nothing offered here".
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
CATALOG_TTL_SECONDS = 3600.0  # regions, VM sizes, Kubernetes versions
PRICES_TTL_SECONDS = 24 * 3600.0
MAX_ENTRIES = 512


@dataclass(frozen=True)
class _Entry:
    value: Any
    expires_at: float


class CatalogCache:
    """Bounded LRU of timed values with single-flight loading."""

    def __init__(
        self, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._loading: dict[Hashable, Future[Any]] = {}
        self.loads = 0  # how many loads ran (benchmarks count source calls with it)

    def get_or_load(self, key: Hashable, ttl_seconds: float, load: Callable[[], T]) -> T:
        """The cached value of `key`, loading it once (for every concurrent caller) if stale."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.expires_at > self._clock():
                self._entries.move_to_end(key)
                cached: T = entry.value  # what `load` returned for this key
                return cached
            waiting = self._loading.get(key)
            if waiting is None:
                pending: Future[Any] = Future()
                self._loading[key] = pending
                self.loads += 1
        if waiting is not None:
            loaded: T = waiting.result()
            return loaded
        try:
            value = load()
        except BaseException as exc:
            with self._lock:
                del self._loading[key]
            pending.set_exception(exc)
            raise
        with self._lock:
            del self._loading[key]
            self._entries[key] = _Entry(value, self._clock() + ttl_seconds)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        pending.set_result(value)
        return value

    def clear(self) -> None:
        """Forget everything (tests change the world between cases)."""
        with self._lock:
            self._entries.clear()
            self.loads = 0
