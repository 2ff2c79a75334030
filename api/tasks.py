"""/api/tasks/{task_id}: read, cancel, dismiss, delete the partial cluster."""

import asyncio
import logging
import uuid
from datetime import UTC, datetime

import azure.durable_functions as df
import azure.functions as func

from api.blueprint import blueprint
from api.orchestration_start import durable_call, start_and_answer, timing
from api.responses import (
    answers_errors,
    answers_errors_async,
    caller,
    error_response,
    json_response,
)
from orchestrators.blueprint import CANCEL_EVENT, DELETE_CLUSTER
from provisioning import clients
from provisioning.attempts import (
    TaskNotFound,
    accept_cluster_delete,
    cancel_attempt,
    dismiss_attempt,
    get_task,
)
from provisioning.settings import get_settings
from provisioning.task_documents import task_document
from provisioning.validation import RequestValidationError, validate_task_id

logger = logging.getLogger(__name__)


def _task_id(req: func.HttpRequest) -> str:
    """A task id from the route; a malformed one cannot exist, so it is simply not found."""
    try:
        return validate_task_id(req.route_params.get("task_id"))
    except RequestValidationError as exc:
        raise TaskNotFound(str(req.route_params.get("task_id"))) from exc


@blueprint.route(route="tasks/{task_id}", methods=["GET"])
@answers_errors
def get_task_document(req: func.HttpRequest) -> func.HttpResponse:
    """The caller's task document (404 for unknown or someone else's)."""
    owner = caller(req)
    job = get_task(clients.jobstate_repository(), owner.owner_id, _task_id(req))
    return json_response(task_document(job))


@blueprint.route(route="tasks/{task_id}/cancel", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
@answers_errors_async
async def cancel_task(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Ask a running attempt to stop (external event, never terminate); idempotent."""
    owner = caller(req)
    task_id = _task_id(req)
    repo = await asyncio.to_thread(clients.jobstate_repository)
    decision = await asyncio.to_thread(
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
            job = await asyncio.to_thread(get_task, repo, owner.owner_id, task_id)
            if job.status.is_terminal:
                return json_response(
                    {"task_id": task_id, "status": str(job.status), "was_running": False}
                )
    if not decision.was_running:
        return json_response(
            {"task_id": task_id, "status": decision.status, "was_running": False}
        )
    return json_response({"task_id": task_id, "status": "cancelling", "was_running": True}, 202)


@blueprint.route(route="tasks/{task_id}/dismiss", methods=["POST"])
@answers_errors
def dismiss_task(req: func.HttpRequest) -> func.HttpResponse:
    """Hide the failure on every device of this user."""
    owner = caller(req)
    job = dismiss_attempt(
        clients.jobstate_repository(), owner.owner_id, _task_id(req), now=datetime.now(UTC)
    )
    return json_response(task_document(job))


@blueprint.route(route="tasks/{task_id}/delete-cluster", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
@answers_errors_async
async def delete_partial_cluster(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Start the cleanup orchestration for the cluster a failed/cancelled attempt left."""
    owner = caller(req)
    task_id = _task_id(req)
    repo = await asyncio.to_thread(clients.jobstate_repository)
    accepted = await asyncio.to_thread(
        accept_cluster_delete,
        repo,
        owner.owner_id,
        task_id,
        tenant_id=get_settings().tenant_id,
        timing=timing(),
        now=datetime.now(UTC),
        unique=uuid.uuid4().hex[:12],
    )
    return await start_and_answer(client, DELETE_CLUSTER, accepted, repo, what="cleanup")
