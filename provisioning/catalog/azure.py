"""Live Azure facts preflight reads, as plain values: each reader takes its SDK client.

Regions, VM sizes and Kubernetes versions change rarely (the catalog is cached for an
hour); usages, the resource group, permissions and the cluster name are read live.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CONTAINER_SERVICE_PROVIDER = "Microsoft.ContainerService"
MANAGED_CLUSTERS_TYPE = "managedclusters"
VIRTUAL_MACHINES_TYPE = "virtualMachines"
REGIONAL_VCPUS = "cores"  # compute usage name of "Total Regional vCPUs"


@dataclass(frozen=True)
class Region:
    """A region the subscription may use that offers AKS."""

    name: str
    display_name: str

    def to_dict(self) -> dict[str, str]:
        """The options document's `regions[]` entry."""
        return {"name": self.name, "display_name": self.display_name}


@dataclass(frozen=True)
class VmSize:
    """A virtual machine size in one region, as the resource SKUs API describes it."""

    name: str
    vcpus: int
    memory_gib: float
    family: str
    zones: tuple[str, ...]
    available: bool
    reason: str | None


@dataclass(frozen=True)
class KubernetesVersion:
    """A Kubernetes minor version AKS offers in a region, with its patch versions."""

    version: str
    default: bool
    preview: bool
    patches: tuple[str, ...] = ()
    # (patch, the versions a cluster at that patch may upgrade to), as AKS lists them.
    patch_upgrades: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def offers(self, requested: str) -> bool:
        """True when `requested` (minor "1.32" or patch "1.32.6") is this version."""
        return requested == self.version or requested in self.patches

    def upgrades_from(self, patch: str) -> tuple[str, ...]:
        """Where a cluster at `patch` may go, or () when `patch` is not one of this minor's."""
        return next((targets for name, targets in self.patch_upgrades if name == patch), ())

    def to_dict(self) -> dict[str, Any]:
        """The options document's `kubernetes_versions[]` entry."""
        return {"version": self.version, "default": self.default, "preview": self.preview}


@dataclass(frozen=True)
class Usage:
    """One compute quota in a region: a VM family's vCPUs, or all regional vCPUs."""

    name: str
    current: int
    limit: int

    @property
    def free(self) -> int:
        """vCPUs still available under this limit (never negative)."""
        return max(0, self.limit - self.current)


@dataclass(frozen=True)
class Permission:
    """One entry of ARM's permissions API: allowed actions minus its notActions."""

    actions: tuple[str, ...]
    not_actions: tuple[str, ...]


def _squash(display_name: str) -> str:
    """Display names ("East US") compared to region names ("eastus")."""
    return display_name.replace(" ", "").lower()


def read_regions(
    subscription_client: Any, resource_client: Any, subscription_id: str
) -> tuple[Region, ...]:
    """Regions of the subscription where the ContainerService provider offers clusters."""
    provider = resource_client.providers.get(CONTAINER_SERVICE_PROVIDER)
    offered: set[str] = set()
    for resource_type in provider.resource_types or []:
        if (resource_type.resource_type or "").lower() == MANAGED_CLUSTERS_TYPE:
            offered.update(_squash(location) for location in resource_type.locations or [])
    regions = [
        Region(location.name, location.display_name or location.name)
        for location in subscription_client.subscriptions.list_locations(subscription_id)
        if location.name and _squash(location.display_name or location.name) in offered
    ]
    return tuple(sorted(regions, key=lambda region: region.display_name))


def read_vm_sizes(compute_client: Any, region: str) -> tuple[VmSize, ...]:
    """VM sizes in `region`: a Location restriction makes one unavailable, a Zone one drops zones.

    `region` is a validated region name (lowercase letters and digits), never free text.
    """
    sizes = []
    for sku in compute_client.resource_skus.list(filter=f"location eq '{region}'"):
        if sku.resource_type != VIRTUAL_MACHINES_TYPE or not sku.name:
            continue
        sizes.append(_vm_size(sku, region))
    return tuple(sorted(sizes, key=lambda size: (size.vcpus, size.memory_gib, size.name)))


