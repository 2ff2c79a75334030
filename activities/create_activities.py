"""The create's own activities: the PUT, the abort after a cancel, the access grant."""

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


@blueprint.activity_trigger(input_name="attempt", activity=names.GRANT_CLUSTER_ACCESS)
def grant_cluster_access(attempt: dict[str, Any]) -> dict[str, Any]:
    """Grant the caller both access roles on the new cluster (operations.grant_work)."""
    from provisioning import clients
    from provisioning.operations import grant_work
    from provisioning.operations.messages import OperationInput

    return grant_work.grant_cluster_access(
        clients.jobstate_repository_or_none(),
        clients.authorization_client(),
        OperationInput.from_dict(attempt),
        now=now(),
    ).to_dict()
