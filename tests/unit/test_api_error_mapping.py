"""Domain errors become the contract's error answers in one place (api.responses)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import azure.functions as func
import jsonschema_rs
import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

from api.bulkheads import Busy
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
from provisioning.operations.change_rules import (
    AutoscaleEnabled,
    LastSystemPool,
    PoolExists,
    PoolNotFound,
)
from provisioning.preflight.quota_gate import QuotaExceeded
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
    (PoolNotFound("c1/work"), 404, "not_found"),
    (PoolExists("taken"), 409, "pool_exists"),
    (LastSystemPool("only one"), 409, "last_system_pool"),
    (AutoscaleEnabled("autoscaled"), 409, "autoscale_enabled"),
    (QuotaExceeded("short", [], {}), 409, "quota_exceeded"),
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


def test_quota_exceeded_carries_its_quota_and_link_and_matches_the_error_schema() -> None:
    refusal = QuotaExceeded(
        "Not enough vCPU quota in eastus for standardDSv5Family: adding node pool 'big' needs "
        "1600 vCPUs and only 48 are free.",
        [{"kind": "link", "label": "Request quota increase", "url": "https://aka.ms/quotas"}],
        {"family": "standardDSv5Family", "needed_vcpus": 1600, "available_vcpus": 48},
    )
    body = json.loads(error_to_response(refusal).get_body())
    assert body["error"]["quota"]["needed_vcpus"] == 1600
    assert body["error"]["actions"][0]["label"] == "Request quota increase"
    document = openapi_document()
    schema = {"$ref": "#/components/schemas/Error", "components": document["components"]}
    assert list(jsonschema_rs.Draft202012Validator(schema).iter_errors(body)) == []


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


def _http_error(status: int) -> HttpResponseError:
    """An ARM answer with this status, as azure-core raises it."""
    error = HttpResponseError(message=f"ARM answered {status}")
    error.status_code = status
    return error


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        (ServiceResponseError("read timed out"), "did not answer"),
        (ServiceRequestError("connection refused"), "did not answer"),
        (_http_error(503), "HTTP 503"),
        (_http_error(429), "HTTP 429"),
    ],
    ids=["read-timeout", "refused", "5xx", "throttled"],
)
def test_arm_silence_raised_by_a_handler_is_503_arm_unavailable_never_500(
    fault: Exception, says: str
) -> None:
    @answers_errors
    def handler() -> func.HttpResponse:
        raise fault

    response = handler()

    assert response.status_code == 503
    error = json.loads(response.get_body())["error"]
    assert error["code"] == "arm_unavailable"
    assert "Azure Resource Manager" in error["message"] and says in error["message"]
    assert int(response.headers["Retry-After"]) > 0


def test_a_real_arm_refusal_is_not_taken_for_arm_being_unavailable() -> None:
    @answers_errors
    def handler() -> func.HttpResponse:
        raise _http_error(403)

    with pytest.raises(HttpResponseError):
        handler()


def test_busy_is_503_with_retry_after() -> None:
    response = error_to_response(Busy("Azure Resource Manager", 22))

    assert response.status_code == 503
    assert json.loads(response.get_body())["error"]["code"] == "busy"
    assert response.headers["Retry-After"] == "22"
