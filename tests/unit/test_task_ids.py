"""Task ids: newest-first RowKeys, their creation time, and the RowKey bounds of a window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from provisioning.jobs.task_ids import (
    InvalidTaskId,
    created_at_from_task_id,
    is_task_id,
    new_task_id,
    rowkey_lower_bound,
    rowkey_upper_bound,
)

NOW = datetime(2025, 3, 14, 12, 30, 45, 123456, tzinfo=UTC)


def test_task_ids_sort_newest_first() -> None:
    older = new_task_id(NOW, "0" * 32)
    newer = new_task_id(NOW + timedelta(microseconds=1), "f" * 32)
    assert newer < older


def test_task_id_has_inverted_ticks_and_twelve_hex_suffix() -> None:
    task_id = new_task_id(datetime(1, 1, 1, tzinfo=UTC), "ABCDEF0123456789abcdef")
    assert task_id == "3155378975999999999-abcdef012345"
    assert is_task_id(task_id)


def test_task_id_round_trips_its_creation_time() -> None:
    assert created_at_from_task_id(new_task_id(NOW, "1" * 32)) == NOW


def test_task_id_needs_enough_hex() -> None:
    with pytest.raises(ValueError):
        new_task_id(NOW, "xyz")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "abc",
        "3155378975999999999-ABCDEF012345",
        "315537897599999999-abcdef012345",
        "3155378975999999999-abcdef01234/",
        "x155378975999999999-abcdef012345",
    ],
)
def test_strings_that_are_not_task_ids_are_rejected(value: str) -> None:
    assert not is_task_id(value)


def test_window_bounds_include_both_ends_and_exclude_outside() -> None:
    oldest = NOW - timedelta(hours=24)
    lo, hi = rowkey_lower_bound(NOW), rowkey_upper_bound(oldest)

    def inside(moment: datetime) -> bool:
        return lo <= new_task_id(moment, "b" * 32) < hi

    assert inside(NOW)
    assert inside(oldest)
    assert inside(NOW - timedelta(hours=3))
    assert not inside(NOW + timedelta(microseconds=1))
    assert not inside(oldest - timedelta(microseconds=1))


def test_creation_time_of_a_foreign_string_is_refused() -> None:
    with pytest.raises(InvalidTaskId):
        created_at_from_task_id("not-a-task-id")


def test_task_ids_need_an_aware_time() -> None:
    with pytest.raises(ValueError):
        new_task_id(datetime(2025, 3, 14, 12, 30), "a" * 32)
