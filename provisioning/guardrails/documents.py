"""The cluster document's `guardrails` and `cost` (README "Cost guardrails"), from values at hand.

Both are built from the guardrails row, the cluster as the list call saw it and cached
catalog prices: no ARM call of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from provisioning.guardrails.model import GuardRecord
from provisioning.guardrails.rules import (
    RUNNING,
    STOPPED,
    GuardTiming,
    next_action,
    saved_hours_this_month,
)

CURRENCY = "USD"


class PricedPool(Protocol):
    """What pricing needs of a node pool (the list's NodePoolView has it)."""

    @property
    def vm_size(self) -> str: ...  # noqa: D102

    @property
    def count(self) -> int: ...  # noqa: D102


def _iso_z(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def guardrails_document(
    record: GuardRecord | None,
    power_state: str | None,
    now: datetime,
    timing: GuardTiming,
    last_operation_at: datetime | None = None,
) -> dict[str, Any] | None:
    """The contract's `guardrails`: the rules, the extension and the next automatic action."""
    if record is None or record.guardrails.is_empty:
        return None
    rules = record.guardrails
    upcoming = next_action(record, power_state, now, timing, last_operation_at)
    extended_until = (
        record.extended_until if record.extended_until and record.extended_until > now else None
    )
    return {
        "idle_stop_minutes": rules.idle_stop_minutes,
        "schedule": rules.schedule.to_dict() if rules.schedule else None,
        "expires_at": _iso_z(rules.expires_at),
        "extended_until": _iso_z(extended_until),
        "next_action": upcoming.to_dict() if upcoming else None,
    }


def running_price(pools: Iterable[PricedPool], prices: dict[str, float] | None) -> float | None:
    """Σ nodes × hourly price over every pool; None when a pool's size has no known price."""
    if not prices:
        return None
    total = 0.0
    for pool in pools:
        if pool.count and pool.vm_size not in prices:
            return None
        total += pool.count * prices.get(pool.vm_size, 0.0)
    return round(total, 4)


def cost_document(
    pools: Iterable[PricedPool],
    power_state: str | None,
    prices: dict[str, float] | None,
    record: GuardRecord | None,
    now: datetime,
) -> dict[str, Any]:
    """The contract's `cost`: price per hour now (0 while stopped) and this month's savings."""
    price = running_price(pools, prices)
    per_hour = 0.0 if power_state == STOPPED else price
    hours = (
        saved_hours_this_month(record, now, still_stopped=power_state != RUNNING)
        if record is not None
        else 0.0
    )
    saved: float | None
    if hours <= 0:
        saved = 0.0
    else:
        saved = round(hours * price, 2) if price is not None else None
    return {"per_hour": per_hour, "currency": CURRENCY, "saved_this_month": saved}
