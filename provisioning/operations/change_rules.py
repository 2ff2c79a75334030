"""What a change asks of the cluster, checked before it is accepted (README "Node pools").

Each operation's spec (operations.registry) names its body parser and its check here. The
checks read the cluster as listed and facts read on demand: the pool a change names must
exist (for an add, must not); a pool whose autoscaler is on is not scaled by hand; the only
System pool stays; and the nodes a change adds — a new pool, a larger count, an upgrade's
surge nodes — must fit the region's vCPU quota, or it is refused before Azure is asked.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provisioning.models import ClusterChange, PoolAutoscale
from provisioning.preflight.capacity import NodeDemand, sizes_by_name, surge_nodes
from provisioning.preflight.quota_gate import QuotaSources, require_quota_room
from provisioning.requests.validation import (
    MAX_VM_SIZE_LENGTH,
    POOL_NAME_PATTERN,
    VM_SIZE_PATTERN,
    RequestValidationError,
    node_count_in_bounds,
)

if TYPE_CHECKING:
    from provisioning.clusters.inventory import ClusterView, NodePoolView

logger = logging.getLogger(__name__)

MIN_AUTOSCALE_MAX = 1
POOL_NAME_RULE = (
    "name must be 1-12 lowercase letters and digits, starting with a letter (an AKS pool name)"
)


class PoolNotFound(LookupError):
    """The route names a node pool the cluster does not have (404, like a cluster)."""


class PoolExists(Exception):
    """409 pool_exists: the cluster already has a node pool of that name."""


class LastSystemPool(Exception):
    """409 last_system_pool: a cluster keeps at least one System pool."""


class AutoscaleEnabled(Exception):
    """409 autoscale_enabled: the autoscaler sets this pool's count; turn it off to scale."""


@dataclass(frozen=True)
class ChangeFacts:
    """What the checks may read besides the cluster: its upgrades, and the region's quota."""

    subscription_id: str
    upgrades: tuple[str, ...] = ()
    # None: no quota source at hand (the change goes ahead; Azure still refuses what won't fit).
    quota: QuotaSources | None = None

    def require_room(self, view: ClusterView, demands: list[NodeDemand], what: str) -> None:
        """Refuse (QuotaExceeded) when the new nodes do not fit; unknown goes ahead, logged."""
        if not any(demand.nodes > 0 for demand in demands):
            return
        if self.quota is None:
            logger.warning("quota for %s not checked (no quota source); going ahead", what)
            return
        require_quota_room(
            self.quota,
            subscription_id=self.subscription_id,
            region=view.region,
            demands=demands,
            what=what,
        )

    def size_refusal(self, region: str, vm_size: str) -> str | None:
        """Why `vm_size` cannot run in `region` per the catalog, or None (also when unread)."""
        if self.quota is None:
            return None
        try:
            sizes = sizes_by_name(self.quota.vm_sizes(region))
        except Exception as exc:  # the catalog is advice: Azure still refuses a bad size
            logger.warning("VM sizes of %s not read (%s); %s not checked", region, exc, vm_size)
            return None
        size = sizes.get(vm_size.lower())
        if size is None:
            return f"vm_size {vm_size} is not offered in {region}"
        if not size.available:
            return f"vm_size {vm_size} is not available in {region} ({size.reason})"
        return None


# --- bodies -----------------------------------------------------------------------------------


def pool_name_in(value: object, name: str = "name") -> str:
    """An AKS pool name (1-12 lowercase letters and digits, a letter first), else 400."""
    if not isinstance(value, str) or not POOL_NAME_PATTERN.fullmatch(value):
        raise RequestValidationError(name, POOL_NAME_RULE.replace("name", name, 1))
    return value


def _vm_size_in(value: object) -> str:
    if (
        not isinstance(value, str)
        or len(value) > MAX_VM_SIZE_LENGTH
        or not VM_SIZE_PATTERN.fullmatch(value)
    ):
        raise RequestValidationError(
            "vm_size", "vm_size must be an Azure VM size name such as 'Standard_D4s_v5'"
        )
    return value


