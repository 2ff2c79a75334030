"""Domain errors become the contract's error answers in one place (api.responses)."""

from __future__ import annotations

import json

import pytest

from api.error_specs import ERROR_CODES, HANDLED
from api.responses import error_to_response
from provisioning.attempts import (
    ActiveAttemptExists,
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    NotCancellable,
    NotDeletable,
    NotDismissable,
    TaskNotFound,
)
from provisioning.cross_site import CrossOriginRequest, UnsupportedMediaType
from provisioning.identity import (
    AmbiguousPrincipal,
    AuthNotConfigured,
    InvalidOwnerId,
    MalformedPrincipal,
    MissingPrincipal,
)
from provisioning.jobstate_repository import StorageUnavailable
from provisioning.settings import SettingsError
from provisioning.validation import RequestValidationError

MAPPED = [
    (RequestValidationError("region", "region is required"), 400, "invalid_request"),
    (MalformedPrincipal("bad"), 401, "malformed_principal"),
    (MissingPrincipal("none"), 401, "unauthenticated"),
    (AmbiguousPrincipal("two"), 401, "ambiguous_principal"),
    (InvalidOwnerId("bad id"), 401, "invalid_owner_id"),
    (AuthNotConfigured("off"), 503, "auth_not_configured"),
    (CrossOriginRequest("foreign"), 403, "cross_origin"),
    (UnsupportedMediaType("text/plain"), 415, "unsupported_media_type"),
    (IdempotencyKeyReused("t-1"), 422, "idempotency_key_reused"),
    (IdempotencyKeyInProgress("t-1"), 409, "idempotency_key_in_progress"),
    (TaskNotFound("x"), 404, "not_found"),
    (ActiveAttemptExists("t-1"), 409, "attempt_in_progress"),
    (NotDeletable("nothing to delete"), 409, "not_deletable"),
    (NotCancellable("deletion started"), 409, "not_cancellable"),
    (NotDismissable("still running"), 409, "not_dismissable"),
    (StorageUnavailable("down"), 503, "storage_unavailable"),
    (SettingsError("missing"), 503, "not_configured"),
]


@pytest.mark.parametrize(("error", "status", "code"), MAPPED)
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


@pytest.mark.parametrize(("error", "status", "code"), MAPPED)
def test_every_mapped_code_is_in_the_openapi_error_codes(
    error: Exception, status: int, code: str
) -> None:
    assert isinstance(error, HANDLED)
    assert code in ERROR_CODES


def test_idempotency_errors_do_not_reveal_the_task_they_are_bound_to() -> None:
    for error in (IdempotencyKeyReused("t-secret"), IdempotencyKeyInProgress("t-secret")):
        assert b"t-secret" not in error_to_response(error).get_body()
