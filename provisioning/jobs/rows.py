"""Single-row operations under ETags, and the one loop that retries a lost race.

Conditional writes raise RaceLost when another writer got there first; retry_races() runs
an attempt again (after a short random pause) until it settles or the attempts run out.
Every JobState and claims write goes through here, so there is one concurrency policy.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from provisioning.jobs.tables import ConcurrencyConflict, storage_call

if TYPE_CHECKING:
    from azure.data.tables import TableClient, TableEntity

logger = logging.getLogger(__name__)

T = TypeVar("T")
PAUSE_STEP_SECONDS = 0.02


class RaceLost(Exception):
    """Another writer changed (or removed) the row between our read and our write."""


def retry_races(what: str, attempt: Callable[[], T], *, attempts: int) -> T:
    """attempt()'s result; a RaceLost runs it again, up to `attempts` times in all."""
    for number in range(attempts):
        try:
            with storage_call(what):
                return attempt()
        except RaceLost:
            logger.debug("%s lost a race (attempt %d)", what, number + 1)
            time.sleep(random.uniform(0, PAUSE_STEP_SECONDS * (number + 1)))
    raise ConcurrencyConflict(f"{what} kept racing; gave up after {attempts} attempts")


def etag_of(entity: Any) -> str | None:
    """The ETag the service returned with a row or a write."""
    metadata = getattr(entity, "metadata", entity) or {}
    return metadata.get("etag")


def read_row(client: TableClient, partition_key: str, row_key: str) -> TableEntity | None:
    """The row, or None when it does not exist."""
    from azure.core.exceptions import ResourceNotFoundError

    try:
        return client.get_entity(partition_key=partition_key, row_key=row_key)
    except ResourceNotFoundError:
        return None


def insert_row(client: TableClient, entity: dict[str, Any]) -> str | None:
    """Insert; the new row's ETag, or None when a row with these keys already exists."""
    from azure.core.exceptions import ResourceExistsError

    try:
        return etag_of(client.create_entity(entity)) or ""
    except ResourceExistsError:
        return None


def insert_or_read(client: TableClient, entity: dict[str, Any]) -> TableEntity | None:
    """Insert; None when ours went in, else the row already there (RaceLost if it just left)."""
    if insert_row(client, entity) is not None:
        return None
    existing = read_row(client, entity["PartitionKey"], entity["RowKey"])
    if existing is None:
        raise RaceLost
    return existing


def replace_row(client: TableClient, entity: dict[str, Any], *, etag: str | None) -> str | None:
    """Replace the row if it is unchanged since `etag`; its new ETag, else RaceLost."""
    from azure.core import MatchConditions
    from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
    from azure.data.tables import UpdateMode

    try:
        metadata = client.update_entity(
            entity,
            mode=UpdateMode.REPLACE,
            etag=etag,
            match_condition=MatchConditions.IfNotModified,
        )
    except (ResourceModifiedError, ResourceNotFoundError) as exc:
        raise RaceLost from exc
    return etag_of(metadata)


def delete_row(client: TableClient, partition_key: str, row_key: str, *, etag: str | None) -> None:
    """Delete the row if it is unchanged since `etag`, else RaceLost."""
    from azure.core import MatchConditions
    from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError

    try:
        client.delete_entity(
            partition_key=partition_key,
            row_key=row_key,
            etag=etag,
            match_condition=MatchConditions.IfNotModified,
        )
    except (ResourceModifiedError, ResourceNotFoundError) as exc:
        raise RaceLost from exc
