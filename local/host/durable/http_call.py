"""call_http as the extension runs it: one request, then the 202 + Location polling pattern."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

# The extension's default when a 202 carries no Retry-After (HttpOptions, 30 s).
DEFAULT_POLL_SECONDS = 30.0
REQUEST_TIMEOUT_SECONDS = 90.0


class UnsupportedHttpCall(Exception):
    """A request the local host cannot make (managed-identity tokens need Azure)."""


async def durable_http_call(request: dict[str, Any]) -> dict[str, Any]:
    """Send a DurableHttpRequest; follow 202 + Location with GETs; a DurableHttpResponse."""
    if request.get("tokenSource"):
        raise UnsupportedHttpCall("call_http with a token_source needs Azure managed identity")
    method = str(request.get("method") or "GET").upper()
    headers = {k: _header_value(v) for k, v in (request.get("headers") or {}).items()}
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        response = await _send(session, method, request["uri"], headers, request.get("content"))
        polling = request.get("asynchronousPatternEnabled", True)
        while polling and response["statusCode"] == 202 and (location := _location(response)):
            await asyncio.sleep(_retry_after(response))
            response = await _send(session, "GET", location, headers, None)
    return response


async def _send(
    session: aiohttp.ClientSession,
    method: str,
    uri: str,
    headers: dict[str, str],
    content: str | None,
) -> dict[str, Any]:
    async with session.request(
        method, uri, headers=headers, data=content, allow_redirects=False
    ) as reply:
        body = await reply.text()
        return {
            "statusCode": reply.status,
            "headers": {name: value for name, value in reply.headers.items()},
            "content": body,
        }


def _header_value(value: Any) -> str:
    """Headers arrive as a string or a list of strings."""
    return ", ".join(value) if isinstance(value, list) else str(value)


def _location(response: dict[str, Any]) -> str | None:
    headers = {k.lower(): v for k, v in response["headers"].items()}
    return headers.get("location")


def _retry_after(response: dict[str, Any]) -> float:
    headers = {k.lower(): v for k, v in response["headers"].items()}
    try:
        return max(0.0, float(headers.get("retry-after", DEFAULT_POLL_SECONDS)))
    except ValueError:
        return DEFAULT_POLL_SECONDS
