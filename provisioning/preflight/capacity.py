"""vCPU room for a change to a running cluster: surge nodes, vCPUs needed, the quota decision.

Pure arithmetic over facts already read (the region's VM sizes and compute usages), so the
rules are tested as tables. An operation that adds nodes (a new pool, a larger count, an
upgrade's surge nodes) asks `decide_quota`; only a decision made on facts that were read can
refuse it — an unreadable source means "unknown", and the operation goes ahead (README).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from provisioning.catalog.azure import REGIONAL_VCPUS, Usage, VmSize

logger = logging.getLogger(__name__)

# When a pool has no maxSurge, AKS surges 10% of its nodes, and at least one.
DEFAULT_SURGE_PERCENT = 10
MIN_DEFAULT_SURGE = 1
REGIONAL_VCPUS_NAME = "Total Regional vCPUs"
_COUNT = re.compile(r"[0-9]{1,4}")
_PERCENT = re.compile(r"([0-9]{1,3})%")


def surge_nodes(max_surge: str | None, pool_count: int) -> int:
    """Extra nodes an upgrade adds to a pool: a count, a percent rounded up, or max(1, 10%).

    A pool without nodes upgrades none and surges none; a count larger than the pool surges
    the pool's size (every node is replaced in one batch). A value AKS would not accept is
    read as unset, so the check errs towards the default rather than towards zero.
    """
    if pool_count <= 0:
        return 0
    text = (max_surge or "").strip()
    if _COUNT.fullmatch(text):
        return min(int(text), pool_count)
    percent = _PERCENT.fullmatch(text)
    if percent and int(percent.group(1)) <= 100:
        return math.ceil(pool_count * int(percent.group(1)) / 100)
    if text:
        logger.warning("maxSurge %r is not a count or a percent; reading it as unset", text)
    return max(MIN_DEFAULT_SURGE, math.ceil(pool_count * DEFAULT_SURGE_PERCENT / 100))


@dataclass(frozen=True)
class NodeDemand:
    """Nodes of one VM size that an operation is about to add."""

    vm_size: str
    nodes: int


class UnknownVmSize(LookupError):
    """A VM size the region's catalog does not list: its vCPUs are not known."""


def vcpus_needed(demands: Iterable[NodeDemand], sizes: Mapping[str, VmSize]) -> dict[str, int]:
    """vCPUs per quota (each VM family, and `cores` for the region) the new nodes take."""
    needed: dict[str, int] = {REGIONAL_VCPUS: 0}
    for demand in demands:
        if demand.nodes <= 0:
            continue
        size = sizes.get(demand.vm_size.lower())
        if size is None:
            raise UnknownVmSize(demand.vm_size)
        vcpus = demand.nodes * size.vcpus
        needed[size.family] = needed.get(size.family, 0) + vcpus
        needed[REGIONAL_VCPUS] += vcpus
    return needed


def sizes_by_name(sizes: Iterable[VmSize]) -> dict[str, VmSize]:
    """The catalog keyed the way ARM compares size names (case-insensitive)."""
    return {size.name.lower(): size for size in sizes}


class QuotaOutcome(StrEnum):
    """What the quota check concluded."""

    FITS = "fits"
    EXCEEDED = "exceeded"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class QuotaVerdict:
    """The decision, and for a refusal the tightest limit: its name, vCPUs needed and free."""

    outcome: QuotaOutcome
    needed_vcpus: int = 0
    limit: str | None = None
    limit_needed: int = 0
    limit_free: int = 0
    reason: str | None = None

    @property
    def limit_display(self) -> str:
        """The limit as the portal names it (a family's name, or Total Regional vCPUs)."""
        return REGIONAL_VCPUS_NAME if self.limit == REGIONAL_VCPUS else str(self.limit)


def decide_quota(needed: Mapping[str, int], usages: Mapping[str, Usage]) -> QuotaVerdict:
    """Fits when every quota the new nodes count against has room; a family before cores.

    A quota that the usages do not list is not known: unknown, never a refusal on a guess.
    """
    total = needed.get(REGIONAL_VCPUS, 0)
    if total <= 0:
        return QuotaVerdict(QuotaOutcome.FITS, 0)
    # Families first (the message names the family when it is the one that is short).
    order = sorted(needed, key=lambda name: (name == REGIONAL_VCPUS, name))
    unlisted = [name for name in order if needed[name] > 0 and name not in usages]
    for name in order:
        usage = usages.get(name)
        if usage is not None and needed[name] > usage.free:
            return QuotaVerdict(QuotaOutcome.EXCEEDED, total, name, needed[name], usage.free)
    if unlisted:
        return QuotaVerdict(
            QuotaOutcome.UNKNOWN, total, reason=f"the usages do not list {unlisted[0]}"
        )
    return QuotaVerdict(QuotaOutcome.FITS, total)
