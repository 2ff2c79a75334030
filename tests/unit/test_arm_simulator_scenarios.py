"""The ARM simulator's pure logic: scenario by name, operation and cluster state at time t."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.arm_simulator.arm_errors import ArmError, quota_exceeded, vcpus_of
from local.arm_simulator.clusters import ClusterStore
from local.arm_simulator.operations import operation_status
from local.arm_simulator.scenarios import (
    Scenario,
    SimulatorTimings,
    flaky_failure_status,
    plan_create,
    scenario_for_name,
)

SUB = "00000000-0000-0000-0000-000000000000"
TIMINGS = SimulatorTimings(create_seconds=6, delete_seconds=2, slow_seconds=600, cancel_seconds=1)
T0 = 1_700_000_000.0


def cluster_body(vm_size: str = "Standard_D2s_v3", count: int = 3) -> dict[str, Any]:
    """A minimal valid managedCluster PUT body."""
    return {
        "location": "eastus",
        "properties": {
            "dnsPrefix": "demo",
            "agentPoolProfiles": [
                {"name": "system", "count": count, "vmSize": vm_size, "mode": "System"}
            ],
        },
    }


@pytest.mark.parametrize(
    ("name", "scenario"),
    [
        ("quota-a", Scenario.QUOTA),
        ("nosku-a", Scenario.NOSKU),
        ("denied-a", Scenario.DENIED),
        ("fail-a", Scenario.FAIL),
        ("failonce-a", Scenario.FAILONCE),
        ("slow-a", Scenario.SLOW),
        ("flaky-a", Scenario.FLAKY),
        ("demo", Scenario.DEFAULT),
        ("failover", Scenario.DEFAULT),
        ("Quota-a", Scenario.DEFAULT),
        ("myquota-a", Scenario.DEFAULT),
    ],
)
def test_scenario_is_chosen_by_exact_lowercase_name_prefix(name: str, scenario: Scenario) -> None:
    assert scenario_for_name(name) is scenario


def test_timings_come_from_environment_with_float_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARM_SIMULATOR_CREATE_SECONDS", "0.5")
    monkeypatch.delenv("ARM_SIMULATOR_DELETE_SECONDS", raising=False)
    timings = SimulatorTimings.from_env()
    assert timings.create_seconds == 0.5
    assert timings.delete_seconds == 2.0


def test_negative_timing_is_rejected_with_the_setting_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARM_SIMULATOR_SLOW_SECONDS", "-1")
    with pytest.raises(ValueError, match="ARM_SIMULATOR_SLOW_SECONDS"):
        SimulatorTimings.from_env()


def test_failonce_fails_only_the_first_create() -> None:
    assert plan_create(Scenario.FAILONCE, 0, TIMINGS).fails
    assert not plan_create(Scenario.FAILONCE, 1, TIMINGS).fails


def test_slow_create_lasts_slow_seconds() -> None:
    assert plan_create(Scenario.SLOW, 0, TIMINGS).duration == 600


def test_flaky_answers_503_then_429_then_normally() -> None:
    statuses = [flaky_failure_status(Scenario.FLAKY, n) for n in (1, 2, 3, 4)]
    assert statuses == [503, 429, None, None]
    assert flaky_failure_status(Scenario.DEFAULT, 1) is None


def test_default_cluster_is_creating_until_create_seconds_then_succeeded() -> None:
    store = ClusterStore(TIMINGS)
    outcome = store.put(SUB, "rg", "demo", cluster_body(), T0)
    assert outcome.status == 201
    assert store.view(SUB, "rg", "demo", T0 + 5.9).provisioning_state == "Creating"
    assert store.view(SUB, "rg", "demo", T0 + 6).provisioning_state == "Succeeded"
    status = operation_status(outcome.started, T0 + 6)
    assert (status.status, status.end_time, status.error) == ("Succeeded", T0 + 6, None)


def test_fail_cluster_ends_failed_with_vm_extension_error() -> None:
    store = ClusterStore(TIMINGS)
    op = store.put(SUB, "rg", "fail-a", cluster_body(), T0).started
    assert operation_status(op, T0 + 1).status == "InProgress"
    status = operation_status(op, T0 + 7)
    assert status.status == "Failed"
    assert status.error["code"] == "VMExtensionProvisioningError"
    assert store.view(SUB, "rg", "fail-a", T0 + 7).provisioning_state == "Failed"


def test_failonce_recreate_after_failure_succeeds() -> None:
    store = ClusterStore(TIMINGS)
    store.put(SUB, "rg", "failonce-a", cluster_body(), T0)
    assert store.view(SUB, "rg", "failonce-a", T0 + 7).provisioning_state == "Failed"
    again = store.put(SUB, "rg", "failonce-a", cluster_body(), T0 + 8)
    assert again.status == 201
    assert store.view(SUB, "rg", "failonce-a", T0 + 14).provisioning_state == "Succeeded"


def test_abort_moves_cluster_to_canceling_then_canceled() -> None:
    store = ClusterStore(TIMINGS)
    create = store.put(SUB, "rg", "slow-a", cluster_body(), T0).started
    abort = store.abort(SUB, "rg", "slow-a", T0 + 10)
    assert store.view(SUB, "rg", "slow-a", T0 + 10.5).provisioning_state == "Canceling"
    assert store.view(SUB, "rg", "slow-a", T0 + 11).provisioning_state == "Canceled"
    assert operation_status(create, T0 + 11).status == "Canceled"
    assert operation_status(abort, T0 + 11).status == "Succeeded"


def test_abort_without_running_operation_is_a_conflict_not_a_transient_error() -> None:
    store = ClusterStore(TIMINGS)
    store.put(SUB, "rg", "demo", cluster_body(), T0)
    with pytest.raises(ArmError) as caught:
        store.abort(SUB, "rg", "demo", T0 + 7)
    assert (caught.value.status, caught.value.code) == (409, "OperationNotAllowed")
    assert "in progress" not in caught.value.message.lower()


def test_put_while_creating_is_rejected_as_pending_operation() -> None:
    store = ClusterStore(TIMINGS)
    store.put(SUB, "rg", "demo", cluster_body(), T0)
    with pytest.raises(ArmError) as caught:
        store.put(SUB, "rg", "demo", cluster_body(), T0 + 1)
    assert (caught.value.status, caught.value.code) == (409, "OperationNotAllowed")
    assert "in progress" in caught.value.message


def test_put_on_succeeded_cluster_updates_in_place() -> None:
    store = ClusterStore(TIMINGS)
    store.put(SUB, "rg", "demo", cluster_body(), T0)
    outcome = store.put(SUB, "rg", "demo", cluster_body(count=5), T0 + 7)
    assert outcome.status == 200
    assert outcome.started is None
    assert outcome.view.cluster.spec["agentPoolProfiles"][0]["count"] == 5


def test_delete_shows_deleting_then_the_cluster_is_gone() -> None:
    store = ClusterStore(TIMINGS)
    store.put(SUB, "rg", "demo", cluster_body(), T0)
    op = store.delete(SUB, "rg", "demo", T0 + 7)
    assert store.view(SUB, "rg", "demo", T0 + 8).provisioning_state == "Deleting"
    assert store.view(SUB, "rg", "demo", T0 + 9) is None
    assert operation_status(op, T0 + 9).status == "Succeeded"
    assert store.delete(SUB, "rg", "demo", T0 + 10) is None


def test_delete_during_create_preempts_the_create() -> None:
    store = ClusterStore(TIMINGS)
    create = store.put(SUB, "rg", "slow-a", cluster_body(), T0).started
    store.delete(SUB, "rg", "slow-a", T0 + 1)
    status = operation_status(create, T0 + 1)
    assert status.status == "Canceled"
    assert status.error["code"] == "OperationPreempted"


def test_cluster_names_are_case_insensitive() -> None:
    store = ClusterStore(TIMINGS)
    store.put(SUB, "RG", "Demo", cluster_body(), T0)
    view = store.view(SUB, "rg", "demo", T0)
    assert view is not None
    assert view.cluster.name == "Demo"


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ({"properties": {"agentPoolProfiles": [{"name": "a"}]}}, "location"),
        ({"location": "eastus", "properties": {"agentPoolProfiles": []}}, "agentPoolProfiles"),
        ({"location": "eastus", "properties": {}}, "agentPoolProfiles"),
        ({"location": "eastus"}, "properties"),
    ],
)
def test_invalid_body_is_rejected_naming_the_target(body: dict[str, Any], target: str) -> None:
    with pytest.raises(ArmError) as caught:
        ClusterStore(TIMINGS).put(SUB, "rg", "demo", body, T0)
    assert (caught.value.status, caught.value.code) == (400, "InvalidParameter")
    assert caught.value.target == target


def test_denied_is_rejected_before_the_body_is_validated() -> None:
    with pytest.raises(ArmError) as caught:
        ClusterStore(TIMINGS).put(SUB, "rg", "denied-a", {}, T0)
    assert (caught.value.status, caught.value.code) == (403, "AuthorizationFailed")
    assert "Microsoft.ContainerService/managedClusters/write" in caught.value.message


def test_quota_message_has_azure_numbers_and_quota_link() -> None:
    error = quota_exceeded(SUB, "eastus", required_cores=6)
    assert "Current Limit: 10, Current Usage: 8, Additional Required: 6" in error.message
    assert "(Minimum) New Limit Required: 14" in error.message
    assert "https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/" in error.message
    assert SUB in error.message


def test_quota_scenario_asks_for_the_cores_of_all_nodes() -> None:
    with pytest.raises(ArmError) as caught:
        ClusterStore(TIMINGS).put(SUB, "rg", "quota-a", cluster_body("Standard_D4s_v3", 3), T0)
    assert caught.value.code == "QuotaExceeded"
    assert "Additional Required: 12" in caught.value.message


def test_vcpus_are_read_from_the_vm_size_name() -> None:
    assert vcpus_of("Standard_D8s_v5") == 8
    assert vcpus_of("Standard_DS2_v2") == 2
    assert vcpus_of("weird") == 2


def test_state_survives_a_new_store_on_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first = ClusterStore(TIMINGS, path)
    first.put(SUB, "rg", "failonce-a", cluster_body(), T0)
    second = ClusterStore(TIMINGS, path)
    assert second.view(SUB, "rg", "failonce-a", T0 + 7).provisioning_state == "Failed"
    second.put(SUB, "rg", "failonce-a", cluster_body(), T0 + 8)
    assert second.view(SUB, "rg", "failonce-a", T0 + 14).provisioning_state == "Succeeded"


def test_reset_forgets_clusters_and_failonce_memory(tmp_path: Path) -> None:
    store = ClusterStore(TIMINGS, tmp_path / "state.json")
    store.put(SUB, "rg", "failonce-a", cluster_body(), T0)
    store.reset()
    assert store.view(SUB, "rg", "failonce-a", T0) is None
    store.put(SUB, "rg", "failonce-a", cluster_body(), T0)
    assert store.view(SUB, "rg", "failonce-a", T0 + 7).provisioning_state == "Failed"
