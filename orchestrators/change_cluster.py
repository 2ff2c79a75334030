"""change_cluster: stop, start, scale or upgrade one of your clusters.

Only the trigger lives here: the operation's definition (orchestrators.change_operation) and the
domain it uses are imported on the first episode, not when function_app is imported.
"""

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from orchestrators.blueprint import CHANGE_CLUSTER, blueprint


@blueprint.orchestration_trigger(context_name="context", orchestration=CHANGE_CLUSTER)
def change_cluster(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """Run one lifecycle change to its terminal outcome (JobState row, history, errors)."""
    from orchestrators.change_operation import CHANGE
    from orchestrators.cluster_operation import run_cluster_operation

    return (yield from run_cluster_operation(context, CHANGE))
