"""/api/aks/clusters/{rg}/{name}/guardrails: set, remove and extend a cluster's cost guardrails.

Setting them starts the cluster's guard orchestration (or wakes the running one with
"changed"); extending wakes it with "extended". Domain modules are imported inside the
handlers: nothing here may cost the cold start.
"""

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import azure.durable_functions as df
import azure.functions as func

from api.blueprint import blueprint
from api.clusters import CLUSTER_ROUTE
from api.orchestration_start import durable_call
from api.responses import answers_errors_async, caller, error_response, json_response

if TYPE_CHECKING:
    from provisioning.clusters.inventory import ClusterView
    from provisioning.guardrails.messages import GuardInput

logger = logging.getLogger(__name__)

RUNNING_STATUSES = ("Running", "Pending", "ContinuedAsNew")


def _route_names(req: func.HttpRequest) -> tuple[str, str]:
    """The route's names; a malformed one cannot exist (404, like someone else's cluster)."""
    from provisioning.operations.lifecycle import ClusterNotFound
    from provisioning.requests.validation import CLUSTER_NAME_PATTERN, RESOURCE_GROUP_PATTERN

    group = req.route_params.get("resource_group", "")
    name = req.route_params.get("cluster_name", "")
    if not RESOURCE_GROUP_PATTERN.fullmatch(group) or not CLUSTER_NAME_PATTERN.fullmatch(name):
        raise ClusterNotFound(f"{group}/{name}")
    return group, name


async def _your_cluster(owner_id: str, group: str, name: str) -> "ClusterView":
    """The cluster from ARM (one read), if it carries the caller's owner tag."""
    from provisioning import clients
    from provisioning.clusters.inventory import read_one_cluster
    from provisioning.guardrails.service import owned

    arm = await asyncio.to_thread(clients.container_service_client)
    view = await asyncio.to_thread(read_one_cluster, arm, group, name)
    return owned(view, owner_id, group, name)


def _guard_input(owner_id: str, view: "ClusterView") -> "GuardInput":
    """The guard's input: the cluster and the settings it runs with."""
    from provisioning.guardrails.messages import GuardInput
    from provisioning.settings import get_settings

    settings = get_settings()
    return GuardInput(
        owner_id=owner_id,
        resource_group=view.resource_group,
        cluster_name=view.name,
        subscription_id=settings.subscription_id,
        tenant_id=settings.tenant_id,
        check_seconds=settings.guardrail_check_seconds,
        minute_seconds=settings.guardrail_minute_seconds,
        idle_cpu_percent=settings.guardrail_idle_cpu_percent,
        poll_seconds=settings.poll_seconds,
        deadline_minutes=settings.deadline_minutes,
    )


async def _wake_guard(client: df.DurableOrchestrationClient, instance_id: str, event: str) -> bool:
    """Raise `event` on the running guard; False when there is none running."""
    status = await durable_call(client.get_status(instance_id))
    runtime = status.runtime_status.value if status and status.runtime_status else None
    if runtime not in RUNNING_STATUSES:
        return False
    await durable_call(client.raise_event(instance_id, event, None))
    return True


async def _start_or_wake_guard(
    client: df.DurableOrchestrationClient, guard: "GuardInput", instance_id: str
) -> None:
    """Wake the cluster's running guard, else start it (a racing start falls back to a wake)."""
    from orchestrators.blueprint import GUARD_CLUSTER, GUARDRAILS_CHANGED_EVENT

    if await _wake_guard(client, instance_id, GUARDRAILS_CHANGED_EVENT):
        return
    try:
        await durable_call(client.start_new(GUARD_CLUSTER, instance_id, guard.to_dict()))
    except TimeoutError:
        raise
    except Exception as exc:  # another request started it a moment ago: wake that one
        logger.info("guard %s already started (%s); waking it", instance_id, exc)
        if not await _wake_guard(client, instance_id, GUARDRAILS_CHANGED_EVENT):
            raise


@blueprint.route(route=f"{CLUSTER_ROUTE}/guardrails", methods=["PUT"])
@blueprint.durable_client_input(client_name="client")
@answers_errors_async
async def put_guardrails(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Set (or, with all three null, remove) the cluster's guardrails; 200 with the document."""
    owner = caller(req)
    from orchestrators.blueprint import GUARDRAILS_CHANGED_EVENT
    from provisioning import clients
    from provisioning.guardrails.documents import guardrails_document
    from provisioning.guardrails.model import instance_id_for
    from provisioning.guardrails.service import set_guardrails
    from provisioning.guardrails.validation import validate_guardrails
    from provisioning.requests.validation import decode_json_body

    group, name = _route_names(req)
    raw = req.get_body()
    now = datetime.now(UTC)
    wanted = validate_guardrails(decode_json_body(raw) if raw else None, now=now)
    view = await _your_cluster(owner.owner_id, group, name)
    guards = await asyncio.to_thread(clients.guardrail_repository)
    record = await asyncio.to_thread(set_guardrails, guards, owner.owner_id, view, wanted, now=now)
    instance_id = instance_id_for(owner.owner_id, view.resource_group, view.name)
    guard = _guard_input(owner.owner_id, view)
    try:
        if record is None:
            await _wake_guard(
                client, instance_id, GUARDRAILS_CHANGED_EVENT
            )  # it ends at its next look
        else:
            await _start_or_wake_guard(client, guard, instance_id)
    except Exception as exc:  # the engine refused, is down or did not answer in time
        logger.error("could not start or wake guard %s: %s", instance_id, exc)
        if record is not None:
            return error_response(
                503, "orchestration_unavailable", "Could not start the guardrails; try again."
            )
    return json_response(guardrails_document(record, view.power_state, now, guard.timing))


@blueprint.route(route=f"{CLUSTER_ROUTE}/guardrails/extend", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
@answers_errors_async
async def extend_guardrails(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Move the next automatic stop at least `minutes` out; 409 nothing_to_extend if none."""
    owner = caller(req)
    from orchestrators.blueprint import GUARDRAILS_EXTENDED_EVENT
    from provisioning import clients
    from provisioning.guardrails import service
    from provisioning.guardrails.documents import guardrails_document
    from provisioning.guardrails.model import instance_id_for
    from provisioning.guardrails.validation import validate_extension
    from provisioning.requests.validation import decode_json_body

    group, name = _route_names(req)
    raw = req.get_body()
    minutes = validate_extension(decode_json_body(raw) if raw else None)
    view = await _your_cluster(owner.owner_id, group, name)
    guards = await asyncio.to_thread(clients.guardrail_repository)
    guard = _guard_input(owner.owner_id, view)
    now = datetime.now(UTC)
    record = await asyncio.to_thread(
        service.extend_guardrails,
        guards,
        owner.owner_id,
        view,
        minutes,
        now=now,
        timing=guard.timing,
    )
    instance_id = instance_id_for(owner.owner_id, view.resource_group, view.name)
    try:  # the row already holds the extension: the guard reads it at its next look anyway
        await _wake_guard(client, instance_id, GUARDRAILS_EXTENDED_EVENT)
    except Exception as exc:
        logger.warning("could not wake guard %s after an extension: %s", instance_id, exc)
    return json_response(guardrails_document(record, view.power_state, now, guard.timing))
