"""Our own equivalents of the official Durable Functions Python samples, one pattern each.

Written for the local host's tests (not copied from the samples): chaining, fan-out/fan-in,
human interaction, monitor, sub-orchestrations and custom status, started by an HTTP
starter that answers `create_check_status_response`, as every sample's README drives it.
The function app object is deliberately not named `app`: the worker finds any one.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import azure.functions as func

samples = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
MARKER_DIR = Path(os.environ.get("TEST_APP_MARKER_DIR", "/tmp"))


@samples.route(route="orchestrators/{functionName}", methods=["POST"])
@samples.durable_client_input(client_name="client")
async def http_start(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Start any orchestrator with the request body as input; answer the check-status links."""
    body = req.get_body()
    payload = req.get_json() if body else None
    instance_id = await client.start_new(req.route_params["functionName"], None, payload)
    return client.create_check_status_response(req, instance_id)


# ---------------------------------------------------------------- chaining


@samples.orchestration_trigger(context_name="context")
def greet_cities(context: df.DurableOrchestrationContext):
    """Function chaining: three greetings, one after another."""
    greetings = []
    for city in ("Tokyo", "Seattle", "London"):
        greetings.append((yield context.call_activity("greet", city)))
    return greetings


@samples.activity_trigger(input_name="city")
def greet(city: str) -> str:
    """A greeting for one city."""
    return f"Hello {city}!"


# ---------------------------------------------------------------- fan-out / fan-in


@samples.orchestration_trigger(context_name="context")
def count_words_in_parallel(context: df.DurableOrchestrationContext):
    """Fan-out/fan-in: one activity per text, all awaited, results summed."""
    texts = yield context.call_activity("list_texts", context.get_input() or 4)
    counts = yield context.task_all([context.call_activity("count_words", t) for t in texts])
    return {"texts": len(texts), "words": sum(counts)}


@samples.activity_trigger(input_name="count")
def list_texts(count: int) -> list[str]:
    """The batch of work items."""
    return [" ".join(["word"] * (n + 1)) for n in range(count)]


@samples.activity_trigger(input_name="text")
def count_words(text: str) -> int:
    """Work on one item."""
    return len(text.split())


# ---------------------------------------------------------------- human interaction


def challenge_code_for(phone: str) -> int:
    """The code the 'SMS' would carry: derived from the number so a test can type it."""
    return int(hashlib.sha256(phone.encode()).hexdigest(), 16) % 9000 + 1000


@samples.orchestration_trigger(context_name="context")
def verify_phone(context: df.DurableOrchestrationContext):
    """Human interaction: send a code, wait for it as an event, race a deadline, 3 tries."""
    phone = context.get_input()
    code = yield context.call_activity("send_challenge_code", phone)
    deadline = context.create_timer(context.current_utc_datetime + timedelta(seconds=90))
    for attempt in range(3):
        answer = context.wait_for_external_event("SmsChallengeResponse")
        winner = yield context.task_any([answer, deadline])
        if winner == deadline:
            return {"verified": False, "reason": "timed out"}
        context.set_custom_status({"attempts": attempt + 1, "last": answer.result})
        if answer.result == code:
            deadline.cancel()
            return {"verified": True, "attempts": attempt + 1}
    deadline.cancel()
    return {"verified": False, "reason": "too many attempts"}


@samples.activity_trigger(input_name="phone")
def send_challenge_code(phone: str) -> int:
    """Pretend to text the code."""
    return challenge_code_for(phone)


# ---------------------------------------------------------------- monitor


@samples.orchestration_trigger(context_name="context")
def monitor_job(context: df.DurableOrchestrationContext):
    """Monitor: poll a job on a durable timer until it is done or the monitor expires."""
    job = context.get_input()
    expiry = context.current_utc_datetime + timedelta(seconds=job["expiry_seconds"])
    checks = 0
    while context.current_utc_datetime < expiry:
        checks += 1
        state = yield context.call_activity("check_job", job)
        if state == "done":
            return {"state": "done", "checks": checks}
        next_check = context.current_utc_datetime + timedelta(seconds=job["interval_seconds"])
        yield context.create_timer(next_check)
    return {"state": "expired", "checks": checks}


@samples.activity_trigger(input_name="job")
def check_job(job: dict[str, Any]) -> str:
    """The job is done on its `done_after`-th check (counted in a marker file)."""
    marker = MARKER_DIR / f"checks-{job['key']}"
    count = int(marker.read_text()) + 1 if marker.exists() else 1
    marker.write_text(str(count))
    return "done" if count >= job["done_after"] else "running"


# ---------------------------------------------------------------- sub-orchestrations


@samples.orchestration_trigger(context_name="context")
def provision_devices(context: df.DurableOrchestrationContext):
    """Sub-orchestrations: one child per device in parallel, then one child with retry."""
    devices = context.get_input()["devices"]
    children = [context.call_sub_orchestrator("provision_device", d) for d in devices]
    results = yield context.task_all(children)
    retry = df.RetryOptions(first_retry_interval_in_milliseconds=200, max_number_of_attempts=3)
    flaky = yield context.call_sub_orchestrator_with_retry(
        "provision_device", retry, {"name": "flaky", "key": context.get_input()["key"]}
    )
    return {"devices": results, "flaky": flaky}


@samples.orchestration_trigger(context_name="context")
def provision_device(context: df.DurableOrchestrationContext):
    """Child: one activity; it knows its parent."""
    device = context.get_input()
    result = yield context.call_activity("register_device", device)
    return {"result": result, "parent": context.parent_instance_id is not None}


