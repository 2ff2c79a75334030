"""/api/aks/clusters: the caller's clusters (by owner tag) and their lifecycle operations.

Domain modules are imported inside the handlers: nothing here may cost the cold start.
"""

import asyncio
import uuid
from datetime import UTC, datetime

import azure.durable_functions as df
import azure.functions as func

from api.blueprint import blueprint
from api.orchestration_start import start_and_answer, timing
from api.responses import JSON_HEADERS, answers_errors_async, caller, json_response
from provisioning.operations.registry import CLUSTER_OPERATIONS, OperationSpec


@blueprint.route(route="aks/clusters", methods=["GET"])
@answers_errors_async
async def list_clusters(req: func.HttpRequest) -> func.HttpResponse:
    """Your clusters with live state; reading the list resolves failures whose cluster is gone."""
    owner = caller(req)
    from provisioning import clients
    from provisioning.catalog.sources import azure_sources, catalog_cache
    from provisioning.fleet.listing import CostSources, your_clusters
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


async def _start_cluster_operation(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, spec: OperationSpec
) -> func.HttpResponse:
    """Parse, authorize, accept (ownership, state, claim), start the orchestration."""
    owner = caller(req)
    from provisioning import clients
    from provisioning.catalog.sources import azure_sources, catalog_cache
    from provisioning.clusters.inventory import read_one_cluster
    from provisioning.fleet.listing import cluster_upgrades
    from provisioning.operations.lifecycle import (
        accept_cluster_operation,
        validate_cluster_operation,
    )
    from provisioning.preflight.run import cached_versions
    from provisioning.requests.validation import decode_json_body
    from provisioning.settings import get_settings

    raw = req.get_body()
    wanted = validate_cluster_operation(
        spec,
        req.route_params.get("resource_group", ""),
        req.route_params.get("cluster_name", ""),
        decode_json_body(raw) if raw else None,
    )
    repo = await asyncio.to_thread(clients.jobstate_repository)
    arm = await asyncio.to_thread(clients.container_service_client)
    sources = await asyncio.to_thread(azure_sources)
    cache = catalog_cache()
    settings = get_settings()
    accepted = await asyncio.to_thread(
        accept_cluster_operation,
        repo,
        owner.owner_id,
        wanted,
        read_view=lambda group, name: read_one_cluster(arm, group, name),
        read_upgrades=lambda view: cluster_upgrades(
            view, lambda region: cached_versions(sources, cache, region)
        ),
        subscription_id=settings.subscription_id,
        tenant_id=settings.tenant_id,
        timing=timing(),
        now=datetime.now(UTC),
        unique=uuid.uuid4().hex[:12],
    )
    return await start_and_answer(client, spec.orchestration.value, accepted, repo, what=spec.verb)


CLUSTER_ROUTE = "aks/clusters/{resource_group}/{cluster_name}"


@blueprint.route(route=f"{CLUSTER_ROUTE}/kubeconfig", methods=["GET"])
@answers_errors_async
async def download_kubeconfig(req: func.HttpRequest) -> func.HttpResponse:
    """Your Entra ID cluster's kubeconfig: its user runs kubelogin, so it holds no secret."""
    owner = caller(req)
    from provisioning import clients
    from provisioning.clusters.credentials import (
        KUBECONFIG_MEDIA_TYPE,
        kubeconfig_filename,
        user_kubeconfig,
    )

    cluster_name = req.route_params.get("cluster_name", "")
    arm = await asyncio.to_thread(clients.container_service_client)
    body = await asyncio.to_thread(
        user_kubeconfig,
        arm,
        owner.owner_id,
        req.route_params.get("resource_group", ""),
        cluster_name,
    )
    return func.HttpResponse(
        body,
        status_code=200,
        mimetype=KUBECONFIG_MEDIA_TYPE,
        headers={
            **JSON_HEADERS,
            "Content-Disposition": f'attachment; filename="{kubeconfig_filename(cluster_name)}"',
        },
    )


def _register_cluster_operation(spec: OperationSpec) -> None:
    """One HTTP trigger per cluster operation of the registry: POST …/{action}."""

    async def handler(
        req: func.HttpRequest, client: df.DurableOrchestrationClient
    ) -> func.HttpResponse:
        return await _start_cluster_operation(req, client, spec)

    handler.__name__ = handler.__qualname__ = handler_name(spec)
    handler.__doc__ = spec.summary
    blueprint.function_name(name=handler.__name__)(
        blueprint.route(route=f"{CLUSTER_ROUTE}/{spec.route}", methods=["POST"])(
            blueprint.durable_client_input(client_name="client")(answers_errors_async(handler))
        )
    )


def handler_name(spec: OperationSpec) -> str:
    """The function name of a cluster operation's trigger ("cluster_stop"), also its
    OpenAPI operationId; distinct from the orchestrations' names ("delete_cluster")."""
    return f"cluster_{spec.action}"


for _spec in CLUSTER_OPERATIONS:
    _register_cluster_operation(_spec)
