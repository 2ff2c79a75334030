"""A test-only function app that exercises every durable feature the local host implements."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
MARKER_DIR = Path(os.environ.get("TEST_APP_MARKER_DIR", "/tmp"))


def _json(body: Any, status: int = 200) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(body), status_code=status, mimetype="application/json")


# ---------------------------------------------------------------- HTTP triggers


@app.route(route="start/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Start an orchestration with the body as input (and an optional chosen instance id)."""
    body = req.get_body()
    payload = json.loads(body) if body else None
    instance_id = await client.start_new(
        req.route_params["name"], req.params.get("instance_id"), payload
    )
    return _json({"id": instance_id}, 202)


@app.route(route="status/{instance_id}", methods=["GET"])
@app.durable_client_input(client_name="client")
async def status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Client status as JSON."""
    result = await client.get_status(req.route_params["instance_id"], show_history=True)
    if result.runtime_status is None:
        return _json({"runtimeStatus": None, "message": result.message}, 404)
    return _json(
        {
            "runtimeStatus": result.runtime_status.value,
            "output": result.output,
            "customStatus": result.custom_status,
            "input": result.input_,
            # The extension omits historyEvents while the instance is still Pending.
            "history": getattr(result, "historyEvents", []),
        }
    )


@app.route(route="raise/{instance_id}/{event}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def raise_event(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Raise an external event; 404/410 from the client are reported as such."""
    body = req.get_body()
    try:
        await client.raise_event(
            req.route_params["instance_id"],
            req.route_params["event"],
            json.loads(body) if body else None,
        )
    except Exception as exc:
        return _json({"error": str(exc)}, 409)
    return _json({"raised": True}, 202)


@app.route(route="terminate/{instance_id}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def terminate(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Terminate an instance."""
    await client.terminate(req.route_params["instance_id"], "stopped by test")
    return _json({"terminated": True}, 202)


@app.route(route="echo/{item_id:int}/{label?}", methods=["GET", "PUT"])
def echo(req: func.HttpRequest) -> func.HttpResponse:
    """Route params, method, query and body as the function saw them."""
    return _json(
        {
            "method": req.method,
            "route_params": dict(req.route_params),
            "params": dict(req.params),
            "body": req.get_body().decode(),
            "principal": req.headers.get("x-ms-client-principal-name"),
        }
    )


# ---------------------------------------------------------------- orchestrators


@app.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext):
    """Three activities in sequence."""
    value = context.get_input() or 0
    for _ in range(3):
        value = yield context.call_activity("add_one", value)
    return value


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext):
    """Activities in parallel (WhenAll)."""
    values = yield context.task_all([context.call_activity("add_one", n) for n in range(5)])
    return sum(values)


@app.orchestration_trigger(context_name="context")
def catch_failure(context: df.DurableOrchestrationContext):
    """An activity failure surfaces as an exception the orchestrator can catch."""
    try:
        yield context.call_activity("always_fails", "boom")
    except Exception as exc:
        return {"caught": str(exc).splitlines()[0]}
    return {"caught": None}


@app.orchestration_trigger(context_name="context")
def uncaught_failure(context: df.DurableOrchestrationContext):
    """An uncaught failure fails the instance."""
    yield context.call_activity("always_fails", "unhandled")
    return "unreachable"


@app.orchestration_trigger(context_name="context")
def with_retry(context: df.DurableOrchestrationContext):
    """RetryOptions: succeed on attempt N if max attempts allow, else report the failure."""
    args = context.get_input()
    options = df.RetryOptions(
        first_retry_interval_in_milliseconds=200, max_number_of_attempts=args["max_attempts"]
    )
    try:
        attempts = yield context.call_activity_with_retry("fails_until", options, args)
    except Exception:
        attempts = None
    after = yield context.call_activity("add_one", 41)
    return {"attempts": attempts, "after": after}


