"""ARM calls that start a lifecycle operation on an existing cluster (no polling here).

Each returns as soon as ARM accepted the operation; the orchestration then polls the
cluster's provisioningState on durable timers. The PUTs that replace a resource (a pool's
count, the cluster's version) are conditional on the etag read (If-Match), so a resource
that changed meanwhile is never overwritten blind. Stop and start are POST actions, which
ARM does not make conditional; the owner tag is checked right before them instead.
"""

from __future__ import annotations

from typing import Any


def _accepted_status(pipeline_response: Any, deserialized: Any, headers: Any) -> int:
    return int(pipeline_response.http_response.status_code)


def start_cluster_stop(client: Any, resource_group: str, name: str) -> int:
    """POST …/stop; the HTTP status ARM accepted it with."""
    return client.managed_clusters.begin_stop(
        resource_group, name, polling=False, cls=_accepted_status
    ).result()


def start_cluster_start(client: Any, resource_group: str, name: str) -> int:
    """POST …/start; the HTTP status ARM accepted it with."""
    return client.managed_clusters.begin_start(
        resource_group, name, polling=False, cls=_accepted_status
    ).result()


def start_pool_scale(
    client: Any, resource_group: str, name: str, pool_name: str, node_count: int
) -> int:
    """PUT the agent pool with a new count, If-Match on the pool's own etag."""
    from azure.core import MatchConditions

    pool = client.agent_pools.get(resource_group, name, pool_name)
    pool.count = node_count
    etag = getattr(pool, "e_tag", None)
    return client.agent_pools.begin_create_or_update(
        resource_group,
        name,
        pool_name,
        pool,
        etag=etag,
        match_condition=MatchConditions.IfNotModified if etag else None,
        polling=False,
        cls=_accepted_status,
    ).result()


def start_cluster_upgrade(
    client: Any, resource_group: str, name: str, kubernetes_version: str, etag: str | None
) -> int:
    """PUT the cluster with a new control-plane version, If-Match on the etag read."""
    from azure.core import MatchConditions

    cluster = client.managed_clusters.get(resource_group, name)
    cluster.kubernetes_version = kubernetes_version
    current = etag or cluster.e_tag
    return client.managed_clusters.begin_create_or_update(
        resource_group,
        name,
        cluster,
        etag=current,
        match_condition=MatchConditions.IfNotModified if current else None,
        polling=False,
        cls=_accepted_status,
    ).result()
