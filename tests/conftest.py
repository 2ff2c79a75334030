"""Session fixtures: a private Azurite on free ports, shared by integration and e2e tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from local.processes import (
    ChildProcess,
    azurite_connection_string,
    free_port,
    start_azurite_table,
)

pytest_plugins = [
    "tests.hermetic",
    "tests.arm_fixtures",
    "tests.stack_fixtures",
    "tests.bounded_backend",
    "tests.figures",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding a `slow` test first, the rest in their usual order.

    pytest-xdist (`make test`) hands whole files to its workers in collection order; a
    minutes-long file handed out last would leave one worker running it alone at the end.
    """
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)


@pytest.fixture(scope="session")
def azurite_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildProcess]:
    """A real Azurite Table service for this test session (never the `make run` one)."""
    data_dir = tmp_path_factory.mktemp("azurite")
    child = start_azurite_table(data_dir, free_port(), log_path=data_dir / "azurite.log")
    yield child
    child.stop()


@pytest.fixture(scope="session")
def azurite(azurite_process: ChildProcess) -> str:
    """Connection string of the session's Azurite Table endpoint."""
    return azurite_connection_string(azurite_process.port)


@pytest.fixture
def unique_table_name(request: pytest.FixtureRequest) -> str:
    """A table name unique to one test, so tests never see each other's rows."""
    base = "".join(ch for ch in request.node.name if ch.isalnum())[:40]
    return f"T{base}{os.getpid()}{id(request) % 100000}"[:62]
