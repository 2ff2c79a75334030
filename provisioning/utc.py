"""The one rule for stored times: a naive datetime from Table Storage or Durable is UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """Aware UTC, so times from storage, Durable and the clock compare and format alike."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
