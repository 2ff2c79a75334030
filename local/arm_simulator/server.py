"""The aiohttp application: ARM routes for managedClusters, async operations and test hooks."""

from __future__ import annotations

import logging
import re
import ssl
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from local.arm_simulator import arm_errors
from local.arm_simulator.arm_errors import ArmError
from local.arm_simulator.certificate import ensure_certificate
from local.arm_simulator.clusters import (
    IN_PROGRESS,
    SUCCEEDED,
    ClusterStore,
    ClusterView,
    Operation,
    operation_status,
)
from local.arm_simulator.conditions import WriteConditions, quoted
from local.arm_simulator.documents import (
    cluster_document,
    operation_document,
    operation_path,
    operation_result_path,
)
from local.arm_simulator.scenarios import (
    MISSING_RESOURCE_GROUP,
    Scenario,
    SimulatorTimings,
    flaky_failure_status,
    scenario_for_name,
)

logger = logging.getLogger(__name__)

STATE_FILE = "state.json"
STORE_KEY: web.AppKey[ClusterStore] = web.AppKey("store", ClusterStore)

CLUSTER_PATH = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)"
    r"/providers/microsoft\.containerservice/managedclusters/(?P<name>[^/]+)"
    r"(?P<abort>/abort)?/?$",
    re.IGNORECASE,
)
OPERATION_PATH = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/providers/microsoft\.containerservice"
    r"/locations/(?P<location>[^/]+)/(?P<kind>operations|operationresults)/(?P<id>[^/]+)/?$",
    re.IGNORECASE,
)
WRITE_METHODS = {"PUT", "POST", "DELETE", "PATCH"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def arm_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn ArmError into the ARM envelope and stamp ARM's tracing headers on every answer."""
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


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _etag_header(view: ClusterView) -> dict[str, str]:
    return {"ETag": quoted(view.cluster.etag)}


def _async_headers(
    request: web.Request, op: Operation, api_version: str, with_location: bool
) -> dict[str, str]:
    base = _base_url(request)
    query = f"?api-version={api_version}"
    headers = {"Azure-AsyncOperation": f"{base}{operation_path(op)}{query}"}
    if with_location:
        headers["Location"] = f"{base}{operation_result_path(op)}{query}"
    return headers


async def handle_arm(request: web.Request) -> web.StreamResponse:
    """Every ARM path: authenticate, then dispatch to clusters or operations."""
    _require_bearer(request)
    api_version = request.query.get("api-version", "").strip()
    if not api_version:
        raise arm_errors.missing_api_version()
    match = CLUSTER_PATH.match(request.path)
    if match:
        return await _handle_cluster(request, match, api_version)
    match = OPERATION_PATH.match(request.path)
    if match and request.method == "GET":
        return _handle_operation(request, match, api_version)
    raise arm_errors.path_not_found(request.path)


async def _handle_cluster(
    request: web.Request, match: re.Match[str], api_version: str
) -> web.StreamResponse:
    store = request.app[STORE_KEY]
    sub, rg, name = match["sub"], match["rg"], match["name"]
    if rg.lower() == MISSING_RESOURCE_GROUP:
        raise arm_errors.resource_group_not_found(rg)
    scenario = scenario_for_name(name)
    if scenario in (Scenario.FLAKY, Scenario.STORM):
        status = flaky_failure_status(scenario, store.count_call(rg, name))
        if status == 503:
            raise arm_errors.service_unavailable()
        if status == 429:
            raise arm_errors.too_many_requests()
    now = time.time()
    method = request.method
    if match["abort"]:
        if method != "POST":
            raise ArmError(405, "MethodNotAllowed", f"{method} is not supported on abort.")
        op = store.abort(sub, rg, name, now)
        headers = _async_headers(request, op, api_version, with_location=True)
        return web.Response(status=202, headers=headers)
    if method == "GET":
        view = store.view(sub, rg, name, now)
        if view is None:
            raise arm_errors.resource_not_found(rg, name)
        return web.json_response(cluster_document(view), headers=_etag_header(view))
    if method == "PUT":
        body: Any
        try:
            body = await request.json()
        except ValueError:
            body = None
        conditions = WriteConditions.from_headers(request.headers)
        outcome = store.put(sub, rg, name, body, now, conditions)
        headers = _etag_header(outcome.view)
        if outcome.started is not None:
            headers |= _async_headers(request, outcome.started, api_version, with_location=False)
        document = cluster_document(outcome.view)
        return web.json_response(document, status=outcome.status, headers=headers)
    if method == "DELETE":
        op = store.delete(sub, rg, name, now, WriteConditions.from_headers(request.headers))
        if op is None:
            return web.Response(status=204)
        headers = _async_headers(request, op, api_version, with_location=True)
        return web.Response(status=202, headers=headers)
    raise ArmError(405, "MethodNotAllowed", f"{method} is not supported on managedClusters.")


def _handle_operation(request: web.Request, match: re.Match[str], api_version: str) -> web.Response:
    store = request.app[STORE_KEY]
    op = store.operation(match["id"])
    if op is None or op.subscription_id.lower() != match["sub"].lower():
        raise arm_errors.operation_not_found(match["id"])
    now = time.time()
    if match["kind"].lower() == "operations":
        return web.json_response(operation_document(op, now))
    status = operation_status(op, now).status
    if status == IN_PROGRESS:
        headers = {"Location": f"{_base_url(request)}{request.path_qs}"}
        return web.Response(status=202, headers=headers)
    if status == SUCCEEDED:
        return web.Response(status=204)
    return web.json_response(operation_document(op, now))


async def handle_health(request: web.Request) -> web.Response:
    """Liveness for scripts and tests."""
    return web.json_response({"status": "ok", "clusters": len(request.app[STORE_KEY].clusters)})


async def handle_reset(request: web.Request) -> web.Response:
    """Forget all clusters and scenario memory (tests only)."""
    request.app[STORE_KEY].reset()
    logger.info("state reset")
    return web.json_response({"status": "reset"})


def create_app(data_dir: Path | None, timings: SimulatorTimings) -> web.Application:
    """The simulator app; state persists under data_dir when given."""
    state_path = data_dir / STATE_FILE if data_dir is not None else None
    app = web.Application(middlewares=[arm_headers])
    app[STORE_KEY] = ClusterStore(timings, state_path)
    app.router.add_get("/_simulator/health", handle_health)
    app.router.add_post("/_simulator/reset", handle_reset)
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
