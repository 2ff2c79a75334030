"""GET /api/openapi.json: the HTTP contract (DESIGN §4) as an OpenAPI 3.1 document.

The document is built from the same constants the validators and response shapes use, so a
tightened rule shows up here too; a test compares its paths with the registered HTTP triggers.
"""

from __future__ import annotations

import copy
import logging
from functools import lru_cache
from typing import Any

import azure.functions as func

from api.blueprint import blueprint
from api.provisions import IDEMPOTENCY_HEADER, MAX_IDEMPOTENCY_KEY
from api.responses import json_response
from provisioning.identity import MAX_PRINCIPAL_HEADER_CHARS
from provisioning.models import ErrorCategory, TaskStatus, TaskType
from provisioning.validation import (
    AZURE_PUBLIC_REGIONS,
    CLUSTER_NAME_PATTERN,
    KUBERNETES_VERSION_PATTERN,
    MAX_NODE_COUNT,
    MAX_VM_SIZE_LENGTH,
    MIN_NODE_COUNT,
    RESOURCE_GROUP_PATTERN,
    TASK_ID_PATTERN,
    VM_SIZE_PATTERN,
)

logger = logging.getLogger(__name__)

API_VERSION = "1.0.0"
SECURITY_SCHEME = "clientPrincipal"
# Every code an /api answer can carry in {"error": {"code"}} (500 is never part of the contract).
ERROR_CODES = (
    "invalid_request",
    "unauthenticated",
    "malformed_principal",
    "ambiguous_principal",
    "invalid_owner_id",
    "auth_not_configured",
    "not_configured",
    "cross_origin",
    "not_found",
    "attempt_in_progress",
    "idempotency_key_in_progress",
    "not_deletable",
    "not_cancellable",
    "not_dismissable",
    "unsupported_media_type",
    "idempotency_key_reused",
    "storage_unavailable",
    "orchestration_unavailable",
)
# Printable ASCII, as a JSON Schema (ECMA-262) pattern: the same rule as the validator's.
IDEMPOTENCY_KEY_SCHEMA_PATTERN = f"^[ -~]{{1,{MAX_IDEMPOTENCY_KEY}}}$"


