"""The local host's web servers: HTTP triggers + dashboard, and the durable webhook API."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.functions as func
from aiohttp import web
from aiohttp.http_exceptions import LineTooLong
from aiohttp.web_protocol import RequestHandler

from local.host import dev_identity
from local.host.durable.engine import DurableEngine
from local.host.durable_http_api import (
    PUBLIC_ORIGIN,
    RPC_PREFIX,
    WEBHOOK_PREFIX,
    add_management_routes,
)
from local.host.function_index import FunctionIndex, MethodNotAllowed

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024
# The dashboard's inline import map (static_web/index.html) is the one inline script allowed;
# a change to it changes this hash (tests/e2e/test_dashboard_console.py checks they agree).
DASHBOARD_IMPORT_MAP_HASH = "'sha256-jZHm17f/JGbhl3Yo5EFjd60/ETTHm6pQhU+oM6V6H+I='"
STATIC_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        f"script-src 'self' {DASHBOARD_IMPORT_MAP_HASH}; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
API_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


@dataclass(frozen=True)
class HostConfig:
    """Where the host listens and what it serves."""

    port: int
    rpc_port: int
    route_prefix: str
    hub_name: str
    static_dir: Path | None
    # False plays Azure with App Service Authentication off: nothing is injected.
    dev_identity: bool = True


def client_binding(config: HostConfig) -> str:
    """The durableClient binding JSON the real extension would pass (rpcBaseUrl -> this host)."""
    base = f"http://127.0.0.1:{config.port}/runtime/webhooks/durabletask"
    query = f"taskHub={config.hub_name}&connection=Storage"
    start = f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]"
    instance = f"{base}/instances/INSTANCEID"
    return json.dumps(
        {
            "taskHubName": config.hub_name,
            "creationUrls": {
                "createNewInstancePostUri": f"{start}?{query}",
                "createAndWaitOnNewInstancePostUri": f"{start}?timeout={{timeoutInSeconds}}"
                f"&pollingInterval={{intervalInSeconds}}&{query}",
            },
            "managementUrls": {
                "id": "INSTANCEID",
                "statusQueryGetUri": f"{instance}?{query}",
                "sendEventPostUri": f"{instance}/raiseEvent/{{eventName}}?{query}",
                "terminatePostUri": f"{instance}/terminate?reason={{text}}&{query}",
                "rewindPostUri": f"{instance}/rewind?reason={{text}}&{query}",
                "purgeHistoryDeleteUri": f"{instance}?{query}",
                "restartPostUri": f"{instance}/restart?{query}",
                "suspendPostUri": f"{instance}/suspend?reason={{text}}&{query}",
                "resumePostUri": f"{instance}/resume?reason={{text}}&{query}",
            },
            "baseUrl": base,
            "requiredQueryStringParameters": query,
            "rpcBaseUrl": f"http://127.0.0.1:{config.rpc_port}/durabletask/",
            "httpBaseUrl": "",
            "maxGrpcMessageSizeInBytes": 0,
            "grpcHttpClientTimeout": "00:01:40",
        }
    )


# ---------------------------------------------------------------------- app server


@web.middleware
async def json_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """The host's own errors (413, 404, 405, 400 ...) in the contract's JSON shape."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = exc.reason.lower().replace(" ", "_") if exc.reason else "error"
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        headers = {
            k: v
            for k, v in exc.headers.items()
            if k.lower() not in ("content-type", "content-length")
        }
        return web.json_response(
            {"error": {"code": code, "message": message}},
            status=exc.status,
            headers={**headers, **API_HEADERS},
        )


