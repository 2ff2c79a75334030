"""ARM conditional writes: If-Match / If-None-Match against a resource's eTag (RFC 9110 13.1)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from local.arm_simulator import arm_errors
from local.arm_simulator.arm_errors import ArmError

ANY_ENTITY = "*"


def new_etag() -> str:
    """A fresh eTag; AKS's are GUIDs (learn.microsoft.com/azure/aks/use-etags)."""
    return str(uuid.uuid4())


def entity_tags(raw: str | None) -> tuple[str, ...] | None:
    """The tags of one If-Match / If-None-Match header without quotes or W/; None when absent."""
    if raw is None or not raw.strip():
        return None
    tags = []
    for part in raw.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tags.append(tag.strip('"'))
    return tuple(tags)


def quoted(etag: str) -> str:
    """The ETag response header carries the eTag as an HTTP entity tag (quoted)."""
    return f'"{etag}"'


@dataclass(frozen=True)
class WriteConditions:
    """The preconditions of one write request (what the SDK's match_condition sends)."""

    if_match: tuple[str, ...] | None = None
    if_none_match: tuple[str, ...] | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> WriteConditions:
        """Read If-Match and If-None-Match (header names are case-insensitive in aiohttp)."""
        return cls(
            if_match=entity_tags(headers.get("If-Match")),
            if_none_match=entity_tags(headers.get("If-None-Match")),
        )


UNCONDITIONAL = WriteConditions()


def precondition_failure(
    conditions: WriteConditions,
    current_etag: str | None,
    name: str,
    kind: str = "managed cluster",
) -> ArmError | None:
    """The 412 a write gets given the resource's eTag (None when it does not exist), else None."""
    none_match = conditions.if_none_match
    if none_match is not None and current_etag is not None:
        if ANY_ENTITY in none_match or current_etag in none_match:
            return arm_errors.precondition_failed_exists(name, kind)
    match = conditions.if_match
    if match is None:
        return None
    if current_etag is None:
        return arm_errors.precondition_failed_missing(name, kind)
    if ANY_ENTITY in match or current_etag in match:
        return None
    return arm_errors.precondition_failed_mismatch(name, ", ".join(match), kind)
