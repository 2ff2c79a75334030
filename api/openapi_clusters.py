"""OpenAPI for preflight, options and Your clusters (README, §15): schemas and paths.

Kept apart from the task paths so each module stays one screen per concern; read by
api.openapi_document on the first request for the document.
"""

from __future__ import annotations

from typing import Any

from api.clusters import handler_name
from api.openapi_guardrails import guardrail_component_schemas, guardrail_paths
from api.openapi_schemas import TASK_ID, anchored, closed_object, ref
from provisioning.fleet.actions import ACTION_KINDS
from provisioning.models import AccessMode
from provisioning.operations.change_rules import MIN_AUTOSCALE_MAX
from provisioning.operations.registry import CLUSTER_OPERATIONS, POOL_PARAMETER, OperationSpec
from provisioning.preflight.checks import PREFLIGHT_CHECKS, CheckStatus
from provisioning.requests.validation import (
    AZURE_PUBLIC_REGIONS,
    CLUSTER_NAME_PATTERN,
    MAX_NODE_COUNT,
    MAX_POOL_NAME_LENGTH,
    MAX_VM_SIZE_LENGTH,
    MIN_NODE_COUNT,
    POOL_NAME_PATTERN,
    RESOURCE_GROUP_PATTERN,
    VM_SIZE_PATTERN,
)

NUMBER_OR_NULL = {"type": ["number", "null"]}
STRING_OR_NULL = {"type": ["string", "null"]}


def _text_limit() -> dict[str, Any]:
    """One text input's rule in `limits`: a browser RegExp source and a maximum length."""
    return closed_object({"pattern": {"type": "string"}, "max_length": {"type": "integer"}})


def _options_schemas() -> dict[str, Any]:
    size = closed_object(
        {
            "name": {"type": "string"},
            "vcpus": {"type": "integer", "minimum": 0},
            "memory_gib": {"type": "number", "minimum": 0},
            "family": {"type": "string"},
            "zones": {"type": "array", "items": {"type": "string"}},
            "available": {"type": "boolean"},
            "reason": STRING_OR_NULL,
            "price_per_hour": NUMBER_OR_NULL,
        }
    )
    return {
        "VmSizeOption": size,
        "Options": closed_object(
            {
                "region": {"type": "string"},
                "regions": {
                    "type": "array",
                    "items": closed_object(
                        {"name": {"type": "string"}, "display_name": {"type": "string"}}
                    ),
                },
                "vm_sizes": {"type": "array", "items": ref("VmSizeOption")},
                "kubernetes_versions": {
                    "type": "array",
                    "items": closed_object(
                        {
                            "version": {"type": "string"},
                            "default": {"type": "boolean"},
                            "preview": {"type": "boolean"},
                        }
                    ),
                },
                "currency": {"type": "string"},
                "limits": closed_object(
                    {
                        "cluster_name": _text_limit(),
                        "resource_group": _text_limit(),
                        "pool_name": _text_limit(),
                        "node_count": closed_object(
                            {"min": {"type": "integer"}, "max": {"type": "integer"}}
                        ),
                    }
                ),
                "degraded": {
                    "type": "boolean",
                    "description": "true when an Azure source failed: its part is empty.",
                },
            }
        ),
    }


def _preflight_schemas() -> dict[str, Any]:
    action = closed_object(
        {
            "kind": {"type": "string", "description": "edit, link, apply_nodes or command."},
            "label": {"type": "string"},
            "url": STRING_OR_NULL,
            "value": {"description": "apply_nodes: the node count; command: the command to run."},
        }
    )
    check = closed_object(
        {
            "id": {"type": "string", "enum": [c.id for c in PREFLIGHT_CHECKS]},
            "status": {"type": "string", "enum": [str(s) for s in CheckStatus]},
            "message": {"type": "string"},
            "actions": {"type": "array", "items": action},
        }
    )
    return {
        "PreflightCheck": check,
        "Preflight": closed_object(
            {
                "ok": {"type": "boolean", "description": "false exactly when a check failed."},
                "checks": {
                    "type": "array",
                    "items": ref("PreflightCheck"),
                    "minItems": len(PREFLIGHT_CHECKS),
                    "maxItems": len(PREFLIGHT_CHECKS),
                },
                "quota": {
                    "oneOf": [
                        {"type": "null"},
                        closed_object(
                            {
                                "family": {"type": "string"},
                                "needed_vcpus": {"type": "integer"},
                                "available_vcpus": {"type": "integer"},
                                "max_nodes": {"type": "integer"},
                            }
                        ),
                    ]
                },
                "cost": {
                    "oneOf": [
                        {"type": "null"},
                        closed_object(
                            {
                                "per_hour": {"type": "number"},
                                "per_month": {"type": "number"},
                                "currency": {"type": "string"},
                            }
                        ),
                    ]
                },
            }
        ),
    }


