"""/api/aks/clusters: the caller's clusters (by owner tag) and their lifecycle operations.

Domain modules are imported inside the handlers: nothing here may cost the cold start.
"""

import asyncio
import logging
import uuid
from datetime import UTC, datetime

import azure.durable_functions as df
import azure.functions as func

from api.blueprint import blueprint
from api.orchestration_start import start_and_answer, timing
from api.responses import answers_errors_async, caller, json_response

logger = logging.getLogger(__name__)


@blueprint.route(route="aks/clusters", methods=["GET"])
@answers_errors_async
async def list_clusters(req: func.HttpRequest) -> func.HttpResponse:
    """Your clusters with live state; reading the list resolves failures whose cluster is gone."""
    owner = caller(req)
    from provisioning import clients
    from provisioning.catalog.sources import azure_sources, catalog_cache
    from provisioning.clusters.listing import CostSources, your_clusters
    from provisioning.guardrails.rules import GuardTiming
    from provisioning.preflight.run import cached_prices, cached_versions
    from provisioning.settings import get_settings

    settings = get_settings()
    sources = await asyncio.to_thread(azure_sources)
    repo = await asyncio.to_thread(clients.jobstate_repository_or_none)
    guards = await asyncio.to_thread(clients.guardrail_repository_or_none)
    cache = catalog_cache()
    answer = await asyncio.to_thread(
        your_clusters,
        repo,
        sources.containers,
        lambda region: cached_versions(sources, cache, region),
        owner.owner_id,
        settings.tenant_id,
        now=datetime.now(UTC),
        costs=CostSources(
            guards,
            lambda region: cached_prices(sources, cache, region),
            GuardTiming(settings.guardrail_minute_seconds),
        ),
    )
    return json_response(answer.to_dict())


async def _start_lifecycle(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, operation: str
) -> func.HttpResponse:
    """Parse, authorize, accept (ownership, state, claim), start the orchestration."""
    owner = caller(req)
    from orchestrators.blueprint import CHANGE_CLUSTER, DELETE_CLUSTER
    from provisioning import clients
    from provisioning.clusters.change_calls import read_upgrades
    from provisioning.clusters.inventory import read_one_cluster
    from provisioning.operations.allowed_states import LifecycleOperation
    from provisioning.operations.lifecycle import (
        accept_lifecycle_operation,
        validate_lifecycle_request,
    )
    from provisioning.requests.validation import decode_json_body
    from provisioning.settings import get_settings

    kind = LifecycleOperation(operation)
    raw = req.get_body()
    wanted = validate_lifecycle_request(
        kind,
        req.route_params.get("resource_group", ""),
        req.route_params.get("cluster_name", ""),
        decode_json_body(raw) if raw else None,
    )
    repo = await asyncio.to_thread(clients.jobstate_repository)
    arm = await asyncio.to_thread(clients.container_service_client)
    settings = get_settings()
    accepted = await asyncio.to_thread(
        accept_lifecycle_operation,
        repo,
        owner.owner_id,
        wanted,
        read_view=lambda group, name: read_one_cluster(arm, group, name),
        read_upgrades=lambda group, name: read_upgrades(arm, group, name),
        subscription_id=settings.subscription_id,
        tenant_id=settings.tenant_id,
        timing=timing(),
        now=datetime.now(UTC),
        unique=uuid.uuid4().hex[:12],
    )
    orchestrator = DELETE_CLUSTER if kind is LifecycleOperation.DELETE else CHANGE_CLUSTER
    return await start_and_answer(client, orchestrator, accepted, repo, what=f"{operation}")


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
