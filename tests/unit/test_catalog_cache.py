"""CatalogCache: timed, bounded, one load per key for concurrent callers, failures not kept."""

from __future__ import annotations

import threading
import time

import pytest

from provisioning.catalog.cache import CatalogCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_warm_key_is_served_without_loading_until_it_expires() -> None:
    clock, calls = Clock(), []
    cache = CatalogCache(clock=clock)

    def load() -> str:
        calls.append(1)
        return f"v{len(calls)}"

    assert cache.get_or_load("k", 60, load) == "v1"
    clock.now += 59
    assert cache.get_or_load("k", 60, load) == "v1"
    clock.now += 2
    assert cache.get_or_load("k", 60, load) == "v2"
    assert len(calls) == 2


def test_concurrent_cold_requests_share_one_load() -> None:
    cache, calls, gate = CatalogCache(), [], threading.Event()

    def load() -> str:
        calls.append(1)
        gate.wait(5)
        return "catalog"

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_load("r", 60, load)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    gate.set()
    for thread in threads:
        thread.join(5)

    assert results == ["catalog"] * 8
    assert len(calls) == 1 and cache.loads == 1


def test_a_failed_load_is_not_cached_and_the_next_request_retries() -> None:
    cache, attempts = CatalogCache(), []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("ARM down")
        return "ok"

    with pytest.raises(ConnectionError):
        cache.get_or_load("k", 60, flaky)
    assert cache.get_or_load("k", 60, flaky) == "ok"
    assert len(attempts) == 2


def test_the_cache_is_bounded_and_drops_the_least_recently_used() -> None:
    cache = CatalogCache(max_entries=2)
    cache.get_or_load("a", 60, lambda: 1)
    cache.get_or_load("b", 60, lambda: 2)
    cache.get_or_load("a", 60, lambda: 99)  # touch a
    cache.get_or_load("c", 60, lambda: 3)  # evicts b
    assert cache.get_or_load("a", 60, lambda: 100) == 1
    assert cache.get_or_load("b", 60, lambda: 200) == 200
