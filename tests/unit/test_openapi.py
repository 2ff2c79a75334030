"""The OpenAPI document matches the app: its routes, its validators and its response shapes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import azure.functions as func
import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.openapi_document import ERROR_CODES, openapi_document
from provisioning.errors.classify import classify_arm_error
from provisioning.errors.product import cancelled_error
from provisioning.jobs.documents import recent_failure_row, task_document
from provisioning.jobs.state import JobState
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import ProvisionRequest, TaskStatus, TaskType
from provisioning.requests.bounds import (
    HISTORY_LIMIT,
    RECENT_FAILURES_HOURS,
    RECENT_FAILURES_LIMIT,
    QueryBound,
)
from provisioning.requests.validation import (
    AZURE_PUBLIC_REGIONS,
    CLUSTER_NAME_PATTERN,
    MAX_BODY_BYTES,
    MAX_IDEMPOTENCY_KEY_CHARS,
    RESOURCE_GROUP_PATTERN,
    RequestValidationError,
    validate_provision_request,
)
from tests.app_functions import registered_functions

HOST_JSON = Path(__file__).resolve().parents[2] / "host.json"
NOW = datetime(2025, 3, 14, 12, 30, 45, 123456, tzinfo=UTC)
REQUEST = ProvisionRequest("sub", "rg", "demo", "eastus", "Standard_D2s_v5", 1, None)


def route_prefix() -> str:
    return json.loads(HOST_JSON.read_text())["extensions"]["http"]["routePrefix"]


def registered_http_operations() -> set[tuple[str, str]]:
    """(path, method) of every HTTP trigger of function_app, as a client addresses them."""
    operations = set()
    for function in registered_functions().values():
        trigger = function.get_trigger()
        if trigger.get_binding_name() != "httpTrigger":
            continue
        raw = trigger.get_dict_repr()
        path = f"/{route_prefix()}/{raw['route']}"
        for method in raw["methods"]:
            operations.add((path, str(getattr(method, "value", method)).lower()))
    return operations


def validator(schema_name: str) -> Any:
    """A JSON Schema 2020-12 validator for one component, resolving refs in the document."""
    document = openapi_document()
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    return jsonschema_rs.Draft202012Validator(root)


def test_documented_operations_are_exactly_the_registered_http_triggers() -> None:
    documented = {
        (path, method) for path, item in openapi_document()["paths"].items() for method in item
    }
    assert documented == registered_http_operations()


def test_every_operation_documents_its_errors_with_the_error_shape() -> None:
    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            if path.endswith("openapi.json"):
                assert operation["security"] == []
                continue
            for status in ("401", "503"):
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, method)


def test_principal_header_is_the_security_scheme() -> None:
    document = openapi_document()
    scheme = document["components"]["securitySchemes"]["clientPrincipal"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == (
        "apiKey",
        "header",
        "X-MS-CLIENT-PRINCIPAL",
    )
    assert document["security"] == [{"clientPrincipal": []}]


def test_document_is_valid_openapi_3_1_for_schemathesis() -> None:
    import schemathesis

    schema = schemathesis.openapi.from_dict(openapi_document())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(registered_http_operations())


def test_openapi_endpoint_answers_without_a_principal() -> None:
    handler = registered_functions()["get_openapi_document"].get_user_function()
    response = handler(func.HttpRequest("GET", "http://localhost/api/openapi.json", body=b""))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert json.loads(response.get_body())["openapi"] == "3.1.0"


# --- request schema agrees with the validator ------------------------------------------------

FIELD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=120),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=70),
    st.text(alphabet="aZ9-_.()", max_size=95),
    st.sampled_from(
        ["Standard_D2s_v5", "Standard_", "1.30", "1.30.4", "", "eastus", "atlantis", "rg."]
    ),
    st.sampled_from(sorted(AZURE_PUBLIC_REGIONS)),
)
BODIES = st.one_of(
    st.dictionaries(
        st.sampled_from(
            [
                "cluster_name",
                "resource_group",
                "region",
                "node_vm_size",
                "node_count",
                "kubernetes_version",
                "owner",
            ]
        ),
        FIELD_VALUES,
    ),
    st.fixed_dictionaries(
        {
            "cluster_name": st.from_regex(CLUSTER_NAME_PATTERN, fullmatch=True),
            "resource_group": st.from_regex(RESOURCE_GROUP_PATTERN, fullmatch=True),
            "region": st.sampled_from(sorted(AZURE_PUBLIC_REGIONS)),
        },
        optional={"node_count": FIELD_VALUES, "kubernetes_version": FIELD_VALUES},
    ),
    st.lists(st.integers(), max_size=2),
    st.text(max_size=5),
)


# No deadline: the first example builds the OpenAPI document (~0.7 s on a loaded machine).
@settings(max_examples=300, deadline=None)
@given(BODIES)
def test_request_schema_accepts_exactly_what_the_validator_accepts(body: object) -> None:
    try:
        validate_provision_request(body, "sub")
        accepted = True
    except RequestValidationError:
        accepted = False
    # A whole-number float such as 2.0 is a JSON Schema integer; the API wants a JSON integer.
    whole_float = isinstance(body, dict) and isinstance(body.get("node_count"), float)
    if not whole_float:
        assert validator("ProvisionRequest").is_valid(body) == accepted, body


# --- response schemas match what the API writes ---------------------------------------------


def jobs() -> list[JobState]:
    queued = JobState.new("owner", new_task_id(NOW, "a" * 12), REQUEST, now=NOW, total_steps=4)
    failed = replace(
        queued,
        status=TaskStatus.FAILED,
        error=classify_arm_error(
            "QuotaExceeded",
            "exceeding approved standardDSv5Family Cores quota",
            status=400,
            subscription_id="sub",
            region="eastus",
            vm_size="Standard_D2s_v5",
        ),
    )
    cancelled = replace(
        queued,
        status=TaskStatus.CANCELLED,
        cluster_seen=True,
        cluster_state="Canceled",
        portal_url="https://portal.azure.com/#@/resource/x/overview",
        error=cancelled_error(True, "https://portal.azure.com/#@/resource/x/overview"),
        dismissed_at=NOW,
    )
    delete = JobState.new(
        "owner",
        new_task_id(NOW, "b" * 12),
        replace(REQUEST, kubernetes_version="1.30"),
        now=NOW,
        task_type=TaskType.AKS_DELETE,
        target_task_id=cancelled.task_id,
    )
    return [queued, failed, cancelled, delete]


@pytest.mark.parametrize("index", range(4))
def test_task_documents_match_the_task_document_schema(index: int) -> None:
    document = task_document(jobs()[index])
    errors = [str(e) for e in validator("TaskDocument").iter_errors(document)]
    assert errors == []


@pytest.mark.parametrize("index", [1, 2])
def test_recent_failure_rows_match_their_schema(index: int) -> None:
    row = recent_failure_row(jobs()[index])
    assert [str(e) for e in validator("RecentFailureRow").iter_errors(row)] == []


def test_error_schema_admits_the_field_and_task_id_extras_and_nothing_else() -> None:
    error = validator("Error")
    assert error.is_valid({"error": {"code": "invalid_request", "message": "m", "field": "x"}})
    assert error.is_valid(
        {
            "error": {
                "code": "operation_in_progress",
                "message": "m",
                "task_id": new_task_id(NOW, "c" * 12),
            }
        }
    )
    assert not error.is_valid({"error": {"code": "invalid_request", "message": "m", "x": 1}})
    assert not error.is_valid({"error": {"code": "internal_error", "message": "m"}})
    assert "storage_unavailable" in ERROR_CODES


# --- cross-site defence and idempotency are documented where they apply -----------------------


def test_every_post_documents_cross_origin_403_and_unsupported_media_type_415() -> None:
    posts = [
        (path, item[method])
        for path, item in openapi_document()["paths"].items()
        for method in ("post", "put")
        if method in item
    ]
    # provision, preflight, cancel, dismiss, delete-cluster, the five lifecycle operations,
    # the three node-pool operations, and the guardrails PUT and extend
    assert len(posts) == 15
    for path, operation in posts:
        for status in ("403", "415"):
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, status)


def test_gets_do_not_document_cross_origin_refusals() -> None:
    for path, item in openapi_document()["paths"].items():
        if "get" in item:
            assert "403" not in item["get"]["responses"], path


def test_provision_documents_the_reused_key_422_and_the_key_rule() -> None:
    operation = openapi_document()["paths"]["/api/aks/provision"]["post"]
    assert "422" in operation["responses"] and "409" in operation["responses"]
    (key,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    schema = jsonschema_rs.Draft202012Validator(key["schema"])
    assert schema.is_valid("k") and schema.is_valid("a b~!" + "x" * 195)
    for bad in ("", "x" * 201, "caf\u00e9", "tab\tkey", "new\nline", "\x7f"):
        assert not schema.is_valid(bad), bad


@pytest.mark.parametrize(
    "code",
    [
        "cross_origin",
        "unsupported_media_type",
        "idempotency_key_reused",
        "ambiguous_principal",
        "not_cancellable",
    ],
)
def test_new_error_codes_are_admitted_by_the_error_schema(code: str) -> None:
    assert code in ERROR_CODES
    assert validator("Error").is_valid({"error": {"code": code, "message": "m"}})


# --- documented bounds are the handlers' bounds ------------------------------------------------


@pytest.mark.parametrize(
    ("path", "schema_name", "bounds"),
    [
        (
            "/api/aks/recent-failed-provisions",
            "RecentFailures",
            (RECENT_FAILURES_HOURS, RECENT_FAILURES_LIMIT),
        ),
        ("/api/aks/provisions", "History", (HISTORY_LIMIT,)),
    ],
)
def test_documented_query_bounds_are_what_the_handlers_clamp_to(
    path: str, schema_name: str, bounds: tuple[QueryBound, ...]
) -> None:
    document = openapi_document()
    parameters = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
    echoed = document["components"]["schemas"][schema_name]["properties"]
    for bound in bounds:
        assert (
            f"{bound.low}..{bound.high} (default {bound.default}"
            in (parameters[bound.name]["description"])
        )
        assert echoed[bound.name]["maximum"] == bound.read({bound.name: "100000"})
        assert echoed[bound.name]["minimum"] == bound.read({bound.name: "-100000"})
    assert echoed["jobs"]["maxItems"] == bounds[-1].high


def test_documented_idempotency_key_and_body_limits_are_the_validators() -> None:
    operation = openapi_document()["paths"]["/api/aks/provision"]["post"]
    (key,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["schema"]["maxLength"] == MAX_IDEMPOTENCY_KEY_CHARS
    assert f"1-{MAX_IDEMPOTENCY_KEY_CHARS} printable" in key["description"]
    assert str(MAX_BODY_BYTES) in operation["requestBody"]["description"]
