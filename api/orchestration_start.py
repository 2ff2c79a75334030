"""Starting orchestrations from HTTP handlers: bounded, and a failed start is recorded."""

import asyncio
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

import azure.durable_functions as df
import azure.functions as func

from api.bulkheads import storage_bound
from api.responses import error_response, json_response, task_urls

if TYPE_CHECKING:
    from provisioning.jobs.repository import JobStateRepository
    from provisioning.operations.attempts import AcceptedAttempt, OrchestrationTiming
    from provisioning.operations.messages import OperationInput
    from provisioning.operations.stale_claims import WorkflowCheck

logger = logging.getLogger(__name__)

T = TypeVar("T")


def timing() -> "OrchestrationTiming":
    """Poll interval and deadline for new orchestrations, from settings."""
    from provisioning.operations.attempts import OrchestrationTiming
    from provisioning.settings import get_settings

    settings = get_settings()
    return OrchestrationTiming(settings.poll_seconds, settings.deadline_minutes)


async def durable_call(call: Awaitable[T]) -> T:
    """A durable client call bounded by settings: a stuck backend raises TimeoutError."""
    from provisioning.settings import get_settings

    return await asyncio.wait_for(call, timeout=get_settings().durable_client_timeout_seconds)


async def runtime_status(client: df.DurableOrchestrationClient, task_id: str) -> str | None:
    """The task's orchestration runtime status, None when the engine has no such instance."""
    status = await durable_call(client.get_status(task_id))
    return status.runtime_status.value if status and status.runtime_status else None


def workflow_check(client: df.DurableOrchestrationClient) -> "WorkflowCheck":
    """Whether a task's workflow exists, askable from the request's worker threads.

    Built on the event loop (it keeps that loop); the check itself runs on a bulkhead thread
    and waits there for the engine's answer, never on the loop.
    """
    from provisioning.operations.stale_claims import WorkflowCheck
    from provisioning.settings import get_settings

    loop = asyncio.get_running_loop()
    settings = get_settings()

    def ask(task_id: str) -> str | None:
        future = asyncio.run_coroutine_threadsafe(runtime_status(client, task_id), loop)
        return future.result(timeout=settings.durable_client_timeout_seconds + 1)

    return WorkflowCheck(ask, timedelta(seconds=settings.accept_window_seconds))


def with_start_by(accepted: "AcceptedAttempt") -> "OperationInput":
    """The orchestration input plus the moment after which this request stops waiting for it.

    An engine that creates the instance later (the caller already got 503) must not proceed.
    """
    from provisioning.settings import get_settings

    bound = timedelta(seconds=get_settings().durable_client_timeout_seconds)
    return accepted.orchestration_input.with_start_by(datetime.now(UTC) + bound)


async def start_and_answer(
    client: df.DurableOrchestrationClient,
    orchestrator: str,
    accepted: "AcceptedAttempt",
    repo: "JobStateRepository | None",
    *,
    what: str,
) -> func.HttpResponse:
    """Start the orchestration and answer 202; if it cannot start, abandon it and answer 503."""
    from provisioning import clients
    from provisioning.operations.starts import abandon_unstarted_attempt

    try:
        start = client.start_new(orchestrator, accepted.task_id, with_start_by(accepted).to_dict())
        await durable_call(start)
    except Exception as exc:  # the durable backend refused, is down or did not answer in time
        logger.error("could not start orchestration %s: %s", accepted.task_id, exc)
        # Storage may be back by now even if it was not at accept time.
        storage = storage_bound()
        repo = repo or await storage.run(clients.jobstate_repository_or_none)
        await storage.run(abandon_unstarted_attempt, repo, accepted, now=datetime.now(UTC))
        return error_response(
            503, "orchestration_unavailable", f"Could not start the {what}; try again."
        )
    return accepted_response(accepted)


def accepted_response(accepted: "AcceptedAttempt") -> func.HttpResponse:
    """202 with the task id, its status and where to follow and stop it."""
    return json_response(
        {"task_id": accepted.task_id, "status": accepted.status, **task_urls(accepted.task_id)},
        202,
    )
