"""GET /api/openapi.json: the HTTP contract as an OpenAPI 3.1 document, served without auth.

Only the route lives here. The builder (api.openapi_document) needs every validator and error
spec, so it is imported on the first request for the document, not at cold start.
"""

from __future__ import annotations

import azure.functions as func

from api.blueprint import blueprint
from api.responses import json_response


@blueprint.route(route="openapi.json", methods=["GET"])
def get_openapi_document(req: func.HttpRequest) -> func.HttpResponse:
    """Serve the contract without auth, so clients and fuzzers can read it."""
    from api.openapi_document import cached_document

    return json_response(cached_document())
