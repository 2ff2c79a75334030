"""Cross-site request defence for state-changing calls: same origin, JSON bodies.

In Azure the Easy Auth session is a cookie, so a page on another site could otherwise make the
signed-in user's browser POST for them. Browsers send `Origin` on every cross-origin POST and
`Sec-Fetch-Site` on every request; neither can be forged by a page, and a page cannot add any
other header (nor a JSON content type) without a CORS preflight that this app never grants.
Non-browser clients send neither header and keep working.

The app's own origin is the scheme and host the request was addressed to. Behind App Service's
front end (Easy Auth on) TLS ends before the app, so there the scheme comes from
`X-Forwarded-Proto` and, when a front door rewrote the host, the host from `X-Forwarded-Host`;
each is used only when it holds exactly one well-formed value. Elsewhere (the local host, no
proxy) forwarded headers are ignored: anyone could send them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_MEDIA_TYPE = "application/json"
DEFAULT_PORTS = {"http": 80, "https": 443}
# A host as it may appear in an origin: DNS name or IPv4, or a bracketed IPv6 literal.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}|\[[0-9a-f:.]{{2,45}}\]")
_PORT = re.compile(r"[0-9]{1,5}")
_CHARSET_PARAMETER = re.compile(r"charset\s*=\s*\"?utf-8\"?", re.IGNORECASE)


class CrossOriginRequest(Exception):
    """A state-changing request came from a page of another origin (or an opaque one)."""


class UnsupportedMediaType(Exception):
    """A state-changing request carries a body that is not declared as JSON."""


def check_state_changing_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    behind_trusted_proxy: bool,
) -> None:
    """Refuse a cross-site or non-JSON state-changing request; safe methods always pass."""
    if method.upper() not in STATE_CHANGING_METHODS:
        return
    fetch_site = _header(headers, "sec-fetch-site")
    if fetch_site is not None and fetch_site.strip().lower() == "cross-site":
        raise CrossOriginRequest("cross-site requests cannot change anything here")
    origin = _header(headers, "origin")
    if origin is not None:
        own = own_origins(url, headers, behind_trusted_proxy=behind_trusted_proxy)
        if normalized_origin(origin) not in own:
            logger.warning("refused a %s from a foreign origin", method.upper())
            raise CrossOriginRequest("requests from other origins cannot change anything here")
    if body and not is_json_content_type(_header(headers, "content-type")):
        raise UnsupportedMediaType("a request body must be sent as Content-Type: application/json")


def is_json_content_type(value: str | None) -> bool:
    """`application/json`, optionally with a UTF-8 charset parameter (any case), nothing else."""
    if value is None:
        return False
    media_type, *parameters = value.split(";")
    if media_type.strip().lower() != JSON_MEDIA_TYPE:
        return False
    return all(
        not parameter.strip() or _CHARSET_PARAMETER.fullmatch(parameter.strip())
        for parameter in parameters
    )


def own_origins(
    url: str, headers: Mapping[str, str], *, behind_trusted_proxy: bool
) -> frozenset[str]:
    """The origins this request was addressed to (normalized); empty if none is well-formed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return frozenset()
    scheme, host = parts.scheme.lower(), parts.netloc.rpartition("@")[2]
    origins = {normalized_origin(f"{scheme}://{host}")}
    if behind_trusted_proxy:
        forwarded_proto = _single_value(_header(headers, "x-forwarded-proto"))
        if forwarded_proto is not None and forwarded_proto.lower() in DEFAULT_PORTS:
            scheme = forwarded_proto.lower()
            origins.add(normalized_origin(f"{scheme}://{host}"))
            forwarded_host = _single_value(_header(headers, "x-forwarded-host"))
            if forwarded_host is not None:
                origins.add(normalized_origin(f"{scheme}://{forwarded_host}"))
    return frozenset(origin for origin in origins if origin is not None)


def normalized_origin(value: str) -> str | None:
    """`scheme://host[:port]` lowercased without a default port, or None when not an origin.

    `null` (sandboxed frames, file: pages, some redirects), several values, paths, user info
    and anything but http(s) are not an origin anyone can be the same as.
    """
    text = value.strip()
    if not text.isascii() or not text.isprintable():
        return None
    scheme, separator, authority = text.partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in DEFAULT_PORTS:
        return None
    authority = authority.lower()
    if authority.startswith("["):
        host, bracket, rest = authority.partition("]")
        host += bracket
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port = rest[1:] if rest else ""
        has_port = bool(rest)
    else:
        host, colon, port = authority.partition(":")
        has_port = bool(colon)
    if not _HOST.fullmatch(host):
        return None
    if has_port:
        if not _PORT.fullmatch(port) or not 0 < int(port) < 65536:
            return None
        if int(port) == DEFAULT_PORTS[scheme]:
            has_port = False
    return f"{scheme}://{host}:{int(port)}" if has_port else f"{scheme}://{host}"


def _single_value(value: str | None) -> str | None:
    """A forwarded header's value when it holds exactly one (a list means several hops)."""
    if value is None or "," in value or not value.strip():
        return None
    return value.strip()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, any key case (the Functions worker lowercases; tests may not)."""
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name:
            return value if isinstance(value, str) else None
    return None
