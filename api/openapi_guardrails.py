"""OpenAPI for cost guardrails (README "Cost guardrails"): the PUT and extend paths and the
`guardrails` and `cost` of a cluster document. Bounds come from the validation module.
"""

from __future__ import annotations

from typing import Any

from api.openapi_schemas import TIMESTAMP, closed_object, nullable, ref
from provisioning.guardrails.model import DAY_NAMES, ActionKind
from provisioning.guardrails.validation import (
    EXTEND_MINUTES_MAX,
    EXTEND_MINUTES_MIN,
    IDLE_MINUTES_MAX,
    IDLE_MINUTES_MIN,
)
from provisioning.models import Trigger

CLOCK = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
IDLE_MINUTES = {
    "type": ["integer", "null"],
    "minimum": IDLE_MINUTES_MIN,
    "maximum": IDLE_MINUTES_MAX,
}
GUARDRAIL_REASONS = [str(Trigger.IDLE), str(Trigger.SCHEDULE), str(Trigger.EXPIRY)]


def guardrail_component_schemas() -> dict[str, Any]:
    """WorkingHours, the PUT and extend bodies, the guardrails document and the cost."""
    schedule = closed_object(
        {
            "timezone": {"type": "string", "description": "An IANA time zone name."},
            "days": {
                "type": "array",
                "items": {"type": "string", "enum": list(DAY_NAMES)},
                "minItems": 1,
                "maxItems": len(DAY_NAMES),
                "uniqueItems": True,
            },
            "start": CLOCK,
            "stop": {**CLOCK, "description": "Differs from start; before it: the next day."},
        }
    )
    next_action = closed_object(
        {
            "kind": {"type": "string", "enum": [str(kind) for kind in ActionKind]},
            "at": TIMESTAMP,
            "reason": {"type": "string", "enum": GUARDRAIL_REASONS},
        }
    )
    return {
        "WorkingHours": schedule,
        "GuardrailsRequest": closed_object(
            {
                "idle_stop_minutes": IDLE_MINUTES,
                "schedule": {"oneOf": [{"type": "null"}, ref("WorkingHours")]},
                "expires_at": {
                    **nullable(TIMESTAMP),
                    "description": "UTC, at least 1 minute and at most 90 days ahead.",
                },
            },
            required=[],
        ),
        "ExtendRequest": closed_object(
            {
                "minutes": {
                    "type": "integer",
                    "minimum": EXTEND_MINUTES_MIN,
                    "maximum": EXTEND_MINUTES_MAX,
                }
            }
        ),
        "Guardrails": closed_object(
            {
                "idle_stop_minutes": IDLE_MINUTES,
                "schedule": {"oneOf": [{"type": "null"}, ref("WorkingHours")]},
                "expires_at": nullable(TIMESTAMP),
                "extended_until": nullable(TIMESTAMP),
                "next_action": {"oneOf": [{"type": "null"}, next_action]},
            }
        ),
        "Cost": closed_object(
            {
                "per_hour": {
                    "type": ["number", "null"],
                    "description": "All pools' nodes while running, 0 while stopped, null "
                    "when a price is unknown.",
                },
                "currency": {"type": "string"},
                "saved_this_month": {
                    "type": ["number", "null"],
                    "description": "Hours the guardrails kept it stopped this UTC month x its "
                    "running price.",
                },
            }
        ),
    }


def guardrail_paths(
    json: Any, errors: Any, state_changing_errors: Any, parameters: list[dict[str, Any]]
) -> dict[str, Any]:
    """The two guardrails paths; `json`/`errors` are the document's own answer builders."""
    base = "/api/aks/clusters/{resource_group}/{cluster_name}/guardrails"
    return {
        base: {
            "put": {
                "summary": "Set the cluster's cost guardrails; all three null removes them.",
                "operationId": "put_guardrails",
                "parameters": parameters,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("GuardrailsRequest")}},
                },
                "responses": {
                    "200": {
                        "description": "The cluster's guardrails (null once removed).",
                        "content": {
                            "application/json": {
                                "schema": {"oneOf": [{"type": "null"}, ref("Guardrails")]}
                            }
                        },
                    },
                    **state_changing_errors(400, 404),
                },
            }
        },
        f"{base}/extend": {
            "post": {
                "summary": "Move the next automatic stop at least `minutes` out.",
                "operationId": "extend_guardrails",
                "parameters": parameters,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("ExtendRequest")}},
                },
                "responses": {
                    "200": json("Guardrails", "The guardrails with the new extension."),
                    **state_changing_errors(400, 404, 409),
                },
            }
        },
    }
