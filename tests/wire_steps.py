"""The operation steps called the way the activities call them: JSON in, JSON out.

Tests that check what crosses the Durable boundary use these, so they see exactly the
dicts an orchestrator receives.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from provisioning.jobs.repository import JobStateRepository
from provisioning.operations import create_work, delete_work, shared_work
from provisioning.operations.messages import OperationInput, OperationOutcome

Json = dict[str, Any]


def begin_attempt(repo: JobStateRepository | None, attempt: Json, *, now: datetime) -> Json:
    """The begin step over the JSON input."""
    return shared_work.begin_attempt(repo, OperationInput.from_dict(attempt), now=now).to_dict()


def submit_cluster_create(
    repo: JobStateRepository | None, client: Any, attempt: Json, *, now: datetime
) -> Json:
    """The create's submit step over the JSON input."""
    typed = OperationInput.from_dict(attempt)
    return create_work.submit_cluster_create(repo, client, typed, now=now).to_dict()


def poll_cluster(
    repo: JobStateRepository | None, client: Any, attempt: Json, *, now: datetime
) -> Json:
    """The poll step over the JSON input."""
    typed = OperationInput.from_dict(attempt)
    return shared_work.poll_cluster(repo, client, typed, now=now).to_dict()


def abort_cluster_create(client: Any, attempt: Json) -> Json:
    """The abort step over the JSON input."""
    return create_work.abort_cluster_create(client, OperationInput.from_dict(attempt)).to_dict()


def submit_cluster_delete(
    repo: JobStateRepository | None, client: Any, attempt: Json, *, now: datetime
) -> Json:
    """The delete's submit step over the JSON input."""
    typed = OperationInput.from_dict(attempt)
    return delete_work.submit_cluster_delete(repo, client, typed, now=now).to_dict()


def finish_attempt(
    repo: JobStateRepository, attempt: Json, outcome: OperationOutcome, *, now: datetime
) -> Json:
    """The finish step over the JSON input."""
    typed = OperationInput.from_dict(attempt)
    return shared_work.finish_attempt(repo, typed, outcome, now=now).to_dict()
