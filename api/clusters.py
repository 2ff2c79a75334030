"""/api/aks/clusters: the caller's clusters (by owner tag) and their lifecycle operations.

Domain modules are imported inside the handlers: nothing here may cost the cold start.
"""

import logging
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import azure.durable_functions as df
import azure.functions as func

from api.blueprint import blueprint
from api.bulkheads import arm_bound
from api.orchestration_start import start_and_answer, timing
from api.responses import answers_errors_async, caller, json_response

if TYPE_CHECKING:
    from provisioning.clusters.listing import YourClusters
    from provisioning.jobs.repository import JobStateRepository
    from provisioning.operations.attempts import AcceptedAttempt, OrchestrationTiming
    from provisioning.operations.lifecycle import LifecycleRequest

logger = logging.getLogger(__name__)


@blueprint.route(route="aks/clusters", methods=["GET"])
@answers_errors_async
async def list_clusters(req: func.HttpRequest) -> func.HttpResponse:
    """Your clusters with live state; reading the list resolves failures whose cluster is gone."""
    owner = caller(req)
    answer = await arm_bound().run(_your_clusters, owner.owner_id, datetime.now(UTC))
    return json_response(answer.to_dict())


def _your_clusters(owner_id: str, now: datetime) -> "YourClusters":
    """The list's blocking part (ARM and storage), on the ARM-bound threads."""
    from provisioning import clients
    from provisioning.catalog.sources import azure_sources, catalog_cache
    from provisioning.clusters.listing import your_clusters
    from provisioning.preflight.run import cached_versions
    from provisioning.settings import get_settings

    sources = azure_sources()
    cache = catalog_cache()
    return your_clusters(
        clients.jobstate_repository_or_none(),
        sources.containers,
        lambda region: cached_versions(sources, cache, region),
        owner_id,
        get_settings().tenant_id,
        now=now,
    )


async def _start_lifecycle(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, operation: str
) -> func.HttpResponse:
    """Parse, authorize, accept (ownership, state, claim), start the orchestration."""
    owner = caller(req)
    from orchestrators.blueprint import CHANGE_CLUSTER, DELETE_CLUSTER
    from provisioning.operations.allowed_states import LifecycleOperation
    from provisioning.operations.lifecycle import validate_lifecycle_request
    from provisioning.requests.validation import decode_json_body

    kind = LifecycleOperation(operation)
    raw = req.get_body()
    wanted = validate_lifecycle_request(
        kind,
        req.route_params.get("resource_group", ""),
        req.route_params.get("cluster_name", ""),
        decode_json_body(raw) if raw else None,
    )
    repo, accepted = await arm_bound().run(
        _accept_lifecycle, owner.owner_id, wanted, timing(), datetime.now(UTC)
    )
    orchestrator = DELETE_CLUSTER if kind is LifecycleOperation.DELETE else CHANGE_CLUSTER
    return await start_and_answer(client, orchestrator, accepted, repo, what=f"{operation}")


def _accept_lifecycle(
    owner_id: str, wanted: "LifecycleRequest", timing: "OrchestrationTiming", now: datetime
) -> "tuple[JobStateRepository, AcceptedAttempt]":
    """The accept's blocking part, on the ARM-bound threads; ARM's silence is 503, not 500."""
    from provisioning import clients
    from provisioning.clusters.change_calls import read_upgrades
    from provisioning.clusters.inventory import read_one_cluster
    from provisioning.errors.arm_unavailable import answered_by_arm
    from provisioning.operations.lifecycle import accept_lifecycle_operation
    from provisioning.settings import get_settings

    repo = clients.jobstate_repository()
    arm = clients.request_container_service_client()
    settings = get_settings()
    accepted = accept_lifecycle_operation(
        repo,
        owner_id,
        wanted,
        read_view=answered_by_arm(lambda group, name: read_one_cluster(arm, group, name)),
        read_upgrades=answered_by_arm(lambda group, name: read_upgrades(arm, group, name)),
        subscription_id=settings.subscription_id,
        tenant_id=settings.tenant_id,
        timing=timing,
        now=now,
        unique=uuid.uuid4().hex[:12],
    )
    return repo, accepted


CLUSTER_ROUTE = "aks/clusters/{resource_group}/{cluster_name}"


@blueprint.route(route=f"{CLUSTER_ROUTE}/stop", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
@answers_errors_async
async def stop_cluster(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Stop one of your running clusters (aks_stop)."""
    return await _start_lifecycle(req, client, "stop")


@blueprint.route(route=f"{CLUSTER_ROUTE}/start", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
@answers_errors_async
async def start_cluster(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Start one of your stopped clusters (aks_start)."""
    return await _start_lifecycle(req, client, "start")


@blueprint.route(route=f"{CLUSTER_ROUTE}/scale", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
@answers_errors_async
async def scale_cluster(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Change one node pool's count (aks_scale)."""
    return await _start_lifecycle(req, client, "scale")


@blueprint.route(route=f"{CLUSTER_ROUTE}/upgrade", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
@answers_errors_async
async def upgrade_cluster(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Upgrade the control plane to one of the cluster's upgrades (aks_upgrade)."""
    return await _start_lifecycle(req, client, "upgrade")


@blueprint.route(route=f"{CLUSTER_ROUTE}/delete", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
@answers_errors_async
async def delete_owned_cluster(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Delete one of your clusters after the name was typed to confirm (aks_delete)."""
    return await _start_lifecycle(req, client, "delete")
