"""The create's "Granting you access" step: both access roles to the caller, on the new cluster.

Idempotent (the assignment names are derived, so a re-run makes no new assignment). A refusal
never fails the create: the step returns a warning whose Grant access action carries the
commands an admin can run. A transient fault raises, so the orchestrator's retry policy tries
again; after the last retry the orchestrator turns it into the same warning.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from provisioning.clusters.access_grants import (
    ACCESS_ROLES,
    access_not_granted,
    assign_role,
    is_object_id,
)
from provisioning.errors.classify import classify_exception, is_transient
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.rules import record_progress
from provisioning.operations.messages import AccessGranted, OperationInput
from provisioning.operations.shared_work import TransientArmFailure, arm_context, publish_progress
from provisioning.operations.step_tables import Phase
from provisioning.portal_links import cluster_resource_id

logger = logging.getLogger(__name__)

NOT_AN_OBJECT_ID = "your sign-in did not come with a Microsoft Entra object id"


def attempt_cluster_id(attempt: OperationInput) -> str:
    """The scope of the attempt's role assignments: its cluster's ARM id."""
    request = attempt.request
    return cluster_resource_id(
        request.subscription_id, request.resource_group, request.cluster_name
    )


def grant_cluster_access(
    repo: JobStateRepository | None, client: Any, attempt: OperationInput, *, now: datetime
) -> AccessGranted:
    """Assign the caller both roles at the cluster's scope; a refusal is a warning, not a fault."""
    _publish_granting(repo, attempt, now=now)
    cluster_id = attempt_cluster_id(attempt)
    principal = attempt.owner_id
    if not is_object_id(principal):
        logger.warning("not granting access on %s: the owner id is no object id", cluster_id)
        return AccessGranted(False, access_not_granted(cluster_id, principal, NOT_AN_OBJECT_ID))
    for role in ACCESS_ROLES:
        try:
            assign_role(client, attempt.request.subscription_id, cluster_id, principal, role)
        except Exception as exc:  # every ARM fault is classified, never swallowed
            error = classify_exception(exc, **arm_context(attempt.request))
            if is_transient(error):
                raise TransientArmFailure(error) from exc
            logger.warning("could not grant %s on %s: %s", role.name, cluster_id, error.code)
            reason = f"Azure answered {error.code}"
            return AccessGranted(False, access_not_granted(cluster_id, principal, reason))
    return AccessGranted(True)


def grant_failed_warning(attempt: OperationInput, reason: str) -> AccessGranted:
    """The grant step kept failing (retries exhausted): the create succeeds with a warning."""
    cluster_id = attempt_cluster_id(attempt)
    return AccessGranted(False, access_not_granted(cluster_id, attempt.owner_id, reason))


def _publish_granting(
    repo: JobStateRepository | None, attempt: OperationInput, *, now: datetime
) -> None:
    """Show "Granting you access" in the row (best effort, like every progress write)."""
    steps = attempt.steps
    publish_progress(
        repo,
        attempt,
        lambda job: record_progress(
            job,
            now=now,
            step=steps.name(Phase.GRANTING),
            step_index=steps.index(Phase.GRANTING),
        ),
    )
