"""The simulated Retail Prices API through azure-core's pipeline, as the product calls it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.core import PipelineClient
from azure.core.rest import HttpRequest

from tests.arm_fixtures import ArmSimulator

PRICES_PATH = "/api/retail/prices"
LINUX_PAYG = (
    "serviceName eq 'Virtual Machines' and armRegionName eq '{region}' "
    "and armSkuName eq '{size}' and priceType eq 'Consumption'"
)


@pytest.fixture
def prices_client(arm_simulator: ArmSimulator) -> Iterator[PipelineClient]:
    """An azure-core client whose endpoint is what RETAIL_PRICES_ENDPOINT would hold."""
    client: PipelineClient = PipelineClient(base_url=arm_simulator.base_url)
    yield client
    client.close()


def fetch_all(
    client: PipelineClient, simulator: ArmSimulator, query: dict[str, str]
) -> tuple[list[dict[str, Any]], int]:
    """Every item of a query, following NextPageLink; also how many pages it took."""
    request = HttpRequest("GET", client.format_url(PRICES_PATH), params=query)
    items: list[dict[str, Any]] = []
    pages = 0
    while True:
        response = client.send_request(request, connection_verify=str(simulator.cert_path))
        response.raise_for_status()
        page = response.json()
        pages += 1
        assert page["Count"] == len(page["Items"])
        items += page["Items"]
        if not page["NextPageLink"]:
            return items, pages
        request = HttpRequest("GET", page["NextPageLink"])


def linux_pay_as_you_go(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a correct client keeps: no Spot, Low Priority or Windows rows."""
    return [
        item
        for item in items
        if item["type"] == "Consumption"
        and not item["meterName"].endswith(("Spot", "Low Priority"))
        and not item["productName"].endswith("Windows")
    ]


def test_filter_by_region_and_size_returns_one_linux_payg_price_among_decoys(
    prices_client: PipelineClient, arm_simulator: ArmSimulator
) -> None:
    query = {"$filter": LINUX_PAYG.format(region="eastus", size="Standard_D4s_v5")}
    items, _ = fetch_all(prices_client, arm_simulator, query)
    assert {item["armSkuName"] for item in items} == {"Standard_D4s_v5"}
    assert {item["armRegionName"] for item in items} == {"eastus"}
    assert any(item["meterName"].endswith("Spot") for item in items)
    assert any(item["meterName"].endswith("Low Priority") for item in items)
    assert any(item["productName"].endswith("Windows") for item in items)
    [linux] = linux_pay_as_you_go(items)
    assert linux["unitPrice"] == linux["retailPrice"] == 0.192
    assert (linux["unitOfMeasure"], linux["currencyCode"]) == ("1 Hour", "USD")
    assert linux["location"] == "US East"


def test_a_region_query_is_paged_through_next_page_link(
    prices_client: PipelineClient, arm_simulator: ArmSimulator
) -> None:
    query = {"$filter": "serviceName eq 'Virtual Machines' and armRegionName eq 'westus3'"}
    items, pages = fetch_all(prices_client, arm_simulator, query)
    assert pages > 1
    linux = linux_pay_as_you_go(items)
    assert len({item["armSkuName"] for item in linux}) == len(linux) >= 8
    assert all(item["unitPrice"] > 0 for item in linux)


def test_reservation_rows_are_excluded_by_the_price_type_filter(
    prices_client: PipelineClient, arm_simulator: ArmSimulator
) -> None:
    everything = {"$filter": "armRegionName eq 'westeurope' and armSkuName eq 'Standard_B2s'"}
    items, _ = fetch_all(prices_client, arm_simulator, everything)
    assert "Reservation" in {item["type"] for item in items}
    consumption = dict(everything)
    consumption["$filter"] += " and priceType eq 'Consumption'"
    items, _ = fetch_all(prices_client, arm_simulator, consumption)
    assert {item["type"] for item in items} == {"Consumption"}


def test_an_unsupported_filter_answers_400(
    prices_client: PipelineClient, arm_simulator: ArmSimulator
) -> None:
    request = HttpRequest(
        "GET",
        prices_client.format_url(PRICES_PATH),
        params={"$filter": "contains(meterName, 'Spot')"},
    )
    response = prices_client.send_request(request, connection_verify=str(arm_simulator.cert_path))
    assert response.status_code == 400
