"""Domain errors become the contract's error answers in one place (api.responses)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import azure.functions as func
import pytest

from api.error_specs import (
    ERROR_CODES,
    ERROR_SPECS,
    HANDLED,
    SPECS_BY_TYPE,
    STATUS_BY_CODE,
    codes_for_status,
)
from api.openapi_document import openapi_document
from api.responses import answers_errors, error_to_response
from provisioning.access.cross_site import CrossOriginRequest, UnsupportedMediaType
from provisioning.access.identity import (
    AmbiguousPrincipal,
    AuthNotConfigured,
    IdentityError,
    InvalidOwnerId,
    MalformedPrincipal,
    MissingPrincipal,
)
from provisioning.jobs.tables import ConcurrencyConflict, StorageUnavailable
from provisioning.operations.attempts import (
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    NotCancellable,
    NotDeletable,
    NotDismissable,
    OperationInProgress,
    TaskNotFound,
)
from provisioning.requests.validation import RequestValidationError
from provisioning.settings import SettingsError

API_DIR = Path(__file__).resolve().parents[2] / "api"
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
    (OperationInProgress("t-1"), 409, "operation_in_progress"),
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
    holder = json.loads(error_to_response(OperationInProgress("t-1")).get_body())
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


# --- the error table cannot drift from the mapping, the OpenAPI document or the handlers -------


def test_every_identity_error_class_has_its_own_row_with_its_own_code() -> None:
    def family(root: type[IdentityError]) -> list[type[IdentityError]]:
        return [root, *(kind for child in root.__subclasses__() for kind in family(child))]

    for kind in family(IdentityError):
        spec = SPECS_BY_TYPE[kind]
        assert (spec.status, spec.code) == (kind.status, kind.code), kind


def test_a_subclass_of_a_mapped_error_is_answered_like_its_parent() -> None:
    response = error_to_response(ConcurrencyConflict("kept losing"))
    assert response.status_code == 503
    assert json.loads(response.get_body())["error"]["code"] == "storage_unavailable"


def test_each_code_has_one_status() -> None:
    for spec in ERROR_SPECS:
        assert STATUS_BY_CODE[spec.code] == spec.status, spec.code


def test_every_spec_code_and_extra_field_is_in_the_openapi_error_schema() -> None:
    error = openapi_document()["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(error["properties"]["code"]["enum"]) == set(ERROR_CODES)
    for spec in ERROR_SPECS:
        assert spec.code in error["properties"]["code"]["enum"]
        for name in spec.extra:
            assert spec.code in error["properties"][name]["description"], name


def test_every_documented_error_status_names_its_codes() -> None:
    for item in openapi_document()["paths"].values():
        for operation in item.values():
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    for code in codes_for_status(int(status)):
                        assert f"`{code}`" in answer["description"], (status, code)


def _literal_codes_answered_by_handlers() -> set[str]:
    """Every code an api/ module passes to error_response as a string literal."""
    codes = set()
    for source in API_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "error_response"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                codes.add(node.args[1].value)
    return codes


def test_codes_handlers_answer_directly_are_in_the_table() -> None:
    direct = _literal_codes_answered_by_handlers() - {"internal_error"}
    assert "orchestration_unavailable" in direct
    assert direct <= set(ERROR_CODES)


def test_an_unmapped_exception_escapes_the_decorator_and_maps_to_500() -> None:
    @answers_errors
    def handler() -> func.HttpResponse:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        handler()
    assert error_to_response(KeyError("bug")).status_code == 500


def test_a_mapped_exception_raised_by_a_handler_becomes_its_answer() -> None:
    @answers_errors
    def handler() -> func.HttpResponse:
        raise NotDismissable("still running")

    response = handler()
    assert response.status_code == 409
    assert json.loads(response.get_body())["error"] == {
        "code": "not_dismissable",
        "message": "still running",
    }
