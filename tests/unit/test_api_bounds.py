"""Bounded work: a durable backend that accepts the connection but never answers cannot hold an
API request; the caller gets 503 instead of a request that hangs for minutes."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from typing import Any

import azure.functions as func
import pytest

from local.processes import azurite_connection_string, free_port
from provisioning import clients
from provisioning.settings import get_settings
from tests.app_functions import registered_functions

LIVENESS_SECONDS = 60  # a safety net so a regression fails instead of hanging the suite


@pytest.fixture
def stuck_backend() -> Iterator[int]:
    """A TCP port that completes the handshake and then never reads or answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


@pytest.fixture
def bounded_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Storage that refuses at once (nothing listens) and a short durable-client bound."""
    monkeypatch.setenv("AzureWebJobsStorage", azurite_connection_string(free_port()))
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000000")
    monkeypatch.setenv("LOCAL_DEV_HOST", "true")
    monkeypatch.setenv("DURABLE_CLIENT_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("STORAGE_TIMEOUT_SECONDS", "0.5")
    get_settings.cache_clear()
    clients.reset_clients()
    yield
    get_settings.cache_clear()
    clients.reset_clients()


def _binding(rpc_port: int) -> str:
    return json.dumps(
        {
            "taskHubName": "Bounded",
            "creationUrls": {},
            "managementUrls": {},
            "baseUrl": f"http://127.0.0.1:{rpc_port}/runtime/webhooks/durabletask",
            "requiredQueryStringParameters": "",
            "rpcBaseUrl": f"http://127.0.0.1:{rpc_port}/durabletask/",
            "httpBaseUrl": "",
        }
    )


async def _call(name: str, request: func.HttpRequest, rpc_port: int) -> Any:
    from azure.durable_functions.models.utils.http_utils import _close_session

    handler = registered_functions()[name].get_user_function()
    try:
        return await asyncio.wait_for(
            handler(req=request, client=_binding(rpc_port)), LIVENESS_SECONDS
        )
    finally:
        # The SDK shares one aiohttp session per process; each test has its own event loop.
        await _close_session()


async def test_provision_answers_503_when_the_durable_backend_never_answers(
    bounded_settings: None, stuck_backend: int
) -> None:
    from provisioning.access.identity import encode_easyauth_principal

    body = {"cluster_name": "bounded", "resource_group": "rg", "region": "eastus"}
    request = func.HttpRequest(
        "POST",
        "http://localhost/api/aks/provision",
        headers={
            "X-MS-CLIENT-PRINCIPAL": encode_easyauth_principal("bounded-user", "b"),
            "Content-Type": "application/json",
        },
        body=json.dumps(body).encode(),
    )
    response = await _call("start_provision", request, stuck_backend)
    assert response.status_code == 503
    assert json.loads(response.get_body())["error"]["code"] == "orchestration_unavailable"


async def test_cancel_answers_503_when_the_durable_backend_never_answers(
    bounded_settings: None,
    stuck_backend: int,
    azurite: str,
    unique_table_name: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    from provisioning.access.identity import encode_easyauth_principal
    from provisioning.jobs.state import JobState
    from provisioning.jobs.task_ids import new_task_id
    from provisioning.models import ProvisionRequest, TaskStatus

    monkeypatch.setenv("AzureWebJobsStorage", azurite)
    monkeypatch.setenv("JOBSTATE_TABLE_NAME", unique_table_name)
    get_settings.cache_clear()
    now = datetime.now(UTC)
    request = ProvisionRequest("sub", "rg", "bounded", "eastus", "Standard_D2s_v5", 1, None)
    job = JobState.new("bounded-user", new_task_id(now, "d" * 12), request, now=now)
    repo = clients.jobstate_repository()
    repo.insert_new(job)
    repo.update("bounded-user", job.task_id, lambda j: replace(j, status=TaskStatus.RUNNING))
    cancel = func.HttpRequest(
        "POST",
        f"http://localhost/api/tasks/{job.task_id}/cancel",
        headers={"X-MS-CLIENT-PRINCIPAL": encode_easyauth_principal("bounded-user", "b")},
        route_params={"task_id": job.task_id},
        body=b"",
    )
    response = await _call("cancel_task", cancel, stuck_backend)
    assert response.status_code == 503
    assert json.loads(response.get_body())["error"]["code"] == "orchestration_unavailable"
    assert repo.get("bounded-user", job.task_id).status == TaskStatus.RUNNING
