"""provision_cluster: PUT the cluster, poll it with durable timers racing a cancel event.

Only the trigger lives here: the operation's definition (orchestrators.create_operation) and the
domain it uses are imported on the first episode, not when function_app is imported.
"""

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from orchestrators.blueprint import PROVISION_CLUSTER, blueprint


@blueprint.orchestration_trigger(context_name="context", orchestration=PROVISION_CLUSTER)
def provision_cluster(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """Create one AKS cluster; every exit path records a terminal JobState outcome."""
    from orchestrators.cluster_operation import run_cluster_operation
    from orchestrators.create_operation import PROVISION

    return (yield from run_cluster_operation(context, PROVISION))
