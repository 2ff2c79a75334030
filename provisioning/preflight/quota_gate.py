"""Quota before acting: refuse a change whose new nodes the region's vCPU quota cannot hold.

Adding a pool, scaling one up and upgrading (its surge nodes) read the same sources preflight
reads — the region's VM sizes from the catalog cache and the live compute usages — and are
refused with 409 `quota_exceeded` only when those facts say so. A source that cannot be read
lets the operation go ahead, logged: Azure still refuses what does not fit (README).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from provisioning.catalog.azure import Usage, VmSize
from provisioning.models import ErrorAction
from provisioning.portal_links import quota_request_url
from provisioning.preflight.capacity import (
    NodeDemand,
    QuotaOutcome,
    QuotaVerdict,
    UnknownVmSize,
    decide_quota,
    sizes_by_name,
    vcpus_needed,
)

logger = logging.getLogger(__name__)

QUOTA_INCREASE_LABEL = "Request quota increase"


class QuotaExceeded(Exception):
    """409 quota_exceeded: the message names the quota, vCPUs needed and free; a quota link."""

    def __init__(self, message: str, actions: list[dict[str, Any]], quota: dict[str, Any]) -> None:
        super().__init__(message)
        self.actions = actions
        self.quota = quota


@dataclass(frozen=True)
class QuotaSources:
    """How to read the region's VM sizes (cached catalog) and its compute usages (live)."""

    vm_sizes: Callable[[str], tuple[VmSize, ...]]
    usages: Callable[[str], Mapping[str, Usage]]


def quota_verdict(
    sources: QuotaSources, region: str, demands: Iterable[NodeDemand]
) -> QuotaVerdict:
    """The decision on facts read now; a source that fails is `unknown` with the reason."""
    wanted = [demand for demand in demands if demand.nodes > 0]
    if not wanted:
        return QuotaVerdict(QuotaOutcome.FITS)
    try:
        sizes = sizes_by_name(sources.vm_sizes(region))
        usages = sources.usages(region)
    except Exception as exc:  # any Azure fault: never refuse on a guess
        return QuotaVerdict(QuotaOutcome.UNKNOWN, reason=f"could not read the quota: {exc}")
    try:
        needed = vcpus_needed(wanted, sizes)
    except UnknownVmSize as exc:
        return QuotaVerdict(QuotaOutcome.UNKNOWN, reason=f"{exc} is not in the region's catalog")
    return decide_quota(needed, usages)


def require_quota_room(
    sources: QuotaSources,
    *,
    subscription_id: str,
    region: str,
    demands: Iterable[NodeDemand],
    what: str,
) -> QuotaVerdict:
    """Raise QuotaExceeded when the new nodes do not fit; an unknown verdict is logged only."""
    verdict = quota_verdict(sources, region, demands)
    if verdict.outcome is QuotaOutcome.UNKNOWN:
        logger.warning(
            "quota for %s in %s not checked (%s); going ahead", what, region, verdict.reason
        )
    if verdict.outcome is QuotaOutcome.EXCEEDED:
        raise quota_exceeded(verdict, subscription_id=subscription_id, region=region, what=what)
    return verdict


def quota_exceeded(
    verdict: QuotaVerdict, *, subscription_id: str, region: str, what: str
) -> QuotaExceeded:
    """The refusal: which quota, how many vCPUs it needs and has free, where to ask for more."""
    message = (
        f"Not enough vCPU quota in {region} for {verdict.limit_display}: {what} needs "
        f"{verdict.limit_needed} vCPUs and only {verdict.limit_free} are free."
    )
    action = ErrorAction(
        kind="link", label=QUOTA_INCREASE_LABEL, url=quota_request_url(subscription_id, region)
    )
    quota = {
        "family": verdict.limit,
        "needed_vcpus": verdict.limit_needed,
        "available_vcpus": verdict.limit_free,
    }
    return QuotaExceeded(message, [action.to_dict()], quota)
