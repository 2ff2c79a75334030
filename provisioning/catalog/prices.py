"""VM prices from the public Azure Retail Prices API: Linux, pay-as-you-go, per hour.

Called through azure-core's pipeline (bounded timeouts and retries). No credential: the
API is public. Pages are followed only on the endpoint's own host.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

PRICES_PATH = "/api/retail/prices"
CURRENCY = "USD"
MAX_PAGES = 60
CONNECTION_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 10
RETRIES = 2


class PricesUnavailable(RuntimeError):
    """The Retail Prices API did not give a usable answer (the caller degrades)."""


def price_filter(region: str) -> str:
    """The OData filter for pay-as-you-go VM meters in one region (`region` is validated)."""
    return (
        f"serviceName eq 'Virtual Machines' and armRegionName eq '{region}' "
        "and priceType eq 'Consumption'"
    )


def is_linux_pay_as_you_go(item: dict[str, Any]) -> bool:
    """Linux on-demand meters only: no Windows, Spot, Low Priority or reservations."""
    if item.get("type", "Consumption") != "Consumption":
        return False
    if (item.get("unitOfMeasure") or "1 Hour") != "1 Hour":
        return False
    text = " ".join(str(item.get(key) or "") for key in ("productName", "skuName", "meterName"))
    lowered = text.lower()
    return not any(word in lowered for word in ("windows", "spot", "low priority"))


def hourly_prices(items: list[dict[str, Any]]) -> dict[str, float]:
    """Price per hour by ARM VM size name from the API's Items."""
    prices: dict[str, float] = {}
    for item in items:
        size = item.get("armSkuName")
        price = item.get("unitPrice", item.get("retailPrice"))
        if not size or not isinstance(price, int | float) or not is_linux_pay_as_you_go(item):
            continue
        prices[size] = min(float(price), prices.get(size, float("inf")))
    return prices


def make_prices_client(endpoint: str, ca_bundle: str | None) -> Any:
    """An azure-core PipelineClient with retries and timeouts, for the Retail Prices API."""
    from azure.core import PipelineClient
    from azure.core.pipeline.policies import (
        HeadersPolicy,
        RetryPolicy,
        UserAgentPolicy,
    )

    transport_options: dict[str, Any] = {
        "connection_timeout": CONNECTION_TIMEOUT_SECONDS,
        "read_timeout": READ_TIMEOUT_SECONDS,
    }
    if ca_bundle:
        transport_options["connection_verify"] = ca_bundle
    policies = [
        HeadersPolicy({"Accept": "application/json"}),
        UserAgentPolicy(sdk_moniker="aks-provisioning-preflight"),
        RetryPolicy(retry_total=RETRIES, retry_backoff_factor=0.5, timeout=30),
    ]
    return PipelineClient(endpoint.rstrip("/"), policies=policies, **transport_options)


def read_hourly_prices(client: Any, endpoint: str, region: str) -> dict[str, float]:
    """All Linux pay-as-you-go VM prices in `region` (follows NextPageLink, bounded)."""
    from azure.core.exceptions import AzureError
    from azure.core.rest import HttpRequest

    host = urlsplit(endpoint).netloc.lower()
    params = {"$filter": price_filter(region), "currencyCode": CURRENCY}
    url: str | None = endpoint.rstrip("/") + PRICES_PATH
    items: list[dict[str, Any]] = []
    for _ in range(MAX_PAGES):
        if url is None:
            return hourly_prices(items)
        try:
            response = client.send_request(HttpRequest("GET", url, params=params))
            response.raise_for_status()
            page = response.json()
        except (AzureError, ValueError) as exc:
            raise PricesUnavailable(f"Retail Prices API: {type(exc).__name__}") from exc
        items.extend(page.get("Items") or [])
        url, params = page.get("NextPageLink") or None, {}
        if url and urlsplit(url).netloc.lower() != host:
            logger.warning("ignoring a NextPageLink off %s", host)
            url = None
    raise PricesUnavailable(f"Retail Prices API: more than {MAX_PAGES} pages")
