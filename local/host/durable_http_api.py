"""The Durable extension's HTTP management API, with its routes, status codes and bodies.

Served twice, as the extension does: under `/runtime/webhooks/durabletask` on the app's port
(the URLs `create_check_status_response` hands out) and under `/durabletask` on the local RPC
port (`rpcBaseUrl`, what `DurableOrchestrationClient` calls). Routing follows the extension's
`HttpApiHandler.HandleRequestAsync`: anything it does not route answers 404, always as JSON.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web

from local.host.durable.engine import (
    DurableEngine,
    InstanceExists,
    InstanceGone,
    InstanceNotFound,
    NotRewindable,
)
from local.host.durable.entities import EntityNotFound
from local.host.durable.status_view import json_token, status_payload, status_time
from local.host.durable.store import InstanceState

logger = logging.getLogger(__name__)

WEBHOOK_PREFIX = "/runtime/webhooks/durabletask"
RPC_PREFIX = "/durabletask"
CONTINUATION_HEADER = "x-ms-continuation-token"
DEFAULT_PAGE_SIZE = 100
STATUS_RETRY_AFTER_SECONDS = "5"
RUNNING_STATUSES = frozenset({"Running", "Pending", "ContinuedAsNew", "Suspended"})

Handler = Callable[[web.Request], Awaitable[web.Response]]


class BadArgument(Exception):
    """A query value the extension would reject with 400."""


def add_management_routes(
    app: web.Application, prefix: str, engine: DurableEngine, hub_name: str
) -> None:
    """Serve the management API under prefix (one catch-all route, routed like the extension)."""
    api = ManagementApi(engine, prefix, hub_name)
    app.router.add_route("*", prefix, api.handle)
    app.router.add_route("*", prefix + "/{tail:.*}", api.handle)


def message_body(message: str, detail: str | None = None) -> dict[str, str]:
    """ASP.NET's HttpError shape, which the extension's CreateErrorResponse answers."""
    body = {"Message": message}
    if detail:
        body["ExceptionMessage"] = detail
    return body


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(body, status=status, headers=headers)


def _not_found(what: str = "No route or instance matches this request.") -> web.Response:
    # The extension answers 404 with no body; the SDK reads a body string as the status's
    # `message`, so a JSON string keeps every client call parseable and says why.
    return _json(what, 404)


def _gone(instance_id: str) -> web.Response:
    return _json(f"Instance {instance_id} is no longer running.", 410)


class ManagementApi:
    """The handlers; `handle` is HttpApiHandler's router."""

    def __init__(self, engine: DurableEngine, prefix: str, hub_name: str) -> None:
        self._engine = engine
        self._prefix = prefix
        self._hub_name = hub_name

    async def handle(self, request: web.Request) -> web.Response:
        """Route one request the way the extension does; errors stay JSON."""
        segments = [s for s in request.path[len(self._prefix) :].split("/") if s]
        try:
            return await self._route(request, segments)
        except BadArgument as exc:
            return _json(
                message_body("One or more of the arguments submitted is incorrect", str(exc)), 400
            )
        except Exception as exc:
            logger.exception("management API request %s %s failed", request.method, request.path)
            return _json(
                message_body("Something went wrong while processing your request", str(exc)), 500
            )

    async def _route(self, request: web.Request, segments: list[str]) -> web.Response:
        handler = self._handler_for(request.method, segments)
        return await handler(request) if handler else _not_found()

    def _handler_for(self, method: str, segments: list[str]) -> Handler | None:
        """The extension's routes: orchestrators/, entities/, instances/[id[/operation[/event]]]."""
        if not segments:
            return None
        head, rest = segments[0].lower(), segments[1:]
        if head in ("orchestrators", "entities") and 1 <= len(rest) <= 2:
            name, key = rest[0], (rest[1] if len(rest) == 2 else None)
            if head == "entities":
                return lambda request: self.entities(request, name, key)
            return (lambda request: self.start(request, name, key)) if method == "POST" else None
        return self._instance_handler(method, rest) if head == "instances" else None

    def _instance_handler(self, method: str, rest: list[str]) -> Handler | None:
        """instances (list, purge by filter), instances/{id} (status, purge) and its operations."""
        if not rest:
            listing: dict[str, Handler] = {"GET": self.list_instances, "DELETE": self.purge_by}
            return listing.get(method)
        instance_id = rest[0]
        if len(rest) == 1:
            one: dict[str, Handler] = {
                "GET": lambda request: self.status(request, instance_id),
                "DELETE": lambda request: self.purge(instance_id),
            }
            return one.get(method)
        operation = rest[1].lower()
        if len(rest) == 3 and operation == "raiseevent" and method == "POST":
            return lambda request: self.raise_event(request, instance_id, rest[2])
        operations = {
            "terminate": self.terminate,
            "suspend": self.suspend,
            "resume": self.resume,
            "rewind": self.rewind,
            "restart": self.restart,
        }
        chosen = operations.get(operation) if len(rest) == 2 and method == "POST" else None
        return (lambda request: chosen(request, instance_id)) if chosen else None

    # -------------------------------------------------------------- start & status

    async def start(self, request: web.Request, name: str, instance_id: str | None) -> web.Response:
        """POST orchestrators/{name}[/{id}]: 202 with the management payload."""
        instance_id = instance_id or uuid.uuid4().hex
        problem = instance_id_problem(instance_id)
        if problem:
            return _json(message_body(problem), 400)
        raw = await request.text()
        try:
            input_json = parse_body_once(raw)
        except json.JSONDecodeError as exc:
            return _json(message_body("Invalid JSON content", str(exc)), 400)
        return await self._start(request, name, instance_id, input_json)

    async def _start(
        self, request: web.Request, name: str, instance_id: str, input_json: str | None
    ) -> web.Response:
        try:
            await self._engine.start_new(name, instance_id, input_json)
        except KeyError:
            detail = f"The function '{name}' doesn't exist or is not an orchestrator function."
            return _json(message_body(detail, detail), 400)
        except InstanceExists as exc:
            return _json(message_body(str(exc), str(exc)), 400)
        timeout = query_seconds(request, "timeout")
        interval = query_seconds(request, "pollingInterval")
        if timeout is not None and interval is not None:
            finished = await self._wait_for_completion(request, instance_id, timeout, interval)
            if finished is not None:
                return finished
        payload = management_payload(webhook_base(request), instance_id, self._hub_name)
        return _json(payload, 202, {"Location": payload["statusQueryGetUri"]})

    async def _wait_for_completion(
        self, request: web.Request, instance_id: str, timeout: float, interval: float
    ) -> web.Response | None:
        """createAndWaitOnNewInstancePostUri: 200 with the output if it finishes in time."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = await self._engine.status(instance_id)
            state = found[0] if found else None
            if state is not None and state.runtime_status == "Completed":
                return _json(json_token(state.output), 200)
            if state is not None and state.is_terminal:
                return await self.status(request, instance_id)
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            await asyncio.sleep(min(interval, remaining))

    async def status(self, request: web.Request, instance_id: str) -> web.Response:
        """GET instances/{id}: 202 while running, 200 once finished (500 on request for Failed)."""
        found = await self._engine.status(instance_id)
        if found is None:
            return _not_found(f"No instance with ID '{instance_id}' found.")
        state, history = found
        show_history = query_flag(request, "showHistory", False)
        body = status_payload(
            state,
            history if show_history and state.runtime_status != "Pending" else None,
            query_flag(request, "showInput", True),
            query_flag(request, "showHistoryOutput", False),
        )
        if state.runtime_status in RUNNING_STATUSES:
            headers = {"Location": str(request.url), "Retry-After": STATUS_RETRY_AFTER_SECONDS}
            return _json(body, 202, headers)
        failed_is_500 = query_flag(request, "returnInternalServerErrorOnFailure", False)
        return _json(body, 500 if state.runtime_status == "Failed" and failed_is_500 else 200)

    async def list_instances(self, request: web.Request) -> web.Response:
        """GET instances: filtered statuses, one page, the next page's token in a header."""
        statuses = status_filter(request)
        created_from = query_time(request, "createdTimeFrom")
        created_to = query_time(request, "createdTimeTo")
        prefix = request.query.get("instanceIdPrefix", "")
        page_size = query_int(request, "top", DEFAULT_PAGE_SIZE)
        offset = continuation_offset(request.headers.get(CONTINUATION_HEADER))
        matching = [
            state
            for state in await self._engine.list_instances(statuses)
            if state.instance_id.startswith(prefix) and in_window(state, created_from, created_to)
        ]
        page = matching[offset : offset + page_size]
        show_input = query_flag(request, "showInput", True)
        body = [status_payload(state, None, show_input) for state in page]
        following = offset + len(page)
        token = continuation_token(following) if following < len(matching) else "null"
        return _json(body, 200, {CONTINUATION_HEADER: token})

    # -------------------------------------------------------------- events & control

    async def raise_event(self, request: web.Request, instance_id: str, name: str) -> web.Response:
        """POST raiseEvent/{name}: the body, parsed once, becomes the event's data."""
        found = await self._engine.status(instance_id)
        if found is None:
            return _not_found(f"No instance with ID '{instance_id}' found.")
        if found[0].is_terminal:
            return _gone(instance_id)
        if request.content_type.lower() != "application/json":
            return _json(message_body("Only application/json request content is supported"), 400)
        try:
            data_json = parse_body_once(await request.text())
        except json.JSONDecodeError as exc:
            return _json(message_body("Invalid JSON content", str(exc)), 400)
        try:
            await self._engine.raise_event(instance_id, name, data_json)
        except InstanceNotFound:
            return _not_found(f"No instance with ID '{instance_id}' found.")
        except InstanceGone:
            return _gone(instance_id)
        return _json({}, 202)

    async def terminate(self, request: web.Request, instance_id: str) -> web.Response:
        """POST terminate: 202, 404 unknown, 410 already finished."""
        return await self._control(self._engine.terminate, request, instance_id)

    async def suspend(self, request: web.Request, instance_id: str) -> web.Response:
        """POST suspend: 202, 404 unknown, 410 already finished."""
        return await self._control(self._engine.suspend, request, instance_id)

    async def resume(self, request: web.Request, instance_id: str) -> web.Response:
        """POST resume: 202, 404 unknown, 410 already finished."""
        return await self._control(self._engine.resume, request, instance_id)

    async def _control(
        self,
        operation: Callable[[str, str], Awaitable[None]],
        request: web.Request,
        instance_id: str,
    ) -> web.Response:
        try:
            await operation(instance_id, request.query.get("reason", ""))
        except InstanceNotFound:
            return _not_found(f"No instance with ID '{instance_id}' found.")
        except InstanceGone:
            return _gone(instance_id)
        return _json({}, 202)

    async def rewind(self, request: web.Request, instance_id: str) -> web.Response:
        """POST rewind: 202 for a failed instance, 410 for a finished one, 404 unknown."""
        found = await self._engine.status(instance_id)
        if found is None:
            return _not_found(f"No instance with ID '{instance_id}' found.")
        if found[0].runtime_status in ("Completed", "Terminated", "Canceled"):
            return _json(f"Instance {instance_id} did not fail: nothing to rewind.", 410)
        try:
            await self._engine.rewind(instance_id, request.query.get("reason", ""))
        except NotRewindable:
            detail = "The rewind operation is only supported on failed orchestration instances."
            return _json(message_body(detail, detail), 400)
        return _json({}, 202)

    async def restart(self, request: web.Request, instance_id: str) -> web.Response:
        """POST restart: a new (or the same) instance with the original input; 202 + payload."""
        found = await self._engine.status(instance_id)
        if found is None:
            detail = "InstanceId does not match a valid orchestration instance."
            return _json(message_body(detail, detail), 400)
        state = found[0]
        new_id = instance_id
        if query_flag(request, "restartWithNewInstanceId", True):
            new_id = uuid.uuid4().hex
        return await self._start(request, state.name, new_id, state.input)

    # -------------------------------------------------------------- purge & entities

    async def purge(self, instance_id: str) -> web.Response:
        """DELETE instances/{id}: 200 with instancesDeleted, 404 when there was nothing."""
        deleted = await self._engine.purge(instance_id)
        if not deleted:
            return _not_found(f"No instance with ID '{instance_id}' found.")
        return _json({"instancesDeleted": deleted}, 200)

    async def purge_by(self, request: web.Request) -> web.Response:
        """DELETE instances?createdTimeFrom=...: 400 without it, 404 when nothing matched."""
        created_from = query_time(request, "createdTimeFrom")
        if created_from is None:
            return _json("Please provide value for 'createdTimeFrom' parameter.", 400)
        created_to = query_time(request, "createdTimeTo") or datetime.now(UTC)
        statuses = status_filter(request)
        deleted = 0
        for state in await self._engine.list_instances(statuses):
            if in_window(state, created_from, created_to):
                deleted += await self._engine.purge(state.instance_id)
        if not deleted:
            return _not_found("No instances matched the purge filter.")
        return _json({"instancesDeleted": deleted}, 200)

    async def entities(self, request: web.Request, name: str, key: str | None) -> web.Response:
        """entities/{name}[/{key}]: GET reads or lists, POST signals ?op=, DELETE signals delete."""
        if request.method == "GET":
            if key is None:
                return await self.list_entities(request, name)
            row = await self._engine.entities.read(name, "" if key == "@" else key)
            if row is None:
                return _not_found(f"No entity '{name}' with key '{key}' exists.")
            return _json(json_token(row.output), 200)
        if request.method not in ("POST", "DELETE") or key is None:
            return _not_found()
        operation = "delete" if request.method == "DELETE" else request.query.get("op", "")
        raw = await request.text()
        input_json: str | None = None
        if raw and request.content_type.lower() == "application/json":
            try:
                token = json.loads(raw)
            except json.JSONDecodeError as exc:
                return _json(message_body(f"Could not parse JSON content: {exc}"), 400)
            # Parsed once: the Python client's json.dumps(input) arrives as that JSON text.
            input_json = token if isinstance(token, str) else json.dumps(token)
        elif raw:
            input_json = json.dumps(raw)  # other content types are a string input
        try:
            await self._engine.entities.signal(name, key, operation, input_json)
        except EntityNotFound:
            detail = f"The function '{name}' doesn't exist or is not an entity function."
            return _json(message_body(detail, detail), 400)
        return _json({}, 202)

    async def list_entities(self, request: web.Request, name: str) -> web.Response:
        """GET entities/{name}: every entity of that function (state with fetchState=true)."""
        fetch_state = query_flag(request, "fetchState", False)
        rows = await self._engine.entities.list(name)
        body = []
        for row in rows:
            _, entity_name, entity_key = row.instance_id.split("@", 2)
            item: dict[str, Any] = {
                "entityId": {"name": entity_name, "key": entity_key},
                "lastOperationTime": status_time(row.last_updated_time),
            }
            if fetch_state:
                item["state"] = json_token(row.output)
            body.append(item)
        return _json(body, 200, {CONTINUATION_HEADER: "null"})


