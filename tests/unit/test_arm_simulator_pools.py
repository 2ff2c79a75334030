"""Agent pools in the simulator's store: add, autoscale, delete, and AKS's refusals."""

from __future__ import annotations

from typing import Any

import pytest

from local.arm_simulator.arm_errors import ArmError
from local.arm_simulator.catalog_routes import pools_in_region
from local.arm_simulator.clusters import ClusterStore
from local.arm_simulator.documents import agent_pool_document, cluster_document
from local.arm_simulator.lifecycle import delete_agent_pool, put_agent_pool, stop_cluster
from local.arm_simulator.scenarios import SimulatorTimings
from local.arm_simulator.usages import vcpus_in_use
from tests.arm_fixtures import managed_cluster_body

SUB = "00000000-0000-0000-0000-000000000000"
TIMINGS = SimulatorTimings(create_seconds=6, delete_seconds=2, slow_seconds=600, cancel_seconds=1)
T0 = 1_700_000_000.0
READY = T0 + 6


@pytest.fixture
def store() -> ClusterStore:
    """A store holding one Succeeded cluster `demo` with one System pool of 3 nodes."""
    clusters = ClusterStore(TIMINGS)
    clusters.put(SUB, "rg", "demo", managed_cluster_body(), T0)
    return clusters


def _put(store: ClusterStore, pool: str, properties: dict[str, Any], now: float) -> None:
    view = store.view(SUB, "rg", "demo", now)
    assert view is not None
    put_agent_pool(store, view, pool, {"properties": properties}, now)


def _pools(store: ClusterStore, now: float) -> dict[str, dict[str, Any]]:
    view = store.view(SUB, "rg", "demo", now)
    assert view is not None
    document = cluster_document(view, now)
    return {p["name"]: p for p in document["properties"]["agentPoolProfiles"]}


def _delete(store: ClusterStore, pool: str, now: float) -> Any:
    view = store.view(SUB, "rg", "demo", now)
    assert view is not None
    return delete_agent_pool(store, view, pool, now)


def test_a_new_pool_is_creating_then_succeeded_and_keeps_max_surge_as_sent(
    store: ClusterStore,
) -> None:
    properties = {"count": 2, "vmSize": "Standard_D4s_v5", "upgradeSettings": {"maxSurge": "10%"}}
    _put(store, "work", properties, READY)
    assert _pools(store, READY + 1)["work"]["provisioningState"] == "Creating"
    work = _pools(store, READY + 6)["work"]
    assert (work["provisioningState"], work["mode"], work["count"]) == ("Succeeded", "User", 2)
    assert work["upgradeSettings"] == {"maxSurge": "10%"}


def test_a_new_pool_without_a_count_is_refused_like_aks(store: ClusterStore) -> None:
    with pytest.raises(ArmError) as caught:
        _put(store, "work", {"vmSize": "Standard_D4s_v5"}, READY)
    assert (caught.value.status, caught.value.code) == (400, "InvalidParameter")
    assert caught.value.message == "Required parameter properties.count is missing (null)."


def test_turning_the_autoscaler_on_keeps_min_and_max_and_the_count_inside_them(
    store: ClusterStore,
) -> None:
    _put(
        store,
        "system",
        {"count": 3, "enableAutoScaling": True, "minCount": 4, "maxCount": 6},
        READY,
    )
    system = _pools(store, READY + 6)["system"]
    assert (system["enableAutoScaling"], system["minCount"], system["maxCount"]) == (True, 4, 6)
    assert system["count"] == 4


def test_a_count_change_while_the_autoscaler_is_on_is_refused_with_aks_wording(
    store: ClusterStore,
) -> None:
    _put(
        store,
        "system",
        {"count": 3, "enableAutoScaling": True, "minCount": 1, "maxCount": 5},
        READY,
    )
    with pytest.raises(ArmError) as caught:
        _put(store, "system", {"count": 5}, READY + 6)
    assert (caught.value.status, caught.value.code) == (400, "BadRequest")
    assert caught.value.message == (
        "Cannot manually scale and enable cluster autoscaler in the same update operation on "
        "VMSS Agentpool 'system'."
    )


def test_turning_the_autoscaler_on_with_a_new_count_is_refused(store: ClusterStore) -> None:
    with pytest.raises(ArmError) as caught:
        _put(
            store,
            "system",
            {"count": 5, "enableAutoScaling": True, "minCount": 1, "maxCount": 5},
            READY,
        )
    assert caught.value.code == "BadRequest"


