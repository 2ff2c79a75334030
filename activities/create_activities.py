"""The create's own activities: the PUT and the abort after a cancel (operations.create_work)."""

from typing import Any

from activities import names
from activities.blueprint import blueprint, now


@blueprint.activity_trigger(input_name="attempt", activity=names.SUBMIT_CLUSTER_CREATE)
def submit_cluster_create(attempt: dict[str, Any]) -> dict[str, Any]:
    """PUT the managed cluster; returns once ARM accepted it."""
    from provisioning import clients
    from provisioning.operations import create_work
    from provisioning.operations.messages import OperationInput

    return create_work.submit_cluster_create(
        clients.jobstate_repository_or_none(),
        clients.container_service_client(),
        OperationInput.from_dict(attempt),
        now=now(),
    ).to_dict()


@blueprint.activity_trigger(input_name="attempt", activity=names.ABORT_CLUSTER_CREATE)
def abort_cluster_create(attempt: dict[str, Any]) -> dict[str, Any]:
    """Abort the running create after a cancel (best effort)."""
    from provisioning import clients
    from provisioning.operations import create_work
    from provisioning.operations.messages import OperationInput

    return create_work.abort_cluster_create(
        clients.container_service_client(), OperationInput.from_dict(attempt)
    ).to_dict()
