"""Delete a partial cluster: only the one an unresolved failed or stopped create left behind.

The request is checked against the attempt (NOT_DELETABLE_RULES) and the cluster ARM has
now (clusters.ownership.may_delete), then accepted through the one accept flow; a cluster
already gone resolves the failure at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from provisioning.clusters.ownership import CLUSTER_GONE, ExistingCluster, may_delete
from provisioning.jobs.claims import HolderGone
from provisioning.jobs.events import log_attempt_event
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import ProvisionRequest, TaskStatus, TaskType
from provisioning.operations.attempts import (
    AcceptedAttempt,
    OrchestrationTiming,
    accept_task,
    get_task,
    orchestration_input,
    portal_url_of,
)
from provisioning.operations.registry import DELETE

logger = logging.getLogger(__name__)


class NotDeletable(Exception):
    """delete-cluster asked for an attempt that left no cluster behind (or is still active)."""


ClusterReader = Callable[[ProvisionRequest], ExistingCluster | None]


def accept_cluster_delete(
    repo: JobStateRepository,
    owner_id: str,
    task_id: str,
    *,
    read_existing: ClusterReader,
    tenant_id: str,
    timing: OrchestrationTiming,
    now: datetime,
    unique: str,
    holder_gone: HolderGone | None = None,
) -> AcceptedAttempt:
    """Start cleanup of a partial cluster: only the one this unresolved attempt left behind.

    `read_existing` reads the cluster from ARM now. A cluster that is gone needs no
    cleanup: the failure is resolved at once. One that is neither this attempt's nor the
    caller's failed one is refused (the cleanup step checks again, with the etag).
    """
    original = get_task(repo, owner_id, task_id)
    _check_deletable(original)
    answered, existing = _read_for_delete(read_existing, original.request)
    if existing is not None and not may_delete(existing, owner_id, task_id):
        raise NotDeletable(
            f"the cluster '{original.request.cluster_name}' now in resource group "
            f"'{original.request.resource_group}' is not the one this attempt created, so it "
            "will not be deleted from here"
        )
    request = original.request
    job = JobState.new(
        owner_id,
        new_task_id(now, unique),
        request,
        now=now,
        task_type=TaskType.AKS_DELETE,
        total_steps=DELETE.steps.total,
        target_task_id=task_id,
    )
    portal_url = original.portal_url or portal_url_of(request, tenant_id)
    if answered and existing is None:
        return _finish_gone_delete(repo, job, timing, portal_url, now=now)
    attempt = orchestration_input(job, timing, portal_url)
    return accept_task(repo, job, attempt, now=now, holder_gone=holder_gone)


# Why an attempt has no partial cluster to delete: (applies to the attempt, the reason).
NOT_DELETABLE_RULES: tuple[tuple[Callable[[JobState], bool], Callable[[JobState], str]], ...] = (
    (
        lambda job: job.type != TaskType.AKS_PROVISION,
        lambda job: "only a cluster provisioning attempt can have a partial cluster",
    ),
    (
        lambda job: job.status not in (TaskStatus.FAILED, TaskStatus.CANCELLED),
        lambda job: (
            f"the attempt is {job.status}; only a failed or cancelled attempt's "
            "partial cluster can be deleted here"
        ),
    ),
    (
        lambda job: not job.cluster_seen,
        lambda job: "the attempt never created a cluster resource, so there is nothing to delete",
    ),
    (
        lambda job: bool(job.resolved_by),
        lambda job: (
            "this failure is already resolved (a later attempt for the same cluster "
            "succeeded, or its cluster was deleted), so its cleanup would touch a cluster "
            "it no longer owns"
        ),
    ),
    (
        lambda job: job.dismissed_at is not None,
        lambda job: "this failure was dismissed; manage the cluster from the portal",
    ),
)


def _check_deletable(original: JobState) -> None:
    """Why an attempt has no partial cluster to delete (NotDeletable), if it has none."""
    for applies, reason in NOT_DELETABLE_RULES:
        if applies(original):
            raise NotDeletable(reason(original))


def _read_for_delete(
    read_existing: ClusterReader, request: ProvisionRequest
) -> tuple[bool, ExistingCluster | None]:
    """(ARM answered, the cluster now); when ARM is silent, the cleanup step decides later."""
    try:
        return True, read_existing(request)
    except Exception as exc:  # ARM unreachable: the delete step reads again, with retries
        logger.warning("could not read %s before its cleanup: %s", request.cluster_name, exc)
        return False, None


def _finish_gone_delete(
    repo: JobStateRepository,
    job: JobState,
    timing: OrchestrationTiming,
    portal_url: str,
    *,
    now: datetime,
) -> AcceptedAttempt:
    """The cluster is already gone: record the cleanup as done and resolve the failure."""
    done = replace(
        job,
        status=TaskStatus.SUCCEEDED,
        step=DELETE.steps.succeeded,
        step_index=job.total_steps,
        cluster_state="Deleted",
        updated_at=now,
    )
    repo.insert_new(done)
    if job.target_task_id:
        repo.resolve(job.owner_id, job.target_task_id, CLUSTER_GONE, now=now)
    log_attempt_event("attempt_finished", done)
    return AcceptedAttempt(
        job.task_id, True, orchestration_input(job, timing, portal_url), str(done.status)
    )
