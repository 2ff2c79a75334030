"""Lifecycle operations in the simulator's store: power, versions, pool states, abort."""

from __future__ import annotations

import pytest

from local.arm_simulator.arm_errors import ArmError
from local.arm_simulator.clusters import ClusterStore
from local.arm_simulator.lifecycle import put_agent_pool, start_cluster, stop_cluster
from local.arm_simulator.scenarios import SimulatorTimings
from tests.arm_fixtures import managed_cluster_body

SUB = "00000000-0000-0000-0000-000000000000"
TIMINGS = SimulatorTimings(create_seconds=6, delete_seconds=2, slow_seconds=600, cancel_seconds=1)
T0 = 1_700_000_000.0
READY = T0 + 6


@pytest.fixture
def store() -> ClusterStore:
    """A store holding one Succeeded cluster `demo` (created at T0, ready at READY)."""
    clusters = ClusterStore(TIMINGS)
    clusters.put(SUB, "rg", "demo", managed_cluster_body(), T0)
    return clusters


def test_stop_is_stopping_then_succeeded_and_stopped(store: ClusterStore) -> None:
    stop_cluster(store, SUB, "rg", "demo", READY)
    during = store.view(SUB, "rg", "demo", READY + 1)
    assert (during.provisioning_state, during.power_state) == ("Stopping", "Running")
    after = store.view(SUB, "rg", "demo", READY + 6)
    assert (after.provisioning_state, after.power_state) == ("Succeeded", "Stopped")


def test_power_state_survives_the_next_operation(store: ClusterStore) -> None:
    stop_cluster(store, SUB, "rg", "demo", READY)
    start_cluster(store, SUB, "rg", "demo", READY + 6)
    assert store.view(SUB, "rg", "demo", READY + 7).power_state == "Stopped"
    assert store.view(SUB, "rg", "demo", READY + 12).power_state == "Running"


def test_aborted_stop_leaves_the_cluster_running_and_canceled(store: ClusterStore) -> None:
    stop_cluster(store, SUB, "rg", "demo", READY)
    store.abort(SUB, "rg", "demo", READY + 1)
    view = store.view(SUB, "rg", "demo", READY + 3)
    assert (view.provisioning_state, view.power_state) == ("Canceled", "Running")


def test_stopped_cluster_refuses_a_scale_without_in_progress_wording(store: ClusterStore) -> None:
    stop_cluster(store, SUB, "rg", "demo", READY)
    view = store.view(SUB, "rg", "demo", READY + 6)
    with pytest.raises(ArmError) as caught:
        put_agent_pool(store, view, "system", {"properties": {"count": 5}}, READY + 6)
    assert (caught.value.status, caught.value.code) == (409, "OperationNotAllowed")
    assert "Power State(Stopped)" in caught.value.message
    assert "in progress" not in caught.value.message


def test_scaling_marks_only_that_pool_scaling(store: ClusterStore) -> None:
    view = store.view(SUB, "rg", "demo", READY)
    put_agent_pool(store, view, "extra", {"properties": {"count": 1}}, READY)
    view = store.view(SUB, "rg", "demo", READY + 6)
    put_agent_pool(store, view, "system", {"properties": {"count": 5}}, READY + 6)
    during = store.view(SUB, "rg", "demo", READY + 7)
    assert during.provisioning_state == "Updating"
    assert (during.pool_state("system", READY + 7), during.pool_state("extra", READY + 7)) == (
        "Scaling",
        "Succeeded",
    )


def test_upgrade_keeps_the_current_version_until_it_succeeds(store: ClusterStore) -> None:
    body = managed_cluster_body()
    body["properties"]["kubernetesVersion"] = "1.33.2"
    outcome = store.put(SUB, "rg", "demo", body, READY)
    assert outcome.started is not None
    during = store.view(SUB, "rg", "demo", READY + 1)
    assert (during.provisioning_state, during.current_version) == ("Upgrading", "1.32.6")
    assert store.view(SUB, "rg", "demo", READY + 6).current_version == "1.33.2"


def test_put_without_a_version_keeps_the_clusters_version(store: ClusterStore) -> None:
    body = managed_cluster_body()
    del body["properties"]["kubernetesVersion"]
    outcome = store.put(SUB, "rg", "demo", body, READY)
    assert (outcome.status, outcome.started) == (200, None)


def test_a_stopped_cluster_is_not_upgraded(store: ClusterStore) -> None:
    stop_cluster(store, SUB, "rg", "demo", READY)
    body = managed_cluster_body()
    body["properties"]["kubernetesVersion"] = "1.33.2"
    with pytest.raises(ArmError) as caught:
        store.put(SUB, "rg", "demo", body, READY + 6)
    assert "upgrading cannot be performed" in caught.value.message
