"""Azure resource ids and portal deep links, so users can jump to what we created."""

from __future__ import annotations

from urllib.parse import quote, urlencode

PORTAL_BASE = "https://portal.azure.com"
QUOTA_VIEW_URL = "https://aka.ms/quotas/view-quotas"
CREATE_RESOURCE_GROUP_URL = f"{PORTAL_BASE}/#create/Microsoft.ResourceGroup"
POLICY_ASSIGNMENTS_URL = f"{PORTAL_BASE}/#blade/Microsoft_Azure_Policy/PolicyMenuBlade/Assignments"


def cluster_resource_id(subscription_id: str, resource_group: str, cluster_name: str) -> str:
    """ARM id of a managed cluster (the path the SDK PUTs to, without api-version)."""
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        f"/providers/Microsoft.ContainerService/managedClusters/{cluster_name}"
    )


def portal_url_for(resource_id: str, tenant: str = "") -> str:
    """Portal overview page of a resource; an empty tenant means the user's default directory."""
    return f"{PORTAL_BASE}/#@{quote(tenant, safe='')}/resource{resource_id}/overview"


def access_control_url(scope: str, tenant: str = "") -> str:
    """Portal "Access control (IAM)" page of a scope, where a role can be granted."""
    return f"{PORTAL_BASE}/#@{quote(tenant, safe='')}/resource{scope}/users"


def quota_request_url(subscription_id: str, region: str) -> str:
    """Quota page for a subscription and region, where a quota increase is requested."""
    return f"{QUOTA_VIEW_URL}?{urlencode({'subscriptionId': subscription_id, 'location': region})}"