def _anchored(pattern: str) -> str:
    """A Python fullmatch pattern as a JSON Schema (ECMA-262, search semantics) pattern."""
    return f"^(?:{pattern})$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The same schema, also admitting JSON null (OpenAPI 3.1 type arrays)."""
    widened = dict(schema)
    widened["type"] = [schema["type"], "null"]
    return widened


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """A closed object: exactly these properties, all required unless told otherwise."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


TASK_ID = {"type": "string", "pattern": _anchored(TASK_ID_PATTERN.pattern)}
TIMESTAMP = {"type": "string", "format": "date-time"}
STATUSES = [str(status) for status in TaskStatus]
TERMINAL = [str(TaskStatus.SUCCEEDED), str(TaskStatus.FAILED), str(TaskStatus.CANCELLED)]


def _schemas() -> dict[str, Any]:
    """Request, response and error schemas, exactly as the handlers read and write them."""
    cluster_name = {
        "type": "string",
        "minLength": 1,
        "maxLength": 63,
        "pattern": _anchored(CLUSTER_NAME_PATTERN.pattern),
        "description": "Letters, digits, '-' and '_'; starts and ends with a letter or digit.",
    }
    resource_group = {
        "type": "string",
        "minLength": 1,
        "maxLength": 90,
        "pattern": _anchored(RESOURCE_GROUP_PATTERN.pattern),
        "description": "Letters, digits, '-', '_', '(', ')' and '.'; must not end with '.'.",
    }
    region = {"type": "string", "enum": sorted(AZURE_PUBLIC_REGIONS)}
    vm_size = {
        "type": "string",
        "maxLength": MAX_VM_SIZE_LENGTH,
        "pattern": _anchored(VM_SIZE_PATTERN.pattern),
    }
    node_count = {"type": "integer", "minimum": MIN_NODE_COUNT, "maximum": MAX_NODE_COUNT}
    kubernetes_version = {
        "type": ["string", "null"],
        "pattern": f"^(?:{KUBERNETES_VERSION_PATTERN.pattern})?$",
        "description": "Empty or null means the region's default version.",
    }
    request_document = _object(
        {
            "subscription_id": {"type": "string"},
            "resource_group": resource_group,
            "cluster_name": cluster_name,
            "region": region,
            "node_vm_size": vm_size,
            "node_count": node_count,
            "kubernetes_version": {
                "type": ["string", "null"],
                "pattern": _anchored(KUBERNETES_VERSION_PATTERN.pattern),
            },
        }
    )
    progress = _object(
        {
            "step": {"type": ["string", "null"]},
            "step_index": {"type": "integer", "minimum": 0},
            "total_steps": {"type": "integer", "minimum": 0},
            "cluster_state": {"type": ["string", "null"]},
            "cluster_seen": {"type": "boolean"},
            "portal_url": {"type": ["string", "null"]},
        }
    )
    action = _object(
        {
            "kind": {
                "type": "string",
                "description": "link, edit, portal or delete_cluster.",
            },
            "label": {"type": "string"},
            "url": {"type": ["string", "null"]},
        }
    )
    attempt_error = _object(
        {
            "code": {"type": "string", "minLength": 1},
            "category": {"type": "string", "enum": [str(c) for c in ErrorCategory]},
            "message": {"type": "string", "maxLength": 4096},
            "retryable": {"type": "boolean"},
            "actions": {"type": "array", "items": _ref("ErrorAction")},
        }
    )
    task_properties: dict[str, Any] = {
        "task_id": TASK_ID,
        "type": {"type": "string", "enum": [str(t) for t in TaskType]},
        "status": {"type": "string", "enum": STATUSES},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "request": _ref("AttemptRequest"),
        "progress": _ref("Progress"),
        "error": {"oneOf": [{"type": "null"}, _ref("AttemptError")]},
        "dismissed_at": _nullable(TIMESTAMP),
        "target_task_id": {
            **_nullable(TASK_ID),
            "description": "aks_delete tasks only: the attempt whose partial cluster it deletes.",
        },
    }
    task_document = _object(task_properties, required=[k for k in task_properties
                                                       if k != "target_task_id"])
    row_fields = ("task_id", "status", "created_at", "updated_at", "request", "progress", "error")
    recent_row = _object({name: task_properties[name] for name in row_fields})
    recent_row["properties"]["status"] = {
        "type": "string",
        "enum": [str(TaskStatus.FAILED), str(TaskStatus.CANCELLED)],
    }
    return {
        "ProvisionRequest": _object(
            {
                "cluster_name": cluster_name,
                "resource_group": resource_group,
                "region": region,
                "node_vm_size": {**_nullable(vm_size), "default": "Standard_D2s_v5"},
                "node_count": {**_nullable(node_count), "default": 1},
                "kubernetes_version": kubernetes_version,
            },
            required=["cluster_name", "resource_group", "region"],
        ),
        "ProvisionAccepted": _object(
            {
                "task_id": TASK_ID,
                "status": {
                    "type": "string",
                    "enum": STATUSES,
                    "description": "queued for a new attempt; an idempotent replay reports the "
                    "existing attempt's status.",
                },
                "status_url": {"type": "string"},
                "cancel_url": {"type": "string"},
            }
        ),
        "AttemptRequest": request_document,
        "Progress": progress,
        "ErrorAction": action,
        "AttemptError": attempt_error,
        "TaskDocument": task_document,
        "RecentFailureRow": recent_row,
        "RecentFailures": _object(
            {
                "jobs": {"type": "array", "items": _ref("RecentFailureRow"), "maxItems": 20},
                "degraded": {
                    "type": "boolean",
                    "description": "true when storage could not be read: jobs is then empty.",
                },
                "hours": {"type": "integer", "minimum": 1, "maximum": 168},
                "limit": {"type": "integer", "minimum": 1, "maximum": 20},
            }
        ),
        "History": _object(
            {
                "jobs": {"type": "array", "items": _ref("TaskDocument"), "maxItems": 50},
                "limit": {"type": "integer", "minimum": 1, "maximum": 50},
            }
        ),
        "CancelResult": _object(
            {
                "task_id": TASK_ID,
                "status": {"type": "string", "enum": ["cancelling", *TERMINAL]},
                "was_running": {"type": "boolean"},
            }
        ),
        "DeleteAccepted": _object(
            {
                "task_id": TASK_ID,
                "status": {"type": "string", "enum": [str(TaskStatus.QUEUED)]},
                "status_url": {"type": "string"},
                "cancel_url": {"type": "string"},
            }
        ),
        "Error": _object(
            {
                "error": _object(
                    {
                        "code": {"type": "string", "enum": list(ERROR_CODES)},
                        "message": {"type": "string"},
                        "field": {
                            "type": "string",
                            "description": "invalid_request only: the field to fix.",
                        },
                        "task_id": {
                            **TASK_ID,
                            "description": "attempt_in_progress only: the active attempt.",
                        },
                    },
                    required=["code", "message"],
                )
            }
        ),
    }


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _errors(*statuses: int) -> dict[str, Any]:
    """Error answers by status; every operation may also answer 401 and 503."""
    meaning = {
        400: "Bad input; `field` names what to fix (a duplicate JSON key names `body`).",
        401: "No usable identity (missing, malformed or ambiguous principal, unsafe owner id).",
        403: "cross_origin: a state-changing request from another origin (`Origin` not this "
        "app's, or `Sec-Fetch-Site: cross-site`).",
        404: "No such task, or not yours.",
        409: "Conflict: an active attempt for the same cluster, a request with the same "
        "Idempotency-Key still in progress, or nothing to delete or cancel.",
        415: "unsupported_media_type: a request body not sent as `application/json`.",
        422: "idempotency_key_reused: the Idempotency-Key was first used with another request.",
        503: "Auth not configured, storage or the workflow engine unavailable.",
    }
    return {str(s): _json("Error", meaning[s]) for s in sorted({*statuses, 401, 503})}


def _state_changing_errors(*statuses: int) -> dict[str, Any]:
    """A POST may also be refused as cross-site (403) or for a non-JSON body (415)."""
    return _errors(*statuses, 403, 415)


def _task_path_parameter() -> dict[str, Any]:
    return {
        "name": "task_id",
        "in": "path",
        "required": True,
        "schema": TASK_ID,
        "description": "A task id as returned by the API; any other value is 404.",
    }


def _bound(name: str, default: int, low: int, high: int) -> dict[str, Any]:
    """An integer query bound: out-of-range values are clamped and echoed, never refused."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        # Empty means absent (Azure's Python worker drops empty query values before the app).
        "schema": {"anyOf": [{"type": "integer"}, {"type": "string", "maxLength": 0}]},
        "description": f"{low}..{high} (default {default}, also when empty); out-of-range "
        "values are clamped and echoed back.",
    }


