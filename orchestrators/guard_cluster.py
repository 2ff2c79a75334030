"""guard_cluster: the eternal guard of one cluster's cost guardrails (one instance per cluster).

Only the trigger lives here: the loop (orchestrators.guard_loop) and the domain it uses are
imported on the first episode, not when function_app is imported.
"""

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from orchestrators.blueprint import GUARD_CLUSTER, blueprint


@blueprint.orchestration_trigger(context_name="context", orchestration=GUARD_CLUSTER)
def guard_cluster(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """Check, act if due, sleep until the next check or an event, continue as new."""
    from orchestrators.guard_loop import guard_generation

    return (yield from guard_generation(context))
