"""The lifecycle operations' own activities: submit a change, abort it on cancel."""

from typing import Any

from activities import names
from activities.blueprint import blueprint, now


@blueprint.activity_trigger(input_name="attempt", activity=names.SUBMIT_CLUSTER_CHANGE)
def submit_cluster_change(attempt: dict[str, Any]) -> dict[str, Any]:
    """Stop, start, scale or upgrade the caller's cluster; returns once ARM accepted it."""
    from provisioning import clients
    from provisioning.operations import change_work
    from provisioning.operations.messages import OperationInput

    return change_work.submit_cluster_change(
        clients.jobstate_repository_or_none(),
        clients.container_service_client(),
        OperationInput.from_dict(attempt),
        now=now(),
    ).to_dict()


@blueprint.activity_trigger(input_name="attempt", activity=names.ABORT_CLUSTER_CHANGE)
def abort_cluster_change(attempt: dict[str, Any]) -> dict[str, Any]:
    """Abort the running lifecycle operation after a cancel (best effort)."""
    from provisioning import clients
    from provisioning.operations import change_work
    from provisioning.operations.messages import OperationInput

    return change_work.abort_cluster_change(
        clients.container_service_client(), OperationInput.from_dict(attempt)
    ).to_dict()