class JsonErrorRequestHandler(RequestHandler):
    """A connection whose request could not even be parsed still gets the contract's JSON.

    aiohttp answers a malformed or over-long request line or header itself, before any
    middleware, in text/plain that echoes the request line back; README promises JSON.
    """

    def handle_error(
        self,
        request: Any,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """The parse failure as {"error": {"code", "message"}}; the raw line is never echoed."""
        if request.writer.output_size > 0:  # an answer already started: aiohttp's own rule
            return super().handle_error(request, status, exc, message)
        code, text = parse_error_answer(status, exc)
        logger.warning("request refused before routing: %s %s", status, type(exc).__name__)
        response = web.json_response(
            {"error": {"code": code, "message": text}}, status=status, headers=API_HEADERS
        )
        response.force_close()
        return response


def parse_error_answer(status: int, exc: BaseException | None) -> tuple[str, str]:
    """Code and message for a request the HTTP parser refused (no request text in them)."""
    if status >= 500:
        return "internal_error", "The local host failed to handle the request."
    if isinstance(exc, LineTooLong):
        limit = exc.args[1] if len(exc.args) > 1 else "the allowed number of"
        return (
            "request_too_long",
            f"The request line or a header is longer than {limit} bytes; send a shorter one.",
        )
    return "bad_request", "The request is not valid HTTP (malformed request line or headers)."


class JsonErrorServer(web.Server):
    """aiohttp's low-level server, with connections that answer parse errors in JSON."""

    def __call__(self) -> RequestHandler:
        """One connection's protocol (aiohttp's own, but JsonErrorRequestHandler)."""
        return JsonErrorRequestHandler(self, loop=self._loop, **self._kwargs)


class JsonErrorAppRunner(web.AppRunner):
    """An AppRunner whose server answers even unparseable requests in JSON."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = JsonErrorServer  # same state; only the connection factory differs
        return server


@dataclass(frozen=True)
class FunctionInvoker:
    """Serves /api: finds the HTTP function for a route and calls it as the worker would."""

    config: HostConfig
    index: FunctionIndex
    binding: str

    @property
    def prefix(self) -> str:
        """The route prefix as a path ("/api"), or "" when host.json sets none."""
        return "/" + self.config.route_prefix.strip("/") if self.config.route_prefix else ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Route, build the func.HttpRequest, call the function (sync ones on a thread)."""
        path = request.path[len(self.prefix) :] if self.prefix else request.path
        try:
            found = self.index.find_route(path or "/", request.method)
        except MethodNotAllowed:
            return _json_error(405, "method_not_allowed", f"{request.method} is not allowed here")
        if found is None:
            return _json_error(404, "not_found", "no function serves this route")
        function, route_params = found
        kwargs: dict[str, Any] = {
            function.request_param: await self._http_request(request, route_params)
        }
        if function.client_param:
            kwargs[function.client_param] = self.binding
        try:
            if inspect.iscoroutinefunction(function.func):
                result = await function.func(**kwargs)
            else:
                result = await asyncio.get_running_loop().run_in_executor(
                    None, lambda: function.func(**kwargs)
                )
        except Exception:
            logger.exception("function %s raised", function.name)
            return _json_error(500, "internal_error", f"function {function.name} failed")
        return _to_aiohttp(result)

    async def _http_request(
        self, request: web.Request, route_params: dict[str, str]
    ) -> func.HttpRequest:
        """The request as the worker hands it over, the dev identity's headers included."""
        headers = joined_headers(request)
        if self.config.dev_identity:
            own_origin = f"{request.scheme}://{request.host}"
            headers.update(dev_identity.identity_headers(headers, request.cookies, own_origin))
        return func.HttpRequest(
            method=request.method,
            url=str(request.url),
            headers=headers,
            params=query_parameters(request),
            route_params=route_params,
            body=await request.read(),
        )


async def auth_me(request: web.Request) -> web.Response:
    """/.auth/me as App Service Authentication answers it, for the dev identity."""
    return web.json_response(
        dev_identity.auth_me_payload(dict(request.headers), request.cookies),
        headers=API_HEADERS,
    )


async def auth_login_dev(request: web.Request) -> web.Response:
    """Sign in as a dev user (a cookie), then go back to a same-site path."""
    user = request.query.get("user", dev_identity.DEFAULT_DEV_USER)
    if not dev_identity.DEV_USER_PATTERN.fullmatch(user):
        return _json_error(400, "invalid_user", "user must be 1-64 of letters, digits, . _ -")
    target = request.query.get("post_login_redirect_uri", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = web.HTTPFound(target)
    response.set_cookie(dev_identity.DEV_USER_COOKIE, user, httponly=True, samesite="Lax")
    return response


async def auth_logout(request: web.Request) -> web.Response:
    """Forget the dev user."""
    response = web.HTTPFound("/")
    response.del_cookie(dev_identity.DEV_USER_COOKIE)
    return response


@dataclass(frozen=True)
class StaticFiles:
    """Serves the dashboard from static_web/ with its security headers, never outside it."""

    root: Path | None

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """The file under the root (index.html for a folder), or 404."""
        if self.root is None:
            raise web.HTTPNotFound()
        root = self.root.resolve()
        target = (root / (request.match_info.get("tail", "") or "index.html")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if root not in target.parents and target != root or not target.is_file():
            raise web.HTTPNotFound(headers=STATIC_HEADERS)
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix in (".js", ".mjs"):
            content_type = "text/javascript"
        return web.Response(
            body=target.read_bytes(),
            content_type=content_type,
            headers={**STATIC_HEADERS, "Cache-Control": "no-cache"},
        )


def build_app(
    config: HostConfig, index: FunctionIndex, engine: DurableEngine | None = None
) -> web.Application:
    """The public server on 127.0.0.1:7071: /api, /.auth, the durable webhooks and the dashboard."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[json_errors])
    invoke = FunctionInvoker(config, index, client_binding(config))
    app.router.add_get("/.auth/me", auth_me)
    app.router.add_get("/.auth/login/dev", auth_login_dev)
    app.router.add_get("/.auth/logout", auth_logout)
    if engine is not None:
        add_management_routes(app, WEBHOOK_PREFIX, engine, config.hub_name)
    if invoke.prefix:
        app.router.add_route("*", invoke.prefix + "/{tail:.*}", invoke.handle)
        app.router.add_route("*", invoke.prefix, invoke.handle)
    app.router.add_get("/{tail:.*}", StaticFiles(config.static_dir).serve)
    return app


def joined_headers(request: web.Request) -> dict[str, str]:
    """Request headers as the Functions host passes them: repeated ones joined with ", ".

    Keys compare case-insensitively (HTTP), so two lines that differ only in case are one
    header with two values, exactly as Azure's front end hands them to the worker.
    """
    joined: dict[str, str] = {}
    names: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        if key in names:
            joined[names[key]] = f"{joined[names[key]]}, {value}"
        else:
            names[key] = name
            joined[name] = value
    return joined


def query_parameters(request: web.Request) -> dict[str, str]:
    """Query values as Azure's host passes them: a repeated name's values joined with ","."""
    joined: dict[str, str] = {}
    for name in request.query:
        if name not in joined:
            joined[name] = ",".join(request.query.getall(name))
    return joined


def _json_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, headers=API_HEADERS
    )


def _to_aiohttp(result: Any) -> web.Response:
    """Convert what an HTTP function returned into an aiohttp response."""
    if result is None:
        return web.Response(status=204)
    if not isinstance(result, func.HttpResponse):
        return web.Response(text=str(result))
    headers = {k: v for k, v in result.headers.items() if k.lower() != "content-type"}
    for name, value in API_HEADERS.items():
        headers.setdefault(name, value)
    content_type = result.headers.get("content-type") or result.mimetype or "text/plain"
    if ";" in content_type:
        content_type = content_type.split(";", 1)[0]
    return web.Response(
        status=result.status_code,
        body=result.get_body(),
        headers=headers,
        content_type=content_type,
        charset=result.charset if content_type.startswith(("text/", "application/json")) else None,
    )


# ---------------------------------------------------------------------- durable webhook API


def build_rpc_app(engine: DurableEngine, config: HostConfig) -> web.Application:
    """The extension's local RPC listener: the API that DurableOrchestrationClient calls."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[json_errors])
    app[PUBLIC_ORIGIN] = f"http://127.0.0.1:{config.port}"

    async def episodes(request: web.Request) -> web.Response:
        # Read-only, for bench/: the replay time of every episode run since the host started.
        return web.json_response({"episode_durations_ms": list(engine.episode_durations_ms)})

    app.router.add_get(RPC_PREFIX + "/_diagnostics/episodes", episodes)
    add_management_routes(app, RPC_PREFIX, engine, config.hub_name)
    return app
