"""Caller identity from the platform's principal header (Easy Auth or Static Web Apps).

The header is trusted only when a platform strips client-sent copies (Easy Auth on, or the
local host); otherwise every call is refused with 503 rather than trusting a spoofable header.
The owner id becomes a Table Storage PartitionKey, so it is checked against a strict
allow-list: `[A-Za-z0-9._@:+=-]{1,128}`. That admits Entra object ids (GUIDs), Static Web Apps
user ids (32 hex characters) and local dev user names, and nothing a key or a log could trip on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

PRINCIPAL_HEADER = "x-ms-client-principal"
PRINCIPAL_ID_HEADER = "x-ms-client-principal-id"
MAX_PRINCIPAL_HEADER_CHARS = 16 * 1024
MAX_DISPLAY_NAME_CHARS = 256
OBJECT_ID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier"
SHORT_OBJECT_ID_CLAIM = "oid"
ID_CLAIMS = frozenset({OBJECT_ID_CLAIM, SHORT_OBJECT_ID_CLAIM})
NAME_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
ROLE_CLAIM = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
OWNER_ID_PATTERN = re.compile(r"[A-Za-z0-9._@:+=-]{1,128}")
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")

PrincipalSource = Literal["easyauth", "swa"]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a validated owner id (the PartitionKey) and a display name."""

    owner_id: str
    name: str
    source: PrincipalSource


class IdentityError(Exception):
    """The caller's identity is unusable; `code` and `status` are the HTTP answer."""

    code = "unauthenticated"
    status = 401

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthNotConfigured(IdentityError):
    """No platform strips client copies of the identity header, so none can be trusted."""

    code = "auth_not_configured"
    status = 503


class MissingPrincipal(IdentityError):
    """The request carries no principal header: the caller is not signed in."""

    code = "unauthenticated"
    status = 401


class MalformedPrincipal(IdentityError):
    """The principal header is not base64 JSON of a known shape, or lacks the id claim."""

    code = "malformed_principal"
    status = 401


class AmbiguousPrincipal(IdentityError):
    """The request names more than one caller (two headers, two shapes, disagreeing ids).

    Picking one would let whoever added the other decide who the caller is, so none is used.
    """

    code = "ambiguous_principal"
    status = 401


class InvalidOwnerId(IdentityError):
    """The principal's id is not safe to use as a PartitionKey."""

    code = "invalid_owner_id"
    status = 401


def principal_from_headers(headers: Mapping[str, str], *, trusted: bool) -> Principal:
    """Read the caller from the platform's principal header (any key case), or raise why not."""
    if not trusted:
        raise AuthNotConfigured(
            "Authentication is not configured: turn on App Service Authentication "
            "so the platform supplies the caller's identity."
        )
    value = _single_header(headers, PRINCIPAL_HEADER)
    if value is None or not value.strip():
        raise MissingPrincipal("Sign in first: the request carries no client principal.")
    if "," in value:
        # Base64 has no comma: this is two principal headers joined by the host.
        raise AmbiguousPrincipal("The request carries more than one client principal.")
    payload = _decode_payload(value.strip())
    if "userId" in payload and "claims" in payload:
        raise AmbiguousPrincipal(
            "The client principal has both a Static Web Apps userId and App Service claims."
        )
    if "userId" in payload:
        principal = _swa_principal(payload)
    elif "claims" in payload:
        principal = _easyauth_principal(payload)
    else:
        raise MalformedPrincipal("The client principal has neither claims nor a userId.")
    _check_principal_id_header(headers, principal)
    return principal


def validate_owner_id(owner_id: object) -> str:
    """Return the owner id if it is safe as a PartitionKey, else raise InvalidOwnerId."""
    if not isinstance(owner_id, str) or not OWNER_ID_PATTERN.fullmatch(owner_id):
        raise InvalidOwnerId(
            "The caller's id must be 1-128 characters of letters, digits or . _ @ : + = -"
        )
    return owner_id


def encode_easyauth_principal(owner_id: str, name: str) -> str:
    """An X-MS-CLIENT-PRINCIPAL value as App Service Authentication builds it for Entra ID."""
    payload = {
        "auth_typ": "aad",
        "claims": [
            {"typ": OBJECT_ID_CLAIM, "val": owner_id},
            {"typ": NAME_CLAIM, "val": name},
            {"typ": "name", "val": name},
        ],
        "name_typ": NAME_CLAIM,
        "role_typ": ROLE_CLAIM,
    }
    return _encode(payload)


