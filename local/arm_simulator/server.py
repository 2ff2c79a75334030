"""The aiohttp application: ARM routes (clusters, catalog, operations), prices, test hooks."""

from __future__ import annotations

import logging
import re
import ssl
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from local.arm_simulator import arm_errors
from local.arm_simulator.access_routes import ACCESS_ROUTES
from local.arm_simulator.arm_errors import ArmError
from local.arm_simulator.arm_http import LIMITS_KEY, STORE_KEY, Route
from local.arm_simulator.catalog_routes import CATALOG_ROUTES
from local.arm_simulator.certificate import ensure_certificate
from local.arm_simulator.cluster_routes import CLUSTER_ROUTES
from local.arm_simulator.clusters import ClusterStore
from local.arm_simulator.metrics import parse_percent
from local.arm_simulator.retail_prices import PRICES_PATH
from local.arm_simulator.retail_prices_api import handle_retail_prices
from local.arm_simulator.scenarios import SimulatorTimings
from local.arm_simulator.usages import QuotaLimits

logger = logging.getLogger(__name__)

STATE_FILE = "state.json"
ARM_ROUTES: tuple[Route, ...] = CLUSTER_ROUTES + ACCESS_ROUTES + CATALOG_ROUTES
WRITE_METHODS = {"PUT", "POST", "DELETE", "PATCH"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REQUESTS_KEY: web.AppKey[dict[str, int]] = web.AppKey("requests", dict)
_METRICS_PATH = "/providers/microsoft.insights/metrics"
_CLUSTER_PATH = re.compile(
    r"^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.containerservice"
    r"/managedclusters/[^/]+/?$",
    re.IGNORECASE,
)


def request_kind(method: str, path: str) -> str:
    """How the health route counts a request: "GET metrics", "GET cluster", or "other"."""
    lowered = path.lower()
    if lowered.endswith(_METRICS_PATH):
        return f"{method} metrics"
    if _CLUSTER_PATH.match(path):
        return f"{method} cluster"
    return "other"


@web.middleware
async def arm_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn ArmError into the ARM envelope and stamp ARM's tracing headers on every answer."""
    if not request.path.startswith("/_simulator/"):
        counts = request.app[REQUESTS_KEY]
        kind = request_kind(request.method, request.path)
        counts[kind] = counts.get(kind, 0) + 1
    try:
        response = await handler(request)
    except ArmError as error:
        logger.info("%s %s -> %d %s", request.method, request.path, error.status, error.code)
        response = web.json_response(error.body(), status=error.status, headers=error.headers)
    except web.HTTPException:
        raise
    except Exception:
        logger.exception("unexpected error serving %s %s", request.method, request.path)
        failure = ArmError(500, "InternalServerError", "The ARM simulator hit an unexpected error.")
        response = web.json_response(failure.body(), status=500)
    request_id = str(uuid.uuid4())
    response.headers["x-ms-request-id"] = request_id
    response.headers["x-ms-correlation-request-id"] = request.headers.get(
        "x-ms-correlation-request-id", request_id
    )
    if request.method in WRITE_METHODS:
        response.headers["x-ms-ratelimit-remaining-subscription-writes"] = "1199"
    else:
        response.headers["x-ms-ratelimit-remaining-subscription-reads"] = "11999"
    return response


def _require_bearer(request: web.Request) -> None:
    header = request.headers.get("Authorization")
    if header is None:
        raise arm_errors.authentication_failed("The 'Authorization' header is missing.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise arm_errors.authentication_failed(
            "The 'Authorization' header is provided in an invalid format."
        )


async def handle_arm(request: web.Request) -> web.StreamResponse:
    """Every ARM path: authenticate, require api-version, dispatch by the route table."""
    _require_bearer(request)
    api_version = request.query.get("api-version", "").strip()
    if not api_version:
        raise arm_errors.missing_api_version()
    for route in ARM_ROUTES:
        match = route.pattern.match(request.path)
        if match is None:
            continue
        handler = route.handlers.get(request.method)
        if handler is None:
            raise ArmError(
                405, "MethodNotAllowed", f"{request.method} is not supported on {request.path}."
            )
        return await handler(request, match, api_version)
    raise arm_errors.path_not_found(request.path)


async def handle_health(request: web.Request) -> web.Response:
    """Liveness for scripts and tests."""
    counts: dict[str, int] = request.app[REQUESTS_KEY]
    return web.json_response(
        {
            "status": "ok",
            "clusters": len(request.app[STORE_KEY].clusters),
            "requests": dict(counts),
        }
    )


async def handle_reset(request: web.Request) -> web.Response:
    """Forget all clusters and scenario memory (tests only)."""
    request.app[STORE_KEY].reset()
    request.app[REQUESTS_KEY].clear()
    logger.info("state reset")
    return web.json_response({"status": "reset"})


async def handle_set_cpu(request: web.Request) -> web.Response:
    """PUT /_simulator/clusters/{rg}/{name}/cpu {"percent"}: the cluster's CPU from now on."""
    now = time.time()
    try:
        body = await request.json()
    except ValueError:
        body = None
    try:
        percent = parse_percent(body)
    except ArmError as error:
        return web.json_response(error.body(), status=error.status)
    store = request.app[STORE_KEY]
    group, name = request.match_info["resource_group"], request.match_info["cluster_name"]
    view = store.find(group, name, now)
    if view is None:
        missing = arm_errors.resource_not_found(group, name)
        return web.json_response(missing.body(), status=missing.status)
    store.set_cpu(view, percent, now)
    logger.info("cpu of %s/%s is %.1f%% from now on", group, name, percent)
    return web.json_response({"resource_group": group, "cluster_name": name, "percent": percent})


def create_app(
    data_dir: Path | None, timings: SimulatorTimings, limits: QuotaLimits | None = None
) -> web.Application:
    """The simulator app; state persists under data_dir when given."""
    state_path = data_dir / STATE_FILE if data_dir is not None else None
    app = web.Application(middlewares=[arm_headers])
    app[STORE_KEY] = ClusterStore(timings, state_path)
    app[LIMITS_KEY] = limits if limits is not None else QuotaLimits.from_env()
    app[REQUESTS_KEY] = {}
    app.router.add_get("/_simulator/health", handle_health)
    app.router.add_post("/_simulator/reset", handle_reset)
    app.router.add_put("/_simulator/clusters/{resource_group}/{cluster_name}/cpu", handle_set_cpu)
    app.router.add_get(PRICES_PATH, handle_retail_prices)
    app.router.add_route("*", "/{tail:.*}", handle_arm)
    return app


def tls_context(data_dir: Path) -> ssl.SSLContext:
    """Server TLS context over the (reused or fresh) self-signed certificate."""
    cert, key = ensure_certificate(data_dir)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def serve(port: int, data_dir: Path) -> None:
    """Run the simulator until SIGINT/SIGTERM."""
    data_dir.mkdir(parents=True, exist_ok=True)
    timings = SimulatorTimings.from_env()
    context = tls_context(data_dir)
    app = create_app(data_dir, timings)
    logger.info("ARM simulator on https://127.0.0.1:%d (data %s, %s)", port, data_dir, timings)
    web.run_app(app, host="127.0.0.1", port=port, ssl_context=context, print=None)
