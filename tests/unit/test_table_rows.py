"""The one retry loop for ETag races: settles, gives up as a storage fault, lets bugs through."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from azure.core.exceptions import ServiceRequestError

from provisioning.jobs.rows import RaceLost, etag_of, retry_races
from provisioning.jobs.tables import ConcurrencyConflict, StorageUnavailable


def losing(times: int, result: str = "settled") -> tuple[list[int], Callable[[], str]]:
    """An attempt that loses `times` races, then returns `result`; calls are counted."""
    calls: list[int] = []

    def attempt() -> str:
        calls.append(len(calls))
        if len(calls) <= times:
            raise RaceLost
        return result

    return calls, attempt


def test_an_attempt_that_settles_at_once_runs_once() -> None:
    calls, attempt = losing(0)
    assert retry_races("write", attempt, attempts=3) == "settled"
    assert len(calls) == 1


def test_lost_races_are_run_again_until_the_attempt_settles() -> None:
    calls, attempt = losing(2)
    assert retry_races("write", attempt, attempts=3) == "settled"
    assert len(calls) == 3


def test_a_race_lost_every_time_is_a_concurrency_conflict_naming_the_write() -> None:
    calls, attempt = losing(5)
    with pytest.raises(ConcurrencyConflict, match="update JobState t-1 kept racing"):
        retry_races("update JobState t-1", attempt, attempts=3)
    assert len(calls) == 3


def test_a_concurrency_conflict_is_a_storage_fault_callers_degrade_on() -> None:
    assert issubclass(ConcurrencyConflict, StorageUnavailable)


def test_an_azure_fault_inside_the_attempt_is_storage_unavailable() -> None:
    def attempt() -> None:
        raise ServiceRequestError("connection refused")

    with pytest.raises(StorageUnavailable, match="claim active slot failed"):
        retry_races("claim active slot", attempt, attempts=3)


def test_other_errors_are_not_retried_or_hidden() -> None:
    calls: list[int] = []

    def attempt() -> None:
        calls.append(1)
        raise ValueError("a JobState update may not change the row's keys")

    with pytest.raises(ValueError):
        retry_races("update", attempt, attempts=3)
    assert calls == [1]


def test_etag_is_read_from_write_metadata_and_from_read_rows() -> None:
    class Row(dict):
        metadata = {"etag": "W/row"}

    assert etag_of({"etag": "W/write"}) == "W/write"
    assert etag_of(Row(PartitionKey="p")) == "W/row"
    assert etag_of(None) is None
