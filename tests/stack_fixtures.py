"""The whole local stack for e2e tests: Azurite, the ARM simulator and the local host."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from local.processes import ChildProcess, free_port, start_local_host
from provisioning.access.identity import encode_easyauth_principal
from tests.arm_fixtures import SIMULATOR_SUBSCRIPTION_ID, ArmSimulator

TERMINAL_STATUSES = {"succeeded", "failed", "cancelled"}


class UserClient(requests.Session):
    """An API client acting as one signed-in user (the platform's principal header)."""

    def __init__(self, base_url: str, owner_id: str, name: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.owner_id = owner_id
        self.headers["X-MS-CLIENT-PRINCIPAL"] = encode_easyauth_principal(owner_id, name)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.base_url + url, *args, **kwargs)

    def provision(self, cluster_name: str, resource_group: str = "rg-e2e", **extra: Any) -> str:
        body = {
            "cluster_name": cluster_name,
            "resource_group": resource_group,
            "region": "eastus",
            **extra,
        }
        response = self.post("/api/aks/provision", json=body)
        assert response.status_code == 202, response.text
        return response.json()["task_id"]

    def task(self, task_id: str) -> dict[str, Any]:
        response = self.get(f"/api/tasks/{task_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def task_if_written(self, task_id: str) -> dict[str, Any] | None:
        """The task, or None while its row is not written yet.

        A create accepted while storage was too slow starts anyway and its first activity
        writes the row (README "Reliability"): on a loaded machine that happens in tests too.
        """
        response = self.get(f"/api/tasks/{task_id}")
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        return response.json()

    def wait(self, task_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            document = self.task_if_written(task_id)
            if document is not None and document["status"] in TERMINAL_STATUSES:
                return document
            time.sleep(0.2)
        raise AssertionError(f"task {task_id} did not finish: {self.task(task_id)}")

    def wait_until(self, task_id: str, predicate: Any, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            document = self.task_if_written(task_id)
            if document is not None and predicate(document):
                return document
            time.sleep(0.1)
        raise AssertionError(f"condition not met for {task_id}: {self.task(task_id)}")


@dataclass
class LocalStack:
    """A running local host serving the real function app against Azurite and the simulator."""

    base_url: str
    host: ChildProcess
    log_path: Path
    env: dict[str, str]
    rpc_port: int
    hub_name: str
    users: dict[str, UserClient] = field(default_factory=dict)

    def user(self, name: str) -> UserClient:
        """A client for a user (a fresh owner id per test session, so runs never collide)."""
        if name not in self.users:
            owner_id = f"{name}-{uuid.uuid4().hex[:12]}"
            self.users[name] = UserClient(self.base_url, owner_id, name)
        return self.users[name]

    def restart(self, kill: bool = True) -> None:
        """SIGKILL (or stop) the host and start it again on the same ports and state."""
        if kill:
            self.host.kill()
        else:
            self.host.stop()
        port = int(self.base_url.rsplit(":", 1)[1])
        self.host = start_local_host(
            port, self.rpc_port, self.env, log_path=self.log_path, hub_name=self.hub_name
        )


def stack_env(azurite: str, simulator: ArmSimulator, table_name: str) -> dict[str, str]:
    """Settings the function app reads, pointing at the session's Azurite and simulator."""
    return {
        "AzureWebJobsStorage": azurite,
        "ARM_ENDPOINT": simulator.base_url,
        "RETAIL_PRICES_ENDPOINT": simulator.base_url,
        "ARM_CA_BUNDLE": str(simulator.cert_path),
        "AZURE_SUBSCRIPTION_ID": SIMULATOR_SUBSCRIPTION_ID,
        "JOBSTATE_TABLE_NAME": table_name,
        "PROVISION_POLL_SECONDS": "1",
        "PROVISION_DEADLINE_MINUTES": "45",
        "STORAGE_TIMEOUT_SECONDS": "2",
        # Cost guardrails in seconds: a guardrail minute lasts one, a guard checks every one.
        "GUARDRAILS_TABLE_NAME": "Guard" + table_name,
        "GUARDRAIL_MINUTE_SECONDS": "1",
        "GUARDRAIL_CHECK_SECONDS": "1",
    }


@pytest.fixture(scope="session")
def local_stack(
    azurite: str, arm_simulator: ArmSimulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalStack]:
    """The real function app on the local host, for the whole e2e session."""
    log_dir = tmp_path_factory.mktemp("local-stack")
    port, rpc_port = free_port(), free_port()
    hub = "E2eHub" + uuid.uuid4().hex[:8]
    env = stack_env(azurite, arm_simulator, "JobState" + uuid.uuid4().hex[:8])
    log_path = log_dir / "host.log"
    host = start_local_host(port, rpc_port, env, log_path=log_path, hub_name=hub)
    stack = LocalStack(f"http://127.0.0.1:{port}", host, log_path, env, rpc_port, hub)
    yield stack
    stack.host.stop()
