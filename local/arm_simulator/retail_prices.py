"""The public Azure Retail Prices API's shape, for every simulated VM size and region.

Besides the Linux pay-as-you-go row a client wants, each size has Windows, Spot, Low Priority
and Reservation rows, so a client that does not filter them out gets visibly wrong prices.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from typing import Any

from local.arm_simulator.regions import REGIONS, Region
from local.arm_simulator.vm_sizes import VM_SIZES, VmSize

PRICES_PATH = "/api/retail/prices"
DEFAULT_PAGE_SIZE = 4
EFFECTIVE_START = "2024-01-01T00:00:00Z"
SERVICE_NAME = "Virtual Machines"
SERVICE_ID = "DZH313Z7MMC8"
METER_NAMESPACE = uuid.UUID("6a1f3f86-0a5e-4f1e-9c8c-5b0b5d1e2c10")

# Linux pay-as-you-go USD per vCPU-hour in eastus, by quota family.
LINUX_USD_PER_VCPU_HOUR = {
    "standardBSFamily": 0.0208,
    "standardDSv2Family": 0.073,
    "standardDSv3Family": 0.048,
    "standardDSv5Family": 0.048,
    "standardDASv5Family": 0.043,
    "standardESv5Family": 0.063,
    "standardFSv2Family": 0.04225,
}
WINDOWS_USD_PER_VCPU_HOUR = 0.046
SPOT_FACTOR = 0.2
LOW_PRIORITY_FACTOR = 0.2
RESERVATION_FACTOR = 0.62
REGION_FACTOR = {"eastus": 1.0, "eastus2": 1.0, "westus2": 1.0, "westus3": 1.0, "centralus": 1.1}
OTHER_REGION_FACTOR = 1.15
CURRENCY_RATES = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79}
# How the Retail Prices API names regions in its `location` field.
RETAIL_LOCATION = {
    "eastus": "US East",
    "eastus2": "US East 2",
    "westus": "US West",
    "westus2": "US West 2",
    "westus3": "US West 3",
    "centralus": "US Central",
    "northcentralus": "US North Central",
    "southcentralus": "US South Central",
    "canadacentral": "CA Central",
    "westeurope": "EU West",
    "northeurope": "EU North",
    "uksouth": "UK South",
    "francecentral": "FR Central",
    "germanywestcentral": "DE West Central",
    "japaneast": "JA East",
    "southeastasia": "AP Southeast",
    "australiaeast": "AU East",
}


@dataclass(frozen=True)
class PriceVariant:
    """One kind of row per size and region: its name suffix, OS, price type and price rule."""

    meter_suffix: str
    windows: bool
    price_type: str
    factor: float


VARIANTS: tuple[PriceVariant, ...] = (
    PriceVariant("", windows=False, price_type="Consumption", factor=1.0),
    PriceVariant("", windows=True, price_type="Consumption", factor=1.0),
    PriceVariant(" Spot", windows=False, price_type="Consumption", factor=SPOT_FACTOR),
    PriceVariant(
        " Low Priority", windows=False, price_type="Consumption", factor=LOW_PRIORITY_FACTOR
    ),
    PriceVariant("", windows=False, price_type="Reservation", factor=RESERVATION_FACTOR),
)


def page_size() -> int:
    """Rows per page (`ARM_SIMULATOR_PRICES_PAGE_SIZE`, default small so paging is exercised)."""
    raw = os.environ.get("ARM_SIMULATOR_PRICES_PAGE_SIZE", "").strip()
    return max(int(raw), 1) if raw else DEFAULT_PAGE_SIZE


def linux_usd_per_hour(size: VmSize, region: str) -> float:
    """The Linux pay-as-you-go USD price per hour of one size in one region."""
    per_vcpu = LINUX_USD_PER_VCPU_HOUR.get(size.family, 0.05)
    return round(size.vcpus * per_vcpu * REGION_FACTOR.get(region, OTHER_REGION_FACTOR), 4)


def _series(size: VmSize) -> str:
    match = re.match(r"standard(?P<series>\w+?)Family", size.family)
    return match["series"] if match else size.family


def price_row(size: VmSize, region: Region, variant: PriceVariant, rate: float) -> dict[str, Any]:
    """One Items[] entry in the public API's shape."""
    usd = linux_usd_per_hour(size, region.name)
    if variant.windows:
        usd += size.vcpus * WINDOWS_USD_PER_VCPU_HOUR
    price = round(usd * variant.factor * rate, 6)
    sku_name = size.name.removeprefix("Standard_").replace("_", " ") + variant.meter_suffix
    product = f"Virtual Machines {_series(size)} Series" + (" Windows" if variant.windows else "")
    meter_key = f"{region.name}/{size.name}/{variant.meter_suffix}/{variant.windows}"
    meter_id = uuid.uuid5(METER_NAMESPACE, meter_key)
    row: dict[str, Any] = {
        "currencyCode": "",
        "tierMinimumUnits": 0.0,
        "retailPrice": price,
        "unitPrice": price,
        "armRegionName": region.name,
        "location": RETAIL_LOCATION.get(region.name, region.display_name),
        "effectiveStartDate": EFFECTIVE_START,
        "meterId": str(meter_id),
        "meterName": sku_name,
        "productId": f"DZH318Z0{_series(size).upper()[:4]}",
        "skuId": f"DZH318Z0{_series(size).upper()[:4]}/{meter_id.int % 10000:04d}",
        "productName": product,
        "skuName": sku_name,
        "serviceName": SERVICE_NAME,
        "serviceId": SERVICE_ID,
        "serviceFamily": "Compute",
        "unitOfMeasure": "1 Hour",
        "type": variant.price_type,
        "isPrimaryMeterRegion": True,
        "armSkuName": size.name,
    }
    if variant.price_type == "Reservation":
        row["reservationTerm"] = "1 Year"
    return row


def all_rows(currency: str) -> list[dict[str, Any]]:
    """Every row, in a stable order (region, size, variant)."""
    rate = CURRENCY_RATES[currency]
    rows = []
    for region in REGIONS:
        for size in VM_SIZES:
            for variant in VARIANTS:
                row = price_row(size, region, variant, rate)
                row["currencyCode"] = currency
                rows.append(row)
    return rows
