"""Stop, start and agent-pool writes on existing clusters: async operations like a create."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from local.arm_simulator import arm_errors
from local.arm_simulator.cluster_model import RUNNING, ClusterView
from local.arm_simulator.clusters import ClusterStore, require_idle, require_power
from local.arm_simulator.operations import AGENT_POOL, AGENT_POOL_DELETE, START, STOP, Operation

STOPPED = "Stopped"
SYSTEM_MODE = "System"
# An agent-pool PUT that names no mode makes a User pool (the agentPools API's default);
# pools of a cluster PUT without a mode are System pools (documents.pool_profiles).
NEW_POOL_MODE = "User"
# Fields of an agent pool that the service owns; a PUT body cannot set them.
READ_ONLY_POOL_FIELDS = frozenset(
    {"provisioningState", "powerState", "currentOrchestratorVersion", "nodeImageVersion", "eTag"}
)


def stop_cluster(
    store: ClusterStore, subscription_id: str, resource_group: str, name: str, now: float
) -> Operation:
    """POST .../stop: Stopping for the create duration, then Succeeded with powerState Stopped."""
    view = store.require(subscription_id, resource_group, name, now)
    require_idle(view, now)
    require_power(view, RUNNING, "stopping")
    return store.begin(view, STOP, now)


def start_cluster(
    store: ClusterStore, subscription_id: str, resource_group: str, name: str, now: float
) -> Operation:
    """POST .../start: Starting, then Succeeded with powerState Running."""
    view = store.require(subscription_id, resource_group, name, now)
    require_idle(view, now)
    require_power(view, STOPPED, "starting")
    return store.begin(view, START, now)


def find_pool(view: ClusterView, pool_name: str) -> dict[str, Any] | None:
    """The stored profile of one agent pool (names are case-insensitive)."""
    for pool in view.cluster.spec.get("agentPoolProfiles", []):
        if str(pool.get("name", "")).lower() == pool_name.lower():
            return pool
    return None


@dataclass(frozen=True)
class PoolWrite:
    """The answer to an agent-pool PUT: 201 for a new pool, 200 for a change, plus its op."""

    status: int
    view: ClusterView
    operation: Operation


def _pool_properties(pool_name: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("properties", {}), dict):
        raise arm_errors.invalid_request_content("the body must be a JSON object.")
    properties = {
        k: v for k, v in body.get("properties", {}).items() if k not in READ_ONLY_POOL_FIELDS
    }
    for field in ("count", "minCount", "maxCount"):
        value = properties.get(field)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise arm_errors.invalid_parameter(
                f"properties.{field}", f"agent pool '{pool_name}' needs a {field} of 0 or more."
            )
    return properties


def _with_autoscaler(
    pool_name: str, existing: dict[str, Any] | None, properties: dict[str, Any]
) -> dict[str, Any]:
    """The pool after the PUT, with AKS's autoscaler rules applied (raises ArmError)."""
    merged = {**(existing or {}), **properties}
    if merged.get("enableAutoScaling") is not True:
        # Turning the autoscaler off clears its bounds; the count is what the PUT says.
        merged.pop("minCount", None)
        merged.pop("maxCount", None)
        return merged
    low, high = merged.get("minCount"), merged.get("maxCount")
    if low is None or high is None:
        missing = "properties.minCount" if low is None else "properties.maxCount"
        raise arm_errors.required_parameter_missing(missing)
    if low > high:
        raise arm_errors.invalid_parameter(
            "properties.minCount", f"minCount {low} must not be greater than maxCount {high}."
        )
    if existing is not None and properties.get("count", existing.get("count")) != existing.get(
        "count"
    ):
        raise arm_errors.manual_scale_with_autoscaler(str(existing.get("name", pool_name)))
    # The autoscaler keeps the count inside its bounds.
    merged["count"] = min(max(int(merged.get("count") or 0), low), high)
    return merged


def put_agent_pool(
    store: ClusterStore,
    view: ClusterView,
    pool_name: str,
    body: Any,
    now: float,
) -> PoolWrite:
    """PUT .../agentPools/{pool}: scale or change a pool, or add one; refused when stopped."""
    properties = _pool_properties(pool_name, body)
    require_idle(view, now)
    existing = find_pool(view, pool_name)
    action = "scaling agent pool" if existing is not None else "adding agent pool"
    require_power(view, RUNNING, action)
    if existing is None:
        if properties.get("count") is None:
            raise arm_errors.required_parameter_missing("properties.count")
        pool = _with_autoscaler(pool_name, None, {"mode": NEW_POOL_MODE, **properties})
        view.cluster.spec.setdefault("agentPoolProfiles", []).append({"name": pool_name, **pool})
        op = store.begin(view, AGENT_POOL, now, pool=pool_name, pool_state="Creating")
        return PoolWrite(201, store.require_view_of(view.cluster, now), op)
    pool = _with_autoscaler(pool_name, existing, properties)
    scaling = pool.get("count") != existing.get("count")
    existing.clear()
    existing.update(pool)
    state = "Scaling" if scaling else "Updating"
    op = store.begin(view, AGENT_POOL, now, pool=str(existing["name"]), pool_state=state)
    return PoolWrite(200, store.require_view_of(view.cluster, now), op)


def pool_mode(pool: dict[str, Any]) -> str:
    """A stored pool's mode (pools of a cluster PUT without one are System pools)."""
    return str(pool.get("mode") or SYSTEM_MODE)


def delete_agent_pool(
    store: ClusterStore, view: ClusterView, pool_name: str, now: float
) -> Operation | None:
    """DELETE .../agentPools/{pool}: Deleting, then gone; None when there is no such pool."""
    existing = find_pool(view, pool_name)
    if existing is None:
        return None
    require_idle(view, now)
    require_power(view, RUNNING, "deleting agent pool")
    if pool_mode(existing) == SYSTEM_MODE:
        pools = view.cluster.spec.get("agentPoolProfiles", [])
        if not any(p is not existing and pool_mode(p) == SYSTEM_MODE for p in pools):
            raise arm_errors.last_system_pool()
    name = str(existing["name"])
    return store.begin(view, AGENT_POOL_DELETE, now, pool=name, pool_state="Deleting")
