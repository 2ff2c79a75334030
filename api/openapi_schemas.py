"""The OpenAPI components: request, response and error schemas, from the rules the code applies.

Patterns and limits come from provisioning.requests.validation, query bounds from
provisioning.requests.bounds, error codes and extra fields from api.error_specs: a tightened
rule shows up here without an edit. Built on the first /api/openapi.json request only.
"""

from __future__ import annotations

from typing import Any

from api.error_specs import ERROR_CODES, extra_fields
from provisioning.errors.text import MAX_ERROR_MESSAGE_BYTES
from provisioning.models import AccessMode, ErrorCategory, TaskStatus, TaskType, Trigger
from provisioning.requests.bounds import (
    HISTORY_LIMIT,
    RECENT_FAILURES_HOURS,
    RECENT_FAILURES_LIMIT,
    QueryBound,
)
from provisioning.requests.validation import (
    AZURE_PUBLIC_REGIONS,
    CLUSTER_NAME_PATTERN,
    DEFAULT_NODE_COUNT,
    DEFAULT_NODE_VM_SIZE,
    KUBERNETES_VERSION_PATTERN,
    MAX_NODE_COUNT,
    MAX_VM_SIZE_LENGTH,
    MIN_NODE_COUNT,
    REQUIRED_FIELDS,
    RESOURCE_GROUP_PATTERN,
    TASK_ID_PATTERN,
    VM_SIZE_PATTERN,
)

MAX_CLUSTER_NAME_CHARS = 63
MAX_RESOURCE_GROUP_CHARS = 90


def anchored(pattern: str) -> str:
    """A Python fullmatch pattern as a JSON Schema (ECMA-262, search semantics) pattern."""
    return f"^(?:{pattern})$"


def ref(name: str) -> dict[str, str]:
    """A reference to one of the component schemas below."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The same schema, also admitting JSON null (OpenAPI 3.1 type arrays)."""
    widened = dict(schema)
    widened["type"] = [schema["type"], "null"]
    return widened


def closed_object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """A closed object: exactly these properties, all required unless told otherwise."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def bounded_integer(bound: QueryBound) -> dict[str, Any]:
    """An integer echoed back within a query bound."""
    return {"type": "integer", "minimum": bound.low, "maximum": bound.high}


TASK_ID = {"type": "string", "pattern": anchored(TASK_ID_PATTERN.pattern)}
TIMESTAMP = {"type": "string", "format": "date-time"}
STATUSES = [str(status) for status in TaskStatus]
TERMINAL = [str(TaskStatus.SUCCEEDED), str(TaskStatus.FAILED), str(TaskStatus.CANCELLED)]
# The schema of each extra error field (api.error_specs ErrorSpec.extra) and what it says.
EXTRA_ERROR_FIELDS: dict[str, tuple[dict[str, Any], str]] = {
    "field": ({"type": "string"}, "the field to fix."),
    "task_id": (TASK_ID, "the active attempt."),
    "actions": (
        {
            "type": "array",
            "items": closed_object(
                {
                    "kind": {"type": "string"},
                    "label": {"type": "string"},
                    "url": {"type": ["string", "null"]},
                }
            ),
        },
        'what to do about it ("Request quota increase", a link).',
    ),
    "quota": (
        closed_object(
            {
                "family": {"type": "string"},
                "needed_vcpus": {"type": "integer"},
                "available_vcpus": {"type": "integer"},
            }
        ),
        "the quota that is short (a VM family or `cores`), vCPUs needed and free.",
    ),
}


def _request_fields() -> dict[str, dict[str, Any]]:
    """The provision body's fields as the validator checks them."""
    return {
        "cluster_name": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_CLUSTER_NAME_CHARS,
            "pattern": anchored(CLUSTER_NAME_PATTERN.pattern),
            "description": "Letters, digits, '-' and '_'; starts and ends with a letter or digit.",
        },
        "resource_group": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_RESOURCE_GROUP_CHARS,
            "pattern": anchored(RESOURCE_GROUP_PATTERN.pattern),
            "description": "Letters, digits, '-', '_', '(', ')' and '.'; must not end with '.'.",
        },
        "region": {"type": "string", "enum": sorted(AZURE_PUBLIC_REGIONS)},
        "node_vm_size": {
            "type": "string",
            "maxLength": MAX_VM_SIZE_LENGTH,
            "pattern": anchored(VM_SIZE_PATTERN.pattern),
        },
        "node_count": {"type": "integer", "minimum": MIN_NODE_COUNT, "maximum": MAX_NODE_COUNT},
    }