# ---------------------------------------------------------------------- payloads & parsing


PUBLIC_ORIGIN = web.AppKey("public_origin", str)


def webhook_base(request: web.Request) -> str:
    """The webhook root on the app's port; the RPC listener hands out the same URLs."""
    app_origin = request.app.get(PUBLIC_ORIGIN) or f"{request.scheme}://{request.host}"
    return f"{app_origin}{WEBHOOK_PREFIX}"


def management_payload(base: str, instance_id: str, hub_name: str) -> dict[str, str]:
    """HttpManagementPayload: the URLs of every operation this API serves for one instance."""
    suffix = f"taskHub={quote(hub_name)}&connection=Storage"
    instance = f"{base}/instances/{quote(instance_id, safe='')}"
    return {
        "id": instance_id,
        "purgeHistoryDeleteUri": f"{instance}?{suffix}",
        "sendEventPostUri": f"{instance}/raiseEvent/{{eventName}}?{suffix}",
        "statusQueryGetUri": f"{instance}?{suffix}",
        "terminatePostUri": f"{instance}/terminate?reason={{text}}&{suffix}",
        "suspendPostUri": f"{instance}/suspend?reason={{text}}&{suffix}",
        "resumePostUri": f"{instance}/resume?reason={{text}}&{suffix}",
        "rewindPostUri": f"{instance}/rewind?reason={{text}}&{suffix}",
        "restartPostUri": f"{instance}/restart?{suffix}",
    }


