"""Integer query bounds of the list endpoints, in one place: handlers and OpenAPI read them here.

Kept free of imports beyond the standard library: the handlers' modules load it at cold start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class QueryBound:
    """An integer query parameter: absent or empty gives the default, out of range is clamped."""

    name: str
    default: int
    low: int
    high: int

    def read(self, params: Mapping[str, str]) -> int:
        """The bounded value from a request's query parameters (400 naming it if not an integer)."""
        from provisioning.requests.validation import parse_bounded_int  # first use, not cold start

        return parse_bounded_int(
            params.get(self.name), self.name, self.default, self.low, self.high
        )


# GET /api/aks/recent-failed-provisions (README).
RECENT_FAILURES_HOURS = QueryBound("hours", default=24, low=1, high=168)
RECENT_FAILURES_LIMIT = QueryBound("limit", default=10, low=1, high=20)
# GET /api/aks/provisions.
HISTORY_LIMIT = QueryBound("limit", default=20, low=1, high=50)
