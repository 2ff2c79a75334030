"""The HTTP contract (README) as an OpenAPI 3.1 document: operations, parameters, answers.

Bounds come from provisioning.requests.bounds, header rules from
provisioning.requests.validation and error answers from api.error_specs; a test
compares the paths with the registered HTTP triggers. Imported by api.openapi on the first
request for the document, not at cold start.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from api.error_specs import ERROR_CODES, codes_for_status
from api.openapi_clusters import cluster_component_schemas, cluster_paths
from api.openapi_schemas import TASK_ID, component_schemas, ref
from api.provisions import IDEMPOTENCY_HEADER
from provisioning.access.identity import MAX_PRINCIPAL_HEADER_CHARS
from provisioning.requests.bounds import (
    HISTORY_LIMIT,
    RECENT_FAILURES_HOURS,
    RECENT_FAILURES_LIMIT,
    QueryBound,
)
from provisioning.requests.validation import MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY_CHARS

__all__ = ["ERROR_CODES", "openapi_document"]

API_VERSION = "1.0.0"
SECURITY_SCHEME = "clientPrincipal"
# Printable ASCII, as a JSON Schema (ECMA-262) pattern: the same rule as the validator's.
IDEMPOTENCY_KEY_SCHEMA_PATTERN = f"^[ -~]{{1,{MAX_IDEMPOTENCY_KEY_CHARS}}}$"
# What each error status means to a client; the codes behind it come from api.error_specs.
STATUS_MEANINGS: dict[int, str] = {
    400: "Bad input; `field` names what to fix (a duplicate JSON key names `body`).",
    401: "No usable identity (missing, malformed or ambiguous principal, unsafe owner id).",
    403: "A state-changing request from another origin (`Origin` not this app's, or "
    "`Sec-Fetch-Site: cross-site`).",
    404: "No such task, or not yours.",
    409: "Conflict: an active attempt for the same cluster, a request with the same "
    "Idempotency-Key still in progress, or nothing to delete, cancel or dismiss.",
    415: "A request body not sent as `application/json`.",
    422: "The Idempotency-Key was first used with another request.",
    503: "Auth not configured; storage, the workflow engine or Azure Resource Manager "
    "unavailable; or too many requests waiting on Azure (`busy`, with `Retry-After`).",
}
ALWAYS_POSSIBLE = (401, 503)
STATE_CHANGING = (403, 415)


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def _errors(*statuses: int) -> dict[str, Any]:
    """Error answers by status, naming their codes; every operation may answer 401 and 503."""
    answers = {}
    for status in sorted({*statuses, *ALWAYS_POSSIBLE}):
        codes = ", ".join(f"`{code}`" for code in codes_for_status(status))
        answers[str(status)] = _json("Error", f"{STATUS_MEANINGS[status]} Codes: {codes}.")
    return answers


def _state_changing_errors(*statuses: int) -> dict[str, Any]:
    """A POST may also be refused as cross-site (403) or for a non-JSON body (415)."""
    return _errors(*statuses, *STATE_CHANGING)


def _bound(bound: QueryBound) -> dict[str, Any]:
    """An integer query bound: out-of-range values are clamped and echoed, never refused."""
    return {
        "name": bound.name,
        "in": "query",
        "required": False,
        # Empty means absent (Azure's Python worker drops empty query values before the app).
        "schema": {"anyOf": [{"type": "integer"}, {"type": "string", "maxLength": 0}]},
        "description": f"{bound.low}..{bound.high} (default {bound.default}, also when empty); "
        "out-of-range values are clamped and echoed back.",
    }


def _idempotency_key_parameter() -> dict[str, Any]:
    return {
        "name": IDEMPOTENCY_HEADER,
        "in": "header",
        "required": False,
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_IDEMPOTENCY_KEY_CHARS,
            "pattern": IDEMPOTENCY_KEY_SCHEMA_PATTERN,
        },
        "description": f"1-{MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters. The same "
        "key with the same body from the same user returns the same task; with a different "
        "body it is 422. A key is bound only to an attempt that was accepted (a 409 or 503 "
        "leaves it free).",
    }


def _provision_paths() -> dict[str, Any]:
    """/api/aks/*: start an attempt, recent failures, history."""
    return {
        "/api/aks/provision": {
            "post": {
                "summary": "Start a cluster attempt (one JobState row, one orchestration).",
                "operationId": "start_provision",
                "parameters": [_idempotency_key_parameter()],
                "requestBody": {
                    "required": True,
                    "description": f"At most {MAX_BODY_BYTES} bytes of JSON.",
                    "content": {"application/json": {"schema": ref("ProvisionRequest")}},
                },
                "responses": {
                    "202": _json("ProvisionAccepted", "Accepted; follow status_url."),
                    **_state_changing_errors(400, 409, 422),
                },
            }
        },
        "/api/aks/recent-failed-provisions": {
            "get": {
                "summary": "The caller's unresolved failures in a window (degraded, never 500).",
                "operationId": "list_recent_failed_provisions",
                "parameters": [_bound(RECENT_FAILURES_HOURS), _bound(RECENT_FAILURES_LIMIT)],
                "responses": {"200": _json("RecentFailures", "Newest first."), **_errors(400)},
            }
        },
        "/api/aks/provisions": {
            "get": {
                "summary": "The caller's attempt history, newest first.",
                "operationId": "list_provisions",
                "parameters": [_bound(HISTORY_LIMIT)],
                "responses": {"200": _json("History", "Newest first."), **_errors(400)},
            }
        },
    }


def _task_operation(summary: str, operation_id: str, responses: dict[str, Any]) -> dict[str, Any]:
    parameter = {
        "name": "task_id",
        "in": "path",
        "required": True,
        "schema": TASK_ID,
        "description": "A task id as returned by the API; any other value is 404.",
    }
    return {
        "summary": summary,
        "operationId": operation_id,
        "parameters": [parameter],
        "responses": responses,
    }


def _task_paths() -> dict[str, Any]:
    """/api/tasks/{task_id}: read, cancel, dismiss, delete the partial cluster."""
    return {
        "/api/tasks/{task_id}": {
            "get": _task_operation(
                "The caller's task document.",
                "get_task_document",
                {"200": _json("TaskDocument", "The attempt."), **_errors(404)},
            )
        },
        "/api/tasks/{task_id}/cancel": {
            "post": _task_operation(
                "Stop a running attempt (idempotent).",
                "cancel_task",
                {
                    "200": _json("CancelResult", "Already finished: its status."),
                    "202": _json("CancelResult", "Cancelling."),
                    **_state_changing_errors(404, 409),
                },
            )
        },
        "/api/tasks/{task_id}/dismiss": {
            "post": _task_operation(
                "Hide a finished failure on every device of this user.",
                "dismiss_task",
                {
                    "200": _json("TaskDocument", "The dismissed attempt."),
                    **_state_changing_errors(404, 409),
                },
            )
        },
        "/api/tasks/{task_id}/delete-cluster": {
            "post": _task_operation(
                "Delete the partial cluster a failed or cancelled attempt left behind.",
                "delete_partial_cluster",
                {
                    "202": _json("DeleteAccepted", "The aks_delete task started."),
                    **_state_changing_errors(404, 409),
                },
            )
        },
    }


def _document_paths() -> dict[str, Any]:
    """This document's own path: served without auth."""
    return {
        "/api/openapi.json": {
            "get": {
                "summary": "This document.",
                "operationId": "get_openapi_document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }


def _security_scheme() -> dict[str, Any]:
    return {
        "type": "apiKey",
        "in": "header",
        "name": "X-MS-CLIENT-PRINCIPAL",
        "description": "Injected by App Service Authentication (base64 JSON with claims) or "
        "Static Web Apps (userId); client copies are stripped by the platform. At most "
        f"{MAX_PRINCIPAL_HEADER_CHARS} characters.",
    }


@lru_cache(maxsize=1)
def cached_document() -> dict[str, Any]:
    """The document, built once per process (callers must not change it)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "AKS provisioning API",
            "version": API_VERSION,
            "description": "Start AKS cluster attempts and follow, cancel, dismiss or clean "
            "them up. Identity comes from the platform's principal header only. Every POST "
            "must be same-origin (a foreign `Origin` or `Sec-Fetch-Site: cross-site` is 403) "
            "and a POST body must be `application/json` (else 415) without duplicate keys.",
        },
        "security": [{SECURITY_SCHEME: []}],
        "paths": {
            **_provision_paths(),
            **cluster_paths(_json, _errors, _state_changing_errors),
            **_task_paths(),
            **_document_paths(),
        },
        "components": {
            "securitySchemes": {SECURITY_SCHEME: _security_scheme()},
            "schemas": {**component_schemas(), **cluster_component_schemas()},
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of this API (a fresh copy: callers may change it)."""
    return copy.deepcopy(cached_document())
