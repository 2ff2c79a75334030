"""Kubernetes versions AKS offers per region, and which a cluster may upgrade to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from local.arm_simulator import arm_errors


@dataclass(frozen=True)
class MinorVersion:
    """One Kubernetes minor version and its patch releases, oldest first."""

    version: str
    patches: tuple[str, ...]
    is_default: bool = False
    is_preview: bool = False


KUBERNETES_VERSIONS: tuple[MinorVersion, ...] = (
    MinorVersion("1.31", ("1.31.9", "1.31.10")),
    MinorVersion("1.32", ("1.32.5", "1.32.6"), is_default=True),
    MinorVersion("1.33", ("1.33.1", "1.33.2")),
    MinorVersion("1.34", ("1.34.0",), is_preview=True),
)
DEFAULT_KUBERNETES_VERSION = "1.32.6"


def version_key(version: str) -> tuple[int, ...]:
    """Numeric ordering of "1.32.6" (and of a bare minor "1.32")."""
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def same_version(current: str, target: str) -> bool:
    """Whether a requested version asks for no change ("1.32" names the current 1.32.x too)."""
    if target == current:
        return True
    return len(version_key(target)) == 2 and version_key(current)[:2] == version_key(target)


def running_patch(version: str) -> str:
    """The patch AKS runs for a requested version: a bare minor runs its newest patch."""
    for minor in KUBERNETES_VERSIONS:
        if version == minor.version and minor.patches:
            return minor.patches[-1]
    return version


def ga_patch_versions() -> list[str]:
    """Every GA patch version, oldest first."""
    return [p for minor in KUBERNETES_VERSIONS if not minor.is_preview for p in minor.patches]


def is_offered(version: str) -> bool:
    """A full or minor version the region offers (GA or preview)."""
    for minor in KUBERNETES_VERSIONS:
        if version == minor.version or version in minor.patches:
            return True
    return False


def is_preview(version: str) -> bool:
    """Whether a version belongs to a preview minor."""
    return any(
        m.is_preview and version_key(version)[:2] == version_key(m.version)
        for m in KUBERNETES_VERSIONS
    )


def upgrades_from(version: str) -> list[str]:
    """Any newer GA patch version (the simulator does not enforce minor-by-minor upgrades)."""
    current = version_key(version)
    return [v for v in ga_patch_versions() if version_key(v) > current]


def require_upgrade(current: str, target: str) -> None:
    """Raise the ARM error AKS gives for a version change it would refuse."""
    if not is_offered(target):
        raise arm_errors.kubernetes_version_not_supported(target)
    if version_key(target) < version_key(current):
        raise arm_errors.kubernetes_downgrade_not_allowed(current, target)


def kubernetes_versions_document() -> dict[str, Any]:
    """GET .../providers/Microsoft.ContainerService/locations/{R}/kubernetesVersions."""
    return {
        "values": [
            {
                "version": minor.version,
                "capabilities": {"supportPlan": ["KubernetesOfficial"]},
                "isDefault": minor.is_default,
                "isPreview": minor.is_preview,
                "patchVersions": {
                    patch: {"upgrades": upgrades_from(patch)} for patch in minor.patches
                },
            }
            for minor in KUBERNETES_VERSIONS
        ]
    }
