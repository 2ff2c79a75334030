"""The simulator's regions: subscription locations and the ContainerService provider's offer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CONTAINER_SERVICE = "Microsoft.ContainerService"
AVAILABILITY_ZONES = ("1", "2", "3")


@dataclass(frozen=True)
class Region:
    """One Azure region as ARM names it, with where it is and whether it has zones."""

    name: str
    display_name: str
    geography_group: str
    physical_location: str
    latitude: str
    longitude: str
    has_zones: bool = True


REGIONS: tuple[Region, ...] = (
    Region("eastus", "East US", "US", "Virginia", "37.3719", "-79.8164"),
    Region("eastus2", "East US 2", "US", "Virginia", "36.6681", "-78.3889"),
    Region("westus", "West US", "US", "California", "37.783", "-122.417", has_zones=False),
    Region("westus2", "West US 2", "US", "Washington", "47.233", "-119.852"),
    Region("westus3", "West US 3", "US", "Phoenix", "33.448376", "-112.074036"),
    Region("centralus", "Central US", "US", "Iowa", "41.5908", "-93.6208"),
    Region(
        "northcentralus",
        "North Central US",
        "US",
        "Illinois",
        "41.8819",
        "-87.6278",
        has_zones=False,
    ),
    Region("southcentralus", "South Central US", "US", "Texas", "29.4167", "-98.5"),
    Region("canadacentral", "Canada Central", "Canada", "Toronto", "43.653", "-79.383"),
    Region("westeurope", "West Europe", "Europe", "Netherlands", "52.3667", "4.9"),
    Region("northeurope", "North Europe", "Europe", "Ireland", "53.3478", "-6.2597"),
    Region("swedencentral", "Sweden Central", "Europe", "Gävle", "60.67488", "17.14127"),
    Region("uksouth", "UK South", "UK", "London", "50.941", "-0.799"),
    Region("francecentral", "France Central", "Europe", "Paris", "46.3772", "2.373"),
    Region(
        "germanywestcentral", "Germany West Central", "Europe", "Frankfurt", "50.110924", "8.682127"
    ),
    Region("japaneast", "Japan East", "Asia Pacific", "Tokyo, Saitama", "35.68", "139.77"),
    Region("southeastasia", "Southeast Asia", "Asia Pacific", "Singapore", "1.283", "103.833"),
    Region(
        "australiaeast", "Australia East", "Asia Pacific", "New South Wales", "-33.86", "151.2094"
    ),
)
REGIONS_BY_NAME = {region.name: region for region in REGIONS}


def normalise_location(location: str) -> str:
    """ARM accepts "East US" and "eastus" alike; the canonical form is the latter."""
    return location.replace(" ", "").lower()


def zones_of(location: str) -> tuple[str, ...]:
    """The availability zones a region offers (none for regions without zones)."""
    region = REGIONS_BY_NAME.get(normalise_location(location))
    return AVAILABILITY_ZONES if region is not None and region.has_zones else ()


def location_document(subscription_id: str, region: Region) -> dict[str, Any]:
    """One entry of GET /subscriptions/{sub}/locations (SubscriptionClient.list_locations)."""
    return {
        "id": f"/subscriptions/{subscription_id}/locations/{region.name}",
        "name": region.name,
        "type": "Region",
        "displayName": region.display_name,
        "regionalDisplayName": f"({region.geography_group}) {region.display_name}",
        "metadata": {
            "regionType": "Physical",
            "regionCategory": "Recommended",
            "geographyGroup": region.geography_group,
            "geography": region.geography_group,
            "longitude": region.longitude,
            "latitude": region.latitude,
            "physicalLocation": region.physical_location,
        },
        "availabilityZoneMappings": [
            {"logicalZone": zone, "physicalZone": f"{region.name}-az{zone}"}
            for zone in (AVAILABILITY_ZONES if region.has_zones else ())
        ],
    }


def locations_document(subscription_id: str) -> dict[str, Any]:
    """The subscription's locations, every simulated region."""
    return {"value": [location_document(subscription_id, region) for region in REGIONS]}


CONTAINER_SERVICE_TYPES = ("managedClusters", "managedClusters/agentPools", "locations")
API_VERSIONS = ("2026-08-01", "2025-10-01", "2024-09-01")


def provider_document(subscription_id: str, namespace: str) -> dict[str, Any]:
    """GET /subscriptions/{sub}/providers/{namespace}: resource types, display-name locations."""
    types = CONTAINER_SERVICE_TYPES if namespace.lower() == CONTAINER_SERVICE.lower() else ()
    return {
        "id": f"/subscriptions/{subscription_id}/providers/{namespace}",
        "namespace": CONTAINER_SERVICE if types else namespace,
        "registrationState": "Registered",
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": [
            {
                "resourceType": resource_type,
                "locations": [region.display_name for region in REGIONS],
                "apiVersions": list(API_VERSIONS),
                "defaultApiVersion": API_VERSIONS[0],
                "capabilities": "SystemAssignedResourceIdentity, SupportsTags, SupportsLocation",
            }
            for resource_type in types
        ],
    }
