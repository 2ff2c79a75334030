"""Cost guardrails over HTTP: the calls and waits the guardrails e2e tests share."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from tests.stack_fixtures import UserClient

GROUP = "rg-guard"


def created(user: UserClient, prefix: str = "guard-") -> str:
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    assert user.wait(user.provision(name, resource_group=GROUP))["status"] == "succeeded"
    return name


def put_guardrails(user: UserClient, name: str, **rules: Any) -> Any:
    body = {"idle_stop_minutes": None, "schedule": None, "expires_at": None, **rules}
    return user.put(f"/api/aks/clusters/{GROUP}/{name}/guardrails", json=body)


def extend(user: UserClient, name: str, minutes: int) -> Any:
    return user.post(
        f"/api/aks/clusters/{GROUP}/{name}/guardrails/extend", json={"minutes": minutes}
    )


def listed(user: UserClient, name: str) -> dict[str, Any] | None:
    clusters = user.get("/api/aks/clusters").json()["clusters"]
    return next((c for c in clusters if c["name"] == name), None)


def tasks_of(user: UserClient, name: str) -> list[dict[str, Any]]:
    jobs = user.get("/api/aks/provisions?limit=50").json()["jobs"]
    return [job for job in jobs if job["request"]["cluster_name"] == name]


def wait_for(what: str, condition: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def automatic(user: UserClient, name: str, task_type: str) -> dict[str, Any] | None:
    """The cluster's finished task of that type that a guardrail started, if any."""
    return next(
        (
            job
            for job in tasks_of(user, name)
            if job["type"] == task_type
            and job["trigger"] != "user"
            and job["status"] in ("succeeded", "failed", "cancelled")
        ),
        None,
    )
