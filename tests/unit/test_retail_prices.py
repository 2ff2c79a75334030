"""Retail Prices parsing: only Linux pay-as-you-go hourly meters become prices."""

from __future__ import annotations

from provisioning.catalog.prices import hourly_prices, is_linux_pay_as_you_go, price_filter


def item(**fields: object) -> dict[str, object]:
    base = {
        "armSkuName": "Standard_D2s_v5",
        "unitPrice": 0.096,
        "type": "Consumption",
        "unitOfMeasure": "1 Hour",
        "productName": "Virtual Machines Dsv5 Series",
        "skuName": "D2s v5",
        "meterName": "D2s v5",
    }
    return {**base, **fields}


def test_windows_spot_low_priority_and_reservations_are_skipped() -> None:
    items = [
        item(),
        item(unitPrice=0.188, productName="Virtual Machines Dsv5 Series Windows"),
        item(unitPrice=0.01, skuName="D2s v5 Spot", meterName="D2s v5 Spot"),
        item(unitPrice=0.02, skuName="D2s v5 Low Priority"),
        item(unitPrice=500.0, type="Reservation", unitOfMeasure="1 Year"),
        item(armSkuName="Standard_D4s_v5", unitPrice=0.192),
    ]
    assert hourly_prices(items) == {"Standard_D2s_v5": 0.096, "Standard_D4s_v5": 0.192}


def test_rows_without_a_size_or_a_numeric_price_are_ignored() -> None:
    assert hourly_prices([item(armSkuName=""), item(unitPrice="free")]) == {}
    assert not is_linux_pay_as_you_go(item(unitOfMeasure="1 Month"))


def test_the_filter_asks_for_consumption_vm_meters_in_one_region() -> None:
    text = price_filter("westus3")
    assert "serviceName eq 'Virtual Machines'" in text
    assert "armRegionName eq 'westus3'" in text and "priceType eq 'Consumption'" in text
