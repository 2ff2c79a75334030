"""Stopping Azurite the way the stack does keeps the writes made just before the stop."""

from __future__ import annotations

import signal
from pathlib import Path

from azure.data.tables import TableServiceClient

from local.processes import azurite_connection_string, free_port, start_azurite_table


def test_a_stop_keeps_the_last_writes_across_a_restart_on_the_same_data_dir(
    tmp_path: Path,
) -> None:
    """Azurite persists its loki store on SIGINT; SIGTERM dropped the last ~5 s of writes."""
    port = free_port()
    azurite = start_azurite_table(tmp_path, port, log_path=tmp_path / "azurite.log")
    assert azurite.stop_signal == signal.SIGINT
    try:
        service = TableServiceClient.from_connection_string(azurite_connection_string(port))
        table = service.create_table_if_not_exists("StopKeepsWrites")
        table.create_entity({"PartitionKey": "p", "RowKey": "last", "Value": "written"})
    finally:
        azurite.stop()
    restarted = start_azurite_table(tmp_path, port, log_path=tmp_path / "azurite.log")
    try:
        service = TableServiceClient.from_connection_string(azurite_connection_string(port))
        entity = service.get_table_client("StopKeepsWrites").get_entity("p", "last")
        assert entity["Value"] == "written"
    finally:
        restarted.stop()
