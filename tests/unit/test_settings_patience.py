"""ARM patience and thread settings: seconds for requests, minutes for workflows, a window."""

from __future__ import annotations

import pytest

from local.processes import azurite_connection_string, free_port
from provisioning.clients import arm_client_options
from provisioning.settings import (
    REQUEST_PATIENCE,
    WORKFLOW_PATIENCE,
    ArmPatience,
    SettingsError,
    load_settings,
)


@pytest.fixture(autouse=True)
def minimal_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A port nothing listens on: never the `make run` Azurite (tests/hermetic.py).
    monkeypatch.setenv("AzureWebJobsStorage", azurite_connection_string(free_port()))
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000000")


def test_a_request_waits_seconds_on_a_silent_arm_while_a_workflow_may_wait_longer() -> None:
    settings = load_settings()

    assert settings.arm_request_patience == REQUEST_PATIENCE
    assert settings.arm_workflow_patience == WORKFLOW_PATIENCE
    assert settings.arm_request_patience.worst_case_seconds <= 30
    assert (
        settings.arm_workflow_patience.worst_case_seconds
        > settings.arm_request_patience.worst_case_seconds
    )


def test_patience_and_threads_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARM_REQUEST_CONNECT_TIMEOUT_SECONDS", "1.5")
    monkeypatch.setenv("ARM_REQUEST_READ_TIMEOUT_SECONDS", "4")
    monkeypatch.setenv("ARM_REQUEST_RETRIES", "0")
    monkeypatch.setenv("ARM_WORKFLOW_READ_TIMEOUT_SECONDS", "45")
    monkeypatch.setenv("ARM_REQUEST_WORKERS", "2")
    monkeypatch.setenv("STORAGE_REQUEST_WORKERS", "3")

    settings = load_settings()

    assert settings.arm_request_patience == ArmPatience(1.5, 4.0, 0)
    assert settings.arm_workflow_patience.read_timeout_seconds == 45
    assert (settings.arm_request_workers, settings.storage_request_workers) == (2, 3)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ARM_REQUEST_RETRIES", "-1"),
        ("ARM_REQUEST_WORKERS", "0"),
        ("ARM_REQUEST_READ_TIMEOUT_SECONDS", "x"),
    ],
)
def test_a_bad_value_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError, match=name):
        load_settings()


def test_the_client_options_bound_every_call_and_its_retries() -> None:
    assert arm_client_options(ArmPatience(2.0, 5.0, 1)) == {
        "connection_timeout": 2.0,
        "read_timeout": 5.0,
        "retry_total": 1,
    }


def test_the_accept_window_covers_an_accepts_storage_writes_and_its_durable_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STORAGE_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("DURABLE_CLIENT_TIMEOUT_SECONDS", "5")

    # claim and insert, each within 2 x 2 + 1 s, then the start within 5 s.
    assert load_settings().accept_window_seconds == 15
