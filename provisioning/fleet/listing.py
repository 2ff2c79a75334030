"""GET /api/aks/clusters as a use case: the caller's clusters, their active operations, and
failures whose cluster is gone resolved on the way (so no device shows their banner again).

Guardrails come from their table (one query per request) and cost from cached catalog
prices: neither adds an ARM call. A guarded cluster the list sees running while its guard
believed it stopped (started outside the product) has that observation written back, so
its guard reads ARM again at its next check.
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
from provisioning.guardrails.documents import cost_document, guardrails_document
from provisioning.guardrails.model import GuardRecord
from provisioning.guardrails.repository import GuardrailRepository
from provisioning.guardrails.rules import RUNNING, GuardTiming
from provisioning.guardrails.service import observe, save_guard_fields
from provisioning.jobs.claims import SlotClaim, active_slot_row_key
from provisioning.jobs.recent_failures import recent_failures
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState, cluster_key
from provisioning.jobs.tables import StorageUnavailable
from provisioning.operations.stale_claims import WorkflowCheck, still_active
from provisioning.portal_links import portal_url_for

logger = logging.getLogger(__name__)

# When the product last touched each cluster (the guardrails' idle rule) reads this many of
# the owner's newest tasks; the active operations come from the claims, not from here.
HISTORY_FOR_TOUCHES = 50
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


def last_operations(history: list[JobState]) -> dict[tuple[str, str], datetime]:
    """When the product last touched each cluster (its newest task's update)."""
    found: dict[tuple[str, str], datetime] = {}
    for job in history:
        key = (job.request.resource_group.lower(), job.request.cluster_name.lower())
        if key not in found or job.updated_at > found[key]:
            found[key] = job.updated_at
    return found


@dataclass(frozen=True)
class CostSources:
    """Where guardrails and prices come from (both optional: a list still answers without)."""

    guards: GuardrailRepository | None = None
    prices_for: Callable[[str], dict[str, float]] | None = None
    timing: GuardTiming = GuardTiming()


def your_clusters(
    repo: JobStateRepository | None,
    containers: Any,
    versions_for: Callable[[str], tuple[KubernetesVersion, ...]],
    owner_id: str,
    tenant_id: str,
    *,
    now: datetime,
    workflow: WorkflowCheck | None = None,
    costs: CostSources = CostSources(),
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
    touched = last_operations(_history(repo, owner_id))
    guarded = _guardrails(costs.guards, owner_id)
    prices = _PriceBook(costs.prices_for)
    documents = []
    for view in sorted(mine, key=lambda v: (v.resource_group.lower(), v.name.lower())):
        record = guarded.get(view.key)
        document = _document(view, versions_for, operations.get(view.key), tenant_id)
        document["guardrails"] = guardrails_document(
            record, view.power_state, now, costs.timing, touched.get(view.key)
        )
        document["cost"] = cost_document(
            view.node_pools, view.power_state, prices.of(view.region), record, now
        )
        documents.append(document)
        _note_started_elsewhere(costs.guards, record, view, now)
    resolved = _resolve_gone(repo, containers, owner_id, {v.key for v in everything}, now=now)
    return YourClusters(documents, False, resolved)


class _PriceBook:
    """Each region's cached prices, looked up once per request; a failure is "unknown"."""

    def __init__(self, prices_for: Callable[[str], dict[str, float]] | None) -> None:
        self._prices_for = prices_for
        self._seen: dict[str, dict[str, float] | None] = {}

    def of(self, region: str) -> dict[str, float] | None:
        if self._prices_for is None:
            return None
        if region not in self._seen:
            try:
                self._seen[region] = self._prices_for(region)
            except Exception as exc:  # prices are advice: the cost shows as unknown
                logger.warning("prices of %s unknown: %s", region, exc)
                self._seen[region] = None
        return self._seen[region]


def _guardrails(
    guards: GuardrailRepository | None, owner_id: str
) -> dict[tuple[str, str], GuardRecord]:
    """The owner's guarded clusters: ONE table query."""
    if guards is None:
        return {}
    try:
        return {record.key: record for record in guards.list_for_owner(owner_id)}
    except StorageUnavailable as exc:  # clusters still show; their guardrails are unknown
        logger.warning("guardrails unavailable: %s", exc)
        return {}


def _note_started_elsewhere(
    guards: GuardrailRepository | None, record: GuardRecord | None, view: ClusterView, now: datetime
) -> None:
    """A cluster its guard believes stopped is running: tell the guard (best effort)."""
    if guards is None or record is None or record.observed_power == view.power_state:
        return
    if view.power_state != RUNNING:
        return
    try:
        save_guard_fields(guards, observe(record, view.power_state, now))
    except StorageUnavailable as exc:
        logger.info("guard observation of %s not saved: %s", view.name, exc)


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


def _history(repo: JobStateRepository | None, owner_id: str) -> list[JobState]:
    """The owner's newest tasks (for when each cluster was last touched); none if unreadable."""
    if repo is None:
        return []
    try:
        return repo.list_history(owner_id, HISTORY_FOR_TOUCHES)
    except StorageUnavailable as exc:
        logger.warning("cluster history unavailable: %s", exc)
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
