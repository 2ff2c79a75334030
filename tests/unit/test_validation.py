"""Request validation: bad input is refused with the field named; good input is kept as sent."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisioning.models import AccessMode, ProvisionRequest
from provisioning.requests.validation import (
    AZURE_PUBLIC_REGIONS,
    DEFAULT_NODE_COUNT,
    DEFAULT_NODE_VM_SIZE,
    MAX_BODY_BYTES,
    RequestValidationError,
    decode_json_body,
    parse_bounded_int,
    validate_provision_request,
    validate_task_id,
)

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"


def body(**overrides: Any) -> dict[str, Any]:
    """A valid minimal body with some fields replaced (a value of ... removes the field)."""
    base: dict[str, Any] = {"cluster_name": "aks1", "resource_group": "rg1", "region": "eastus"}
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not ...}


def rejected_field(payload: object) -> str:
    with pytest.raises(RequestValidationError) as caught:
        validate_provision_request(payload, SUBSCRIPTION)
    assert caught.value.field in caught.value.message or caught.value.field == "body"
    return caught.value.field


# --- whole body ------------------------------------------------------------------------------


def test_minimal_body_gets_defaults_for_optional_fields() -> None:
    request = validate_provision_request(body(), SUBSCRIPTION)
    assert request == ProvisionRequest(
        subscription_id=SUBSCRIPTION,
        resource_group="rg1",
        cluster_name="aks1",
        region="eastus",
        node_vm_size=DEFAULT_NODE_VM_SIZE,
        node_count=DEFAULT_NODE_COUNT,
        kubernetes_version=None,
    )


def test_default_vm_size_and_node_count_are_the_cheap_documented_ones() -> None:
    assert DEFAULT_NODE_VM_SIZE == "Standard_D2s_v5"
    assert DEFAULT_NODE_COUNT == 1


def test_full_body_is_kept_exactly() -> None:
    request = validate_provision_request(
        body(node_vm_size="Standard_E4ds_v5", node_count=3, kubernetes_version="1.30.4"),
        SUBSCRIPTION,
    )
    assert (request.node_vm_size, request.node_count, request.kubernetes_version) == (
        "Standard_E4ds_v5",
        3,
        "1.30.4",
    )


@pytest.mark.parametrize("payload", [None, [], "x", 3, [body()], True])
def test_non_object_body_is_rejected_as_body(payload: object) -> None:
    with pytest.raises(RequestValidationError) as caught:
        validate_provision_request(payload, SUBSCRIPTION)
    assert caught.value.field == "body"
    assert caught.value.message == "body must be a JSON object"


def test_unknown_field_is_rejected_naming_the_first_in_sorted_order() -> None:
    with pytest.raises(RequestValidationError) as caught:
        validate_provision_request(body(zeta=1, alpha=2), SUBSCRIPTION)
    assert caught.value.field == "alpha"
    assert "not a known field" in caught.value.message


def test_subscription_id_comes_from_the_caller_not_the_body() -> None:
    assert rejected_field(body(subscription_id="other")) == "subscription_id"


@pytest.mark.parametrize("name", ["cluster_name", "resource_group", "region"])
def test_missing_required_field_is_named(name: str) -> None:
    with pytest.raises(RequestValidationError) as caught:
        validate_provision_request(body(**{name: ...}), SUBSCRIPTION)
    assert caught.value.field == name
    assert caught.value.message == f"{name} is required"


@pytest.mark.parametrize("name", ["cluster_name", "resource_group", "region"])
def test_null_required_field_counts_as_missing(name: str) -> None:
    assert rejected_field(body(**{name: None})) == name


@pytest.mark.parametrize("name", ["cluster_name", "resource_group", "region", "node_vm_size"])
@pytest.mark.parametrize("value", [1, 1.5, True, ["aks"], {"a": 1}])
def test_non_string_values_are_rejected_with_the_field_named(name: str, value: object) -> None:
    with pytest.raises(RequestValidationError) as caught:
        validate_provision_request(body(**{name: value}), SUBSCRIPTION)
    assert caught.value.field == name
    assert caught.value.message == f"{name} must be a string"


def test_error_is_a_value_error_with_field_and_message() -> None:
    error = RequestValidationError("region", "region is required")
    assert isinstance(error, ValueError)
    assert str(error) == "region is required"
    assert "region" in repr(error)


# --- cluster_name ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a", "A", "7", "ab", "a-b", "a_b", "aks-dev_01", "a" * 63])
def test_valid_cluster_names_are_accepted(name: str) -> None:
    assert validate_provision_request(body(cluster_name=name), SUBSCRIPTION).cluster_name == name


@pytest.mark.parametrize(
    "name",
    ["", "-a", "a-", "_a", "a_", "a" * 64, "a.b", "a b", " aks", "aks ", "aks\n", "äks", "a/b"],
)
def test_invalid_cluster_names_are_rejected_with_the_rule(name: str) -> None:
    with pytest.raises(RequestValidationError) as caught:
        validate_provision_request(body(cluster_name=name), SUBSCRIPTION)
    assert caught.value.field == "cluster_name"
    assert caught.value.message == (
        "cluster_name must be 1-63 characters of letters, digits, '-' or '_', "
        "starting and ending with a letter or digit"
    )


DESIGN_CLUSTER_NAME = re.compile(r"^[a-zA-Z0-9]([-_a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$")


@settings(max_examples=200)
@given(
    st.one_of(
        st.text(max_size=70),
        st.text(alphabet="ab-_Z9.", max_size=66),
        st.from_regex(DESIGN_CLUSTER_NAME, fullmatch=True),
    )
)
def test_cluster_names_are_accepted_exactly_when_they_match_the_design_pattern(
    name: str,
) -> None:
    # The design's regex uses "$", which admits a trailing newline; the real rule does not.
    expected = bool(DESIGN_CLUSTER_NAME.match(name)) and not name.endswith("\n")
    try:
        validate_provision_request(body(cluster_name=name), SUBSCRIPTION)
        accepted = True
    except RequestValidationError as error:
        assert error.field == "cluster_name"
        accepted = False
    assert accepted == expected


# --- resource_group --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "group", ["r", "rg-1", "my_rg", "rg.prod", "(rg)", "RG.(x)-_9", "a" * 90, "-", "._"]
)
def test_valid_resource_groups_are_accepted(group: str) -> None:
    request = validate_provision_request(body(resource_group=group), SUBSCRIPTION)
    assert request.resource_group == group


@pytest.mark.parametrize(
    "group", ["", "rg.", "a" * 91, "rg 1", " rg", "rg ", "rg/1", "rg#", "ürg", "rg\t", "."]
)
def test_invalid_resource_groups_are_rejected_with_the_rule(group: str) -> None:
    with pytest.raises(RequestValidationError) as caught:
        validate_provision_request(body(resource_group=group), SUBSCRIPTION)
    assert caught.value.field == "resource_group"
    assert "must not end with '.'" in caught.value.message
    assert "1-90 characters" in caught.value.message


# --- region ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "region", ["eastus", "westeurope", "swedencentral", "australiacentral2", "polandcentral"]
)
def test_known_regions_are_accepted(region: str) -> None:
    assert validate_provision_request(body(region=region), SUBSCRIPTION).region == region


@pytest.mark.parametrize("region", ["EastUS", "east us", "east-us", "eu", "1eastus", "eastus\n"])
def test_region_not_in_the_name_pattern_is_rejected(region: str) -> None:
    with pytest.raises(RequestValidationError) as caught:
        validate_provision_request(body(region=region), SUBSCRIPTION)
    assert caught.value.field == "region"
    assert "such as 'eastus'" in caught.value.message


def test_unknown_region_is_rejected_by_name() -> None:
    with pytest.raises(RequestValidationError) as caught:
        validate_provision_request(body(region="marscentral"), SUBSCRIPTION)
    assert caught.value.field == "region"
    assert caught.value.message == "region 'marscentral' is not a known public Azure region"


def test_region_list_holds_only_names_that_fit_the_pattern() -> None:
    assert len(AZURE_PUBLIC_REGIONS) >= 60
    assert all(re.fullmatch(r"[a-z][a-z0-9]{2,39}", name) for name in AZURE_PUBLIC_REGIONS)


# --- node_vm_size ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size", ["Standard_D2s_v5", "Standard_B2ms", "Standard_NC24ads_A100_v4", "Standard_X"]
)
def test_valid_vm_sizes_are_accepted(size: str) -> None:
    assert validate_provision_request(body(node_vm_size=size), SUBSCRIPTION).node_vm_size == size


def test_null_vm_size_means_the_default() -> None:
    request = validate_provision_request(body(node_vm_size=None), SUBSCRIPTION)
    assert request.node_vm_size == DEFAULT_NODE_VM_SIZE


@pytest.mark.parametrize(
    "size",
    [
        "",
        "D2s_v5",
        "standard_D2s_v5",
        "Standard_",
        "Standard_D2s_",
        "Standard_D2s__v5",
        "Standard_D2s v5",
        " Standard_D2s_v5",
        "Standard_D2s_v5 ",
        "Standard_" + "A" * 56,
    ],
)
def test_invalid_vm_sizes_are_rejected(size: str) -> None:
    with pytest.raises(RequestValidationError) as caught:
        validate_provision_request(body(node_vm_size=size), SUBSCRIPTION)
    assert caught.value.field == "node_vm_size"
    assert "Standard_D2s_v5" in caught.value.message


def test_vm_size_of_exactly_64_characters_is_accepted() -> None:
    size = "Standard_" + "A" * 55
    assert len(size) == 64
    assert validate_provision_request(body(node_vm_size=size), SUBSCRIPTION).node_vm_size == size


# --- node_count ------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 50, 100])
def test_node_counts_in_range_are_accepted(count: int) -> None:
    assert validate_provision_request(body(node_count=count), SUBSCRIPTION).node_count == count


@pytest.mark.parametrize("count", [0, -1, 101, 10**12, True, False, 2.0, 2.5, "2", [2]])
def test_node_counts_out_of_range_or_not_integers_are_rejected(count: object) -> None:
    with pytest.raises(RequestValidationError) as caught:
        validate_provision_request(body(node_count=count), SUBSCRIPTION)
    assert caught.value.field == "node_count"
    assert caught.value.message == "node_count must be a whole number from 1 to 100"


def test_null_node_count_means_the_default() -> None:
    request = validate_provision_request(body(node_count=None), SUBSCRIPTION)
    assert request.node_count == DEFAULT_NODE_COUNT


# --- kubernetes_version ----------------------------------------------------------------------


@pytest.mark.parametrize("version", [None, "", ...])
def test_absent_null_or_empty_kubernetes_version_means_the_default(version: object) -> None:
    request = validate_provision_request(body(kubernetes_version=version), SUBSCRIPTION)
    assert request.kubernetes_version is None


@pytest.mark.parametrize("version", ["1.30", "1.30.4", "1.29.10"])
def test_valid_kubernetes_versions_are_kept(version: str) -> None:
    request = validate_provision_request(body(kubernetes_version=version), SUBSCRIPTION)
    assert request.kubernetes_version == version


@pytest.mark.parametrize(
    "version",
    [
        "1",
        "v1.30",
        "1.30.",
        "1.30.4.1",
        " 1.30",
        "1.30 ",
        "latest",
        "1.3\n",
        "١.٣٠",
        "1." + "3" * 15000,
        "1234.30",
        "1.30.12345",
    ],
)
def test_invalid_kubernetes_versions_are_rejected(version: str) -> None:
    with pytest.raises(RequestValidationError) as caught:
        validate_provision_request(body(kubernetes_version=version), SUBSCRIPTION)
    assert caught.value.field == "kubernetes_version"
    assert "'1.30.4'" in caught.value.message


def test_non_string_kubernetes_version_is_rejected() -> None:
    assert rejected_field(body(kubernetes_version=1.3)) == "kubernetes_version"


# --- whole-request property ------------------------------------------------------------------


@settings(max_examples=200)
@given(
    st.dictionaries(
        st.sampled_from(
            ["cluster_name", "resource_group", "region", "node_vm_size", "node_count", "x"]
        ),
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    )
)
def test_any_json_object_gives_a_request_or_a_named_field_error(payload: dict[str, Any]) -> None:
    try:
        request = validate_provision_request(payload, SUBSCRIPTION)
    except RequestValidationError as error:
        assert error.field in {*payload, "cluster_name", "resource_group", "region"}
        assert error.message
    else:
        assert request.to_dict() == ProvisionRequest.from_dict(request.to_dict()).to_dict()


# --- body decoding ---------------------------------------------------------------------------


def test_json_body_within_the_limit_is_decoded() -> None:
    assert decode_json_body(json.dumps(body()).encode()) == body()


def test_body_over_16_kib_is_rejected_before_parsing() -> None:
    raw = json.dumps({"cluster_name": "a" * MAX_BODY_BYTES}).encode()
    with pytest.raises(RequestValidationError) as caught:
        decode_json_body(raw)
    assert caught.value.field == "body"
    assert "16384 bytes" in caught.value.message


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff\xfe", b"[" * 10000, b"{'a': 1}"])
def test_malformed_json_body_is_rejected_as_body(raw: bytes) -> None:
    with pytest.raises(RequestValidationError) as caught:
        decode_json_body(raw)
    assert (caught.value.field, caught.value.message) == ("body", "body must be valid JSON")


# --- query parameters ------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, ""])
def test_absent_query_parameter_gives_the_default(raw: str | None) -> None:
    assert parse_bounded_int(raw, "hours", 24, 1, 168) == 24


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", 1), ("168", 168), ("48", 48), ("+5", 5), ("007", 7), ("0", 1), ("-3", 1)],
)
def test_query_parameter_in_or_below_range(raw: str, expected: int) -> None:
    assert parse_bounded_int(raw, "hours", 24, 1, 168) == expected


@pytest.mark.parametrize("raw", ["169", "1000", "9" * 5000])
def test_query_parameter_above_range_is_clamped_to_the_maximum(raw: str) -> None:
    assert parse_bounded_int(raw, "limit", 10, 1, 20) == 20


def test_hugely_negative_query_parameter_is_clamped_to_the_minimum() -> None:
    assert parse_bounded_int("-" + "9" * 5000, "limit", 10, 1, 20) == 1


@pytest.mark.parametrize("raw", ["abc", "1.5", " 5", "5 ", "1e3", "٥", "5_0", "--1", "0x10"])
def test_non_integer_query_parameter_is_rejected_naming_it(raw: str) -> None:
    with pytest.raises(RequestValidationError) as caught:
        parse_bounded_int(raw, "hours", 24, 1, 168)
    assert (caught.value.field, caught.value.message) == ("hours", "hours must be an integer")


@settings(max_examples=200)
@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_any_integer_query_parameter_lands_inside_the_bounds(value: int) -> None:
    assert parse_bounded_int(str(value), "limit", 20, 1, 50) == max(1, min(50, value))


# --- task ids --------------------------------------------------------------------------------


def test_task_id_in_our_format_is_accepted() -> None:
    task_id = "2518846371999999999-0123456789ab"
    assert validate_task_id(task_id) == task_id


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "abc",
        "@2518846371999999999-0123456789ab",
        "2518846371999999999-0123456789AB",
        "2518846371999999999-0123456789a",
        "251884637199999999-0123456789ab",
        "2518846371999999999-0123456789ab\n",
        "2518846371999999999/0123456789ab",
        "../2518846371999999999-0123456789ab",
        None,
        42,
    ],
)
def test_anything_else_is_not_a_task_id(raw: object) -> None:
    with pytest.raises(RequestValidationError) as caught:
        validate_task_id(raw)
    assert caught.value.field == "task_id"


# --- properties for the remaining fields (resource groups, counts, sizes) -------------------

DESIGN_RESOURCE_GROUP = re.compile(r"[-_().a-zA-Z0-9]{1,90}")


@settings(max_examples=200)
@given(
    st.one_of(
        st.text(max_size=95),
        st.text(alphabet="aZ9-_.()/ ", max_size=95),
        st.from_regex(DESIGN_RESOURCE_GROUP, fullmatch=True),
    )
)
def test_resource_groups_are_accepted_exactly_when_the_design_rule_holds(group: str) -> None:
    expected = bool(DESIGN_RESOURCE_GROUP.fullmatch(group)) and not group.endswith(".")
    try:
        accepted = validate_provision_request(body(resource_group=group), SUBSCRIPTION)
    except RequestValidationError as error:
        assert error.field == "resource_group"
        assert not expected
    else:
        assert expected
        assert accepted.resource_group == group


@settings(max_examples=200)
@given(
    st.one_of(
        st.integers(min_value=-(10**6), max_value=10**6),
        st.booleans(),
        st.floats(allow_nan=True),
        st.text(max_size=5),
        st.lists(st.integers(), max_size=2),
    )
)
def test_node_counts_are_accepted_exactly_when_a_json_integer_from_1_to_100(count: object) -> None:
    expected = type(count) is int and 1 <= count <= 100
    try:
        accepted = validate_provision_request(body(node_count=count), SUBSCRIPTION)
    except RequestValidationError as error:
        assert error.field == "node_count"
        assert not expected
    else:
        assert expected
        assert accepted.node_count == count


DESIGN_VM_SIZE = re.compile(r"Standard_[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*")


@settings(max_examples=200)
@given(
    st.one_of(
        st.text(max_size=70),
        st.from_regex(DESIGN_VM_SIZE, fullmatch=True),
        st.text(alphabet="Standr_D2sv5 ", max_size=70).map(lambda t: "Standard_" + t),
    )
)
def test_vm_sizes_are_accepted_exactly_when_named_like_azure_and_at_most_64(size: str) -> None:
    expected = bool(DESIGN_VM_SIZE.fullmatch(size)) and len(size) <= 64
    try:
        accepted = validate_provision_request(body(node_vm_size=size), SUBSCRIPTION)
    except RequestValidationError as error:
        assert error.field == "node_vm_size"
        assert not expected
    else:
        assert expected
        assert accepted.node_vm_size == size


def test_access_defaults_to_entra_and_local_keeps_local_accounts() -> None:
    assert validate_provision_request(body(), SUBSCRIPTION).access is AccessMode.ENTRA
    assert validate_provision_request(body(access=None), SUBSCRIPTION).access is AccessMode.ENTRA
    local = validate_provision_request(body(access="local"), SUBSCRIPTION)
    assert local.access is AccessMode.LOCAL
    assert local.to_dict()["access"] == "local"


@pytest.mark.parametrize("value", ["Entra", "aad", "", 1, True, ["entra"], {"mode": "entra"}])
def test_any_other_access_is_a_400_naming_access(value: object) -> None:
    with pytest.raises(RequestValidationError) as caught:
        validate_provision_request(body(access=value), SUBSCRIPTION)
    assert caught.value.field == "access"
    assert "'entra' or 'local'" in caught.value.message
