"""The delete's own activity: start deleting the cluster (provisioning.operations.delete_work)."""

from typing import Any

from activities import names
from activities.blueprint import blueprint, now


@blueprint.activity_trigger(input_name="attempt", activity=names.SUBMIT_CLUSTER_DELETE)
def submit_cluster_delete(attempt: dict[str, Any]) -> dict[str, Any]:
    """Remove the product's role assignments on the cluster, then start deleting it."""
    from provisioning import clients
    from provisioning.operations import delete_work
    from provisioning.operations.messages import OperationInput

    return delete_work.submit_cluster_delete(
        clients.jobstate_repository_or_none(),
        clients.container_service_client(),
        OperationInput.from_dict(attempt),
        now=now(),
        authorization=clients.authorization_client(),
    ).to_dict()
