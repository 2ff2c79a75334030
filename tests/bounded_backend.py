"""A durable backend that accepts the connection but never answers, and HTTP handlers run
against it in-process (tests/unit/test_api_bounds.py, tests/integration/test_api_bounds.py)."""

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


def durable_binding(rpc_port: int) -> str:
    """The durableClient binding the host would pass, pointing at `rpc_port`."""
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


async def call_handler(name: str, request: func.HttpRequest, rpc_port: int) -> Any:
    """Run a registered HTTP function with a durable client bound to `rpc_port`."""
    from azure.durable_functions.models.utils.http_utils import _close_session

    handler = registered_functions()[name].get_user_function()
    try:
        return await asyncio.wait_for(
            handler(req=request, client=durable_binding(rpc_port)), LIVENESS_SECONDS
        )
    finally:
        # The SDK shares one aiohttp session per process; each test has its own event loop.
        await _close_session()
