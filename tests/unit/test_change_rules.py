"""What scale, upgrade and the node-pool operations ask of the cluster, checked before accept."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pytest

from provisioning.catalog.azure import REGIONAL_VCPUS, Usage, VmSize
from provisioning.clusters.inventory import ClusterView, NodePoolView
from provisioning.models import ClusterChange, PoolAutoscale
from provisioning.operations.change_rules import (
    AutoscaleEnabled,
    ChangeFacts,
    LastSystemPool,
    PoolExists,
    PoolNotFound,
    check_pool_add,
    check_pool_autoscale,
    check_pool_delete,
    check_scale,
    check_upgrade,
    upgrade_surge,
)
from provisioning.preflight.quota_gate import QuotaExceeded, QuotaSources
from provisioning.requests.validation import RequestValidationError

DSV5, DSV3 = "standardDSv5Family", "standardDSv3Family"
SIZES = (
    VmSize("Standard_D2s_v3", 2, 8, DSV3, (), True, None),
    VmSize("Standard_D4s_v5", 4, 16, DSV5, (), True, None),
    VmSize("Standard_D16s_v5", 16, 64, DSV5, (), True, None),
    VmSize("Standard_D8s_v5", 8, 32, DSV5, (), False, "NotAvailableForSubscription"),
)


def pool(
    name: str,
    count: int,
    *,
    mode: str = "User",
    vm_size: str = "Standard_D4s_v5",
    autoscale: PoolAutoscale | None = None,
    max_surge: str | None = None,
) -> NodePoolView:
    return NodePoolView(name, mode, vm_size, count, "Succeeded", "Running", autoscale, max_surge)


SYSTEM = pool("system", 3, mode="System", vm_size="Standard_D2s_v3")


def cluster(*pools: NodePoolView) -> ClusterView:
    return ClusterView(
        id="/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1",
        name="c1",
        resource_group="rg",
        region="eastus",
        provisioning_state="Succeeded",
        power_state="Running",
        kubernetes_version="1.32.6",
        node_pools=pools or (SYSTEM,),
        fqdn="c1.example",
        etag="e1",
    )


def facts(
    free: Mapping[str, int] | None = None,
    *,
    upgrades: tuple[str, ...] = ("1.33.2",),
    broken: bool = False,
) -> ChangeFacts:
    """Facts whose usages leave `free` vCPUs per quota (48 each by default)."""
    room = {DSV5: 48, DSV3: 48, REGIONAL_VCPUS: 96, **(free or {})}

    def usages(region: str) -> dict[str, Usage]:
        if broken:
            raise ConnectionError("compute is down")
        return {name: Usage(name, 100 - left, 100) for name, left in room.items()}

    return ChangeFacts("sub-1", upgrades, QuotaSources(lambda region: SIZES, usages))


# --- scale ------------------------------------------------------------------------------------


def test_scale_of_an_autoscaled_pool_is_refused() -> None:
    view = cluster(SYSTEM, pool("work", 2, autoscale=PoolAutoscale(1, 5)))
    with pytest.raises(AutoscaleEnabled) as refused:
        check_scale(ClusterChange(node_pool="work", node_count=4), view, facts())
    assert "1-5" in str(refused.value)


def test_scale_needs_room_only_for_the_nodes_it_adds() -> None:
    view = cluster(SYSTEM, pool("work", 10))
    # 10 -> 22 nodes of 4 vCPUs: 48 more, exactly what is free
    check_scale(ClusterChange(node_pool="work", node_count=22), view, facts())
    with pytest.raises(QuotaExceeded) as refused:
        check_scale(ClusterChange(node_pool="work", node_count=23), view, facts())
    assert refused.value.quota == {"family": DSV5, "needed_vcpus": 52, "available_vcpus": 48}
    # scaling down needs nothing, even with no room at all
    check_scale(ClusterChange(node_pool="work", node_count=1), view, facts({DSV5: 0}))


def test_scale_of_a_pool_the_cluster_does_not_have_is_400() -> None:
    with pytest.raises(RequestValidationError) as refused:
        check_scale(ClusterChange(node_pool="nothere", node_count=2), cluster(), facts())
    assert refused.value.field == "node_pool"


# --- upgrade ----------------------------------------------------------------------------------


def test_each_pool_surges_by_its_max_surge_or_the_default() -> None:
    view = cluster(
        SYSTEM,
        pool("pct", 10, max_surge="33%"),
        pool("count", 5, max_surge="2"),
        pool("empty", 0),
    )
    assert [(p.name, n) for p, n in upgrade_surge(view)] == [
        ("system", 1),
        ("pct", 4),
        ("count", 2),
        ("empty", 0),
    ]


def test_an_upgrade_is_refused_for_its_surge_nodes_alone() -> None:
    # 100 % surge of 12 D4s_v5 nodes: 48 vCPUs; 47 are free. The cluster's own nodes fit.
    view = cluster(SYSTEM, pool("work", 12, max_surge="100%"))
    with pytest.raises(QuotaExceeded) as refused:
        check_upgrade(ClusterChange(kubernetes_version="1.33.2"), view, facts({DSV5: 47}))
    assert "surge nodes" in str(refused.value) and "work +12" in str(refused.value)
    check_upgrade(ClusterChange(kubernetes_version="1.33.2"), view, facts({DSV5: 48}))


def test_an_upgrade_to_a_version_not_offered_is_400() -> None:
    with pytest.raises(RequestValidationError) as refused:
        check_upgrade(ClusterChange(kubernetes_version="1.40.0"), cluster(), facts())
    assert refused.value.field == "kubernetes_version"


# --- pool add ---------------------------------------------------------------------------------


def add(
    name: str = "work",
    vm_size: str = "Standard_D4s_v5",
    node_count: int | None = 2,
    autoscale: PoolAutoscale | None = None,
) -> ClusterChange:
    return ClusterChange(
        node_pool=name, vm_size=vm_size, node_count=node_count, autoscale=autoscale
    )


def test_a_pool_name_the_cluster_has_is_pool_exists() -> None:
    with pytest.raises(PoolExists):
        check_pool_add(add("system"), cluster(), facts())


@pytest.mark.parametrize(
    ("vm_size", "reason"),
    [("Standard_X9", "not offered in eastus"), ("Standard_D8s_v5", "not available in eastus")],
)
def test_a_size_the_region_cannot_run_is_400_vm_size(vm_size: str, reason: str) -> None:
    with pytest.raises(RequestValidationError) as refused:
        check_pool_add(add(vm_size=vm_size), cluster(), facts())
    assert refused.value.field == "vm_size" and reason in str(refused.value)


def test_100_d16s_v5_nodes_do_not_fit_and_the_refusal_links_the_quota_page() -> None:
    with pytest.raises(QuotaExceeded) as refused:
        check_pool_add(add("big", vm_size="Standard_D16s_v5", node_count=100), cluster(), facts())
    assert refused.value.quota == {"family": DSV5, "needed_vcpus": 1600, "available_vcpus": 48}
    assert refused.value.actions[0]["label"] == "Request quota increase"


def test_an_autoscaled_add_needs_room_for_its_minimum() -> None:
    fits = add(node_count=None, autoscale=PoolAutoscale(12, 100))
    check_pool_add(fits, cluster(), facts())
    too_many = add(node_count=None, autoscale=PoolAutoscale(13, 100))
    with pytest.raises(QuotaExceeded):
        check_pool_add(too_many, cluster(), facts())


def test_the_regional_limit_refuses_too() -> None:
    with pytest.raises(QuotaExceeded) as refused:
        check_pool_add(add(node_count=5), cluster(), facts({REGIONAL_VCPUS: 19}))
    assert refused.value.quota["family"] == REGIONAL_VCPUS
    assert "Total Regional vCPUs" in str(refused.value)


def test_an_unreadable_quota_lets_the_add_go_ahead(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        check_pool_add(
            add("big", vm_size="Standard_D16s_v5", node_count=100), cluster(), facts(broken=True)
        )
    assert "not checked" in caplog.text


def test_no_quota_source_lets_the_add_go_ahead_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        check_pool_add(add(node_count=100), cluster(), ChangeFacts("sub-1"))
    assert "not checked" in caplog.text


# --- pool autoscale ---------------------------------------------------------------------------


def test_autoscale_of_a_pool_the_cluster_does_not_have_is_not_found() -> None:
    with pytest.raises(PoolNotFound):
        check_pool_autoscale(
            ClusterChange(node_pool="nothere", autoscale=PoolAutoscale(1, 2)), cluster(), facts()
        )


def test_a_system_pool_keeps_at_least_one_node() -> None:
    with pytest.raises(RequestValidationError) as refused:
        check_pool_autoscale(
            ClusterChange(node_pool="system", autoscale=PoolAutoscale(0, 3)), cluster(), facts()
        )
    assert refused.value.field == "min"
    with pytest.raises(RequestValidationError) as refused:
        check_pool_autoscale(ClusterChange(node_pool="system", node_count=0), cluster(), facts())
    assert refused.value.field == "node_count"


def test_a_minimum_above_the_current_count_needs_room() -> None:
    view = cluster(SYSTEM, pool("work", 2))
    check_pool_autoscale(
        ClusterChange(node_pool="work", autoscale=PoolAutoscale(14, 20)), view, facts()
    )
    with pytest.raises(QuotaExceeded):
        check_pool_autoscale(
            ClusterChange(node_pool="work", autoscale=PoolAutoscale(15, 20)), view, facts()
        )


# --- pool delete ------------------------------------------------------------------------------


def test_the_only_system_pool_cannot_be_deleted() -> None:
    with pytest.raises(LastSystemPool):
        check_pool_delete(
            ClusterChange(node_pool="system"), cluster(SYSTEM, pool("work", 1)), facts()
        )


def test_a_system_pool_may_go_while_another_stays_and_a_user_pool_always() -> None:
    second = pool("second", 1, mode="System")
    check_pool_delete(ClusterChange(node_pool="system"), cluster(SYSTEM, second), facts())
    check_pool_delete(ClusterChange(node_pool="work"), cluster(SYSTEM, pool("work", 1)), facts())


def test_deleting_a_pool_the_cluster_does_not_have_is_not_found() -> None:
    with pytest.raises(PoolNotFound):
        check_pool_delete(ClusterChange(node_pool="nothere"), cluster(), facts())