def parse_body_once(raw: str) -> str | None:
    """The body's JSON value, re-serialised: parsed exactly once, like MessagePayloadDataConverter.

    The Python client posts `json.dumps(data)` as a JSON body, so the value that arrives is a
    JSON string holding the client's JSON text; it stays a string (the extension does the same).
    """
    if not raw.strip():
        return None
    return json.dumps(json.loads(raw))


def instance_id_problem(instance_id: str) -> str | None:
    """Instance ids: 1-100 chars, not starting with @, no / \\ # ? or control characters."""
    if not 1 <= len(instance_id) <= 100:
        return "Instance ID must be between 1 and 100 characters."
    if instance_id.startswith("@"):
        return "Instance ID must not start with '@'."
    if any(ch in "/\\#?" or ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in instance_id):
        return "Instance ID must not contain /, \\, #, ? or control characters."
    return None


def query_flag(request: web.Request, name: str, default: bool) -> bool:
    """A boolean query value ("true"/"false", any case); anything else keeps the default."""
    value = request.query.get(name, "").strip().lower()
    return {"true": True, "false": False}.get(value, default)


def query_int(request: web.Request, name: str, default: int) -> int:
    """A positive integer query value."""
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadArgument(f"{name} must be an integer") from exc
    if value <= 0:
        raise BadArgument(f"{name} must be positive")
    return value


