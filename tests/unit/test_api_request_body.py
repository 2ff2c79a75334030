"""Request bodies are strict JSON and Idempotency-Key values are printable ASCII."""

from __future__ import annotations

import pytest

from provisioning.requests.validation import (
    RequestValidationError,
    decode_json_body,
    validate_idempotency_key,
)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"cluster_name": "a", "cluster_name": "b"}',
        b'{"cluster_name":"evil","resource_group":"rg","cluster_name":"x=","region":"eastus"}',
        b'{"user_pool": {"node_count": 1, "node_count": 2}}',
        b'[{"a": 1}, {"b": {"c": [{"d": 1, "d": 1}]}}]',
        b'{"a": 1, "\\u0061": 2}',
    ],
)
def test_duplicate_keys_at_any_depth_are_refused_naming_the_body(raw: bytes) -> None:
    with pytest.raises(RequestValidationError) as raised:
        decode_json_body(raw)
    assert raised.value.field == "body"
    assert "repeat" in raised.value.message


def test_the_same_key_in_sibling_objects_is_fine() -> None:
    assert decode_json_body(b'[{"a": 1}, {"a": 2}]') == [{"a": 1}, {"a": 2}]


@pytest.mark.parametrize("raw", [b'{"node_count": NaN}', b"Infinity", b'{"a": -Infinity}'])
def test_non_json_number_constants_are_refused(raw: bytes) -> None:
    with pytest.raises(RequestValidationError) as raised:
        decode_json_body(raw)
    assert raised.value.field == "body"


def test_a_long_duplicate_key_is_reported_shortened() -> None:
    key = "k" * 5000
    with pytest.raises(RequestValidationError) as raised:
        decode_json_body(f'{{"{key}": 1, "{key}": 2}}'.encode())
    assert len(raised.value.message) < 200


@pytest.mark.parametrize("key", ["k", " ", "~", "a" * 200, "key-1/with#odd?chars", "x y"])
def test_printable_ascii_keys_of_1_to_200_characters_are_accepted(key: str) -> None:
    assert validate_idempotency_key(key) == key


def test_an_absent_key_is_none() -> None:
    assert validate_idempotency_key(None) is None


@pytest.mark.parametrize(
    "key", ["", "a" * 201, "caf\u00e9", "\udcff", "tab\there", "line\nbreak", "\x7f", "\x00"]
)
def test_other_keys_are_refused_naming_the_header(key: str) -> None:
    with pytest.raises(RequestValidationError) as raised:
        validate_idempotency_key(key)
    assert raised.value.field == "Idempotency-Key"
    assert "printable ASCII" in raised.value.message