@samples.activity_trigger(input_name="device")
def register_device(device: Any) -> str:
    """A device registration; the `flaky` device fails its first attempt."""
    if isinstance(device, dict):
        marker = MARKER_DIR / f"flaky-{device['key']}"
        if not marker.exists():
            marker.write_text("1")
            raise RuntimeError("flaky device failed its first registration")
        return f"registered {device['name']}"
    return f"registered {device}"


@samples.orchestration_trigger(context_name="context")
def failing_child_parent(context: df.DurableOrchestrationContext):
    """A child that fails: the parent sees the failure as an exception it can catch."""
    try:
        yield context.call_sub_orchestrator("always_fails", None)
    except Exception as exc:
        return {"caught": str(exc)}
    return {"caught": None}


@samples.orchestration_trigger(context_name="context")
def always_fails(context: df.DurableOrchestrationContext):
    """An orchestrator whose code raises."""
    if context.get_input() is None:
        raise ValueError("child failed on purpose")
    yield context.call_activity("greet", "never")


# ---------------------------------------------------------------- custom status & control


@samples.orchestration_trigger(context_name="context")
def report_progress(context: df.DurableOrchestrationContext):
    """Custom status: progress visible on the status URL while it waits for `finish`."""
    context.set_custom_status({"stage": "waiting"})
    data = yield context.wait_for_external_event("finish")
    context.set_custom_status({"stage": "done"})
    return {"finished_with": data}


@samples.orchestration_trigger(context_name="context")
def fails_until_rewound(context: df.DurableOrchestrationContext):
    """An activity failure fails the instance; after a rewind the activity runs again."""
    result = yield context.call_activity("fail_once", context.get_input()["key"])
    return result


@samples.activity_trigger(input_name="key")
def fail_once(key: str) -> str:
    """Fails the first time per key."""
    marker = MARKER_DIR / f"fail-once-{key}"
    if not marker.exists():
        marker.write_text("1")
        raise RuntimeError("failing once on purpose")
    return "succeeded after rewind"


# ---------------------------------------------------------------- counter entity


@samples.entity_trigger(context_name="context")
def counter(context: df.DurableEntityContext) -> None:
    """Counter entity: add, reset, get."""
    value = context.get_state(lambda: 0)
    operation = context.operation_name
    if operation == "add":
        value += context.get_input()
        context.set_state(value)
    elif operation == "reset":
        context.set_state(0)
    elif operation == "get":
        context.set_result(value)
    else:
        raise ValueError(f"unknown operation {operation}")


@samples.orchestration_trigger(context_name="context")
def counter_with_entity(context: df.DurableOrchestrationContext):
    """Signals are fire-and-forget but run in order per entity; the call sees them all."""
    entity = df.EntityId("counter", context.get_input()["key"])
    context.signal_entity(entity, "add", 1)
    context.signal_entity(entity, "add", 2)
    value = yield context.call_entity(entity, "get")
    try:
        yield context.call_entity(entity, "explode")
    except Exception as exc:
        return {"value": value, "error": str(exc)}
    return {"value": value, "error": None}


# ---------------------------------------------------------------- call_http with 202 polling


@samples.orchestration_trigger(context_name="context")
def calls_http(context: df.DurableOrchestrationContext):
    """call_http to a long-running endpoint: the host follows 202 + Location until done."""
    base = context.get_input()["base"]
    response = yield context.call_http("POST", f"{base}/api/jobs", content={"size": 2})
    return {"status": response["statusCode"], "body": json.loads(response["content"])}


@samples.orchestration_trigger(context_name="context")
def calls_http_with_managed_identity(context: df.DurableOrchestrationContext):
    """A token source needs Azure: the call fails clearly instead of hanging."""
    token = df.ManagedIdentityTokenSource("https://management.core.windows.net/.default")
    try:
        yield context.call_http("GET", "http://127.0.0.1:9/", token_source=token)
    except Exception as exc:
        return {"error": str(exc)}
    return {"error": None}


@samples.route(route="jobs", methods=["POST"])
def start_job(req: func.HttpRequest) -> func.HttpResponse:
    """A long-running job: 202 with a Location to poll."""
    job_id = uuid.uuid4().hex
    (MARKER_DIR / f"job-{job_id}").write_text("0")
    location = req.url.split("/api/")[0] + f"/api/jobs/{job_id}"
    return func.HttpResponse(status_code=202, headers={"Location": location, "Retry-After": "0"})


@samples.route(route="jobs/{job_id}", methods=["GET"])
def job_status(req: func.HttpRequest) -> func.HttpResponse:
    """202 for the first two polls, then 200 with the job's result."""
    marker = MARKER_DIR / f"job-{req.route_params['job_id']}"
    polls = int(marker.read_text()) + 1
    marker.write_text(str(polls))
    if polls < 3:
        return func.HttpResponse(status_code=202, headers={"Location": req.url, "Retry-After": "0"})
    body = json.dumps({"done": True, "polls": polls})
    return func.HttpResponse(body, status_code=200, mimetype="application/json")


# ---------------------------------------------------------------- eternal orchestration


@samples.orchestration_trigger(context_name="context")
def sum_events_forever(context: df.DurableOrchestrationContext):
    """continue_as_new per event: events raised meanwhile carry over to the next generation."""
    total = context.get_input() or 0
    if total >= 6:
        return total
    amount = yield context.wait_for_external_event("add")
    context.continue_as_new(total + amount)
