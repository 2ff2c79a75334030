"""Preflight and options through the real resource, compute, auth and AKS SDKs and Retail
Prices over azure-core's pipeline, against the ARM simulator."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerservice import ContainerServiceClient

from provisioning.catalog.cache import CatalogCache
from provisioning.catalog.prices import make_prices_client
from provisioning.clusters.ownership import product_tags
from provisioning.models import NodePool, ProvisionRequest
from provisioning.preflight.run import AzureSources, options_document, preflight
from provisioning.requests.validation import RequestValidationError
from tests.arm_fixtures import (
    SIMULATOR_SUBSCRIPTION_ID,
    ArmSimulator,
    make_arm_client,
    make_authorization_client,
    make_compute_client,
    make_resource_client,
    make_subscription_client,
    managed_cluster_body,
)

OWNER = "owner-preflight"


@pytest.fixture
def sources(arm_simulator: ArmSimulator) -> Iterator[AzureSources]:
    """The same SDK clients production builds, pointed at the simulator."""
    built = AzureSources(
        subscription_id=SIMULATOR_SUBSCRIPTION_ID,
        subscriptions=make_subscription_client(arm_simulator),
        resources=make_resource_client(arm_simulator),
        compute=make_compute_client(arm_simulator),
        authorization=make_authorization_client(arm_simulator),
        containers=make_arm_client(arm_simulator),
        prices=make_prices_client(arm_simulator.base_url, str(arm_simulator.cert_path)),
        prices_endpoint=arm_simulator.base_url,
        app_identity="app-client-id",
    )
    yield built
    for client in (
        built.subscriptions,
        built.resources,
        built.compute,
        built.authorization,
        built.containers,
        built.prices,
    ):
        client.close()


def request(**fields: Any) -> ProvisionRequest:
    base = ProvisionRequest(
        SIMULATOR_SUBSCRIPTION_ID,
        "rg-preflight",
        f"pre-{uuid.uuid4().hex[:8]}",
        "eastus",
        "Standard_D2s_v5",
        2,
        None,
    )
    return ProvisionRequest(**{**base.__dict__, **fields})


def checks(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["id"]: check for check in answer["checks"]}


def test_options_list_regions_sizes_with_prices_and_versions(sources: AzureSources) -> None:
    document = options_document(sources, CatalogCache(), "eastus")

    assert document["degraded"] is False
    assert len(document["regions"]) >= 15
    assert {"name": "eastus", "display_name": "East US"} in document["regions"]
    sizes = {size["name"]: size for size in document["vm_sizes"]}
    assert len(sizes) >= 8
    d4 = sizes["Standard_D4s_v5"]
    assert (d4["vcpus"], d4["memory_gib"], d4["family"]) == (4, 16.0, "standardDSv5Family")
    assert d4["zones"] == ["1", "2"]  # zone 3 is restricted in eastus
    assert all(isinstance(size["price_per_hour"], float) for size in sizes.values())
    versions = document["kubernetes_versions"]
    assert [v["version"] for v in versions if v["default"]] == ["1.32"]
    assert any(v["preview"] for v in versions)
    assert document["currency"] == "USD"


def test_options_mark_a_restricted_size_unavailable_with_its_reason(
    sources: AzureSources,
) -> None:
    sizes = {s["name"]: s for s in options_document(sources, CatalogCache(), "westus3")["vm_sizes"]}
    assert sizes["Standard_D8s_v5"]["available"] is False
    assert sizes["Standard_D8s_v5"]["reason"] == "NotAvailableForSubscription"
    assert sizes["Standard_D4s_v5"]["available"] is True


def test_options_for_a_region_without_aks_is_a_400_naming_region(sources: AzureSources) -> None:
    with pytest.raises(RequestValidationError) as refused:
        options_document(sources, CatalogCache(), "southindia")
    assert refused.value.field == "region"


def test_a_fitting_request_passes_and_is_priced(sources: AzureSources) -> None:
    answer = preflight(sources, CatalogCache(), request(), OWNER)

    assert answer["ok"] is True, answer
    assert {check["status"] for check in answer["checks"]} == {"pass"}
    assert answer["quota"]["family"] == "standardDSv5Family"
    assert answer["quota"]["needed_vcpus"] == 4
    assert answer["cost"]["per_month"] == round(answer["cost"]["per_hour"] * 730, 2)


def test_the_westus3_restriction_fails_vm_size(sources: AzureSources) -> None:
    answer = preflight(
        sources, CatalogCache(), request(region="westus3", node_vm_size="Standard_D8s_v5"), OWNER
    )
    assert answer["ok"] is False
    assert checks(answer)["vm_size"]["status"] == "fail"
    assert "westus3" in checks(answer)["vm_size"]["message"]


def test_quota_fails_with_apply_nodes_for_what_still_fits(sources: AzureSources) -> None:
    answer = preflight(
        sources,
        CatalogCache(),
        request(
            region="francecentral",
            node_vm_size="Standard_D16s_v5",
            node_count=100,
            user_pool=NodePool("Standard_D2s_v5", 4),
        ),
        OWNER,
    )
    quota = checks(answer)["quota"]
    assert quota["status"] == "fail"
    assert answer["quota"]["needed_vcpus"] == 1608  # 100 x 16 + 4 x 2, over the family limit
    free = answer["quota"]["available_vcpus"]
    assert answer["quota"]["max_nodes"] == (free - 8) // 16
    kinds = {action["kind"]: action for action in quota["actions"]}
    assert kinds["apply_nodes"]["value"] == answer["quota"]["max_nodes"]
    assert "quota" in kinds["link"]["url"]


def test_read_only_and_missing_groups_fail_their_checks(sources: AzureSources) -> None:
    readonly = preflight(sources, CatalogCache(), request(resource_group="readonly-team"), OWNER)
    missing = preflight(sources, CatalogCache(), request(resource_group="missing-rg"), OWNER)
    permission = checks(readonly)["permission"]
    assert permission["status"] == "fail"
    assert "az role assignment create --assignee app-client-id" in permission["actions"][0]["value"]
    assert checks(missing)["resource_group"]["status"] == "fail"


def test_a_name_taken_by_another_user_fails_and_your_failed_one_warns(
    sources: AzureSources, arm_client: ContainerServiceClient
) -> None:
    taken, failed = f"taken-{uuid.uuid4().hex[:6]}", f"fail-{uuid.uuid4().hex[:6]}"
    for name, owner in ((taken, "someone-else"), (failed, OWNER)):
        body = managed_cluster_body(tags=product_tags(owner, "2516614703999999999-aaaaaaaaaaaa"))
        poller = arm_client.managed_clusters.begin_create_or_update("rg-preflight", name, body)
        try:
            poller.result()
        except HttpResponseError:  # the fail- one ends Failed, which is the point
            pass

    theirs = preflight(sources, CatalogCache(), request(cluster_name=taken), OWNER)
    mine = preflight(sources, CatalogCache(), request(cluster_name=failed), OWNER)

    assert checks(theirs)["cluster_name"]["status"] == "fail"
    assert checks(mine)["cluster_name"]["status"] == "warn"


def test_a_warm_region_makes_no_new_catalog_call_and_cold_callers_share_one(
    sources: AzureSources,
) -> None:
    cache = CatalogCache()
    answers: list[dict[str, Any]] = []
    threads = [
        threading.Thread(
            target=lambda: answers.append(
                preflight(sources, cache, request(region="uksouth"), OWNER)
            )
        )
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    cold_loads = cache.loads
    preflight(sources, cache, request(region="uksouth"), OWNER)

    assert len(answers) == 6 and all(answer["ok"] for answer in answers)
    assert cold_loads == 3  # VM sizes, Kubernetes versions, prices: once for six callers
    assert cache.loads == cold_loads  # warm: none
