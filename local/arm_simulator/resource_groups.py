"""Resource groups and the caller's permissions on them (Microsoft.Resources, .Authorization)."""

from __future__ import annotations

from typing import Any

from local.arm_simulator import arm_errors
from local.arm_simulator.scenarios import MISSING_RESOURCE_GROUP

RESOURCE_GROUP_LOCATION = "eastus"
READ_ONLY_PREFIX = "readonly-"
# Groups where the app holds Azure's built-in Contributor: clusters yes, role assignments no.
CONTRIBUTOR_PREFIX = "contributor-"
FULL_ACCESS = ("*",)
READ_ONLY_ACCESS = ("*/read",)
CONTRIBUTOR_NOT_ACTIONS = (
    "Microsoft.Authorization/*/Delete",
    "Microsoft.Authorization/*/Write",
    "Microsoft.Authorization/elevateAccess/Action",
    "Microsoft.Blueprint/blueprintAssignments/write",
    "Microsoft.Blueprint/blueprintAssignments/delete",
    "Microsoft.Compute/galleries/share/action",
    "Microsoft.Purview/consents/write",
    "Microsoft.Purview/consents/delete",
    "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
    "Microsoft.Subscription/cancel/action",
    "Microsoft.Subscription/enable/action",
)


def require_resource_group(resource_group: str) -> None:
    """Every group exists except `missing-rg`, which answers 404 ResourceGroupNotFound."""
    if resource_group.lower() == MISSING_RESOURCE_GROUP:
        raise arm_errors.resource_group_not_found(resource_group)


def resource_group_document(subscription_id: str, resource_group: str) -> dict[str, Any]:
    """GET /subscriptions/{sub}/resourcegroups/{rg} (ResourceManagementClient.resource_groups)."""
    require_resource_group(resource_group)
    return {
        "id": f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}",
        "name": resource_group,
        "type": "Microsoft.Resources/resourceGroups",
        "location": RESOURCE_GROUP_LOCATION,
        "tags": {},
        "properties": {"provisioningState": "Succeeded"},
    }


def granted_actions(resource_group: str) -> tuple[str, ...]:
    """What the caller may do in a group: everything, or only reads in `readonly-` groups."""
    return READ_ONLY_ACCESS if resource_group.lower().startswith(READ_ONLY_PREFIX) else FULL_ACCESS


def denied_actions(resource_group: str) -> tuple[str, ...]:
    """The notActions of the caller's role: Contributor's in `contributor-` groups, else none."""
    if resource_group.lower().startswith(CONTRIBUTOR_PREFIX):
        return CONTRIBUTOR_NOT_ACTIONS
    return ()


def may_assign_roles(resource_group: str) -> bool:
    """True when the caller may write and delete role assignments in the group."""
    lowered = resource_group.lower()
    return not lowered.startswith((READ_ONLY_PREFIX, CONTRIBUTOR_PREFIX))


def permissions_document(resource_group: str) -> dict[str, Any]:
    """GET .../resourceGroups/{rg}/providers/Microsoft.Authorization/permissions."""
    require_resource_group(resource_group)
    return {
        "value": [
            {
                "actions": list(granted_actions(resource_group)),
                "notActions": list(denied_actions(resource_group)),
                "dataActions": [],
                "notDataActions": [],
            }
        ]
    }
