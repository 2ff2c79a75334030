"""ARM routes for managedClusters, their agent pools, lifecycle actions and operations."""

from __future__ import annotations

import re
import time
from typing import Any

from aiohttp import web

from local.arm_simulator import arm_errors
from local.arm_simulator.arm_http import (
    STORE_KEY,
    Route,
    arm_path,
    async_headers,
    base_url,
    etag_header,
)
from local.arm_simulator.cluster_model import ClusterView
from local.arm_simulator.clusters import ClusterStore
from local.arm_simulator.conditions import WriteConditions, precondition_failure
from local.arm_simulator.documents import (
    agent_pool_document,
    cluster_document,
    operation_document,
    upgrade_profile_document,
)
from local.arm_simulator.lifecycle import (
    delete_agent_pool,
    find_pool,
    put_agent_pool,
    start_cluster,
    stop_cluster,
)
from local.arm_simulator.metrics import metrics_document
from local.arm_simulator.operations import IN_PROGRESS, SUCCEEDED, operation_status
from local.arm_simulator.resource_groups import require_resource_group
from local.arm_simulator.scenarios import Scenario, flaky_failure_status, scenario_for_name

CLUSTER = (
    "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft\\.containerservice"
    "/managedclusters/(?P<name>[^/]+)"
)


def cluster_preamble(request: web.Request, match: re.Match[str]) -> ClusterStore:
    """Checks every cluster-scoped call passes first: the group exists, flaky- answers."""
    store = request.app[STORE_KEY]
    require_resource_group(match["rg"])
    scenario = scenario_for_name(match["name"])
    if scenario in (Scenario.FLAKY, Scenario.STORM):
        status = flaky_failure_status(scenario, store.count_call(match["rg"], match["name"]))
        if status == 503:
            raise arm_errors.service_unavailable()
        if status == 429:
            raise arm_errors.too_many_requests()
    return store


