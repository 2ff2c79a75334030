"""The simulated Retail Prices API's rules: filter parsing, matching, paging, price rows."""

from __future__ import annotations

import pytest

from local.arm_simulator.regions import REGIONS
from local.arm_simulator.retail_prices import all_rows, linux_usd_per_hour
from local.arm_simulator.retail_prices_api import (
    InvalidPriceQuery,
    matching_rows,
    parse_filter,
    prices_page,
)
from local.arm_simulator.vm_sizes import VM_SIZES, vm_size


def test_filter_of_eq_clauses_joined_by_and_is_parsed_to_row_fields() -> None:
    clauses = parse_filter("serviceName eq 'Virtual Machines' and priceType eq 'Consumption'")
    assert clauses == [("serviceName", "Virtual Machines"), ("type", "Consumption")]


def test_quotes_inside_filter_values_are_unescaped() -> None:
    assert parse_filter("skuName eq 'it''s'") == [("skuName", "it's")]


@pytest.mark.parametrize(
    "expression", ["contains(meterName, 'Spot')", "colour eq 'red'", "armRegionName eq eastus"]
)
def test_unsupported_filters_are_refused(expression: str) -> None:
    with pytest.raises(InvalidPriceQuery):
        parse_filter(expression)


def test_every_size_and_region_has_exactly_one_linux_payg_row() -> None:
    rows = [
        row
        for row in all_rows("USD")
        if row["type"] == "Consumption"
        and row["meterName"] == row["skuName"]
        and not row["meterName"].endswith(("Spot", "Low Priority"))
        and not row["productName"].endswith("Windows")
    ]
    keys = [(row["armRegionName"], row["armSkuName"]) for row in rows]
    assert len(keys) == len(set(keys)) == len(REGIONS) * len(VM_SIZES)


def test_spot_low_priority_and_windows_rows_differ_from_the_linux_price() -> None:
    clauses = [
        ("armRegionName", "eastus"),
        ("armSkuName", "Standard_D4s_v5"),
        ("type", "Consumption"),
    ]
    rows = matching_rows(clauses, "USD")
    prices = {(row["meterName"], row["productName"]): row["unitPrice"] for row in rows}
    assert prices[("D4s v5", "Virtual Machines DSv5 Series")] == 0.192
    assert prices[("D4s v5 Spot", "Virtual Machines DSv5 Series")] < 0.192
    assert prices[("D4s v5 Low Priority", "Virtual Machines DSv5 Series")] < 0.192
    assert prices[("D4s v5", "Virtual Machines DSv5 Series Windows")] > 0.192


def test_linux_price_scales_with_vcpus_and_region() -> None:
    d2, d4 = vm_size("Standard_D2s_v5"), vm_size("Standard_D4s_v5")
    assert linux_usd_per_hour(d4, "eastus") == 2 * linux_usd_per_hour(d2, "eastus")
    assert linux_usd_per_hour(d4, "japaneast") > linux_usd_per_hour(d4, "eastus")


def test_other_currencies_convert_the_usd_price() -> None:
    clauses = [("armRegionName", "eastus"), ("armSkuName", "Standard_D4s_v5")]
    [usd] = [r for r in matching_rows(clauses, "USD") if r["meterName"] == "D4s v5"][:1]
    [eur] = [r for r in matching_rows(clauses, "EUR") if r["meterName"] == "D4s v5"][:1]
    assert eur["currencyCode"] == "EUR"
    assert eur["unitPrice"] < usd["unitPrice"]


def test_pages_carry_next_page_link_until_the_last() -> None:
    rows = [{"currencyCode": "USD", "n": n} for n in range(5)]
    first = prices_page(rows, 0, 2, "next")
    last = prices_page(rows, 4, 2, "next")
    assert (first["Count"], first["NextPageLink"]) == (2, "next")
    assert (last["Count"], last["NextPageLink"], last["Items"]) == (1, None, [rows[4]])
    assert first["BillingCurrency"] == "USD"
