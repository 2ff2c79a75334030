"""Activities every cluster operation runs: begin, poll, finish (operations.shared_work)."""

from typing import Any

from activities import names
from activities.blueprint import blueprint, now


@blueprint.activity_trigger(input_name="attempt", activity=names.BEGIN_ATTEMPT)
def begin_attempt(attempt: dict[str, Any]) -> dict[str, Any]:
    """Mark the attempt running (writing its row if the accept-time insert was lost)."""
    from provisioning import clients
    from provisioning.operations import shared_work
    from provisioning.operations.messages import OperationInput

    return shared_work.begin_attempt(
        clients.jobstate_repository_or_none(), OperationInput.from_dict(attempt), now=now()
    ).to_dict()


@blueprint.activity_trigger(input_name="attempt", activity=names.POLL_CLUSTER)
def poll_cluster(attempt: dict[str, Any]) -> dict[str, Any]:
    """Read and publish the cluster's provisioningState."""
    from provisioning import clients
    from provisioning.operations import shared_work
    from provisioning.operations.messages import OperationInput

    return shared_work.poll_cluster(
        clients.jobstate_repository_or_none(),
        clients.container_service_client(),
        OperationInput.from_dict(attempt),
        now=now(),
    ).to_dict()


@blueprint.activity_trigger(input_name="payload", activity=names.FINISH_ATTEMPT)
def finish_attempt(payload: dict[str, Any]) -> dict[str, Any]:
    """Store the terminal outcome; raises on storage faults so the retry policy tries again."""
    from provisioning import clients
    from provisioning.operations import shared_work
    from provisioning.operations.messages import FinishInput

    finish = FinishInput.from_dict(payload)
    return shared_work.finish_attempt(
        clients.jobstate_repository(), finish.attempt, finish.outcome, now=now()
    ).to_dict()
