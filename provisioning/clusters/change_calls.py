"""ARM calls that start a lifecycle operation on an existing cluster (no polling here).

Each returns as soon as ARM accepted the operation; the orchestration then polls the
cluster's provisioningState on durable timers. The PUTs that replace a resource (a pool's
count or autoscaler, the cluster's version) are conditional on the etag read (If-Match), so
a resource that changed meanwhile is never overwritten blind; a new pool is PUT only if no
pool has its name (If-None-Match: *). Stop, start and a pool's DELETE are not conditional;
the owner tag is checked right before them instead.
"""

from __future__ import annotations

from typing import Any

from provisioning.models import PoolAutoscale

# What a pool added through the product gets (README "Node pools").
NEW_POOL_MODE = "User"
NEW_POOL_MAX_SURGE = "10%"


def _accepted_status(pipeline_response: Any, deserialized: Any, headers: Any) -> int:
    return int(pipeline_response.http_response.status_code)


def _status_of(poller: Any) -> int:
    """The poller's result: what `_accepted_status` made of ARM's first answer."""
    status: int = poller.result()
    return status


def start_cluster_stop(client: Any, resource_group: str, name: str) -> int:
    """POST …/stop; the HTTP status ARM accepted it with."""
    return _status_of(
        client.managed_clusters.begin_stop(
            resource_group, name, polling=False, cls=_accepted_status
        )
    )


def start_cluster_start(client: Any, resource_group: str, name: str) -> int:
    """POST …/start; the HTTP status ARM accepted it with."""
    return _status_of(
        client.managed_clusters.begin_start(
            resource_group, name, polling=False, cls=_accepted_status
        )
    )


def start_pool_scale(
    client: Any, resource_group: str, name: str, pool_name: str, node_count: int
) -> int:
    """PUT the agent pool with a new count, If-Match on the pool's own etag."""
    from azure.core import MatchConditions

    pool = client.agent_pools.get(resource_group, name, pool_name)
    pool.count = node_count
    etag = getattr(pool, "e_tag", None)
    return _status_of(
        client.agent_pools.begin_create_or_update(
            resource_group,
            name,
            pool_name,
            pool,
            etag=etag,
            match_condition=MatchConditions.IfNotModified if etag else None,
            polling=False,
            cls=_accepted_status,
        )
    )


def new_pool_parameters(
    vm_size: str,
    node_count: int | None,
    autoscale: PoolAutoscale | None,
    tags: dict[str, str],
) -> Any:
    """A new User pool: its size, a count or autoscaler bounds, maxSurge 10%, the product's tags.

    With the autoscaler on, the pool starts at its minimum (AKS requires a count).
    """
    from azure.mgmt.containerservice.models import (
        AgentPool,
        AgentPoolManagedClusterAgentPoolProfileProperties,
        AgentPoolUpgradeSettings,
    )

    pool = AgentPool(
        properties=AgentPoolManagedClusterAgentPoolProfileProperties(
            vm_size=vm_size,
            count=autoscale.min if autoscale else node_count,
            mode=NEW_POOL_MODE,
            os_type="Linux",
            tags=dict(tags),
            upgrade_settings=AgentPoolUpgradeSettings(max_surge=NEW_POOL_MAX_SURGE),
        )
    )
    if autoscale is not None:
        pool.enable_auto_scaling = True
        pool.min_count, pool.max_count = autoscale.min, autoscale.max
    return pool


def start_pool_add(client: Any, resource_group: str, name: str, pool_name: str, pool: Any) -> int:
    """PUT a new agent pool, only if none of that name exists (If-None-Match: *; else 412)."""
    from azure.core import MatchConditions

    return _status_of(
        client.agent_pools.begin_create_or_update(
            resource_group,
            name,
            pool_name,
            pool,
            match_condition=MatchConditions.IfMissing,
            polling=False,
            cls=_accepted_status,
        )
    )


def read_pool_tags(client: Any, resource_group: str, name: str, pool_name: str) -> dict[str, str]:
    """The tags of one agent pool (who made it); {} when it has none."""
    pool = client.agent_pools.get(resource_group, name, pool_name)
    return dict(getattr(pool, "tags", None) or {})


def start_pool_autoscale(
    client: Any,
    resource_group: str,
    name: str,
    pool_name: str,
    autoscale: PoolAutoscale | None,
    node_count: int | None,
) -> int:
    """PUT the pool with the autoscaler on (new bounds, count untouched) or off (a new count).

    AKS refuses a count change in the same PUT that keeps the autoscaler on, so turning it
    on sends the count the pool has; If-Match on the pool's etag as for a scale.
    """
    from azure.core import MatchConditions

    pool = client.agent_pools.get(resource_group, name, pool_name)
    if autoscale is not None:
        pool.enable_auto_scaling = True
        pool.min_count, pool.max_count = autoscale.min, autoscale.max
    else:
        pool.enable_auto_scaling = False
        pool.min_count = pool.max_count = None
        pool.count = node_count
    etag = getattr(pool, "e_tag", None)
    return _status_of(
        client.agent_pools.begin_create_or_update(
            resource_group,
            name,
            pool_name,
            pool,
            etag=etag,
            match_condition=MatchConditions.IfNotModified if etag else None,
            polling=False,
            cls=_accepted_status,
        )
    )


def start_pool_delete(client: Any, resource_group: str, name: str, pool_name: str) -> int:
    """DELETE the agent pool; 202 when ARM accepted it, 204 when it was already gone."""
    return _status_of(
        client.agent_pools.begin_delete(
            resource_group, name, pool_name, polling=False, cls=_accepted_status
        )
    )


def start_cluster_upgrade(
    client: Any, resource_group: str, name: str, kubernetes_version: str, etag: str | None
) -> int:
    """PUT the cluster with a new control-plane version, If-Match on the etag read."""
    from azure.core import MatchConditions

    cluster = client.managed_clusters.get(resource_group, name)
    cluster.kubernetes_version = kubernetes_version
    current = etag or cluster.e_tag
    return _status_of(
        client.managed_clusters.begin_create_or_update(
            resource_group,
            name,
            cluster,
            etag=current,
            match_condition=MatchConditions.IfNotModified if current else None,
            polling=False,
            cls=_accepted_status,
        )
    )