def encode_swa_principal(user_id: str, user_details: str) -> str:
    """An x-ms-client-principal value as Azure Static Web Apps builds it."""
    payload = {
        "identityProvider": "aad",
        "userId": user_id,
        "userDetails": user_details,
        "userRoles": ["anonymous", "authenticated"],
    }
    return _encode(payload)


def hashed_owner(owner_id: str) -> str:
    """A short stable digest of an owner id, so logs can correlate users without naming them."""
    digest = hashlib.sha256(owner_id.encode("utf-8", errors="surrogatepass"))
    return digest.hexdigest()[:16]


def _single_header(headers: Mapping[str, str], name: str) -> str | None:
    """The one value of a header (any key case); two keys that differ only in case are two."""
    values = [
        value for key, value in headers.items() if isinstance(key, str) and key.lower() == name
    ]
    if len(values) > 1:
        raise AmbiguousPrincipal(f"The request carries more than one {name} header.")
    if not values:
        return None
    return values[0] if isinstance(values[0], str) else None


def _check_principal_id_header(headers: Mapping[str, str], principal: Principal) -> None:
    """App Service also sends the caller's id on its own; when present it must agree."""
    raw = _single_header(headers, PRINCIPAL_ID_HEADER)
    if raw is None:
        return
    claimed = raw.strip()
    if claimed != principal.owner_id and not _same_guid(claimed, principal.owner_id):
        raise AmbiguousPrincipal(
            "X-MS-CLIENT-PRINCIPAL-ID does not match the client principal's id."
        )


def _same_guid(left: str, right: str) -> bool:
    """GUIDs compare case-insensitively (an Entra object id may be spelled either way)."""
    try:
        return uuid.UUID(left) == uuid.UUID(right)
    except ValueError:
        return False


def _decode_payload(value: str) -> dict[str, Any]:
    """Base64 (standard or URL-safe, padding optional) JSON object, or MalformedPrincipal."""
    if len(value) > MAX_PRINCIPAL_HEADER_CHARS:
        raise MalformedPrincipal("The client principal header is too large.")
    if not _BASE64_TEXT.fullmatch(value):
        raise MalformedPrincipal("The client principal is not base64.")
    core = value.rstrip("=").replace("-", "+").replace("_", "/")
    if len(core) % 4 == 1:
        raise MalformedPrincipal("The client principal is not base64.")
    try:
        raw = base64.b64decode(core + "=" * (-len(core) % 4), validate=True)
        payload = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedPrincipal("The client principal is not base64-encoded JSON.") from exc
    if not isinstance(payload, dict):
        raise MalformedPrincipal("The client principal is not a JSON object.")
    return payload


def _swa_principal(payload: dict[str, Any]) -> Principal:
    user_id = payload.get("userId")
    if not isinstance(user_id, str) or not user_id:
        raise MalformedPrincipal("The client principal's userId is missing or not a string.")
    owner_id = validate_owner_id(user_id)
    name = _display_name(payload.get("userDetails"), owner_id)
    return Principal(owner_id=owner_id, name=name, source="swa")


def _easyauth_principal(payload: dict[str, Any]) -> Principal:
    claims = payload.get("claims")
    if not isinstance(claims, list):
        raise MalformedPrincipal("The client principal's claims are not a list.")
    values: dict[str, str] = {}
    for claim in claims:
        if not isinstance(claim, dict):
            raise MalformedPrincipal("A client principal claim is not an object.")
        typ, val = claim.get("typ"), claim.get("val")
        if isinstance(typ, str) and isinstance(val, str):
            known = values.setdefault(typ, val)
            if typ in ID_CLAIMS and known != val:
                raise AmbiguousPrincipal("The client principal names two different object ids.")
    object_id = values.get(OBJECT_ID_CLAIM) or values.get(SHORT_OBJECT_ID_CLAIM)
    if not object_id:
        raise MalformedPrincipal("The client principal has no object id claim.")
    owner_id = validate_owner_id(object_id)
    name_typ = payload.get("name_typ")
    name_types = (name_typ if isinstance(name_typ, str) else "", "name", "preferred_username")
    name = next((values[t] for t in (*name_types, NAME_CLAIM) if t and values.get(t)), None)
    return Principal(owner_id=owner_id, name=_display_name(name, owner_id), source="easyauth")


def _display_name(raw: object, owner_id: str) -> str:
    """A printable, bounded display name; falls back to the owner id."""
    if not isinstance(raw, str):
        return owner_id
    text = _CONTROL_CHARS.sub("", raw).strip()
    text = text.encode("utf-8", errors="replace").decode("utf-8")[:MAX_DISPLAY_NAME_CHARS]
    return text or owner_id


def _encode(payload: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(payload).encode("utf-8")).decode("ascii")
