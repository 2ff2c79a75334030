"""/api/aks/*: start an attempt, recent failures, attempt history."""

import logging
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import azure.durable_functions as df
import azure.functions as func

from api.blueprint import blueprint
from api.bulkheads import storage_bound
from api.orchestration_start import accepted_response, start_and_answer, timing, workflow_check
from api.responses import (
    answers_errors_async,
    caller,
    json_response,
)
from orchestrators.blueprint import PROVISION_CLUSTER

if TYPE_CHECKING:
    from provisioning.jobs.recent_failures import RecentFailures
    from provisioning.jobs.state import JobState

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"


@blueprint.route(route="aks/provision", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
@answers_errors_async
async def start_provision(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Accept a cluster request: one JobState insert, then start provision_cluster."""
    from provisioning import clients
    from provisioning.operations.attempts import accept_provision
    from provisioning.operations.stale_claims import stale_holder_check
    from provisioning.requests.validation import decode_json_body, validate_idempotency_key
    from provisioning.settings import get_settings

    owner = caller(req)
    key = validate_idempotency_key(req.headers.get(IDEMPOTENCY_HEADER))
    body = decode_json_body(req.get_body())
    settings = get_settings()
    storage = storage_bound()
    repo = await storage.run(clients.jobstate_repository_or_none)
    now = datetime.now(UTC)
    holder_gone = (
        stale_holder_check(repo, owner.owner_id, workflow_check(client), now=now)
        if repo is not None
        else None
    )
    accepted = await storage.run(
        accept_provision,
        repo,
        owner.owner_id,
        body,
        subscription_id=settings.subscription_id,
        tenant_id=settings.tenant_id,
        timing=timing(),
        idempotency_key=key,
        now=now,
        unique=uuid.uuid4().hex[:12],
        holder_gone=holder_gone,
    )
    if accepted.already_existed:
        return accepted_response(accepted)
    return await start_and_answer(client, PROVISION_CLUSTER, accepted, repo, what="attempt")


@blueprint.route(route="aks/recent-failed-provisions", methods=["GET"])
@answers_errors_async
async def list_recent_failed_provisions(req: func.HttpRequest) -> func.HttpResponse:
    """The caller's unresolved recent failures; degraded (never 500) when storage is down."""
    from provisioning import clients
    from provisioning.jobs.documents import recent_failure_row
    from provisioning.jobs.recent_failures import recent_failures
    from provisioning.jobs.tables import StorageUnavailable
    from provisioning.requests.bounds import RECENT_FAILURES_HOURS, RECENT_FAILURES_LIMIT

    owner = caller(req)
    hours = RECENT_FAILURES_HOURS.read(req.params)
    limit = RECENT_FAILURES_LIMIT.read(req.params)

    def read() -> "RecentFailures":
        repo = clients.jobstate_repository()
        return recent_failures(
            repo, owner.owner_id, now=datetime.now(UTC), hours=hours, limit=limit
        )

    try:
        found = await storage_bound().run(read)
    except StorageUnavailable as exc:
        logger.warning("recent failures degraded: %s", exc)
        return json_response({"jobs": [], "degraded": True, "hours": hours, "limit": limit})
    jobs = [recent_failure_row(job) for job in found.jobs]
    return json_response({"jobs": jobs, "degraded": False, "hours": hours, "limit": limit})


@blueprint.route(route="aks/provisions", methods=["GET"])
@answers_errors_async
async def list_provisions(req: func.HttpRequest) -> func.HttpResponse:
    """The caller's attempt history, newest first (any status and type)."""
    from provisioning import clients
    from provisioning.jobs.documents import task_document
    from provisioning.requests.bounds import HISTORY_LIMIT

    owner = caller(req)
    limit = HISTORY_LIMIT.read(req.params)

    def read() -> "list[JobState]":
        return clients.jobstate_repository().list_history(owner.owner_id, limit)

    history = await storage_bound().run(read)
    return json_response({"jobs": [task_document(job) for job in history], "limit": limit})