def test_min_above_max_is_invalid_parameter(store: ClusterStore) -> None:
    with pytest.raises(ArmError) as caught:
        _put(store, "system", {"enableAutoScaling": True, "minCount": 5, "maxCount": 2}, READY)
    assert (caught.value.code, caught.value.target) == ("InvalidParameter", "properties.minCount")


def test_turning_the_autoscaler_off_clears_its_bounds_and_sets_the_count(
    store: ClusterStore,
) -> None:
    _put(
        store,
        "system",
        {"count": 3, "enableAutoScaling": True, "minCount": 1, "maxCount": 5},
        READY,
    )
    _put(store, "system", {"count": 2, "enableAutoScaling": False}, READY + 6)
    system = _pools(store, READY + 12)["system"]
    assert system["enableAutoScaling"] is False
    assert "minCount" not in system and "maxCount" not in system
    assert system["count"] == 2


def test_a_deleted_pool_is_deleting_then_gone(store: ClusterStore) -> None:
    _put(store, "work", {"count": 1, "vmSize": "Standard_D4s_v5"}, READY)
    op = _delete(store, "work", READY + 6)
    assert op is not None
    view = store.view(SUB, "rg", "demo", READY + 7)
    assert view is not None and view.provisioning_state == "Updating"
    assert _pools(store, READY + 7)["work"]["provisioningState"] == "Deleting"
    assert set(_pools(store, READY + 12)) == {"system"}
    view = store.view(SUB, "rg", "demo", READY + 12)
    assert view is not None and agent_pool_document(view, "work", READY + 12) is None


def test_deleting_the_only_system_pool_is_400_operation_not_allowed(store: ClusterStore) -> None:
    _put(store, "work", {"count": 1, "vmSize": "Standard_D4s_v5"}, READY)
    with pytest.raises(ArmError) as caught:
        _delete(store, "system", READY + 6)
    assert (caught.value.status, caught.value.code) == (400, "OperationNotAllowed")
    assert caught.value.message == "There has to be at least one system agent pool."
    assert "in progress" not in caught.value.message


def test_a_system_pool_may_go_while_another_system_pool_stays(store: ClusterStore) -> None:
    _put(store, "second", {"count": 1, "vmSize": "Standard_D2s_v3", "mode": "System"}, READY)
    assert _delete(store, "system", READY + 6) is not None
    assert set(_pools(store, READY + 12)) == {"second"}


def test_deleting_a_pool_that_is_not_there_deletes_nothing(store: ClusterStore) -> None:
    assert _delete(store, "nothere", READY) is None


def test_pool_delete_while_another_pool_operation_runs_is_in_progress(store: ClusterStore) -> None:
    _put(store, "work", {"count": 1, "vmSize": "Standard_D4s_v5"}, READY)
    with pytest.raises(ArmError) as caught:
        _delete(store, "work", READY + 1)
    assert caught.value.status == 409
    assert "Another agentpool operation (work - Creating) is in progress" in caught.value.message


def test_pool_delete_on_a_stopped_cluster_is_refused(store: ClusterStore) -> None:
    _put(store, "work", {"count": 1, "vmSize": "Standard_D4s_v5"}, READY)
    stop_cluster(store, SUB, "rg", "demo", READY + 6)
    with pytest.raises(ArmError) as caught:
        _delete(store, "work", READY + 12)
    assert "Power State(Stopped)" in caught.value.message


def test_a_running_pool_delete_cannot_be_aborted(store: ClusterStore) -> None:
    _put(store, "work", {"count": 1, "vmSize": "Standard_D4s_v5"}, READY)
    _delete(store, "work", READY + 6)
    with pytest.raises(ArmError) as caught:
        store.abort(SUB, "rg", "demo", READY + 7)
    assert (caught.value.status, caught.value.code) == (409, "OperationNotAllowed")
    assert set(_pools(store, READY + 12)) == {"system"}


def test_usage_counts_an_added_pool_and_forgets_a_deleted_one(store: ClusterStore) -> None:
    def used(now: float) -> int:
        pools = pools_in_region(store, SUB, "eastus", now)
        return vcpus_in_use(pools).get("standardDSv5Family", 0)

    assert used(READY) == 0
    _put(store, "work", {"count": 3, "vmSize": "Standard_D4s_v5"}, READY)
    assert used(READY + 6) == 12
    _delete(store, "work", READY + 6)
    assert used(READY + 12) == 0
