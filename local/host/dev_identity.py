"""The local host plays App Service Authentication: it injects the signed-in dev user."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

PRINCIPAL_HEADER = "x-ms-client-principal"
DEV_USER_COOKIE = "local_dev_user"
DEFAULT_DEV_USER = "dev"
OID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier"
NAME_CLAIM = "name"
DEV_USER_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
DEV_NAMESPACE = uuid.UUID("6f1a4c1e-3b0e-4d7e-9a57-2f6d3c1b8e90")


def dev_object_id(user: str) -> str:
    """A stable, GUID-shaped object id per dev user name (like an Entra oid)."""
    return str(uuid.uuid5(DEV_NAMESPACE, user))


def dev_principal(user: str) -> dict[str, Any]:
    """Easy Auth principal JSON for a dev user."""
    return {
        "auth_typ": "aad",
        "name_typ": NAME_CLAIM,
        "role_typ": "roles",
        "claims": [
            {"typ": OID_CLAIM, "val": dev_object_id(user)},
            {"typ": NAME_CLAIM, "val": user},
            {"typ": "preferred_username", "val": f"{user}@localhost"},
        ],
    }


def encode_principal(principal: Mapping[str, Any]) -> str:
    """Base64 JSON, the wire form of X-MS-CLIENT-PRINCIPAL."""
    return base64.b64encode(json.dumps(principal).encode()).decode()


def dev_user_from_cookie(cookies: Mapping[str, str]) -> str:
    """The signed-in dev user, defaulting to `dev`."""
    user = cookies.get(DEV_USER_COOKIE, DEFAULT_DEV_USER)
    return user if DEV_USER_PATTERN.fullmatch(user) else DEFAULT_DEV_USER


def is_cross_site(headers: Mapping[str, str], own_origin: str) -> bool:
    """A browser request from another site: Sec-Fetch-Site says so, or Origin is not ours."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("sec-fetch-site", "").strip().lower() == "cross-site":
        return True
    origin = lowered.get("origin")
    return origin is not None and origin.strip().rstrip("/").lower() != own_origin.lower()


def identity_headers(
    headers: Mapping[str, str], cookies: Mapping[str, str], own_origin: str | None = None
) -> dict[str, str]:
    """Headers to add: none for a caller's own principal or a cookieless cross-site request.

    A cross-site page must not act as the default dev user just by being open in a browser.
    """
    if any(k.lower() == PRINCIPAL_HEADER for k in headers):
        return {}
    cross_site = own_origin is not None and is_cross_site(headers, own_origin)
    if cross_site and DEV_USER_COOKIE not in cookies:
        return {}
    user = dev_user_from_cookie(cookies)
    return {
        "X-MS-CLIENT-PRINCIPAL": encode_principal(dev_principal(user)),
        "X-MS-CLIENT-PRINCIPAL-ID": dev_object_id(user),
        "X-MS-CLIENT-PRINCIPAL-NAME": user,
        "X-MS-CLIENT-PRINCIPAL-IDP": "aad",
    }


def auth_me_payload(headers: Mapping[str, str], cookies: Mapping[str, str]) -> dict[str, Any]:
    """`/.auth/me` answer in the Static Web Apps shape (what the dashboard reads)."""
    raw = next((v for k, v in headers.items() if k.lower() == PRINCIPAL_HEADER), None)
    if raw is None:
        user = dev_user_from_cookie(cookies)
        return {
            "clientPrincipal": {
                "identityProvider": "aad",
                "userId": dev_object_id(user),
                "userDetails": user,
                "userRoles": ["anonymous", "authenticated"],
            }
        }
    try:
        decoded = json.loads(base64.b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, UnicodeDecodeError):
        return {"clientPrincipal": None}
    if not isinstance(decoded, dict):
        return {"clientPrincipal": None}
    if "userId" in decoded:
        return {"clientPrincipal": decoded}
    claims = {c.get("typ"): c.get("val") for c in decoded.get("claims", []) if isinstance(c, dict)}
    return {
        "clientPrincipal": {
            "identityProvider": decoded.get("auth_typ", "aad"),
            "userId": claims.get(OID_CLAIM) or claims.get("oid"),
            "userDetails": claims.get(NAME_CLAIM) or claims.get("preferred_username"),
            "userRoles": ["anonymous", "authenticated"],
        }
    }