def _cluster_schemas() -> dict[str, Any]:
    pool = closed_object(
        {
            "name": {"type": "string"},
            "mode": {"type": "string"},
            "vm_size": {"type": "string"},
            "count": {"type": "integer"},
            "provisioning_state": STRING_OR_NULL,
            "power_state": STRING_OR_NULL,
            "autoscale": {
                "oneOf": [
                    {"type": "null"},
                    closed_object({"min": {"type": "integer"}, "max": {"type": "integer"}}),
                ]
            },
            "max_surge": {
                **STRING_OR_NULL,
                "description": 'upgradeSettings.maxSurge: a count ("1") or a percent ("10%").',
            },
        }
    )
    operation = closed_object(
        {
            "task_id": TASK_ID,
            "type": {"type": "string"},
            "status": {"type": "string"},
            "step": STRING_OR_NULL,
        }
    )
    action = closed_object(
        {
            "kind": {"type": "string", "enum": list(ACTION_KINDS)},
            "enabled": {"type": "boolean"},
            "reason": STRING_OR_NULL,
        }
    )
    cluster = closed_object(
        {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "resource_group": {"type": "string"},
            "region": {"type": "string"},
            "provisioning_state": STRING_OR_NULL,
            "power_state": STRING_OR_NULL,
            "kubernetes_version": STRING_OR_NULL,
            "node_count": {"type": "integer"},
            "node_pools": {"type": "array", "items": pool},
            "fqdn": STRING_OR_NULL,
            "portal_url": {"type": "string"},
            "created_by_task": STRING_OR_NULL,
            "upgrades": {"type": "array", "items": {"type": "string"}},
            "operation": {"oneOf": [{"type": "null"}, operation]},
            "actions": {"type": "array", "items": action},
            "access": closed_object(
                {
                    "mode": {"type": "string", "enum": [str(mode) for mode in AccessMode]},
                    "commands": {
                        "type": "array",
                        "items": {"type": "string"},
                        "minItems": 1,
                        "maxItems": 2,
                        "description": "az aks get-credentials …; for entra also "
                        "kubelogin convert-kubeconfig -l azurecli.",
                    },
                    "kubeconfig": {
                        "type": "boolean",
                        "description": "true when the kubeconfig route answers 200 now (entra, "
                        "with a running API server).",
                    },
                }
            ),
            "guardrails": {"oneOf": [{"type": "null"}, ref("Guardrails")]},
            "cost": ref("Cost"),
        }
    )
    count = {"type": "integer", "minimum": MIN_NODE_COUNT, "maximum": MAX_NODE_COUNT}
    return {
        "Cluster": cluster,
        "Clusters": closed_object(
            {
                "clusters": {"type": "array", "items": ref("Cluster")},
                "degraded": {"type": "boolean"},
            }
        ),
        "ScaleRequest": closed_object(
            {
                "node_pool": {"type": "string", "minLength": 1, "maxLength": MAX_POOL_NAME_LENGTH},
                "node_count": count,
            }
        ),
        "UpgradeRequest": closed_object({"kubernetes_version": {"type": "string", "minLength": 1}}),
        "DeleteRequest": closed_object(
            {"confirm": {"type": "string", "minLength": 1, "description": "The cluster name."}}
        ),
        **_pool_schemas(),
        "OperationAccepted": closed_object(
            {
                "task_id": TASK_ID,
                "status": {"type": "string", "enum": ["queued"]},
                "status_url": {"type": "string"},
                "cancel_url": {"type": "string"},
            }
        ),
    }


def _pool_schemas() -> dict[str, Any]:
    """The node-pool operations' bodies (README "Node pools"), from the validator's bounds."""
    pool_count = {"type": "integer", "minimum": 0, "maximum": MAX_NODE_COUNT}
    bounds = closed_object(
        {
            "min": pool_count,
            "max": {"type": "integer", "minimum": MIN_AUTOSCALE_MAX, "maximum": MAX_NODE_COUNT},
        }
    )
    name = {"type": "string", "pattern": anchored(POOL_NAME_PATTERN.pattern)}
    vm_size = {
        "type": "string",
        "pattern": anchored(VM_SIZE_PATTERN.pattern),
        "maxLength": MAX_VM_SIZE_LENGTH,
    }
    add_fields = {"name": name, "vm_size": vm_size}
    return {
        "PoolAddRequest": {
            "description": "Exactly one of node_count and autoscale; autoscale.min <= max.",
            "oneOf": [
                closed_object({**add_fields, "node_count": pool_count}),
                closed_object({**add_fields, "autoscale": bounds}),
            ],
        },
        "PoolAutoscaleRequest": {
            "description": "min and max turn the autoscaler on (min <= max); enabled false "
            "and node_count turn it off.",
            "oneOf": [
                bounds,
                closed_object({"enabled": {"const": False}, "node_count": pool_count}),
            ],
        },
        "PoolDeleteRequest": closed_object(
            {"confirm": {"type": "string", "minLength": 1, "description": "The pool name."}}
        ),
    }


