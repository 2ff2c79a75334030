"""Caller identity: only a trusted platform header names the caller, and only a safe id."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisioning.access.identity import (
    OBJECT_ID_CLAIM,
    AmbiguousPrincipal,
    AuthNotConfigured,
    IdentityError,
    InvalidOwnerId,
    MalformedPrincipal,
    MissingPrincipal,
    Principal,
    encode_easyauth_principal,
    encode_swa_principal,
    hashed_owner,
    principal_from_headers,
    validate_owner_id,
)

OID = "11111111-2222-3333-4444-555555555555"
SWA_USER = "d75b260a64504067bfc5b2905e3b8182"


def encoded(payload: object, *, urlsafe: bool = False, padded: bool = True) -> str:
    raw = json.dumps(payload).encode()
    text = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(raw).decode()
    return text if padded else text.rstrip("=")


def easyauth_payload(claims: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "auth_typ": "aad",
        "claims": claims,
        "name_typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        "role_typ": "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
        **extra,
    }


def parse(value: str, header: str = "X-MS-CLIENT-PRINCIPAL") -> Principal:
    return principal_from_headers({header: value}, trusted=True)


def raised(value: str) -> IdentityError:
    with pytest.raises(IdentityError) as caught:
        parse(value)
    return caught.value


# --- trust and presence ----------------------------------------------------------------------


def test_untrusted_platform_refuses_even_a_valid_principal() -> None:
    headers = {"X-MS-CLIENT-PRINCIPAL": encode_easyauth_principal(OID, "Ada")}
    with pytest.raises(AuthNotConfigured) as caught:
        principal_from_headers(headers, trusted=False)
    assert (caught.value.status, caught.value.code) == (503, "auth_not_configured")


def test_untrusted_platform_refuses_a_request_without_headers() -> None:
    with pytest.raises(AuthNotConfigured):
        principal_from_headers({}, trusted=False)


@pytest.mark.parametrize("headers", [{}, {"X-MS-CLIENT-PRINCIPAL": ""}, {"Other": "x"}])
def test_missing_principal_is_unauthenticated(headers: dict[str, str]) -> None:
    with pytest.raises(MissingPrincipal) as caught:
        principal_from_headers(headers, trusted=True)
    assert (caught.value.status, caught.value.code) == (401, "unauthenticated")


def test_principal_id_header_alone_is_not_an_identity() -> None:
    with pytest.raises(MissingPrincipal):
        principal_from_headers({"X-MS-CLIENT-PRINCIPAL-ID": OID}, trusted=True)


# --- Easy Auth -------------------------------------------------------------------------------


def test_easyauth_principal_gives_the_object_id_and_name() -> None:
    principal = parse(encode_easyauth_principal(OID, "Ada Lovelace"))
    assert principal == Principal(owner_id=OID, name="Ada Lovelace", source="easyauth")


@pytest.mark.parametrize(
    "header", ["x-ms-client-principal", "X-MS-CLIENT-PRINCIPAL", "X-Ms-Client-Principal"]
)
def test_header_name_is_case_insensitive(header: str) -> None:
    assert parse(encode_easyauth_principal(OID, "Ada"), header=header).owner_id == OID


def test_short_oid_claim_is_accepted() -> None:
    value = encoded(easyauth_payload([{"typ": "oid", "val": OID}, {"typ": "name", "val": "A"}]))
    assert parse(value).owner_id == OID


def test_long_object_id_claim_wins_over_short_oid() -> None:
    claims = [{"typ": "oid", "val": "short"}, {"typ": OBJECT_ID_CLAIM, "val": OID}]
    assert parse(encoded(easyauth_payload(claims))).owner_id == OID


def test_name_comes_from_the_claim_that_name_typ_names() -> None:
    claims = [
        {"typ": OBJECT_ID_CLAIM, "val": OID},
        {"typ": "name", "val": "Display"},
        {"typ": "upn", "val": "ada@contoso.com"},
    ]
    value = encoded(easyauth_payload(claims, name_typ="upn"))
    assert parse(value).name == "ada@contoso.com"


def test_name_falls_back_to_preferred_username() -> None:
    claims = [
        {"typ": OBJECT_ID_CLAIM, "val": OID},
        {"typ": "preferred_username", "val": "ada@contoso.com"},
    ]
    assert parse(encoded(easyauth_payload(claims))).name == "ada@contoso.com"


def test_name_falls_back_to_the_owner_id_when_no_name_claim_exists() -> None:
    value = encoded(easyauth_payload([{"typ": OBJECT_ID_CLAIM, "val": OID}]))
    assert parse(value).name == OID


def test_display_name_loses_control_characters_and_is_bounded() -> None:
    claims = [{"typ": OBJECT_ID_CLAIM, "val": OID}, {"typ": "name", "val": "Ada\x00\n" + "x" * 500}]
    name = parse(encoded(easyauth_payload(claims))).name
    assert name.startswith("Ada") and "\x00" not in name and "\n" not in name
    assert len(name) == 256


def test_missing_object_id_claim_is_malformed() -> None:
    value = encoded(easyauth_payload([{"typ": "name", "val": "Ada"}]))
    error = raised(value)
    assert isinstance(error, MalformedPrincipal)
    assert (error.status, error.code) == (401, "malformed_principal")
    assert "object id" in error.message


@pytest.mark.parametrize(
    "payload",
    [
        {"claims": "not a list"},
        {"claims": ["not an object"]},
        {"claims": [{"typ": OBJECT_ID_CLAIM, "val": 42}]},
        {"auth_typ": "aad"},
        [1, 2, 3],
        "text",
    ],
)
def test_wrong_json_shapes_are_malformed(payload: object) -> None:
    assert isinstance(raised(encoded(payload)), MalformedPrincipal)


# --- Static Web Apps -------------------------------------------------------------------------


def test_swa_principal_gives_user_id_and_details() -> None:
    principal = parse(encode_swa_principal(SWA_USER, "ada@contoso.com"), "x-ms-client-principal")
    assert principal == Principal(owner_id=SWA_USER, name="ada@contoso.com", source="swa")


def test_principal_with_both_a_user_id_and_claims_is_ambiguous() -> None:
    payload = {
        "userId": SWA_USER,
        "userDetails": "ada",
        "claims": [{"typ": OBJECT_ID_CLAIM, "val": OID}],
    }
    error = raised(encoded(payload))
    assert isinstance(error, AmbiguousPrincipal)
    assert (error.status, error.code) == (401, "ambiguous_principal")


# --- ambiguity: one caller or none -----------------------------------------------------------


def test_two_principal_headers_differing_only_in_case_are_ambiguous() -> None:
    headers = {
        "X-MS-CLIENT-PRINCIPAL": encode_easyauth_principal(OID, "Ada"),
        "x-ms-client-principal": encode_swa_principal(SWA_USER, "eve"),
    }
    with pytest.raises(AmbiguousPrincipal):
        principal_from_headers(headers, trusted=True)


def test_repeated_principal_header_joined_by_the_host_is_ambiguous() -> None:
    joined = encode_easyauth_principal(OID, "Ada") + ", " + encode_swa_principal(SWA_USER, "e")
    assert isinstance(raised(joined), AmbiguousPrincipal)


def test_principal_id_header_that_disagrees_with_the_object_id_is_ambiguous() -> None:
    headers = {
        "X-MS-CLIENT-PRINCIPAL": encode_easyauth_principal(OID, "Ada"),
        "X-MS-CLIENT-PRINCIPAL-ID": "99999999-2222-3333-4444-555555555555",
    }
    with pytest.raises(AmbiguousPrincipal):
        principal_from_headers(headers, trusted=True)


@pytest.mark.parametrize("principal_id", [OID, OID.upper(), f" {OID} "])
def test_principal_id_header_that_agrees_is_accepted(principal_id: str) -> None:
    headers = {
        "X-MS-CLIENT-PRINCIPAL": encode_easyauth_principal(OID, "Ada"),
        "X-MS-CLIENT-PRINCIPAL-ID": principal_id,
    }
    assert principal_from_headers(headers, trusted=True).owner_id == OID


def test_principal_id_header_must_match_a_swa_user_id_too() -> None:
    headers = {
        "x-ms-client-principal": encode_swa_principal(SWA_USER, "ada"),
        "x-ms-client-principal-id": "someone-else",
    }
    with pytest.raises(AmbiguousPrincipal):
        principal_from_headers(headers, trusted=True)


def test_two_different_object_id_claims_are_ambiguous() -> None:
    claims = [{"typ": OBJECT_ID_CLAIM, "val": OID}, {"typ": OBJECT_ID_CLAIM, "val": "other"}]
    assert isinstance(raised(encoded(easyauth_payload(claims))), AmbiguousPrincipal)


def test_a_repeated_identical_object_id_claim_is_fine() -> None:
    claims = [{"typ": OBJECT_ID_CLAIM, "val": OID}, {"typ": OBJECT_ID_CLAIM, "val": OID}]
    assert parse(encoded(easyauth_payload(claims))).owner_id == OID


def test_swa_user_id_that_is_not_a_string_is_malformed() -> None:
    assert isinstance(raised(encoded({"userId": 12345})), MalformedPrincipal)


def test_swa_without_user_details_is_named_by_its_id() -> None:
    assert parse(encoded({"userId": SWA_USER})).name == SWA_USER


# --- base64 forms ----------------------------------------------------------------------------


def test_unpadded_base64_is_accepted() -> None:
    payload = {"userId": SWA_USER, "userDetails": "ada?"}
    value = encoded(payload, padded=False)
    assert not value.endswith("=")
    assert parse(value).owner_id == SWA_USER


def test_urlsafe_base64_is_accepted() -> None:
    payload = {"userId": SWA_USER, "userDetails": "\u00ff\u00ff\u00ff>>>???"}
    value = encoded(payload, urlsafe=True)
    assert "-" in value or "_" in value
    assert parse(value).name == payload["userDetails"]


def test_surrounding_whitespace_in_the_header_value_is_ignored() -> None:
    assert parse(" " + encode_swa_principal(SWA_USER, "a") + "\t").owner_id == SWA_USER


@pytest.mark.parametrize("value", ["not base64!", "abcde", "%%%%", "eyJ1c2VySWQiOiAi"])
def test_garbage_header_values_are_malformed(value: str) -> None:
    assert isinstance(raised(value), MalformedPrincipal)


def test_non_utf8_payload_is_malformed() -> None:
    assert isinstance(raised(base64.b64encode(b"\xff\xfe{}").decode()), MalformedPrincipal)


def test_oversized_header_is_malformed_without_decoding() -> None:
    value = encode_swa_principal(SWA_USER, "x" * 20_000)
    error = raised(value)
    assert isinstance(error, MalformedPrincipal)
    assert "too large" in error.message


def test_deeply_nested_json_is_malformed_not_a_crash() -> None:
    value = base64.b64encode(b"[" * 5000 + b"]" * 5000).decode()
    assert isinstance(raised(value), MalformedPrincipal)


# --- owner id rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "owner", [OID, SWA_USER, "dev", "alice", "a", "user@contoso.com", "x" * 128, "a.b_c:d+e=f-g"]
)
def test_safe_owner_ids_are_accepted(owner: str) -> None:
    assert parse(encode_easyauth_principal(owner, "n")).owner_id == owner
    assert validate_owner_id(owner) == owner


@pytest.mark.parametrize(
    "owner",
    [
        "",
        "x" * 129,
        "a/b",
        "a\\b",
        "a#b",
        "a?b",
        "a\x00b",
        "a\x7fb",
        "a\x85b",
        " dev",
        "dev ",
        "a b",
        "o'brien",
        "\u00e9l\u00e8ve",
    ],
)
def test_unsafe_owner_ids_are_rejected(owner: str) -> None:
    error = raised(encode_easyauth_principal(owner, "n"))
    if owner == "":
        assert isinstance(error, MalformedPrincipal)  # an empty claim is no claim
    else:
        assert isinstance(error, InvalidOwnerId)
        assert (error.status, error.code) == (401, "invalid_owner_id")


def test_unsafe_swa_user_id_is_rejected() -> None:
    assert isinstance(raised(encode_swa_principal("../other", "x")), InvalidOwnerId)


def test_identity_errors_share_a_base_with_code_and_status() -> None:
    for cls in (AuthNotConfigured, MissingPrincipal, MalformedPrincipal, InvalidOwnerId):
        error = cls("why")
        assert isinstance(error, IdentityError)
        assert isinstance(error.status, int) and error.code and error.message == "why"


# --- hashing ---------------------------------------------------------------------------------


def test_hashed_owner_is_a_stable_16_hex_digest_that_hides_the_id() -> None:
    digest = hashed_owner(OID)
    assert digest == hashed_owner(OID)
    assert len(digest) == 16 and int(digest, 16) >= 0
    assert OID not in digest
    assert hashed_owner("other") != digest


# --- totality --------------------------------------------------------------------------------


def parsed_or_identity_error(value: str) -> None:
    try:
        principal = principal_from_headers({"x-ms-client-principal": value}, trusted=True)
    except IdentityError as error:
        assert error.status in {401, 503} and error.code
    else:
        assert validate_owner_id(principal.owner_id) == principal.owner_id
        assert principal.source in {"easyauth", "swa"}
        assert principal.name


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_any_base64_bytes_give_a_principal_or_an_identity_error(raw: bytes) -> None:
    parsed_or_identity_error(base64.b64encode(raw).decode())


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_any_header_text_gives_a_principal_or_an_identity_error(value: str) -> None:
    parsed_or_identity_error(value)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
CLAIM = st.fixed_dictionaries(
    {
        "typ": st.sampled_from([OBJECT_ID_CLAIM, "oid", "name", "x"]) | JSON_VALUES,
        "val": st.text(max_size=40) | JSON_VALUES,
    }
)
PAYLOADS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {"claims": st.lists(CLAIM, max_size=4) | JSON_VALUES},
        optional={"name_typ": JSON_VALUES, "userId": st.text(max_size=40) | JSON_VALUES},
    ),
    st.fixed_dictionaries(
        {"userId": st.text(max_size=40) | JSON_VALUES},
        optional={"userDetails": st.text(max_size=40) | JSON_VALUES},
    ),
)


@settings(max_examples=200)
@given(PAYLOADS, st.booleans())
def test_any_json_payload_gives_a_principal_or_an_identity_error(
    payload: object, urlsafe: bool
) -> None:
    parsed_or_identity_error(encoded(payload, urlsafe=urlsafe, padded=not urlsafe))


@settings(max_examples=200)
@given(st.from_regex(r"[A-Za-z0-9._@:+=-]{1,128}", fullmatch=True), st.text(max_size=50))
def test_encoded_principals_round_trip(owner: str, name: str) -> None:
    easy = parse(encode_easyauth_principal(owner, name))
    swa = parse(encode_swa_principal(owner, name))
    assert easy.owner_id == swa.owner_id == owner
    assert easy.source == "easyauth" and swa.source == "swa"
