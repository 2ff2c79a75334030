"""Step tables: one per operation type (in its spec), read by custom status and JobState."""

from __future__ import annotations

import pytest

from provisioning.models import TaskType
from provisioning.operations.registry import DELETE, PROVISION, SPECS, steps_for
from provisioning.operations.step_tables import Phase

PROVISION_STEPS, DELETE_STEPS = PROVISION.steps, DELETE.steps


def test_every_operation_type_has_a_spec_with_a_step_table() -> None:
    assert {spec.task_type for spec in SPECS} == set(TaskType)
    # The create has one more step than the others: "Granting you access".
    assert {spec.task_type: spec.steps.total for spec in SPECS} == {
        spec.task_type: 5 if spec is PROVISION else 4 for spec in SPECS
    }


def test_the_provision_steps_read_as_the_user_sees_them() -> None:
    assert PROVISION_STEPS.names == (
        "Queued",
        "Starting",
        "Submitting cluster to Azure",
        "Creating cluster",
        "Granting you access",
        "Finishing",
    )
    assert PROVISION_STEPS.total == 5


def test_the_delete_steps_share_the_skeleton_and_name_their_own_work() -> None:
    assert DELETE_STEPS.names == (
        "Queued",
        "Starting",
        "Deleting cluster",
        "Waiting for deletion",
        "Finishing",
    )
    assert DELETE_STEPS.total == 4


@pytest.mark.parametrize(
    ("phase", "index"),
    [
        (Phase.STARTING, 1),
        (Phase.SUBMITTING, 2),
        (Phase.WAITING, 3),
        (Phase.GRANTING, 4),
        (Phase.FINISHING, 5),
    ],
)
def test_a_phase_of_the_create_is_its_step_index(phase: Phase, index: int) -> None:
    assert PROVISION_STEPS.index(phase) == index
    assert PROVISION_STEPS.name(phase) == PROVISION_STEPS.names[index]


def test_a_type_without_a_grant_step_skips_it_in_its_indexes() -> None:
    assert DELETE_STEPS.index(Phase.FINISHING) == 4
    assert Phase.GRANTING not in DELETE_STEPS.phases
    with pytest.raises(KeyError):
        DELETE_STEPS.name(Phase.GRANTING)


def test_only_the_create_grants_access() -> None:
    granting = [spec.task_type for spec in SPECS if spec.steps.granting]
    assert granting == [TaskType.AKS_PROVISION]


def test_steps_are_found_by_the_type_as_stored() -> None:
    assert steps_for("aks_delete") is DELETE_STEPS
    assert steps_for(TaskType.AKS_PROVISION) is PROVISION_STEPS