ACCESS = {
    "type": "string",
    "enum": [str(mode) for mode in AccessMode],
    "description": "entra: Microsoft Entra ID with Azure RBAC, local accounts disabled; "
    "local: Kubernetes local accounts.",
}


def _user_pool() -> dict[str, Any]:
    """The optional User-mode workload pool: null, or exactly its VM size and node count."""
    fields = _request_fields()
    pool = closed_object(
        {"node_vm_size": fields["node_vm_size"], "node_count": fields["node_count"]}
    )
    return {"oneOf": [{"type": "null"}, pool]}


def _provision_schemas() -> dict[str, Any]:
    """The provision request and its 202 answer."""
    fields = _request_fields()
    return {
        "ProvisionRequest": closed_object(
            {
                **fields,
                "node_vm_size": {
                    **nullable(fields["node_vm_size"]),
                    "default": DEFAULT_NODE_VM_SIZE,
                },
                "node_count": {**nullable(fields["node_count"]), "default": DEFAULT_NODE_COUNT},
                "kubernetes_version": {
                    "type": ["string", "null"],
                    "pattern": f"^(?:{KUBERNETES_VERSION_PATTERN.pattern})?$",
                    "description": "Empty or null means the region's default version.",
                },
                "user_pool": _user_pool(),
                "access": {
                    **nullable(ACCESS),
                    "enum": [*ACCESS["enum"], None],
                    "default": str(AccessMode.ENTRA),
                },
                "retry_of": {
                    **TASK_ID,
                    "description": "Edit & retry: your own create that failed or was stopped.",
                },
            },
            required=list(REQUIRED_FIELDS),
        ),
        "ProvisionAccepted": closed_object(
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
    }


def _attempt_part_schemas() -> dict[str, Any]:
    """What a task document is made of: its request, progress and classified error."""
    return {
        "AttemptRequest": closed_object(
            {
                "subscription_id": {"type": "string"},
                **_request_fields(),
                "kubernetes_version": {
                    "type": ["string", "null"],
                    "pattern": anchored(KUBERNETES_VERSION_PATTERN.pattern),
                },
                "user_pool": _user_pool(),
                "access": ACCESS,
                "retry_of": {
                    **nullable(TASK_ID),
                    "description": "Edit & retry: the failed attempt this one retries.",
                },
            }
        ),
        "Progress": closed_object(
            {
                "step": {"type": ["string", "null"]},
                "step_index": {"type": "integer", "minimum": 0},
                "total_steps": {"type": "integer", "minimum": 0},
                "cluster_state": {"type": ["string", "null"]},
                "cluster_seen": {"type": "boolean"},
                "portal_url": {"type": ["string", "null"]},
            }
        ),
        "ErrorAction": closed_object(
            {
                "kind": {
                    "type": "string",
                    "description": "link, edit, portal, delete_cluster or grant_access.",
                },
                "label": {"type": "string"},
                "url": {"type": ["string", "null"]},
                "commands": {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": 1,
                    "description": "grant_access only: the commands an admin can run.",
                },
            },
            required=["kind", "label", "url"],
        ),
        "AttemptError": closed_object(
            {
                "code": {"type": "string", "minLength": 1},
                "category": {"type": "string", "enum": [str(c) for c in ErrorCategory]},
                "message": {"type": "string", "maxLength": MAX_ERROR_MESSAGE_BYTES},
                "retryable": {"type": "boolean"},
                "actions": {"type": "array", "items": ref("ErrorAction")},
            }
        ),
    }


def _task_properties() -> dict[str, Any]:
    """The task document's properties (README)."""
    return {
        "task_id": TASK_ID,
        "type": {"type": "string", "enum": [str(t) for t in TaskType]},
        "status": {"type": "string", "enum": STATUSES},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "request": ref("AttemptRequest"),
        "progress": ref("Progress"),
        "error": {"oneOf": [{"type": "null"}, ref("AttemptError")]},
        "warning": {
            "oneOf": [{"type": "null"}, ref("AttemptError")],
            "description": "What a succeeded attempt left undone (a create that could not "
            "grant access: code AccessNotGranted, a grant_access action).",
        },
        "dismissed_at": nullable(TIMESTAMP),
        "trigger": {
            "type": "string",
            "enum": [str(t) for t in Trigger],
            "description": "Who started it: the user, or the guardrail that did.",
        },
        "trigger_summary": {
            **nullable({"type": "string"}),
            "description": 'What an automatic operation did and why ("Stopped automatically: '
            "idle for 1 hour\"); null for the user's own.",
        },
        "target_task_id": {
            **nullable(TASK_ID),
            "description": "aks_delete tasks only: the attempt whose partial cluster it deletes.",
        },
    }


def _task_schemas() -> dict[str, Any]:
    """The task document, the recent-failure row and the two lists that carry them."""
    properties = _task_properties()
    row_fields = ("task_id", "status", "created_at", "updated_at", "request", "progress", "error")
    recent_row = closed_object({name: properties[name] for name in row_fields})
    recent_row["properties"]["status"] = {
        "type": "string",
        "enum": [str(TaskStatus.FAILED), str(TaskStatus.CANCELLED)],
    }
    return {
        "TaskDocument": closed_object(
            properties, required=[k for k in properties if k != "target_task_id"]
        ),
        "RecentFailureRow": recent_row,
        "RecentFailures": closed_object(
            {
                "jobs": {
                    "type": "array",
                    "items": ref("RecentFailureRow"),
                    "maxItems": RECENT_FAILURES_LIMIT.high,
                },
                "degraded": {
                    "type": "boolean",
                    "description": "true when storage could not be read: jobs is then empty.",
                },
                "hours": bounded_integer(RECENT_FAILURES_HOURS),
                "limit": bounded_integer(RECENT_FAILURES_LIMIT),
            }
        ),
        "History": closed_object(
            {
                "jobs": {
                    "type": "array",
                    "items": ref("TaskDocument"),
                    "maxItems": HISTORY_LIMIT.high,
                },
                "limit": bounded_integer(HISTORY_LIMIT),
            }
        ),
    }


def _task_action_schemas() -> dict[str, Any]:
    """Answers of cancel and delete-cluster."""
    return {
        "CancelResult": closed_object(
            {
                "task_id": TASK_ID,
                "status": {"type": "string", "enum": ["cancelling", *TERMINAL]},
                "was_running": {"type": "boolean"},
            }
        ),
        "DeleteAccepted": closed_object(
            {
                "task_id": TASK_ID,
                "status": {"type": "string", "enum": [str(TaskStatus.QUEUED)]},
                "status_url": {"type": "string"},
                "cancel_url": {"type": "string"},
            }
        ),
    }


def error_schema() -> dict[str, Any]:
    """{"error": {"code", "message", ...}}: every code and extra field of api.error_specs."""
    extras = {}
    for name, codes in extra_fields().items():
        schema, meaning = EXTRA_ERROR_FIELDS[name]
        extras[name] = {**schema, "description": f"{', '.join(codes)} only: {meaning}"}
    error = closed_object(
        {
            "code": {"type": "string", "enum": list(ERROR_CODES)},
            "message": {"type": "string"},
            **extras,
        },
        required=["code", "message"],
    )
    return closed_object({"error": error})


def component_schemas() -> dict[str, Any]:
    """Every component schema, exactly as the handlers read and write them."""
    return {
        **_provision_schemas(),
        **_attempt_part_schemas(),
        **_task_schemas(),
        **_task_action_schemas(),
        "Error": error_schema(),
    }
