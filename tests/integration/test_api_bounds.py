"""Bounded work against a real Azurite: cancelling a running task while the durable backend
accepts the connection but never answers gives 503, and the task stays running."""

from __future__ import annotations

import json

import azure.functions as func
import pytest

from provisioning import clients
from provisioning.settings import get_settings
from tests.bounded_backend import call_handler


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
    response = await call_handler("cancel_task", cancel, stuck_backend)
    assert response.status_code == 503
    assert json.loads(response.get_body())["error"]["code"] == "orchestration_unavailable"
    assert repo.get("bounded-user", job.task_id).status == TaskStatus.RUNNING
