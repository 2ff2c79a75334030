"""/api/aks/clusters: the caller's clusters (by owner tag) and their lifecycle operations.

Domain modules are imported inside the handlers: nothing here may cost the cold start.
"""

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import azure.durable_functions as df
import azure.functions as func

from api.blueprint import blueprint
from api.bulkheads import arm_bound
from api.orchestration_start import start_and_answer, timing, workflow_check
from api.responses import JSON_HEADERS, answers_errors_async, caller, json_response
from provisioning.operations.registry import CLUSTER_OPERATIONS, POOL_PARAMETER, OperationSpec

if TYPE_CHECKING:
    from provisioning.fleet.listing import YourClusters
    from provisioning.jobs.repository import JobStateRepository
    from provisioning.operations.attempts import AcceptedAttempt, OrchestrationTiming
    from provisioning.operations.lifecycle import ClusterOperationRequest
    from provisioning.operations.stale_claims import WorkflowCheck


@blueprint.route(route="aks/clusters", methods=["GET"])
@blueprint.durable_client_input(client_name="client")
@answers_errors_async
async def list_clusters(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Your clusters with live state; reading the list resolves failures whose cluster is gone."""
    owner = caller(req)
    workflow = workflow_check(client)
    answer = await arm_bound().run(_your_clusters, owner.owner_id, workflow, datetime.now(UTC))
    return json_response(answer.to_dict())


def _your_clusters(owner_id: str, workflow: "WorkflowCheck", now: datetime) -> "YourClusters":
    """The list's blocking part (ARM and storage), on the ARM-bound threads."""
    from provisioning import clients
    from provisioning.catalog.sources import azure_sources, catalog_cache
    from provisioning.fleet.listing import CostSources, your_clusters
    from provisioning.guardrails.rules import GuardTiming
    from provisioning.preflight.run import cached_prices, cached_versions
    from provisioning.settings import get_settings

    settings = get_settings()
    sources = azure_sources()
    guards = clients.guardrail_repository_or_none()
    cache = catalog_cache()
    return your_clusters(
        clients.jobstate_repository_or_none(),
        sources.containers,
        lambda region: cached_versions(sources, cache, region),
        owner_id,
        settings.tenant_id,
        now=now,
        workflow=workflow,
        costs=CostSources(
            guards,
            lambda region: cached_prices(sources, cache, region),
            GuardTiming(settings.guardrail_minute_seconds),
        ),
    )


async def _start_cluster_operation(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, spec: OperationSpec
) -> func.HttpResponse:
    """Parse, authorize, accept (ownership, state, claim), start the orchestration."""
    owner = caller(req)
    from provisioning.operations.lifecycle import validate_cluster_operation
    from provisioning.requests.validation import decode_json_body

    raw = req.get_body()
    wanted = validate_cluster_operation(
        spec,
        req.route_params.get("resource_group", ""),
        req.route_params.get("cluster_name", ""),
        decode_json_body(raw) if raw else None,
        pool=req.route_params.get(POOL_PARAMETER),
    )
    repo, accepted = await arm_bound().run(
        _accept_cluster_operation,
        owner.owner_id,
        wanted,
        timing(),
        workflow_check(client),
        datetime.now(UTC),
    )
    what = spec.noun or spec.verb
    return await start_and_answer(client, spec.orchestration.value, accepted, repo, what=what)


def _accept_cluster_operation(
    owner_id: str,
    wanted: "ClusterOperationRequest",
    timing: "OrchestrationTiming",
    workflow: "WorkflowCheck",
    now: datetime,
) -> "tuple[JobStateRepository, AcceptedAttempt]":
    """The accept's blocking part, on the ARM-bound threads; ARM's silence is 503, not 500."""
    from provisioning import clients
    from provisioning.catalog.sources import azure_sources, catalog_cache
    from provisioning.clusters.inventory import read_one_cluster
    from provisioning.errors.arm_unavailable import answered_by_arm
    from provisioning.fleet.listing import cluster_upgrades
    from provisioning.operations.lifecycle import accept_cluster_operation
    from provisioning.operations.stale_claims import stale_holder_check
    from provisioning.preflight.run import cached_versions, quota_sources
    from provisioning.settings import get_settings

    repo = clients.jobstate_repository()
    sources = azure_sources()
    cache = catalog_cache()
    settings = get_settings()
    accepted = accept_cluster_operation(
        repo,
        owner_id,
        wanted,
        read_view=answered_by_arm(
            lambda group, name: read_one_cluster(sources.containers, group, name)
        ),
        read_upgrades=answered_by_arm(
            lambda view: cluster_upgrades(
                view, lambda region: cached_versions(sources, cache, region)
            )
        ),
        subscription_id=settings.subscription_id,
        tenant_id=settings.tenant_id,
        timing=timing,
        now=now,
        unique=uuid.uuid4().hex[:12],
        quota=quota_sources(sources, cache),
        holder_gone=stale_holder_check(repo, owner_id, workflow, now=now),
    )
    return repo, accepted


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
    # It reads the cluster and its credentials from ARM: the ARM-bound threads.
    body = await arm_bound().run(
        lambda: user_kubeconfig(
            clients.request_container_service_client(),
            owner.owner_id,
            req.route_params.get("resource_group", ""),
            cluster_name,
        )
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
    return f"cluster_{spec.name}"


for _spec in CLUSTER_OPERATIONS:
    _register_cluster_operation(_spec)
