"""VM sizes the simulator offers: Compute resource SKUs with capabilities, zones, restrictions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from local.arm_simulator.regions import REGIONS_BY_NAME, normalise_location, zones_of

NOT_AVAILABLE_FOR_SUBSCRIPTION = "NotAvailableForSubscription"
LOCATION_RESTRICTION = "Location"
ZONE_RESTRICTION = "Zone"
UNKNOWN_SIZE_VCPUS = 2


@dataclass(frozen=True)
class VmSize:
    """A virtualMachines SKU; `family` is the name Compute's usages report its quota under."""

    name: str
    family: str
    family_display: str
    vcpus: int
    memory_gb: float


VM_SIZES: tuple[VmSize, ...] = (
    VmSize("Standard_B2s", "standardBSFamily", "Standard BS Family vCPUs", 2, 4),
    VmSize("Standard_DS2_v2", "standardDSv2Family", "Standard DSv2 Family vCPUs", 2, 7),
    VmSize("Standard_D2s_v3", "standardDSv3Family", "Standard DSv3 Family vCPUs", 2, 8),
    VmSize("Standard_D4s_v3", "standardDSv3Family", "Standard DSv3 Family vCPUs", 4, 16),
    VmSize("Standard_D2s_v5", "standardDSv5Family", "Standard DSv5 Family vCPUs", 2, 8),
    VmSize("Standard_D4s_v5", "standardDSv5Family", "Standard DSv5 Family vCPUs", 4, 16),
    VmSize("Standard_D8s_v5", "standardDSv5Family", "Standard DSv5 Family vCPUs", 8, 32),
    VmSize("Standard_D16s_v5", "standardDSv5Family", "Standard DSv5 Family vCPUs", 16, 64),
    VmSize("Standard_D4as_v5", "standardDASv5Family", "Standard DASv5 Family vCPUs", 4, 16),
    VmSize("Standard_E4s_v5", "standardESv5Family", "Standard ESv5 Family vCPUs", 4, 32),
    VmSize("Standard_F4s_v2", "standardFSv2Family", "Standard FSv2 Family vCPUs", 4, 8),
)
VM_SIZES_BY_NAME = {size.name.lower(): size for size in VM_SIZES}


@dataclass(frozen=True)
class Restriction:
    """A resource-SKU restriction: the whole region (Location) or some of its zones (Zone)."""

    vm_size: str
    location: str
    kind: str
    reason_code: str = NOT_AVAILABLE_FOR_SUBSCRIPTION
    zones: tuple[str, ...] = ()


# The product removes restricted zones and marks Location-restricted sizes unavailable (README).
RESTRICTIONS: tuple[Restriction, ...] = (
    Restriction("Standard_D8s_v5", "westus3", LOCATION_RESTRICTION),
    Restriction("Standard_D4s_v5", "eastus", ZONE_RESTRICTION, zones=("3",)),
    Restriction("Standard_E4s_v5", "westeurope", ZONE_RESTRICTION, zones=("1", "2")),
)


def vm_size(name: str) -> VmSize | None:
    """A size by name (case-insensitive, as ARM treats it)."""
    return VM_SIZES_BY_NAME.get(name.lower())


def vcpus_of_size(name: str) -> int:
    """vCPUs of a size; sizes the simulator does not list count as 2."""
    size = vm_size(name)
    return size.vcpus if size is not None else UNKNOWN_SIZE_VCPUS


def restrictions_for(name: str, location: str) -> list[Restriction]:
    """The restrictions a size carries in a region."""
    region = normalise_location(location)
    return [r for r in RESTRICTIONS if r.vm_size.lower() == name.lower() and r.location == region]


def _restriction_document(restriction: Restriction) -> dict[str, Any]:
    info: dict[str, Any] = {"locations": [restriction.location]}
    if restriction.kind == ZONE_RESTRICTION:
        info["zones"] = list(restriction.zones)
    return {
        "type": restriction.kind,
        "values": [restriction.location],
        "restrictionInfo": info,
        "reasonCode": restriction.reason_code,
    }


def resource_sku_document(size: VmSize, location: str) -> dict[str, Any]:
    """One virtualMachines entry of GET .../providers/Microsoft.Compute/skus."""
    tier, _, short_name = size.name.partition("_")
    zones = zones_of(location)
    return {
        "resourceType": "virtualMachines",
        "name": size.name,
        "tier": tier,
        "size": short_name,
        "family": size.family,
        "locations": [location],
        "locationInfo": [{"location": location, "zones": list(zones), "zoneDetails": []}],
        "capabilities": [
            {"name": "vCPUs", "value": str(size.vcpus)},
            {"name": "vCPUsAvailable", "value": str(size.vcpus)},
            {"name": "MemoryGB", "value": f"{size.memory_gb:g}"},
            {"name": "MaxDataDiskCount", "value": str(min(size.vcpus * 4, 32))},
            {"name": "PremiumIO", "value": "True"},
            {"name": "LowPriorityCapable", "value": "True"},
            {"name": "HyperVGenerations", "value": "V1,V2"},
        ],
        "restrictions": [_restriction_document(r) for r in restrictions_for(size.name, location)],
    }


def resource_skus_document(location: str | None) -> dict[str, Any]:
    """Every size in one region (`$filter=location eq 'R'`) or in all regions (no filter)."""
    if location is not None:
        region = normalise_location(location)
        regions = [region] if region in REGIONS_BY_NAME else []
    else:
        regions = list(REGIONS_BY_NAME)
    return {
        "value": [resource_sku_document(size, region) for region in regions for size in VM_SIZES]
    }
