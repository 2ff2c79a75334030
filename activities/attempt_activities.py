"""Activities of every cluster operation: each is a few lines over a domain step with real clients.

Inputs arrive as JSON and are rebuilt with `from_dict`; results leave as `to_dict()`.
Domain modules and clients are imported inside each activity (cold start is a budget).
"""

from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df

from activities import names

blueprint = df.Blueprint()


def _now() -> datetime:
    return datetime.now(UTC)


@blueprint.activity_trigger(input_name="attempt", activity=names.BEGIN_ATTEMPT)
def begin_attempt(attempt: dict[str, Any]) -> dict[str, Any]:
    """Mark the attempt running (writing its row if the accept-time insert was lost)."""
    from provisioning import attempt_steps, clients
    from provisioning.operation_messages import OperationInput

    return attempt_steps.begin_attempt(
        clients.jobstate_repository_or_none(), OperationInput.from_dict(attempt), now=_now()
    ).to_dict()


@blueprint.activity_trigger(input_name="attempt", activity=names.SUBMIT_CLUSTER_CREATE)
def submit_cluster_create(attempt: dict[str, Any]) -> dict[str, Any]:
    """PUT the managed cluster; returns once ARM accepted it."""
    from provisioning import clients, create_steps
    from provisioning.operation_messages import OperationInput

    return create_steps.submit_cluster_create(
        clients.jobstate_repository_or_none(),
        clients.container_service_client(),
        OperationInput.from_dict(attempt),
        now=_now(),
    ).to_dict()


@blueprint.activity_trigger(input_name="attempt", activity=names.POLL_CLUSTER)
def poll_cluster(attempt: dict[str, Any]) -> dict[str, Any]:
    """Read and publish the cluster's provisioningState."""
    from provisioning import attempt_steps, clients
    from provisioning.operation_messages import OperationInput

    return attempt_steps.poll_cluster(
        clients.jobstate_repository_or_none(),
        clients.container_service_client(),
        OperationInput.from_dict(attempt),
        now=_now(),
    ).to_dict()


@blueprint.activity_trigger(input_name="attempt", activity=names.ABORT_CLUSTER_CREATE)
def abort_cluster_create(attempt: dict[str, Any]) -> dict[str, Any]:
    """Abort the running create after a cancel (best effort)."""
    from provisioning import clients, create_steps
    from provisioning.operation_messages import OperationInput

    return create_steps.abort_cluster_create(
        clients.container_service_client(), OperationInput.from_dict(attempt)
    ).to_dict()


@blueprint.activity_trigger(input_name="attempt", activity=names.SUBMIT_CLUSTER_DELETE)
def submit_cluster_delete(attempt: dict[str, Any]) -> dict[str, Any]:
    """Start deleting a partial cluster."""
    from provisioning import clients, delete_steps
    from provisioning.operation_messages import OperationInput

    return delete_steps.submit_cluster_delete(
        clients.jobstate_repository_or_none(),
        clients.container_service_client(),
        OperationInput.from_dict(attempt),
        now=_now(),
    ).to_dict()


@blueprint.activity_trigger(input_name="payload", activity=names.FINISH_ATTEMPT)
def finish_attempt(payload: dict[str, Any]) -> dict[str, Any]:
    """Store the terminal outcome; raises on storage faults so the retry policy tries again."""
    from provisioning import attempt_steps, clients
    from provisioning.operation_messages import FinishInput

    finish = FinishInput.from_dict(payload)
    return attempt_steps.finish_attempt(
        clients.jobstate_repository(), finish.attempt, finish.outcome, now=_now()
    ).to_dict()