async def _json_body(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None


async def get_cluster(request: web.Request, match: re.Match[str], _: str) -> web.StreamResponse:
    """GET a managedCluster."""
    store, now = cluster_preamble(request, match), time.time()
    view = store.require(match["sub"], match["rg"], match["name"], now)
    return web.json_response(cluster_document(view, now), headers=etag_header(view))


async def put_cluster(
    request: web.Request, match: re.Match[str], api_version: str
) -> web.StreamResponse:
    """PUT a managedCluster: create (201), update (200) or upgrade (200 + async)."""
    store, now = cluster_preamble(request, match), time.time()
    body = await _json_body(request)
    conditions = WriteConditions.from_headers(request.headers)
    outcome = store.put(match["sub"], match["rg"], match["name"], body, now, conditions)
    headers = etag_header(outcome.view)
    if outcome.started is not None:
        headers |= async_headers(request, outcome.started, api_version, with_location=False)
    document = cluster_document(outcome.view, now)
    return web.json_response(document, status=outcome.status, headers=headers)


async def delete_cluster(
    request: web.Request, match: re.Match[str], api_version: str
) -> web.StreamResponse:
    """DELETE a managedCluster: 202 with async headers, or 204 when already gone."""
    store, now = cluster_preamble(request, match), time.time()
    conditions = WriteConditions.from_headers(request.headers)
    op = store.delete(match["sub"], match["rg"], match["name"], now, conditions)
    if op is None:
        return web.Response(status=204)
    headers = async_headers(request, op, api_version, with_location=True)
    return web.Response(status=202, headers=headers)


async def cluster_action(
    request: web.Request, match: re.Match[str], api_version: str
) -> web.StreamResponse:
    """POST .../abort, .../stop or .../start: 202 with async headers."""
    store, now = cluster_preamble(request, match), time.time()
    action = match["action"].lower()
    sub, rg, name = match["sub"], match["rg"], match["name"]
    if action == "abort":
        op = store.abort(sub, rg, name, now)
    elif action == "stop":
        op = stop_cluster(store, sub, rg, name, now)
    else:
        op = start_cluster(store, sub, rg, name, now)
    headers = async_headers(request, op, api_version, with_location=True)
    return web.Response(status=202, headers=headers)


async def get_upgrade_profile(
    request: web.Request, match: re.Match[str], _: str
) -> web.StreamResponse:
    """GET .../upgradeProfiles/default."""
    store = cluster_preamble(request, match)
    view = store.require(match["sub"], match["rg"], match["name"], time.time())
    return web.json_response(upgrade_profile_document(view))


async def list_agent_pools(
    request: web.Request, match: re.Match[str], _: str
) -> web.StreamResponse:
    """GET .../agentPools."""
    store, now = cluster_preamble(request, match), time.time()
    view = store.require(match["sub"], match["rg"], match["name"], now)
    names = [str(p.get("name", "")) for p in view.cluster.spec.get("agentPoolProfiles", [])]
    pools = [agent_pool_document(view, pool, now) for pool in names]
    return web.json_response({"value": [pool for pool in pools if pool is not None]})


async def get_agent_pool(request: web.Request, match: re.Match[str], _: str) -> web.StreamResponse:
    """GET .../agentPools/{pool}."""
    store, now = cluster_preamble(request, match), time.time()
    view = store.require(match["sub"], match["rg"], match["name"], now)
    document = agent_pool_document(view, match["pool"], now)
    if document is None:
        raise arm_errors.agent_pool_not_found(match["rg"], match["name"], match["pool"])
    return web.json_response(document, headers=etag_header(view))


def _check_pool_conditions(request: web.Request, view: ClusterView, pool_name: str) -> None:
    """If-Match / If-None-Match against the pool's eTag (the simulator's pools share the
    cluster's eTag, as their documents show); 412 PreconditionFailed when they fail."""
    etag = view.cluster.etag if find_pool(view, pool_name) is not None else None
    conditions = WriteConditions.from_headers(request.headers)
    failure = precondition_failure(conditions, etag, pool_name, kind="agent pool")
    if failure is not None:
        raise failure


async def put_agent_pool_route(
    request: web.Request, match: re.Match[str], api_version: str
) -> web.StreamResponse:
    """PUT .../agentPools/{pool}: scale, change or add a pool (async, like a create)."""
    store, now = cluster_preamble(request, match), time.time()
    view = store.require(match["sub"], match["rg"], match["name"], now)
    _check_pool_conditions(request, view, match["pool"])
    written = put_agent_pool(store, view, match["pool"], await _json_body(request), now)
    document = agent_pool_document(written.view, match["pool"], now)
    headers = etag_header(written.view)
    headers |= async_headers(request, written.operation, api_version, with_location=False)
    return web.json_response(document, status=written.status, headers=headers)


async def delete_agent_pool_route(
    request: web.Request, match: re.Match[str], api_version: str
) -> web.StreamResponse:
    """DELETE .../agentPools/{pool}: 202 with async headers, or 204 when there is no such pool."""
    store, now = cluster_preamble(request, match), time.time()
    view = store.require(match["sub"], match["rg"], match["name"], now)
    _check_pool_conditions(request, view, match["pool"])
    op = delete_agent_pool(store, view, match["pool"], now)
    if op is None:
        return web.Response(status=204)
    headers = async_headers(request, op, api_version, with_location=True)
    return web.Response(status=202, headers=headers)


async def get_metrics(request: web.Request, match: re.Match[str], _: str) -> web.StreamResponse:
    """GET {clusterId}/providers/Microsoft.Insights/metrics (node CPU, metrics.list's shape)."""
    store, now = cluster_preamble(request, match), time.time()
    view = store.require(match["sub"], match["rg"], match["name"], now)
    return web.json_response(metrics_document(view, dict(request.query), now))


async def list_clusters(request: web.Request, match: re.Match[str], _: str) -> web.StreamResponse:
    """GET managedClusters of the subscription, or of one resource group."""
    store, now = request.app[STORE_KEY], time.time()
    resource_group = match.groupdict().get("rg")
    if resource_group is not None:
        require_resource_group(resource_group)
    views = [
        view
        for view in store.existing(match["sub"], now)
        if resource_group is None or view.cluster.resource_group.lower() == resource_group.lower()
    ]
    return web.json_response({"value": [cluster_document(view, now) for view in views]})


async def get_operation(request: web.Request, match: re.Match[str], _: str) -> web.StreamResponse:
    """The Azure-AsyncOperation status (always 200) and the Location result (202/204/200)."""
    op = request.app[STORE_KEY].operation(match["id"])
    if op is None or op.subscription_id.lower() != match["sub"].lower():
        raise arm_errors.operation_not_found(match["id"])
    now = time.time()
    if match["kind"].lower() == "operations":
        return web.json_response(operation_document(op, now))
    status = operation_status(op, now).status
    if status == IN_PROGRESS:
        headers = {"Location": f"{base_url(request)}{request.path_qs}"}
        return web.Response(status=202, headers=headers)
    if status == SUCCEEDED:
        return web.Response(status=204)
    return web.json_response(operation_document(op, now))


CLUSTER_ROUTES: tuple[Route, ...] = (
    Route(arm_path(CLUSTER), {"GET": get_cluster, "PUT": put_cluster, "DELETE": delete_cluster}),
    Route(arm_path(CLUSTER + "/(?P<action>abort|stop|start)"), {"POST": cluster_action}),
    Route(arm_path(CLUSTER + "/upgradeprofiles/default"), {"GET": get_upgrade_profile}),
    Route(arm_path(CLUSTER + "/providers/microsoft\\.insights/metrics"), {"GET": get_metrics}),
    Route(arm_path(CLUSTER + "/agentpools"), {"GET": list_agent_pools}),
    Route(
        arm_path(CLUSTER + "/agentpools/(?P<pool>[^/]+)"),
        {"GET": get_agent_pool, "PUT": put_agent_pool_route, "DELETE": delete_agent_pool_route},
    ),
    Route(
        arm_path("/subscriptions/{sub}/providers/microsoft\\.containerservice/managedclusters"),
        {"GET": list_clusters},
    ),
    Route(
        arm_path(
            "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft\\.containerservice"
            "/managedclusters"
        ),
        {"GET": list_clusters},
    ),
    Route(
        arm_path(
            "/subscriptions/{sub}/providers/microsoft\\.containerservice/locations/{location}"
            "/(?P<kind>operations|operationresults)/(?P<id>[^/]+)"
        ),
        {"GET": get_operation},
    ),
)
