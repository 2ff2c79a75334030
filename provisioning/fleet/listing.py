"""GET /api/aks/clusters as a use case: the caller's clusters, their active operations, and
failures whose cluster is gone resolved on the way (so no device shows their banner again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from provisioning.catalog.azure import KubernetesVersion, upgrades_for
from provisioning.clusters.inventory import ClusterView, read_all_clusters, read_one_cluster
from provisioning.clusters.ownership import CLUSTER_GONE
from provisioning.fleet.actions import actions_for
from provisioning.jobs.recent_failures import recent_failures
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState
from provisioning.jobs.tables import StorageUnavailable
from provisioning.models import ACTIVE_STATUSES
from provisioning.portal_links import portal_url_for

logger = logging.getLogger(__name__)

HISTORY_FOR_OPERATIONS = 50
STALE_WINDOW_HOURS = 168  # the widest window recent failures can show
STALE_LIMIT = 20


@dataclass(frozen=True)
class YourClusters:
    """The answer: cluster documents, whether ARM failed, and the failures just resolved."""

    clusters: list[dict[str, Any]]
    degraded: bool
    resolved: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The §15 response body."""
        return {"clusters": self.clusters, "degraded": self.degraded}


def active_operations(history: list[JobState]) -> dict[tuple[str, str], dict[str, Any]]:
    """The newest queued or running task per cluster (resource group, name), as §15 shows it."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for job in history:  # newest first: the first seen per cluster wins
        if job.status not in ACTIVE_STATUSES:
            continue
        key = (job.request.resource_group.lower(), job.request.cluster_name.lower())
        found.setdefault(
            key,
            {
                "task_id": job.task_id,
                "type": str(job.type),
                "status": str(job.status),
                "step": job.step,
            },
        )
    return found


def your_clusters(
    repo: JobStateRepository | None,
    containers: Any,
    versions_for: Callable[[str], tuple[KubernetesVersion, ...]],
    owner_id: str,
    tenant_id: str,
    *,
    now: datetime,
) -> YourClusters:
    """One ARM list call, filtered by the owner tag; ARM down is `degraded`, never an error."""
    try:
        everything = read_all_clusters(containers)
    except Exception as exc:  # any ARM fault: the dashboard keeps what it showed
        logger.warning("cluster list degraded: %s", exc)
        return YourClusters([], True)
    mine = [view for view in everything if view.ownership().owned_by(owner_id)]
    history = _history(repo, owner_id)
    operations = active_operations(history)
    documents = [
        _document(view, versions_for, operations.get(view.key), tenant_id)
        for view in sorted(mine, key=lambda v: (v.resource_group.lower(), v.name.lower()))
    ]
    resolved = _resolve_gone(repo, containers, owner_id, {v.key for v in everything}, now=now)
    return YourClusters(documents, False, resolved)


def _document(
    view: ClusterView,
    versions_for: Callable[[str], tuple[KubernetesVersion, ...]],
    operation: dict[str, Any] | None,
    tenant_id: str,
) -> dict[str, Any]:
    """One cluster's document: its upgrades and actions from the rules that accept them."""
    upgrades = cluster_upgrades(view, versions_for)
    actions = [action.to_dict() for action in actions_for(view, upgrades, operation)]
    return view.to_document(portal_url_for(view.id, tenant_id), upgrades, operation, actions)


def _history(repo: JobStateRepository | None, owner_id: str) -> list[JobState]:
    if repo is None:
        return []
    try:
        return repo.list_history(owner_id, HISTORY_FOR_OPERATIONS)
    except StorageUnavailable as exc:  # clusters still show; only their operations are unknown
        logger.warning("cluster operations unavailable: %s", exc)
        return []


def cluster_upgrades(
    view: ClusterView, versions_for: Callable[[str], tuple[KubernetesVersion, ...]]
) -> list[str]:
    """The versions this cluster may upgrade to now: what the list shows and …/upgrade takes."""
    try:
        return upgrades_for(view.kubernetes_version, versions_for(view.region))
    except Exception as exc:  # the catalog is advice: no upgrade offered rather than an error
        logger.warning("upgrades of %s unknown: %s", view.name, exc)
        return []


def _resolve_gone(
    repo: JobStateRepository | None,
    containers: Any,
    owner_id: str,
    listed: set[tuple[str, str]],
    *,
    now: datetime,
) -> tuple[str, ...]:
    """Resolve unresolved failures whose cluster is gone (a GET confirms before it counts)."""
    if repo is None:
        return ()
    try:
        failures = recent_failures(
            repo, owner_id, now=now, hours=STALE_WINDOW_HOURS, limit=STALE_LIMIT
        ).jobs
    except StorageUnavailable as exc:
        logger.warning("stale failures not checked: %s", exc)
        return ()
    resolved = []
    for job in failures:
        key = (job.request.resource_group.lower(), job.request.cluster_name.lower())
        if not job.cluster_seen or key in listed:
            continue
        try:  # the list shows only what we may read: a 404 is the proof
            if (
                read_one_cluster(containers, job.request.resource_group, job.request.cluster_name)
                is not None
            ):
                continue
            repo.resolve(owner_id, job.task_id, CLUSTER_GONE, now=now)
        except Exception as exc:  # try again on the next list
            logger.warning("could not resolve %s: %s", job.task_id, exc)
            continue
        resolved.append(job.task_id)
    if resolved:
        logger.info("resolved %d failures whose cluster is gone", len(resolved))
    return tuple(resolved)
