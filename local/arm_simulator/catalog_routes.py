"""ARM routes for what preflight reads: regions, provider, groups, permissions, SKUs, quota."""

from __future__ import annotations

import re
import time

from aiohttp import web

from local.arm_simulator.arm_http import LIMITS_KEY, STORE_KEY, Route, arm_path
from local.arm_simulator.clusters import ClusterStore
from local.arm_simulator.documents import DEFAULT_VM_SIZE
from local.arm_simulator.kubernetes_versions import kubernetes_versions_document
from local.arm_simulator.regions import locations_document, normalise_location, provider_document
from local.arm_simulator.resource_groups import permissions_document, resource_group_document
from local.arm_simulator.usages import PoolNodes, usages_document
from local.arm_simulator.vm_sizes import resource_skus_document

LOCATION_FILTER = re.compile(r"location\s+eq\s+'(?P<location>[^']*)'", re.IGNORECASE)


async def list_locations(request: web.Request, match: re.Match[str], _: str) -> web.Response:
    """GET /subscriptions/{sub}/locations."""
    return web.json_response(locations_document(match["sub"]))


async def get_provider(request: web.Request, match: re.Match[str], _: str) -> web.Response:
    """GET /subscriptions/{sub}/providers/{namespace}."""
    return web.json_response(provider_document(match["sub"], match["namespace"]))


async def get_resource_group(request: web.Request, match: re.Match[str], _: str) -> web.Response:
    """GET /subscriptions/{sub}/resourcegroups/{rg}."""
    return web.json_response(resource_group_document(match["sub"], match["rg"]))


async def list_permissions(request: web.Request, match: re.Match[str], _: str) -> web.Response:
    """GET .../resourceGroups/{rg}/providers/Microsoft.Authorization/permissions."""
    return web.json_response(permissions_document(match["rg"]))


async def list_resource_skus(request: web.Request, match: re.Match[str], _: str) -> web.Response:
    """GET .../providers/Microsoft.Compute/skus, honouring `$filter=location eq 'R'`."""
    location_filter = LOCATION_FILTER.search(request.query.get("$filter", ""))
    location = location_filter["location"] if location_filter else None
    return web.json_response(resource_skus_document(location))


def pools_in_region(
    store: ClusterStore, subscription_id: str, region: str, now: float
) -> list[PoolNodes]:
    """Nodes of every pool the subscription's clusters run in `region` (deleted pools are gone)."""
    return [
        PoolNodes(
            vm_size=str(pool.get("vmSize") or DEFAULT_VM_SIZE),
            count=pool["count"] if isinstance(pool.get("count"), int) else 1,
        )
        for view in store.existing(subscription_id, now)
        if view.cluster.location == region
        for pool in view.cluster.spec.get("agentPoolProfiles", [])
    ]


async def list_usages(request: web.Request, match: re.Match[str], _: str) -> web.Response:
    """GET .../providers/Microsoft.Compute/locations/{R}/usages: the simulator's own clusters."""
    region = normalise_location(match["location"])
    pools = pools_in_region(request.app[STORE_KEY], match["sub"], region, time.time())
    return web.json_response(usages_document(pools, request.app[LIMITS_KEY]))


async def list_kubernetes_versions(
    request: web.Request, match: re.Match[str], _: str
) -> web.Response:
    """GET .../providers/Microsoft.ContainerService/locations/{R}/kubernetesVersions."""
    return web.json_response(kubernetes_versions_document())


CATALOG_ROUTES: tuple[Route, ...] = (
    Route(arm_path("/subscriptions/{sub}/locations"), {"GET": list_locations}),
    Route(arm_path("/subscriptions/{sub}/providers/(?P<namespace>[^/]+)"), {"GET": get_provider}),
    Route(arm_path("/subscriptions/{sub}/resourcegroups/{rg}"), {"GET": get_resource_group}),
    Route(
        arm_path(
            "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft\\.authorization"
            "/permissions"
        ),
        {"GET": list_permissions},
    ),
    Route(
        arm_path("/subscriptions/{sub}/providers/microsoft\\.compute/skus"),
        {"GET": list_resource_skus},
    ),
    Route(
        arm_path("/subscriptions/{sub}/providers/microsoft\\.compute/locations/{location}/usages"),
        {"GET": list_usages},
    ),
    Route(
        arm_path(
            "/subscriptions/{sub}/providers/microsoft\\.containerservice/locations/{location}"
            "/kubernetesversions"
        ),
        {"GET": list_kubernetes_versions},
    ),
)
