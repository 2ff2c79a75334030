"""GET /api/retail/prices: OData `$filter` (eq clauses joined by `and`) and NextPageLink paging."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from local.arm_simulator.arm_http import base_url
from local.arm_simulator.retail_prices import CURRENCY_RATES, PRICES_PATH, all_rows, page_size

logger = logging.getLogger(__name__)

# Filterable fields; `priceType` is what the API calls the rows' `type`.
FILTER_FIELDS = {
    "armregionname": "armRegionName",
    "armskuname": "armSkuName",
    "servicename": "serviceName",
    "servicefamily": "serviceFamily",
    "pricetype": "type",
    "skuname": "skuName",
    "productname": "productName",
    "metername": "meterName",
    "location": "location",
    "skuid": "skuId",
    "productid": "productId",
    "meterid": "meterId",
}
CLAUSE = re.compile(r"^\s*(?P<field>\w+)\s+eq\s+'(?P<value>(?:[^']|'')*)'\s*$", re.IGNORECASE)
AND = re.compile(r"\s+and\s+", re.IGNORECASE)


class InvalidPriceQuery(ValueError):
    """A `$filter` or currency the simulated API does not understand."""


def parse_filter(expression: str) -> list[tuple[str, str]]:
    """`a eq 'x' and b eq 'y'` → [(row field, value)]; raises InvalidPriceQuery otherwise."""
    if not expression.strip():
        return []
    clauses = []
    for part in AND.split(expression.strip()):
        match = CLAUSE.match(part)
        field = FILTER_FIELDS.get(match["field"].lower()) if match else None
        if match is None or field is None:
            raise InvalidPriceQuery(f"Invalid $filter clause: {part.strip()!r}")
        clauses.append((field, match["value"].replace("''", "'")))
    return clauses


def matching_rows(clauses: list[tuple[str, str]], currency: str) -> list[dict[str, Any]]:
    """Rows whose fields equal every clause's value (compared case-insensitively)."""
    return [
        row
        for row in all_rows(currency)
        if all(str(row.get(field, "")).lower() == value.lower() for field, value in clauses)
    ]


def prices_page(
    rows: list[dict[str, Any]], skip: int, size: int, next_url: str | None
) -> dict[str, Any]:
    """One page in the API's envelope; NextPageLink is null on the last page."""
    items = rows[skip : skip + size]
    return {
        "BillingCurrency": items[0]["currencyCode"] if items else "USD",
        "CustomerEntityId": "Default",
        "CustomerEntityType": "Retail",
        "Items": items,
        "NextPageLink": next_url if skip + size < len(rows) else None,
        "Count": len(items),
    }


def _error(message: str) -> web.Response:
    return web.json_response({"Error": {"Code": "BadRequest", "Message": message}}, status=400)


async def handle_retail_prices(request: web.Request) -> web.Response:
    """The public, unauthenticated Retail Prices endpoint."""
    currency = request.query.get("currencyCode", "USD").strip("'\"").upper()
    try:
        if currency not in CURRENCY_RATES:
            raise InvalidPriceQuery(f"Unsupported currencyCode {currency!r}")
        clauses = parse_filter(request.query.get("$filter", ""))
        skip = int(request.query.get("$skip", "0"))
    except (InvalidPriceQuery, ValueError) as error:
        logger.info("retail prices query refused: %s", error)
        return _error(str(error))
    rows = matching_rows(clauses, currency)
    size = page_size()
    query = {k: v for k, v in request.query.items() if k != "$skip"} | {"$skip": str(skip + size)}
    next_url = f"{base_url(request)}{PRICES_PATH}?{urlencode(query)}"
    return web.json_response(prices_page(rows, skip, size, next_url))