@app.orchestration_trigger(context_name="context")
def timer(context: df.DurableOrchestrationContext):
    """A durable timer."""
    seconds = context.get_input() or 1
    start = context.current_utc_datetime
    yield context.create_timer(start + timedelta(seconds=seconds))
    return (context.current_utc_datetime - start).total_seconds()


@app.orchestration_trigger(context_name="context")
def event_or_timer(context: df.DurableOrchestrationContext):
    """An external event races a timer; the loser timer is cancelled."""
    seconds = context.get_input()
    deadline = context.create_timer(context.current_utc_datetime + timedelta(seconds=seconds))
    approval = context.wait_for_external_event("approve")
    winner = yield context.task_any([approval, deadline])
    if winner == approval:
        deadline.cancel()
        return {"winner": "event", "data": approval.result}
    return {"winner": "timer"}


@app.orchestration_trigger(context_name="context")
def event_before_wait(context: df.DurableOrchestrationContext):
    """The event is raised while an activity runs, before the orchestrator waits for it."""
    yield context.call_activity("sleep_seconds", 1.5)
    data = yield context.wait_for_external_event("go")
    return {"got": data}


@app.orchestration_trigger(context_name="context")
def custom_status(context: df.DurableOrchestrationContext):
    """Custom status is visible through the client while the instance waits."""
    context.set_custom_status({"step": "waiting", "n": 1})
    yield context.wait_for_external_event("continue")
    context.set_custom_status({"step": "done", "n": 2})
    return "finished"


@app.orchestration_trigger(context_name="context")
def wait_forever(context: df.DurableOrchestrationContext):
    """Waits for an event that never comes (for terminate)."""
    yield context.wait_for_external_event("never")
    return "unreachable"


@app.orchestration_trigger(context_name="context")
def continue_as_new_counter(context: df.DurableOrchestrationContext):
    """ContinueAsNew until the counter reaches 3."""
    n = context.get_input() or 0
    if n < 3:
        yield context.call_activity("add_one", n)
        context.continue_as_new(n + 1)
        return None
    return n


@app.orchestration_trigger(context_name="context")
def restartable(context: df.DurableOrchestrationContext):
    """A timer then a slow activity: the host is killed during each in the restart test."""
    args = context.get_input()
    yield context.create_timer(
        context.current_utc_datetime + timedelta(seconds=args["timer_seconds"])
    )
    result = yield context.call_activity("slow_marker", args)
    return {"result": result}


# ---------------------------------------------------------------- activities


@app.activity_trigger(input_name="value")
def add_one(value: int) -> int:
    """Adds one."""
    return value + 1


@app.activity_trigger(input_name="message")
def always_fails(message: str) -> None:
    """Always raises."""
    raise ValueError(f"activity failed on purpose: {message}")


@app.activity_trigger(input_name="args")
def fails_until(args: dict) -> int:
    """Fails until the attempt counter (kept in a file) reaches args['succeed_on']."""
    counter = MARKER_DIR / f"attempts-{args['key']}"
    attempts = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(attempts))
    if attempts < args["succeed_on"]:
        raise RuntimeError(f"attempt {attempts} failed")
    return attempts


@app.activity_trigger(input_name="seconds")
def sleep_seconds(seconds: float) -> float:
    """Sleeps."""
    time.sleep(seconds)
    return seconds


@app.activity_trigger(input_name="args")
async def slow_marker(args: dict) -> str:
    """Writes a start marker, sleeps, writes a done marker: proves at-least-once re-runs."""
    import asyncio

    started = MARKER_DIR / f"slow-{args['key']}-started"
    runs = int(started.read_text()) + 1 if started.exists() else 1
    started.write_text(str(runs))
    await asyncio.sleep(args["activity_seconds"])
    return f"done after {runs} run(s)"


@app.orchestration_trigger(context_name="context")
def timer_chain(context: df.DurableOrchestrationContext):
    """N short durable timers one after another (bench/timer_chain.py)."""
    args = context.get_input()
    for _ in range(args["timers"]):
        yield context.create_timer(
            context.current_utc_datetime + timedelta(seconds=args["seconds"])
        )
    return args["timers"]
