"""The allowed-state table: which lifecycle operation each cluster state permits."""

from __future__ import annotations

import pytest

from provisioning.catalog.azure import KubernetesVersion, upgrades_for
from provisioning.models import TaskType
from provisioning.operations.allowed_states import ALLOWED_STATES, LifecycleOperation, refusal_for

STOP, START, SCALE, UPGRADE, DELETE = (
    LifecycleOperation.STOP,
    LifecycleOperation.START,
    LifecycleOperation.SCALE,
    LifecycleOperation.UPGRADE,
    LifecycleOperation.DELETE,
)


@pytest.mark.parametrize(
    ("operation", "provisioning", "power", "allowed"),
    [
        (STOP, "Succeeded", "Running", True),
        (STOP, "Succeeded", "Stopped", False),
        (STOP, "Updating", "Running", False),
        (START, "Succeeded", "Stopped", True),
        (START, "Succeeded", "Running", False),
        (SCALE, "Succeeded", "Running", True),
        (SCALE, "Failed", "Running", True),
        (SCALE, "Succeeded", "Stopped", False),
        (SCALE, "Scaling", "Running", False),
        (UPGRADE, "Succeeded", "Running", True),
        (UPGRADE, "Failed", "Running", False),
        (UPGRADE, "Succeeded", "Stopped", False),
        (DELETE, "Succeeded", "Stopped", True),
        (DELETE, "Creating", "Running", True),
        (DELETE, "Deleting", "Running", False),
    ],
)
def test_each_operation_is_allowed_only_in_its_states(
    operation: LifecycleOperation, provisioning: str, power: str, allowed: bool
) -> None:
    refusal = refusal_for(operation, provisioning, power)
    assert (refusal is None) is allowed
    if refusal:
        assert provisioning in refusal and power in refusal


def test_every_operation_has_one_row_and_its_own_task_type() -> None:
    assert sorted(row.operation for row in ALLOWED_STATES) == sorted(LifecycleOperation)
    assert {op.task_type for op in LifecycleOperation} == {
        TaskType.AKS_STOP,
        TaskType.AKS_START,
        TaskType.AKS_SCALE,
        TaskType.AKS_UPGRADE,
        TaskType.AKS_DELETE,
    }


def test_upgrades_come_from_the_catalog_without_previews() -> None:
    versions = (
        KubernetesVersion("1.34", False, True, ("1.34.0",), (("1.34.0", ()),)),
        KubernetesVersion("1.33", False, False, ("1.33.2",), (("1.33.2", ("1.34.0",)),)),
        KubernetesVersion(
            "1.32", True, False, ("1.32.6",), (("1.32.6", ("1.33.2", "1.34.0", "1.32.10")),)
        ),
    )
    assert upgrades_for("1.32.6", versions) == ["1.32.10", "1.33.2"]
    assert upgrades_for("1.33.2", versions) == []
    assert upgrades_for(None, versions) == []
