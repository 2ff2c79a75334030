"""Integration fixtures: a JobStateRepository over fresh tables in the session's Azurite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from provisioning.jobs.claims import claims_table_name
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.tables import table_client_from_connection_string


def build_repository(connection_string: str, table_name: str) -> JobStateRepository:
    """A repository over freshly created tables, as the app builds it."""
    table = table_client_from_connection_string(connection_string, table_name, timeout_seconds=5)
    claims = table_client_from_connection_string(
        connection_string, claims_table_name(table_name), timeout_seconds=5
    )
    table.create_table()
    claims.create_table()
    return JobStateRepository(table, claims)


@pytest.fixture
def jobstate_repo(azurite: str, unique_table_name: str) -> Iterator[JobStateRepository]:
    """A JobStateRepository over this test's own tables (deleted afterwards)."""
    repository = build_repository(azurite, unique_table_name)
    yield repository
    repository.table_client.delete_table()
    repository.claims.table_client.delete_table()


@pytest.fixture
def repo(jobstate_repo: JobStateRepository) -> JobStateRepository:
    """The short name the repository's own tests use."""
    return jobstate_repo
