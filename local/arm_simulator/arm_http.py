"""What every ARM route shares: app keys, the route table's types, async and eTag headers."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

from local.arm_simulator.cluster_model import ClusterView
from local.arm_simulator.clusters import ClusterStore
from local.arm_simulator.conditions import quoted
from local.arm_simulator.documents import operation_path, operation_result_path
from local.arm_simulator.operations import Operation
from local.arm_simulator.usages import QuotaLimits

STORE_KEY: web.AppKey[ClusterStore] = web.AppKey("store", ClusterStore)
LIMITS_KEY: web.AppKey[QuotaLimits] = web.AppKey("limits", QuotaLimits)

ArmHandler = Callable[[web.Request, re.Match[str], str], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    """One ARM path (case-insensitive, as ARM matches) and its handler per HTTP method."""

    pattern: re.Pattern[str]
    handlers: Mapping[str, ArmHandler]


def arm_path(pattern: str) -> re.Pattern[str]:
    """Compile a path pattern; `{sub}`, `{rg}`, `{location}` name the usual segments."""
    expanded = (
        pattern.replace("{sub}", "(?P<sub>[^/]+)")
        .replace("{rg}", "(?P<rg>[^/]+)")
        .replace("{location}", "(?P<location>[^/]+)")
    )
    return re.compile(f"^{expanded}/?$", re.IGNORECASE)


def base_url(request: web.Request) -> str:
    """Scheme and host the client used, for absolute operation URLs."""
    return f"{request.scheme}://{request.host}"


def async_headers(
    request: web.Request, op: Operation, api_version: str, with_location: bool
) -> dict[str, str]:
    """Azure-AsyncOperation (and Location for POST/DELETE) pointing at the operation."""
    base = base_url(request)
    query = f"?api-version={api_version}"
    headers = {"Azure-AsyncOperation": f"{base}{operation_path(op)}{query}"}
    if with_location:
        headers["Location"] = f"{base}{operation_result_path(op)}{query}"
    return headers


def etag_header(view: ClusterView) -> dict[str, str]:
    """The ETag header ARM sends beside the body's eTag."""
    return {"ETag": quoted(view.cluster.etag)}
