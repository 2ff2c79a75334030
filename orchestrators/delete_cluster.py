"""delete_cluster: delete a partial cluster or one of yours, poll until it is gone.

Only the trigger lives here: the operation's definition (orchestrators.delete_operation) and the
domain it uses are imported on the first episode, not when function_app is imported.
"""

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from orchestrators.blueprint import DELETE_CLUSTER, blueprint


@blueprint.orchestration_trigger(context_name="context", orchestration=DELETE_CLUSTER)
def delete_cluster(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """Delete the cluster, poll until it is gone; success resolves the original failure."""
    from orchestrators.cluster_operation import run_cluster_operation
    from orchestrators.delete_operation import DELETE

    return (yield from run_cluster_operation(context, DELETE))
