"""The one rule for stored times: a naive datetime from Table Storage or Durable is UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def as_utc(moment: datetime) -> datetime:
    """Aware UTC, so times from storage, Durable and the clock compare and format alike."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def stored_time(value: Any) -> datetime | None:
    """A datetime property read from a table row as aware UTC; None when absent or not one."""
    return as_utc(value) if isinstance(value, datetime) else None
