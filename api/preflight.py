"""/api/aks/options and /api/aks/preflight: live Azure facts for the create dialog (advice only)."""

from typing import TYPE_CHECKING, Any

import azure.functions as func

from api.blueprint import blueprint
from api.bulkheads import arm_bound
from api.responses import answers_errors_async, caller, json_response

if TYPE_CHECKING:
    from provisioning.models import ProvisionRequest

DEFAULT_REGION = "eastus"


@blueprint.route(route="aks/options", methods=["GET"])
@answers_errors_async
async def get_options(req: func.HttpRequest) -> func.HttpResponse:
    """Regions, VM sizes (availability, price) and Kubernetes versions for one region."""
    caller(req)
    from provisioning.requests.validation import validate_region

    region = validate_region(req.params.get("region") or DEFAULT_REGION)
    return json_response(await arm_bound().run(_options, region))


def _options(region: str) -> dict[str, Any]:
    """The options document's blocking part, on the ARM-bound threads."""
    from provisioning.catalog.sources import azure_sources, catalog_cache
    from provisioning.preflight.run import options_document

    return options_document(azure_sources(), catalog_cache(), region)


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
    return json_response(await arm_bound().run(_preflight, request, owner.owner_id))


def _preflight(request: "ProvisionRequest", owner_id: str) -> Any:
    """The checks' blocking part (parallel ARM reads), on the ARM-bound threads."""
    from provisioning.catalog.sources import azure_sources, catalog_cache
    from provisioning.preflight.run import preflight

    return preflight(azure_sources(), catalog_cache(), request, owner_id)
