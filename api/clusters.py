"""/api/aks/clusters: the caller's clusters (by owner tag) and their lifecycle operations."""

import asyncio
import logging
from datetime import UTC, datetime

import azure.functions as func

from api.blueprint import blueprint
from api.responses import answers_errors_async, caller, json_response
from provisioning.settings import get_settings

logger = logging.getLogger(__name__)


@blueprint.route(route="aks/clusters", methods=["GET"])
@answers_errors_async
async def list_clusters(req: func.HttpRequest) -> func.HttpResponse:
    """Your clusters with live state; reading the list resolves failures whose cluster is gone."""
    owner = caller(req)
    from provisioning import clients
    from provisioning.catalog_clients import azure_sources, catalog_cache
    from provisioning.preflight import cached_versions
    from provisioning.your_clusters import your_clusters

    sources = await asyncio.to_thread(azure_sources)
    repo = await asyncio.to_thread(clients.jobstate_repository_or_none)
    cache = catalog_cache()
    answer = await asyncio.to_thread(
        your_clusters,
        repo,
        sources.containers,
        lambda region: cached_versions(sources, cache, region),
        owner.owner_id,
        get_settings().tenant_id,
        now=datetime.now(UTC),
    )
    return json_response(answer.to_dict())
