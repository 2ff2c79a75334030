"""/api/tasks/{task_id}: read, cancel, dismiss, delete the partial cluster."""

import logging
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import azure.durable_functions as df
import azure.functions as func

from api.blueprint import blueprint
from api.bulkheads import arm_bound, storage_bound
from api.orchestration_start import (
    durable_call,
    runtime_status,
    start_and_answer,
    timing,
    workflow_check,
)
from api.responses import (
    answers_errors_async,
    caller,
    error_response,
    json_response,
)
from orchestrators.blueprint import CANCEL_EVENT, DELETE_CLUSTER

if TYPE_CHECKING:
    from provisioning.clusters.ownership import ExistingCluster
    from provisioning.jobs.state import JobState
    from provisioning.models import ProvisionRequest

logger = logging.getLogger(__name__)


def _task_id(req: func.HttpRequest) -> str:
    """A task id from the route; a malformed one cannot exist, so it is simply not found."""
    from provisioning.operations.attempts import TaskNotFound
    from provisioning.requests.validation import RequestValidationError, validate_task_id

    try:
        return validate_task_id(req.route_params.get("task_id"))
    except RequestValidationError as exc:
        raise TaskNotFound(str(req.route_params.get("task_id"))) from exc


@blueprint.route(route="tasks/{task_id}", methods=["GET"])
@blueprint.durable_client_input(client_name="client")
@answers_errors_async
async def get_task_document(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """The caller's task document (404 for unknown or someone else's).

    An active attempt whose orchestration is gone is recorded as failed on read, so a
    status never claims "running" for a workflow that no longer exists.
    """
    from provisioning import clients
    from provisioning.jobs.documents import task_document
    from provisioning.operations.attempts import get_task, record_orchestration_lost

    owner = caller(req)
    storage = storage_bound()
    repo = await storage.run(clients.jobstate_repository)
    job = await storage.run(get_task, repo, owner.owner_id, _task_id(req))
    if not job.status.is_terminal and await _orchestration_gone(client, job):
        job = await storage.run(
            record_orchestration_lost, repo, owner.owner_id, job.task_id, now=datetime.now(UTC)
        )
    return json_response(task_document(job))


async def _orchestration_gone(client: df.DurableOrchestrationClient, job: "JobState") -> bool:
    """Ask the engine whether the attempt's orchestration still exists (False if unsure)."""
    from provisioning.operations.attempts import orchestration_is_gone
    from provisioning.settings import get_settings

    try:
        runtime = await runtime_status(client, job.task_id)
    except Exception as exc:  # engine unreachable: say nothing rather than guess
        logger.info("status of orchestration %s unavailable: %s", job.task_id, exc)
        return False
    return orchestration_is_gone(
        job,
        runtime,
        now=datetime.now(UTC),
        start_grace_seconds=get_settings().accept_window_seconds,
    )


@blueprint.route(route="tasks/{task_id}/cancel", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
@answers_errors_async
async def cancel_task(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Ask a running attempt to stop (external event, never terminate); idempotent."""
    from provisioning import clients
    from provisioning.operations.attempts import get_task
    from provisioning.operations.cancellation import (
        cancel_attempt,
        cancel_lost_attempt,
        cancel_not_delivered,
    )

    owner = caller(req)
    task_id = _task_id(req)
    storage = storage_bound()
    repo = await storage.run(clients.jobstate_repository)
    job = await storage.run(get_task, repo, owner.owner_id, task_id)
    if not job.status.is_terminal and await _orchestration_gone(client, job):
        decision = await storage.run(
            cancel_lost_attempt, repo, owner.owner_id, task_id, now=datetime.now(UTC)
        )
    else:
        decision = await storage.run(
            cancel_attempt, repo, owner.owner_id, task_id, now=datetime.now(UTC)
        )
    if decision.signal_orchestration:
        try:
            await durable_call(client.raise_event(task_id, CANCEL_EVENT, {"requested_by": "user"}))
        except TimeoutError:
            logger.error("cancel event for %s timed out", task_id)
            return error_response(
                503, "orchestration_unavailable", "Could not reach the workflow engine; try again."
            )
        except Exception as exc:  # finished (410) or never started (404) meanwhile
            logger.info("cancel event for %s not delivered: %s", task_id, exc)
            decision = await storage.run(cancel_not_delivered, repo, owner.owner_id, decision)
    return json_response(decision.to_dict(), 202 if decision.was_running else 200)


@blueprint.route(route="tasks/{task_id}/dismiss", methods=["POST"])
@answers_errors_async
async def dismiss_task(req: func.HttpRequest) -> func.HttpResponse:
    """Hide the failure on every device of this user."""
    from provisioning import clients
    from provisioning.jobs.documents import task_document
    from provisioning.operations.attempts import dismiss_attempt

    owner = caller(req)
    task_id = _task_id(req)

    def dismiss() -> "JobState":
        repo = clients.jobstate_repository()
        return dismiss_attempt(repo, owner.owner_id, task_id, now=datetime.now(UTC))

    return json_response(task_document(await storage_bound().run(dismiss)))


@blueprint.route(route="tasks/{task_id}/delete-cluster", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
@answers_errors_async
async def delete_partial_cluster(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Start the cleanup orchestration for the cluster a failed/cancelled attempt left."""
    from provisioning import clients
    from provisioning.operations.attempts import accept_cluster_delete
    from provisioning.operations.stale_claims import stale_holder_check
    from provisioning.settings import get_settings

    owner = caller(req)
    task_id = _task_id(req)
    repo = await storage_bound().run(clients.jobstate_repository)
    now = datetime.now(UTC)
    # It reads the cluster from ARM: the ARM-bound threads.
    accepted = await arm_bound().run(
        accept_cluster_delete,
        repo,
        owner.owner_id,
        task_id,
        read_existing=_read_existing_cluster,
        tenant_id=get_settings().tenant_id,
        timing=timing(),
        now=now,
        unique=uuid.uuid4().hex[:12],
        holder_gone=stale_holder_check(repo, owner.owner_id, workflow_check(client), now=now),
    )
    if accepted.already_existed:  # the cluster was already gone: nothing to start
        return json_response({"task_id": accepted.task_id, "status": accepted.status}, 202)
    return await start_and_answer(client, DELETE_CLUSTER, accepted, repo, what="cleanup")


def _read_existing_cluster(request: "ProvisionRequest") -> "ExistingCluster | None":
    """The cluster as ARM has it now (tags, state, etag), or None when it is gone."""
    from provisioning import clients
    from provisioning.clusters.arm_calls import read_cluster

    return read_cluster(
        clients.request_container_service_client(), request.resource_group, request.cluster_name
    )