def cluster_component_schemas() -> dict[str, Any]:
    """The schemas of options, preflight, clusters, lifecycle operations and guardrails."""
    return {
        **_options_schemas(),
        **_preflight_schemas(),
        **_cluster_schemas(),
        **guardrail_component_schemas(),
    }


def body_schema_name(spec: OperationSpec) -> str | None:
    """The request-body schema of a cluster operation that takes a body ("ScaleRequest")."""
    if not spec.body_fields:
        return None
    return "".join(part.capitalize() for part in spec.name.split("_")) + "Request"


def cluster_parameters() -> list[dict[str, Any]]:
    return [
        {
            "name": "resource_group",
            "in": "path",
            "required": True,
            "schema": {
                "type": "string",
                "pattern": anchored(RESOURCE_GROUP_PATTERN.pattern),
                "maxLength": 90,
            },
        },
        {
            "name": "cluster_name",
            "in": "path",
            "required": True,
            "schema": {
                "type": "string",
                "pattern": anchored(CLUSTER_NAME_PATTERN.pattern),
                "maxLength": 63,
            },
        },
    ]


def _pool_parameter() -> list[dict[str, Any]]:
    return [
        {
            "name": POOL_PARAMETER,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": anchored(POOL_NAME_PATTERN.pattern)},
        }
    ]


def cluster_paths(json: Any, errors: Any, state_changing_errors: Any) -> dict[str, Any]:
    """Paths of §14 and §15; `json`/`errors` are the document's own answer builders."""
    paths: dict[str, Any] = {
        "/api/aks/options": {
            "get": {
                "summary": "Regions, VM sizes (availability, price) and Kubernetes versions.",
                "operationId": "get_options",
                "parameters": [
                    {
                        "name": "region",
                        "in": "query",
                        "required": False,
                        # Empty means absent (the worker drops empty query values).
                        "schema": {
                            "anyOf": [
                                {"type": "string", "enum": sorted(AZURE_PUBLIC_REGIONS)},
                                {"type": "string", "maxLength": 0},
                            ]
                        },
                        "description": "Default eastus (also when empty); a region "
                        "without AKS is 400.",
                    }
                ],
                "responses": {
                    "200": json("Options", "Never 5xx: a failed source is degraded."),
                    **errors(400),
                },
            }
        },
        "/api/aks/preflight": {
            "post": {
                "summary": "Check a provision body against live Azure data (advice only).",
                "operationId": "run_preflight",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("ProvisionRequest")}},
                },
                "responses": {
                    "200": json("Preflight", "Checks in order; unknown, never 5xx."),
                    **state_changing_errors(400),
                },
            }
        },
        "/api/aks/clusters": {
            "get": {
                "summary": "Your clusters (owner tag), live; resolves failures of gone clusters.",
                "operationId": "list_clusters",
                "responses": {"200": json("Clusters", "ARM failure: [] and degraded."), **errors()},
            }
        },
    }
    paths["/api/aks/clusters/{resource_group}/{cluster_name}/kubeconfig"] = {
        "get": {
            "summary": "Download your Entra ID cluster's kubeconfig (exec user, no secret).",
            "operationId": "download_kubeconfig",
            "parameters": cluster_parameters(),
            "responses": {
                "200": {
                    "description": "listClusterUserCredential(format=exec), as an attachment "
                    '"<cluster_name>.kubeconfig"; its user runs kubelogin.',
                    "headers": {
                        "Content-Disposition": {
                            "schema": {"type": "string"},
                            "description": 'attachment; filename="<cluster_name>.kubeconfig"',
                        }
                    },
                    "content": {
                        "application/yaml": {
                            "schema": {
                                "type": "object",
                                "description": "A kubeconfig (kind Config).",
                                "required": ["apiVersion", "kind", "clusters", "users"],
                                "properties": {"kind": {"const": "Config"}},
                            }
                        }
                    },
                },
                **errors(404, 409),
            },
        }
    }
    for spec in CLUSTER_OPERATIONS:
        post: dict[str, Any] = {
            "summary": f"{spec.summary} ({spec.task_type}).",
            "operationId": handler_name(spec),
            "parameters": cluster_parameters() + (_pool_parameter() if spec.targets_pool else []),
            "responses": {
                "202": json("OperationAccepted", "Follow status_url."),
                **state_changing_errors(400, 404, 409),
            },
        }
        body = body_schema_name(spec)
        if body:
            post["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(body)}},
            }
        paths[f"/api/aks/clusters/{{resource_group}}/{{cluster_name}}/{spec.route}"] = {
            "post": post
        }
    paths.update(guardrail_paths(json, errors, state_changing_errors, cluster_parameters()))
    return paths
