"""Task ids: inverted .NET ticks plus a hex suffix, so RowKeys sort newest first.

The same codec gives the RowKey bounds of a time window, which is how recent failures read
only the rows inside it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# .NET DateTime.MaxValue.Ticks: the inverted-timestamp RowKey counts down from here.
MAX_TICKS = 3155378975999999999
TICKS_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_TICKS_DIGITS = 19
_SUFFIX_LENGTH = 12
_HEX = frozenset("0123456789abcdef")


class InvalidTaskId(ValueError):
    """A string is not a task id this service issued."""


def _ticks(moment: datetime) -> int:
    """100 ns intervals since 0001-01-01 UTC (the .NET tick count)."""
    if moment.tzinfo is None:
        raise ValueError("task ids need an aware UTC datetime")
    delta = moment.astimezone(UTC) - TICKS_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def _inverted(moment: datetime) -> str:
    """The fixed-width inverted tick count: later moments give smaller strings."""
    return f"{MAX_TICKS - _ticks(moment):0{_TICKS_DIGITS}d}"


def new_task_id(now: datetime, unique: str) -> str:
    """A RowKey that sorts newest first and stays unique (caller passes uuid4().hex)."""
    suffix = "".join(ch for ch in unique.lower() if ch in _HEX)[:_SUFFIX_LENGTH]
    if len(suffix) != _SUFFIX_LENGTH:
        raise ValueError(f"unique part needs {_SUFFIX_LENGTH} hex characters, got {unique!r}")
    return f"{_inverted(now)}-{suffix}"


def is_task_id(value: str) -> bool:
    """True when value has the shape new_task_id() produces."""
    head, sep, tail = value.partition("-")
    return (
        sep == "-"
        and len(head) == _TICKS_DIGITS
        and head.isdigit()
        and len(tail) == _SUFFIX_LENGTH
        and set(tail) <= _HEX
    )


def created_at_from_task_id(task_id: str) -> datetime:
    """The creation time encoded in a task id (microsecond precision)."""
    if not is_task_id(task_id):
        raise InvalidTaskId(f"not a task id: {task_id!r}")
    ticks = MAX_TICKS - int(task_id[:_TICKS_DIGITS])
    return TICKS_EPOCH + timedelta(microseconds=ticks // 10)


def rowkey_lower_bound(newest: datetime) -> str:
    """Inclusive RowKey lower bound (`ge`): keeps attempts created at or before `newest`."""
    return _inverted(newest)


def rowkey_upper_bound(oldest: datetime) -> str:
    """Exclusive RowKey upper bound (`lt`): keeps attempts created at or after `oldest`."""
    return f"{MAX_TICKS - _ticks(oldest) + 1:0{_TICKS_DIGITS}d}"
