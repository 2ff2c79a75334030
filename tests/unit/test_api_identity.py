"""HTTP handlers refuse callers before touching storage: 401 without a principal, 503 untrusted."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import azure.functions as func
import pytest

from local.processes import azurite_connection_string, free_port
from provisioning.settings import get_settings
from tests.app_functions import registered_functions


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Any]]:
    """Look up a registered HTTP function of the real app by name."""
    # A port nothing listens on: never the `make run` Azurite (tests/hermetic.py).
    monkeypatch.setenv("AzureWebJobsStorage", azurite_connection_string(free_port()))
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000000")
    get_settings.cache_clear()
    yield lambda name: _answering(registered_functions()[name].get_user_function())
    get_settings.cache_clear()


def _answering(function: Callable[..., Any]) -> Callable[[func.HttpRequest], Any]:
    """Call a handler as the host does, sync or async, and return its response."""

    def call(request: func.HttpRequest) -> Any:
        result = function(request)
        return asyncio.run(result) if inspect.isawaitable(result) else result

    return call


def _request(headers: dict[str, str] | None = None) -> func.HttpRequest:
    return func.HttpRequest(
        "GET", "http://localhost/api/aks/provisions", headers=headers or {}, body=b""
    )


def test_missing_principal_is_401_when_auth_is_on(
    handler: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBSITE_AUTH_ENABLED", "True")
    get_settings.cache_clear()
    response = handler("list_provisions")(_request())
    assert response.status_code == 401
    assert b"unauthenticated" in response.get_body()


def test_any_principal_is_503_when_auth_is_off(
    handler: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WEBSITE_AUTH_ENABLED", raising=False)
    monkeypatch.delenv("LOCAL_DEV_HOST", raising=False)
    get_settings.cache_clear()
    response = handler("list_recent_failed_provisions")(_request({"X-MS-CLIENT-PRINCIPAL": "e30="}))
    assert response.status_code == 503
    assert b"auth_not_configured" in response.get_body()


def test_missing_settings_answer_503_not_500(
    handler: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID")
    get_settings.cache_clear()
    response = handler("list_provisions")(_request())
    assert response.status_code == 503
    assert b"not_configured" in response.get_body()