def _task_operation(
    summary: str, operation_id: str, responses: dict[str, Any]
) -> dict[str, Any]:
    return {
        "summary": summary,
        "operationId": operation_id,
        "parameters": [_task_path_parameter()],
        "responses": responses,
    }


def _paths() -> dict[str, Any]:
    return {
        "/api/aks/provision": {
            "post": {
                "summary": "Start a cluster attempt (one JobState row, one orchestration).",
                "operationId": "start_provision",
                "parameters": [
                    {
                        "name": IDEMPOTENCY_HEADER,
                        "in": "header",
                        "required": False,
                        "schema": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": MAX_IDEMPOTENCY_KEY,
                            "pattern": IDEMPOTENCY_KEY_SCHEMA_PATTERN,
                        },
                        "description": "1-200 printable ASCII characters. The same key with "
                        "the same body from the same user returns the same task; with a "
                        "different body it is 422. A key is bound only to an attempt that was "
                        "accepted (a 409 or 503 leaves it free).",
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("ProvisionRequest")}},
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
                "parameters": [_bound("hours", 24, 1, 168), _bound("limit", 10, 1, 20)],
                "responses": {
                    "200": _json("RecentFailures", "Newest first."),
                    **_errors(400),
                },
            }
        },
        "/api/aks/provisions": {
            "get": {
                "summary": "The caller's attempt history, newest first.",
                "operationId": "list_provisions",
                "parameters": [_bound("limit", 20, 1, 50)],
                "responses": {"200": _json("History", "Newest first."), **_errors(400)},
            }
        },
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


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
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
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-MS-CLIENT-PRINCIPAL",
                    "description": "Injected by App Service Authentication (base64 JSON with "
                    "claims) or Static Web Apps (userId); client copies are stripped by the "
                    f"platform. At most {MAX_PRINCIPAL_HEADER_CHARS} characters.",
                }
            },
            "schemas": _schemas(),
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of this API (a fresh copy: callers may change it)."""
    return copy.deepcopy(_document())


@blueprint.route(route="openapi.json", methods=["GET"])
def get_openapi_document(req: func.HttpRequest) -> func.HttpResponse:
    """Serve the contract without auth, so clients and fuzzers can read it."""
    return json_response(_document())
