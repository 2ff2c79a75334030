"""Query bounds: absent or empty gives the default, out of range is clamped, junk is a 400."""

from __future__ import annotations

import pytest

from provisioning.requests.bounds import (
    HISTORY_LIMIT,
    RECENT_FAILURES_HOURS,
    RECENT_FAILURES_LIMIT,
    QueryBound,
)
from provisioning.requests.validation import RequestValidationError

BOUNDS = [RECENT_FAILURES_HOURS, RECENT_FAILURES_LIMIT, HISTORY_LIMIT]


def test_the_list_endpoints_keep_their_contract_bounds() -> None:
    assert (
        RECENT_FAILURES_HOURS.default,
        RECENT_FAILURES_HOURS.low,
        RECENT_FAILURES_HOURS.high,
    ) == (24, 1, 168)
    assert (
        RECENT_FAILURES_LIMIT.default,
        RECENT_FAILURES_LIMIT.low,
        RECENT_FAILURES_LIMIT.high,
    ) == (10, 1, 20)
    assert (HISTORY_LIMIT.default, HISTORY_LIMIT.low, HISTORY_LIMIT.high) == (20, 1, 50)


@pytest.mark.parametrize("bound", BOUNDS, ids=lambda b: f"{b.name}-{b.high}")
def test_absent_or_empty_gives_the_default(bound: QueryBound) -> None:
    assert bound.read({}) == bound.default
    assert bound.read({bound.name: ""}) == bound.default


@pytest.mark.parametrize("bound", BOUNDS, ids=lambda b: f"{b.name}-{b.high}")
def test_out_of_range_is_clamped(bound: QueryBound) -> None:
    assert bound.read({bound.name: "0"}) == bound.low
    assert bound.read({bound.name: "-5"}) == bound.low
    assert bound.read({bound.name: str(bound.high + 1)}) == bound.high
    assert bound.read({bound.name: "9" * 40}) == bound.high


def test_a_non_integer_is_refused_naming_the_parameter() -> None:
    with pytest.raises(RequestValidationError) as refused:
        RECENT_FAILURES_HOURS.read({"hours": "1.5"})
    assert refused.value.field == "hours"
