"""Portal links: users land on the right resource, IAM page or quota page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from provisioning.portal_links import (
    access_control_url,
    cluster_resource_id,
    portal_url_for,
    quota_request_url,
)

SUB = "00000000-0000-0000-0000-000000000001"


def test_cluster_resource_id_is_the_arm_path_of_the_managed_cluster() -> None:
    assert cluster_resource_id(SUB, "rg1", "aks1") == (
        f"/subscriptions/{SUB}/resourceGroups/rg1"
        "/providers/Microsoft.ContainerService/managedClusters/aks1"
    )


def test_portal_url_without_tenant_uses_the_default_directory() -> None:
    resource_id = cluster_resource_id(SUB, "rg1", "aks1")
    assert portal_url_for(resource_id) == (
        f"https://portal.azure.com/#@/resource{resource_id}/overview"
    )


def test_portal_url_with_tenant_names_the_directory() -> None:
    url = portal_url_for("/subscriptions/s/resourceGroups/r", tenant="contoso.onmicrosoft.com")
    assert url == (
        "https://portal.azure.com/#@contoso.onmicrosoft.com/resource"
        "/subscriptions/s/resourceGroups/r/overview"
    )


def test_portal_url_keeps_resource_group_parentheses_and_dots() -> None:
    resource_id = cluster_resource_id(SUB, "rg.(prod)", "aks_1")
    assert portal_url_for(resource_id).endswith(
        "/resourceGroups/rg.(prod)/providers/"
        "Microsoft.ContainerService/managedClusters/"
        "aks_1/overview"
    )


def test_access_control_url_opens_the_scope_iam_page() -> None:
    assert access_control_url("/subscriptions/s/resourceGroups/r") == (
        "https://portal.azure.com/#@/resource/subscriptions/s/resourceGroups/r/users"
    )


def test_quota_request_url_names_subscription_and_region() -> None:
    url = quota_request_url(SUB, "westeurope")
    assert url == (f"https://aka.ms/quotas/view-quotas?subscriptionId={SUB}&location=westeurope")


def test_quota_request_url_encodes_unsafe_characters() -> None:
    url = quota_request_url("a&b=c", "east us")
    query = parse_qs(urlsplit(url).query)
    assert query == {"subscriptionId": ["a&b=c"], "location": ["east us"]}
