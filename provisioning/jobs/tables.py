"""Table Storage clients bounded by short timeouts, and what their failures mean to callers.

Nothing from the Azure SDK is imported until a client is built (cold start is a budget).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.data.tables import TableClient


class StorageUnavailable(RuntimeError):
    """Table Storage did not answer usefully (down, slow, refused); callers degrade."""


class ConcurrencyConflict(StorageUnavailable):
    """An ETag-guarded write kept losing races; treated like a transient storage fault."""


@contextmanager
def storage_call(what: str) -> Iterator[None]:
    """Turn any Azure SDK failure inside the block into StorageUnavailable."""
    from azure.core.exceptions import AzureError

    try:
        yield
    except AzureError as exc:
        raise StorageUnavailable(f"{what} failed: {type(exc).__name__}: {exc}") from exc


def table_client_options(timeout_seconds: float) -> dict[str, Any]:
    """Client keywords that bound every storage call: short timeouts and one quick retry."""
    timeout = max(0.5, float(timeout_seconds))
    return {
        "connection_timeout": timeout,
        "read_timeout": timeout,
        "retry_total": 1,
        "retry_connect": 1,
        "retry_read": 1,
        "retry_status": 1,
        "retry_backoff_factor": 0.2,
        "retry_backoff_max": 1,
        "timeout": 2 * timeout + 1,
    }


def table_client_from_connection_string(
    connection_string: str, table_name: str, *, timeout_seconds: float
) -> TableClient:
    """A bounded TableClient from a connection string (Azurite locally)."""
    from azure.data.tables import TableClient

    return TableClient.from_connection_string(
        connection_string, table_name=table_name, **table_client_options(timeout_seconds)
    )


def table_client_from_endpoint(
    endpoint: str, table_name: str, credential: TokenCredential, *, timeout_seconds: float
) -> TableClient:
    """A bounded TableClient using Entra ID (AzureWebJobsStorage__tableServiceUri in Azure)."""
    from azure.data.tables import TableClient

    return TableClient(
        endpoint=endpoint,
        table_name=table_name,
        credential=credential,
        **table_client_options(timeout_seconds),
    )


def ensure_table(client: TableClient) -> None:
    """Create the client's table unless it exists; faults raise StorageUnavailable."""
    from azure.core.exceptions import ResourceExistsError

    with storage_call(f"create table {client.table_name}"):
        try:
            client.create_table()
        except ResourceExistsError:
            pass
