"""Domain errors become the contract's error answers in one place (api.responses)."""

from __future__ import annotations

import json

import pytest

from api.responses import error_to_response
from provisioning.attempts import ActiveAttemptExists, NotCancellable, NotDeletable, TaskNotFound
from provisioning.identity import MalformedPrincipal
from provisioning.jobstate_repository import StorageUnavailable
from provisioning.settings import SettingsError
from provisioning.validation import RequestValidationError


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (RequestValidationError("region", "region is required"), 400, "invalid_request"),
        (MalformedPrincipal("bad"), 401, "malformed_principal"),
        (TaskNotFound("x"), 404, "not_found"),
        (ActiveAttemptExists("t-1"), 409, "attempt_in_progress"),
        (NotDeletable("nothing to delete"), 409, "not_deletable"),
        (NotCancellable("deletion started"), 409, "not_cancellable"),
        (StorageUnavailable("down"), 503, "storage_unavailable"),
        (SettingsError("missing"), 503, "not_configured"),
    ],
)
def test_domain_error_maps_to_status_and_code(error: Exception, status: int, code: str) -> None:
    response = error_to_response(error)
    body = json.loads(response.get_body())
    assert response.status_code == status
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_validation_error_names_the_field_and_conflict_names_the_holder() -> None:
    field = json.loads(error_to_response(RequestValidationError("region", "bad")).get_body())
    assert field["error"]["field"] == "region"
    holder = json.loads(error_to_response(ActiveAttemptExists("t-1")).get_body())
    assert holder["error"]["task_id"] == "t-1"
