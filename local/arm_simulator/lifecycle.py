"""Stop, start and agent-pool writes on existing clusters: async operations like a create."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from local.arm_simulator import arm_errors
from local.arm_simulator.cluster_model import RUNNING, ClusterView
from local.arm_simulator.clusters import ClusterStore, require_idle, require_power
from local.arm_simulator.operations import AGENT_POOL, START, STOP, Operation

STOPPED = "Stopped"
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
    count = properties.get("count")
    if count is not None and (not isinstance(count, int) or count < 0):
        raise arm_errors.invalid_parameter(
            "properties.count", f"agent pool '{pool_name}' needs a node count of 0 or more."
        )
    return properties


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
        view.cluster.spec.setdefault("agentPoolProfiles", []).append(
            {"name": pool_name, "count": 1, **properties}
        )
        op = store.begin(view, AGENT_POOL, now, pool=pool_name, pool_state="Creating")
        return PoolWrite(201, store.require_view_of(view.cluster, now), op)
    scaling = "count" in properties and properties["count"] != existing.get("count")
    existing.update(properties)
    state = "Scaling" if scaling else "Updating"
    op = store.begin(view, AGENT_POOL, now, pool=str(existing["name"]), pool_state=state)
    return PoolWrite(200, store.require_view_of(view.cluster, now), op)
