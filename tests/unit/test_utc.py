"""One rule for stored times: naive means UTC; aware times keep their instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from provisioning.utc import as_utc, stored_time


def test_naive_times_are_taken_as_utc() -> None:
    assert as_utc(datetime(2025, 3, 14, 12, 0)) == datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


def test_aware_times_keep_their_instant_and_read_in_utc() -> None:
    local = datetime(2025, 3, 14, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    converted = as_utc(local)
    assert converted == local and converted.tzinfo == UTC and converted.hour == 12


def test_stored_time_reads_only_datetimes() -> None:
    assert stored_time(datetime(2025, 3, 14, 12, 0)) == datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
    assert stored_time(None) is None
    assert stored_time("2025-03-14T12:00:00Z") is None
