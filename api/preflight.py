"""/api/aks/options and /api/aks/preflight: live Azure facts for the create dialog (advice only)."""

import asyncio

import azure.functions as func

from api.blueprint import blueprint
from api.responses import answers_errors_async, caller, json_response

DEFAULT_REGION = "eastus"


@blueprint.route(route="aks/options", methods=["GET"])
@answers_errors_async
async def get_options(req: func.HttpRequest) -> func.HttpResponse:
    """Regions, VM sizes (availability, price) and Kubernetes versions for one region."""
    caller(req)
    from provisioning.catalog.sources import azure_sources, catalog_cache
    from provisioning.preflight.run import options_document

    region = req.params.get("region") or DEFAULT_REGION
    sources = await asyncio.to_thread(azure_sources)
    document = await asyncio.to_thread(options_document, sources, catalog_cache(), region)
    return json_response(document)


@blueprint.route(route="aks/preflight", methods=["POST"])
@answers_errors_async
async def run_preflight(req: func.HttpRequest) -> func.HttpResponse:
    """Check a provision body against live Azure data before Create (same validation)."""
    from provisioning.requests.validation import decode_json_body, validate_provision_request
    from provisioning.settings import get_settings

    owner = caller(req)
    request = validate_provision_request(
        decode_json_body(req.get_body()), get_settings().subscription_id
    )
    from provisioning.catalog.sources import azure_sources, catalog_cache
    from provisioning.preflight.run import preflight

    sources = await asyncio.to_thread(azure_sources)
    answer = await asyncio.to_thread(preflight, sources, catalog_cache(), request, owner.owner_id)
    return json_response(answer)
