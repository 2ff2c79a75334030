"""Activities of both orchestrations: each is a few lines over a domain step with real clients."""

import logging
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df

from activities import names

logger = logging.getLogger(__name__)
blueprint = df.Blueprint()


def _now() -> datetime:
    return datetime.now(UTC)


@blueprint.activity_trigger(input_name="attempt", activity=names.BEGIN_ATTEMPT)
def begin_attempt(attempt: dict[str, Any]) -> dict[str, Any]:
    """Mark the attempt running (writing its row if the accept-time insert was lost)."""
    from provisioning import attempt_steps, clients

    return attempt_steps.begin_attempt(
        clients.jobstate_repository_or_none(), attempt, now=_now()
    )


@blueprint.activity_trigger(input_name="attempt", activity=names.SUBMIT_CLUSTER_CREATE)
def submit_cluster_create(attempt: dict[str, Any]) -> dict[str, Any]:
    """PUT the managed cluster; returns once ARM accepted it."""
    from provisioning import attempt_steps, clients

    return attempt_steps.submit_cluster_create(
        clients.jobstate_repository_or_none(),
        clients.container_service_client(),
        attempt,
        now=_now(),
    )


@blueprint.activity_trigger(input_name="attempt", activity=names.POLL_CLUSTER)
def poll_cluster(attempt: dict[str, Any]) -> dict[str, Any]:
    """Read and publish the cluster's provisioningState."""
    from provisioning import attempt_steps, clients

    return attempt_steps.poll_cluster(
        clients.jobstate_repository_or_none(),
        clients.container_service_client(),
        attempt,
        now=_now(),
    )


@blueprint.activity_trigger(input_name="attempt", activity=names.ABORT_CLUSTER_CREATE)
def abort_cluster_create(attempt: dict[str, Any]) -> dict[str, Any]:
    """Abort the running create after a cancel (best effort)."""
    from provisioning import attempt_steps, clients

    return attempt_steps.abort_cluster_create(clients.container_service_client(), attempt)


@blueprint.activity_trigger(input_name="attempt", activity=names.SUBMIT_CLUSTER_DELETE)
def submit_cluster_delete(attempt: dict[str, Any]) -> dict[str, Any]:
    """Start deleting a partial cluster."""
    from provisioning import attempt_steps, clients

    return attempt_steps.submit_cluster_delete(
        clients.jobstate_repository_or_none(),
        clients.container_service_client(),
        attempt,
        now=_now(),
    )


@blueprint.activity_trigger(input_name="payload", activity=names.FINISH_ATTEMPT)
def finish_attempt(payload: dict[str, Any]) -> dict[str, Any]:
    """Store the terminal outcome; raises on storage faults so the retry policy tries again."""
    from provisioning import attempt_steps, clients

    return attempt_steps.finish_attempt(
        clients.jobstate_repository(), payload["attempt"], payload["outcome"], now=_now()
    )