def autoscale_in(value: object, prefix: str = "autoscale.") -> PoolAutoscale:
    """`{"min": 0..100, "max": 1..100}` with min <= max, else 400 naming the field."""
    if not isinstance(value, dict):
        raise RequestValidationError(
            prefix.rstrip("."), f"{prefix.rstrip('.')} must be an object with min and max"
        )
    unknown = sorted(str(key) for key in value if key not in ("min", "max"))
    if unknown:
        raise RequestValidationError(
            f"{prefix}{unknown[0]}", f"{prefix}{unknown[0]} is not a known field; use min, max"
        )
    low = node_count_in_bounds(value.get("min"), f"{prefix}min", low=0)
    high = node_count_in_bounds(value.get("max"), f"{prefix}max", low=MIN_AUTOSCALE_MAX)
    if low > high:
        raise RequestValidationError(
            f"{prefix}min", f"{prefix}min must not be greater than {prefix}max"
        )
    return PoolAutoscale(low, high)


def pool_add_body(fields: Mapping[str, Any], target: str) -> ClusterChange:
    """`{"name", "vm_size", "node_count"? | "autoscale"?}`: exactly one of the two."""
    name = pool_name_in(fields.get("name"))
    vm_size = _vm_size_in(fields.get("vm_size"))
    has_count = fields.get("node_count") is not None
    has_autoscale = fields.get("autoscale") is not None
    if has_count == has_autoscale:
        raise RequestValidationError(
            "node_count",
            "give exactly one of node_count (a fixed size) and autoscale (min and max)",
        )
    if has_autoscale:
        return ClusterChange(
            node_pool=name, vm_size=vm_size, autoscale=autoscale_in(fields["autoscale"])
        )
    count = node_count_in_bounds(fields["node_count"], "node_count", low=0)
    return ClusterChange(node_pool=name, vm_size=vm_size, node_count=count)


def pool_autoscale_body(fields: Mapping[str, Any], target: str) -> ClusterChange:
    """`{"min", "max"}` turns the autoscaler on (or changes it); `{"enabled": false,
    "node_count"}` turns it off at that count."""
    enabled = fields.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RequestValidationError("enabled", "enabled must be false (or absent, with min, max)")
    if enabled:
        if "node_count" in fields:
            raise RequestValidationError(
                "node_count", "node_count is only for turning the autoscaler off (enabled: false)"
            )
        bounds = autoscale_in({k: v for k, v in fields.items() if k != "enabled"}, prefix="")
        return ClusterChange(node_pool=target, autoscale=bounds)
    extra = sorted(name for name in ("min", "max") if name in fields)
    if extra:
        raise RequestValidationError(
            extra[0], f"{extra[0]} is not used when turning the autoscaler off"
        )
    count = node_count_in_bounds(fields.get("node_count"), "node_count", low=0)
    return ClusterChange(node_pool=target, node_count=count)


def pool_delete_body(fields: Mapping[str, Any], target: str) -> ClusterChange:
    """`{"confirm": "<pool>"}`: the pool's name typed again."""
    if fields.get("confirm") != target:
        raise RequestValidationError(
            "confirm", "confirm must be the node pool's name exactly, to delete it"
        )
    return ClusterChange(node_pool=target)


# --- checks against the cluster ---------------------------------------------------------------


def _named_pool(view: ClusterView, change: ClusterChange | None) -> NodePoolView:
    """The pool a pool route names (404 when the cluster has none of that name)."""
    pool = view.pool((change.node_pool if change else None) or "")
    if pool is None:
        raise PoolNotFound(f"{view.name}/{change.node_pool if change else ''}")
    return pool


