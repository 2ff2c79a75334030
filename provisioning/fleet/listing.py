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
from provisioning.jobs.claims import SlotClaim, active_slot_row_key
from provisioning.jobs.recent_failures import recent_failures
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState, cluster_key
from provisioning.jobs.tables import StorageUnavailable
from provisioning.operations.stale_claims import WorkflowCheck, still_active
from provisioning.portal_links import portal_url_for

logger = logging.getLogger(__name__)

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


def operation_document(job: JobState) -> dict[str, Any]:
    """A cluster's `operation` as §15 shows it."""
    return {
        "task_id": job.task_id,
        "type": str(job.type),
        "status": str(job.status),
        "step": job.step,
    }


def active_operations(
    clusters: list[ClusterView], holders: dict[str, SlotClaim], active: dict[str, JobState]
) -> dict[tuple[str, str], JobState]:
    """Each cluster's active task: the holder of its claim (the task a 409 names), else its
    newest active task (a create accepted while storage was down holds no claim).

    From the claims and the active rows, however many newer tasks the owner has.
    """
    newest: dict[str, JobState] = {}
    for row in sorted(active.values(), key=lambda job: job.task_id):  # newest first
        newest.setdefault(row.cluster_key, row)
    found: dict[tuple[str, str], JobState] = {}
    for view in clusters:
        claim = holders.get(active_slot_row_key(view.resource_group, view.name))
        held = active.get(claim.task_id) if claim is not None else None
        job = held or newest.get(cluster_key(view.resource_group, view.name))
        if job is not None:
            found[view.key] = job
    return found


def your_clusters(
    repo: JobStateRepository | None,
    containers: Any,
    versions_for: Callable[[str], tuple[KubernetesVersion, ...]],
    owner_id: str,
    tenant_id: str,
    *,
    now: datetime,
    workflow: WorkflowCheck | None = None,
) -> YourClusters:
    """One ARM list call, filtered by the owner tag; ARM down is `degraded`, never an error.

    With `workflow`, an operation whose workflow is gone is recorded failed on the way
    (operations.stale_claims) rather than shown as running for good.
    """
    try:
        everything = read_all_clusters(containers)
    except Exception as exc:  # any ARM fault: the dashboard keeps what it showed
        logger.warning("cluster list degraded: %s", exc)
        return YourClusters([], True)
    mine = [view for view in everything if view.ownership().owned_by(owner_id)]
    operations = cluster_operations(repo, owner_id, mine, workflow, now=now)
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


def cluster_operations(
    repo: JobStateRepository | None,
    owner_id: str,
    clusters: list[ClusterView],
    workflow: WorkflowCheck | None,
    *,
    now: datetime,
) -> dict[tuple[str, str], dict[str, Any]]:
    """The clusters' active operations: two queries (claims, active rows) whatever the history."""
    if repo is None:
        return {}
    try:
        found = active_operations(
            clusters, repo.claims.slot_holders(owner_id), repo.active_jobs(owner_id)
        )
        if workflow is not None:
            found = {key: still_active(repo, job, workflow, now=now) for key, job in found.items()}
    except StorageUnavailable as exc:  # clusters still show; only their operations are unknown
        logger.warning("cluster operations unavailable: %s", exc)
        return {}
    return {
        key: operation_document(job) for key, job in found.items() if not job.status.is_terminal
    }


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
