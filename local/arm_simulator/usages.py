"""Compute vCPU usages per region: configured limits, usage = the simulator's own clusters."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from local.arm_simulator.vm_sizes import VM_SIZES, vcpus_of_size, vm_size

REGIONAL_CORES = "cores"
REGIONAL_CORES_DISPLAY = "Total Regional vCPUs"
UNLISTED_FAMILY = "standardDSv2Family"


@dataclass(frozen=True)
class QuotaLimits:
    """vCPU limits per VM family and for the whole region."""

    family_vcpus: int = 48
    regional_vcpus: int = 96

    @classmethod
    def from_env(cls) -> QuotaLimits:
        """Read ARM_SIMULATOR_FAMILY_VCPU_LIMIT and ARM_SIMULATOR_REGIONAL_VCPU_LIMIT."""
        return cls(
            family_vcpus=_limit("ARM_SIMULATOR_FAMILY_VCPU_LIMIT", cls.family_vcpus),
            regional_vcpus=_limit("ARM_SIMULATOR_REGIONAL_VCPU_LIMIT", cls.regional_vcpus),
        )


def _limit(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"setting {name} must be a whole number of vCPUs, got {raw!r}") from exc
    if value < 0:
        raise ValueError(f"setting {name} must not be negative, got {value}")
    return value


@dataclass(frozen=True)
class PoolNodes:
    """Nodes of one VM size that an existing cluster runs."""

    vm_size: str
    count: int


def family_of(vm_size_name: str) -> str:
    """The quota family a size counts against (unlisted sizes count as DSv2)."""
    size = vm_size(vm_size_name)
    return size.family if size is not None else UNLISTED_FAMILY


def vcpus_in_use(pools: Iterable[PoolNodes]) -> dict[str, int]:
    """vCPUs used per family plus `cores` for the whole region."""
    used: dict[str, int] = {REGIONAL_CORES: 0}
    for pool in pools:
        vcpus = vcpus_of_size(pool.vm_size) * max(pool.count, 0)
        family = family_of(pool.vm_size)
        used[family] = used.get(family, 0) + vcpus
        used[REGIONAL_CORES] += vcpus
    return used


def _usage(name: str, display: str, current: int, limit: int) -> dict[str, Any]:
    return {
        "unit": "Count",
        "currentValue": current,
        "limit": limit,
        "name": {"value": name, "localizedValue": display},
    }


def usages_document(pools: Iterable[PoolNodes], limits: QuotaLimits) -> dict[str, Any]:
    """GET .../providers/Microsoft.Compute/locations/{R}/usages: `cores` then every family."""
    used = vcpus_in_use(pools)
    families: dict[str, str] = {}
    for size in VM_SIZES:
        families.setdefault(size.family, size.family_display)
    entries = [
        _usage(REGIONAL_CORES, REGIONAL_CORES_DISPLAY, used[REGIONAL_CORES], limits.regional_vcpus)
    ]
    entries += [
        _usage(family, display, used.get(family, 0), limits.family_vcpus)
        for family, display in families.items()
    ]
    return {"value": entries}