def check_scale(change: ClusterChange | None, view: ClusterView, facts: ChangeFacts) -> None:
    """One of the cluster's pools, not autoscaled; its new nodes must fit the quota."""
    if change is None or change.node_count is None:
        return
    pool = view.pool(change.node_pool or "")
    if pool is None:
        pools = ", ".join(p.name for p in view.node_pools)
        raise RequestValidationError(
            "node_pool", f"node_pool must be one of the cluster's node pools: {pools}"
        )
    if pool.autoscale is not None:
        raise AutoscaleEnabled(
            f"The autoscaler sets the size of pool '{pool.name}' "
            f"({pool.autoscale.min}-{pool.autoscale.max} nodes); turn it off to set a count"
        )
    facts.require_room(
        view,
        [NodeDemand(pool.vm_size, change.node_count - pool.count)],
        f"scaling pool '{pool.name}' from {pool.count} to {change.node_count} nodes",
    )


def upgrade_surge(view: ClusterView) -> list[tuple[NodePoolView, int]]:
    """Each pool and the surge nodes an upgrade adds to it (its maxSurge, or max(1, 10%))."""
    return [(pool, surge_nodes(pool.max_surge, pool.count)) for pool in view.node_pools]


def check_upgrade(change: ClusterChange | None, view: ClusterView, facts: ChangeFacts) -> None:
    """One of the cluster's upgrades; every pool's surge nodes must fit the quota."""
    if change is None:
        return
    if change.kubernetes_version not in facts.upgrades:
        raise RequestValidationError(
            "kubernetes_version",
            "kubernetes_version must be one of the cluster's upgrades: "
            + ", ".join(facts.upgrades),
        )
    surge = upgrade_surge(view)
    described = ", ".join(f"{pool.name} +{nodes}" for pool, nodes in surge if nodes)
    facts.require_room(
        view,
        [NodeDemand(pool.vm_size, nodes) for pool, nodes in surge],
        f"upgrading to {change.kubernetes_version} (surge nodes: {described})",
    )


def check_pool_add(change: ClusterChange | None, view: ClusterView, facts: ChangeFacts) -> None:
    """A new name, a size the region offers, and room for its first nodes."""
    if change is None or change.node_pool is None or change.vm_size is None:
        return
    existing = next((p for p in view.node_pools if p.name.lower() == change.node_pool), None)
    if existing is not None:
        raise PoolExists(
            f"The cluster already has a node pool named '{existing.name}'; choose another name"
        )
    refusal = facts.size_refusal(view.region, change.vm_size)
    if refusal:
        raise RequestValidationError("vm_size", refusal)
    nodes = change.autoscale.min if change.autoscale else (change.node_count or 0)
    facts.require_room(
        view,
        [NodeDemand(change.vm_size, nodes)],
        f"adding node pool '{change.node_pool}' ({nodes} x {change.vm_size})",
    )


def check_pool_autoscale(
    change: ClusterChange | None, view: ClusterView, facts: ChangeFacts
) -> None:
    """An existing pool; a System pool keeps a node; nodes it adds must fit the quota."""
    pool = _named_pool(view, change)
    if change is None:
        return
    if change.autoscale is not None:
        if pool.is_system and change.autoscale.min < 1:
            raise RequestValidationError("min", "min must be at least 1 for a System pool")
        target, what = (
            change.autoscale.min,
            (f"the autoscaler's minimum of {change.autoscale.min} nodes for pool '{pool.name}'"),
        )
    else:
        target = change.node_count or 0
        if pool.is_system and target < 1:
            raise RequestValidationError(
                "node_count", "node_count must be at least 1 for a System pool"
            )
        what = f"setting pool '{pool.name}' to {target} nodes"
    facts.require_room(view, [NodeDemand(pool.vm_size, target - pool.count)], what)


def check_pool_delete(change: ClusterChange | None, view: ClusterView, facts: ChangeFacts) -> None:
    """An existing pool, and never the cluster's only System pool."""
    pool = _named_pool(view, change)
    if pool.is_system and not any(p.is_system for p in view.node_pools if p is not pool):
        raise LastSystemPool(
            f"'{pool.name}' is the cluster's only System pool, and a cluster keeps at least one"
        )
