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
from urllib.parse import quote

import azure.functions as func
from aiohttp import web

from local.host import dev_identity
from local.host.durable.engine import (
    DurableEngine,
    InstanceExists,
    InstanceGone,
    InstanceNotFound,
)
from local.host.durable.store import InstanceState
from local.host.function_index import FunctionIndex, MethodNotAllowed

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024
STATIC_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
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


def build_app(config: HostConfig, index: FunctionIndex) -> web.Application:
    """The public server on 127.0.0.1:7071: /api, /.auth and the dashboard."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    binding = client_binding(config)
    prefix = "/" + config.route_prefix.strip("/") if config.route_prefix else ""

    async def invoke(request: web.Request) -> web.StreamResponse:
        path = request.path[len(prefix) :] if prefix else request.path
        try:
            found = index.find_route(path or "/", request.method)
        except MethodNotAllowed:
            return _json_error(405, "method_not_allowed", f"{request.method} is not allowed here")
        if found is None:
            return _json_error(404, "not_found", "no function serves this route")
        function, route_params = found
        body = await request.read()
        headers = {k: v for k, v in request.headers.items()}
        if config.dev_identity:
            headers.update(dev_identity.identity_headers(headers, request.cookies))
        http_request = func.HttpRequest(
            method=request.method,
            url=str(request.url),
            headers=headers,
            params=query_parameters(request),
            route_params=route_params,
            body=body,
        )
        kwargs: dict[str, Any] = {function.request_param: http_request}
        if function.client_param:
            kwargs[function.client_param] = binding
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

    async def auth_me(request: web.Request) -> web.Response:
        return web.json_response(
            dev_identity.auth_me_payload(dict(request.headers), request.cookies),
            headers=API_HEADERS,
        )

    async def auth_login_dev(request: web.Request) -> web.Response:
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
        response = web.HTTPFound("/")
        response.del_cookie(dev_identity.DEV_USER_COOKIE)
        return response

    async def static(request: web.Request) -> web.StreamResponse:
        if config.static_dir is None:
            raise web.HTTPNotFound()
        relative = request.match_info.get("tail", "") or "index.html"
        root = config.static_dir.resolve()
        target = (root / relative).resolve()
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

    app.router.add_get("/.auth/me", auth_me)
    app.router.add_get("/.auth/login/dev", auth_login_dev)
    app.router.add_get("/.auth/logout", auth_logout)
    if prefix:
        app.router.add_route("*", prefix + "/{tail:.*}", invoke)
        app.router.add_route("*", prefix, invoke)
    app.router.add_get("/{tail:.*}", static)
    return app


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


def build_rpc_app(engine: DurableEngine) -> web.Application:
    """The extension's HTTP API that DurableOrchestrationClient calls (rpcBaseUrl)."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)

    async def start(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        instance_id = request.match_info.get("instance_id") or _new_instance_id()
        problem = _instance_id_problem(instance_id)
        if problem:
            return web.json_response({"ExceptionMessage": problem}, status=400)
        raw = await request.text()
        input_json = _decode_client_input(raw)
        try:
            await engine.start_new(name, instance_id, input_json)
        except KeyError:
            return web.json_response(
                {
                    "ExceptionMessage": f"The function '{name}' doesn't exist or is not an "
                    "orchestrator function."
                },
                status=400,
            )
        except InstanceExists as exc:
            return web.json_response({"ExceptionMessage": str(exc)}, status=400)
        return web.json_response(_management_payload(request, instance_id), status=202)

    async def status(request: web.Request) -> web.Response:
        instance_id = request.match_info["instance_id"]
        found = await engine.status(instance_id)
        if found is None:
            return web.json_response(
                {"message": f"No instance with ID '{instance_id}' found."}, status=404
            )
        state, history = found
        body = _status_payload(state, request.query.get("showInput", "true").lower() != "false")
        if request.query.get("showHistory", "").lower() == "true":
            body["historyEvents"] = history
        code = {"Completed": 200, "Failed": 400, "Terminated": 400, "Canceled": 400}
        return web.json_response(body, status=code.get(state.runtime_status, 202))

    async def raise_event(request: web.Request) -> web.Response:
        instance_id = request.match_info["instance_id"]
        data_json = _decode_client_input(await request.text())
        try:
            await engine.raise_event(instance_id, request.match_info["event"], data_json)
        except InstanceNotFound:
            return web.json_response({"message": "instance not found"}, status=404)
        except InstanceGone:
            return web.json_response({"message": "instance is finished"}, status=410)
        return web.json_response({}, status=202)

    async def terminate(request: web.Request) -> web.Response:
        instance_id = request.match_info["instance_id"]
        try:
            await engine.terminate(instance_id, request.query.get("reason", ""))
        except InstanceNotFound:
            return web.json_response({"message": "instance not found"}, status=404)
        except InstanceGone:
            return web.json_response({"message": "instance is finished"}, status=410)
        return web.json_response({}, status=202)

    async def purge(request: web.Request) -> web.Response:
        deleted = await engine.purge(request.match_info["instance_id"])
        if not deleted:
            return web.json_response({"instancesDeleted": 0}, status=404)
        return web.json_response({"instancesDeleted": deleted}, status=200)

    async def episodes(request: web.Request) -> web.Response:
        # Read-only, for bench/: the replay time of every episode run since the host started.
        return web.json_response({"episode_durations_ms": list(engine.episode_durations_ms)})

    app.router.add_post("/durabletask/orchestrators/{name}", start)
    app.router.add_post("/durabletask/orchestrators/{name}/{instance_id}", start)
    app.router.add_get("/durabletask/instances/{instance_id}", status)
    app.router.add_delete("/durabletask/instances/{instance_id}", purge)
    app.router.add_post("/durabletask/instances/{instance_id}/raiseEvent/{event}", raise_event)
    app.router.add_post("/durabletask/instances/{instance_id}/terminate", terminate)
    app.router.add_get("/durabletask/_diagnostics/episodes", episodes)
    return app


def _new_instance_id() -> str:
    import uuid

    return uuid.uuid4().hex


def _instance_id_problem(instance_id: str) -> str | None:
    """Instance ids: 1-100 chars, not starting with @, no / \\ # ? or control characters."""
    if not 1 <= len(instance_id) <= 100:
        return "Instance ID must be between 1 and 100 characters."
    if instance_id.startswith("@"):
        return "Instance ID must not start with '@'."
    if any(ch in "/\\#?" or ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in instance_id):
        return "Instance ID must not contain /, \\, #, ? or control characters."
    return None


def _decode_client_input(raw: str) -> str | None:
    """The Python client posts json.dumps(json_text): unwrap to the payload's JSON text."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return json.dumps(raw)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            json.loads(value)
            return value
        except json.JSONDecodeError:
            return json.dumps(value)
    return json.dumps(value)


def _loads_or_none(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _status_payload(state: InstanceState, show_input: bool) -> dict[str, Any]:
    from local.host.durable.history import iso

    return {
        "name": state.name,
        "instanceId": state.instance_id,
        "runtimeStatus": state.runtime_status,
        "input": _loads_or_none(state.input) if show_input else None,
        "customStatus": _loads_or_none(state.custom_status),
        "output": _loads_or_none(state.output),
        "createdTime": iso(state.created_time),
        "lastUpdatedTime": iso(state.last_updated_time),
    }


def _management_payload(request: web.Request, instance_id: str) -> dict[str, str]:
    base = f"http://{request.host}/durabletask/instances/{quote(instance_id)}"
    return {
        "id": instance_id,
        "statusQueryGetUri": base,
        "sendEventPostUri": f"{base}/raiseEvent/{{eventName}}",
        "terminatePostUri": f"{base}/terminate?reason={{text}}",
        "purgeHistoryDeleteUri": base,
    }