def _vm_size(sku: Any, region: str) -> VmSize:
    capabilities = {c.name: c.value for c in sku.capabilities or []}
    zones: set[str] = set()
    for info in sku.location_info or []:
        if (info.location or region).lower() == region:
            zones.update(info.zones or [])
    available, reason = True, None
    for restriction in sku.restrictions or []:
        info = restriction.restriction_info
        if restriction.type == "Location":
            locations = [loc.lower() for loc in (info.locations if info else None) or [region]]
            if region in locations:
                available, reason = False, restriction.reason_code or "NotAvailable"
        elif restriction.type == "Zone" and info is not None:
            zones.difference_update(info.zones or [])
    return VmSize(
        name=sku.name,
        vcpus=_number(capabilities.get("vCPUs"), int),
        memory_gib=_number(capabilities.get("MemoryGB"), float),
        family=sku.family or "",
        zones=tuple(sorted(zones)),
        available=available,
        reason=reason,
    )


def _number(raw: str | None, kind: type[int] | type[float]) -> Any:
    try:
        return kind(float(raw)) if raw is not None else kind(0)
    except ValueError:
        return kind(0)


def read_kubernetes_versions(container_client: Any, region: str) -> tuple[KubernetesVersion, ...]:
    """Kubernetes minor versions AKS offers in `region`, newest first."""
    listed = container_client.managed_clusters.list_kubernetes_versions(region)
    versions = [
        KubernetesVersion(
            version=item.version,
            default=bool(item.is_default),
            preview=bool(item.is_preview),
            patches=tuple(sorted((item.patch_versions or {}).keys())),
            patch_upgrades=tuple(
                (patch, tuple(getattr(info, "upgrades", None) or ()))
                for patch, info in sorted((item.patch_versions or {}).items())
            ),
        )
        for item in listed.values_property or []
        if item.version
    ]
    return tuple(sorted(versions, key=lambda v: _version_key(v.version), reverse=True))


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def read_usages(compute_client: Any, region: str) -> dict[str, Usage]:
    """Compute quotas in `region` by usage name (VM family names and "cores")."""
    usages: dict[str, Usage] = {}
    for usage in compute_client.usage.list(region):
        name = usage.name.value if usage.name else None
        if name:
            usages[name] = Usage(name, int(usage.current_value or 0), int(usage.limit or 0))
    return usages


def read_resource_group_location(resource_client: Any, resource_group: str) -> str | None:
    """The resource group's location, or None when it does not exist."""
    from azure.core.exceptions import ResourceNotFoundError

    try:
        location: str = resource_client.resource_groups.get(resource_group).location
    except ResourceNotFoundError:
        return None
    return location


def read_permissions(authorization_client: Any, resource_group: str) -> tuple[Permission, ...]:
    """What the app's own identity may do in the resource group (ARM permissions API)."""
    return tuple(
        Permission(tuple(item.actions or ()), tuple(item.not_actions or ()))
        for item in authorization_client.permissions.list_for_resource_group(resource_group)
    )


def _patch_of(version: str, versions: tuple[KubernetesVersion, ...]) -> str:
    """A bare minor ("1.31", as a cluster created with it may be read) as AKS runs it: its
    newest patch; a patch version stays as it is."""
    minor = next((v for v in versions if v.version == version and v.patches), None)
    return max(minor.patches, key=_version_key) if minor else version


def upgrades_for(current_version: str | None, versions: tuple[KubernetesVersion, ...]) -> list[str]:
    """GA versions a cluster at `current_version` may upgrade to (no preview), oldest first."""
    if not current_version:
        return []
    current = _patch_of(current_version, versions)
    previews = {v.version for v in versions if v.preview}
    targets = {t for v in versions for t in v.upgrades_from(current)}
    return sorted(
        (t for t in targets if ".".join(t.split(".")[:2]) not in previews), key=_version_key
    )