def query_seconds(request: web.Request, name: str) -> float | None:
    """A duration in seconds (the extension's TimeSpan query values), None when absent."""
    raw = request.query.get(name)
    if raw is None or raw.startswith("{"):  # an unfilled URL template placeholder
        return None
    try:
        return max(0.0, float(raw))
    except ValueError as exc:
        raise BadArgument(f"{name} must be a number of seconds") from exc


def query_time(request: web.Request, name: str) -> datetime | None:
    """An ISO 8601 query time (naive means UTC)."""
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError as exc:
        raise BadArgument(f"{name} is not a date and time") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def status_filter(request: web.Request) -> list[str] | None:
    """runtimeStatus=Running,Completed (names as the extension spells them, any case)."""
    raw = request.query.get("runtimeStatus")
    if not raw:
        return None
    known = {
        s.lower(): s for s in RUNNING_STATUSES | {"Completed", "Failed", "Terminated", "Canceled"}
    }
    chosen = []
    for name in raw.split(","):
        spelled = known.get(name.strip().lower())
        if spelled is None:
            raise BadArgument(f"unknown runtimeStatus {name.strip()!r}")
        chosen.append(spelled)
    return chosen


def in_window(state: InstanceState, start: datetime | None, end: datetime | None) -> bool:
    """Created within [start, end] (either side open when None)."""
    created = state.created_time
    return (start is None or created >= start) and (end is None or created <= end)


def continuation_token(offset: int) -> str:
    """An opaque token for the next page."""
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def continuation_offset(token: str | None) -> int:
    """Where the page a token names starts (no token or "null": the first page)."""
    if not token or token == "null":
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise BadArgument("the continuation token is not valid") from exc
