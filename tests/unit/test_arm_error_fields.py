"""Reading the SDK's error: code, message and target from the body, nested details or the text."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core import exceptions as core_errors
from azure.core.exceptions import HttpResponseError, ServiceRequestError

from provisioning.errors.arm_fields import (
    MAX_DETAIL_DEPTH,
    ArmErrorFields,
    http_error_fields,
    network_fault_code,
)
from tests.unit.test_arm_errors import JsonResponse


def fields_of(payload: object, status: int = 400, **kwargs: Any) -> ArmErrorFields:
    return http_error_fields(HttpResponseError(response=JsonResponse(status, payload), **kwargs))


def wrapped(depth: int, inner: dict[str, Any]) -> dict[str, Any]:
    """`inner` under `depth` levels of generic wrapper details."""
    error = inner
    for _ in range(depth):
        error = {"code": "DeploymentFailed", "message": "wrapper", "details": [error]}
    return error


def test_the_error_envelope_gives_code_message_and_target() -> None:
    payload = {"error": {"code": "InvalidParameter", "message": "bad", "target": "dnsPrefix"}}
    assert fields_of(payload) == ArmErrorFields("InvalidParameter", "bad", "dnsPrefix")


def test_a_bare_error_body_without_the_envelope_is_read_too() -> None:
    assert fields_of({"code": "QuotaExceeded", "message": "no cores"}) == ArmErrorFields(
        "QuotaExceeded", "no cores", None
    )


def test_a_specific_detail_nested_under_wrappers_replaces_the_wrapper_code() -> None:
    inner = {"code": "SkuNotAvailable", "message": "size gone", "target": "vmSize"}
    assert fields_of({"error": wrapped(3, inner)}) == ArmErrorFields(
        "SkuNotAvailable", "size gone", "vmSize"
    )


def test_details_nested_deeper_than_the_limit_are_not_searched() -> None:
    inner = {"code": "SkuNotAvailable", "message": "size gone"}
    fields = fields_of({"error": wrapped(MAX_DETAIL_DEPTH + 3, inner)})
    assert fields.code == "DeploymentFailed"


def test_a_detail_without_a_message_keeps_the_outer_message() -> None:
    payload = {"error": {"code": "BadRequest", "message": "outer", "details": [{"code": "X"}]}}
    assert fields_of(payload) == ArmErrorFields("X", "outer", None)


def test_a_specific_outer_code_is_kept_even_when_details_exist() -> None:
    payload = {
        "error": {"code": "QuotaExceeded", "message": "outer", "details": [{"code": "Other"}]}
    }
    assert fields_of(payload).code == "QuotaExceeded"


def test_a_body_without_an_error_falls_back_to_the_exception_message() -> None:
    fields = fields_of("busy", status=429, message="Too many requests")
    assert (fields.code, fields.target) == (None, None)
    assert fields.message is not None and "Too many requests" in fields.message


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ServiceRequestError("Connection refused"), "NetworkError"),
        (core_errors.ServiceResponseTimeoutError("Read timed out"), "NetworkError"),
        (TimeoutError("timed out"), "Timeout"),
        (ConnectionResetError("reset by peer"), "NetworkError"),
        (ValueError("not a network fault"), None),
    ],
)
def test_network_faults_are_named_and_anything_else_is_not(
    exc: BaseException, code: str | None
) -> None:
    assert network_fault_code(exc, core_errors) == code
