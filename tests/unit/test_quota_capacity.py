"""Quota before acting: surge nodes, vCPUs needed, and the quota decision, as tables."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pytest

from provisioning.catalog.azure import REGIONAL_VCPUS, Usage, VmSize
from provisioning.preflight.capacity import (
    NodeDemand,
    QuotaOutcome,
    UnknownVmSize,
    decide_quota,
    sizes_by_name,
    surge_nodes,
    vcpus_needed,
)
from provisioning.preflight.quota_gate import (
    QuotaExceeded,
    QuotaSources,
    quota_verdict,
    require_quota_room,
)

DSV5 = "standardDSv5Family"
DSV3 = "standardDSv3Family"
SIZES = (
    VmSize("Standard_D4s_v5", 4, 16, DSV5, (), True, None),
    VmSize("Standard_D16s_v5", 16, 64, DSV5, (), True, None),
    VmSize("Standard_D2s_v3", 2, 8, DSV3, (), True, None),
)


@pytest.mark.parametrize(
    ("max_surge", "count", "surge"),
    [
        # a count: as many nodes, never more than the pool has
        ("1", 3, 1),
        ("5", 10, 5),
        ("5", 3, 3),
        ("0", 3, 0),
        # a percent of the pool, rounded up
        ("10%", 3, 1),
        ("33%", 3, 1),
        ("34%", 3, 2),
        ("50%", 5, 3),
        ("100%", 7, 7),
        ("10%", 25, 3),
        # unset: max(1, 10%)
        (None, 3, 1),
        ("", 9, 1),
        (None, 10, 1),
        (None, 11, 2),
        (None, 100, 10),
        # a pool without nodes surges none
        ("5", 0, 0),
        (None, 0, 0),
        # a value AKS would refuse reads as unset
        ("150%", 20, 2),
        ("lots", 20, 2),
    ],
)
def test_surge_nodes_follow_max_surge_as_a_count_a_percent_or_the_default(
    max_surge: str | None, count: int, surge: int
) -> None:
    assert surge_nodes(max_surge, count) == surge


def test_vcpus_needed_adds_each_family_and_the_region() -> None:
    needed = vcpus_needed(
        [
            NodeDemand("Standard_D4s_v5", 2),
            NodeDemand("standard_d16s_v5", 1),
            NodeDemand("Standard_D2s_v3", 3),
            NodeDemand("Standard_D2s_v3", 0),
        ],
        sizes_by_name(SIZES),
    )
    assert needed == {DSV5: 24, DSV3: 6, REGIONAL_VCPUS: 30}


def test_vcpus_needed_cannot_price_a_size_the_catalog_does_not_list() -> None:
    with pytest.raises(UnknownVmSize):
        vcpus_needed([NodeDemand("Standard_X9", 1)], sizes_by_name(SIZES))


def usages(family_free: int | None, regional_free: int | None) -> dict[str, Usage]:
    """Usages with 100 vCPUs of each limit and the given room left (None: not listed)."""
    listed = {}
    if family_free is not None:
        listed[DSV5] = Usage(DSV5, 100 - family_free, 100)
    if regional_free is not None:
        listed[REGIONAL_VCPUS] = Usage(REGIONAL_VCPUS, 100 - regional_free, 100)
    return listed


# needed vCPUs, family free, regional free → outcome, the limit named, its needed and free
QUOTA_DECISIONS = [
    (0, 0, 0, QuotaOutcome.FITS, None, 0, 0),
    (8, 8, 8, QuotaOutcome.FITS, None, 0, 0),
    (8, 48, 96, QuotaOutcome.FITS, None, 0, 0),
    (9, 8, 96, QuotaOutcome.EXCEEDED, DSV5, 9, 8),
    (9, 96, 8, QuotaOutcome.EXCEEDED, REGIONAL_VCPUS, 9, 8),
    # both short: the family is named
    (50, 10, 20, QuotaOutcome.EXCEEDED, DSV5, 50, 10),
    # a limit the usages do not list is not known: never refused on a guess
    (8, None, 96, QuotaOutcome.UNKNOWN, None, 0, 0),
    (8, 48, None, QuotaOutcome.UNKNOWN, None, 0, 0),
    # but a listed limit that is short still refuses
    (8, None, 4, QuotaOutcome.EXCEEDED, REGIONAL_VCPUS, 8, 4),
]


@pytest.mark.parametrize(
    ("needed", "family_free", "regional_free", "outcome", "limit", "limit_needed", "limit_free"),
    QUOTA_DECISIONS,
)
def test_the_quota_decision(
    needed: int,
    family_free: int | None,
    regional_free: int | None,
    outcome: QuotaOutcome,
    limit: str | None,
    limit_needed: int,
    limit_free: int,
) -> None:
    verdict = decide_quota(
        {DSV5: needed, REGIONAL_VCPUS: needed}, usages(family_free, regional_free)
    )
    assert verdict.outcome is outcome
    assert (verdict.limit, verdict.limit_needed, verdict.limit_free) == (
        limit,
        limit_needed,
        limit_free,
    )


def sources(
    sizes: tuple[VmSize, ...] | Exception = SIZES,
    read: Mapping[str, Usage] | Exception | None = None,
) -> QuotaSources:
    """Fake readers over fixed facts, or ones that fail like an Azure fault."""

    def vm_sizes(region: str) -> tuple[VmSize, ...]:
        if isinstance(sizes, Exception):
            raise sizes
        return sizes

    def current(region: str) -> Mapping[str, Usage]:
        if isinstance(read, Exception):
            raise read
        return read if read is not None else usages(48, 96)

    return QuotaSources(vm_sizes, current)


def test_100_d16s_v5_nodes_are_refused_naming_the_family_the_vcpus_and_the_quota_link() -> None:
    with pytest.raises(QuotaExceeded) as caught:
        require_quota_room(
            sources(),
            subscription_id="sub-1",
            region="eastus",
            demands=[NodeDemand("Standard_D16s_v5", 100)],
            what="adding node pool 'big'",
        )
    message = str(caught.value)
    assert DSV5 in message and "1600 vCPUs" in message and "only 48 are free" in message
    assert caught.value.quota == {"family": DSV5, "needed_vcpus": 1600, "available_vcpus": 48}
    (action,) = caught.value.actions
    assert action["label"] == "Request quota increase"
    assert "subscriptionId=sub-1" in action["url"] and "location=eastus" in action["url"]


def test_a_change_that_fits_goes_ahead() -> None:
    verdict = require_quota_room(
        sources(),
        subscription_id="sub-1",
        region="eastus",
        demands=[NodeDemand("Standard_D4s_v5", 3)],
        what="adding node pool 'small'",
    )
    assert (verdict.outcome, verdict.needed_vcpus) == (QuotaOutcome.FITS, 12)


@pytest.mark.parametrize(
    "broken",
    [
        sources(read=ConnectionError("compute down")),
        sources(sizes=TimeoutError("catalog down")),
        sources(sizes=()),  # the size is not in the catalog
    ],
)
def test_an_unreadable_quota_lets_the_change_go_ahead_and_is_logged(
    broken: QuotaSources, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        verdict = require_quota_room(
            broken,
            subscription_id="sub-1",
            region="eastus",
            demands=[NodeDemand("Standard_D16s_v5", 100)],
            what="adding node pool 'big'",
        )
    assert verdict.outcome is QuotaOutcome.UNKNOWN
    assert "not checked" in caplog.text


def test_no_new_nodes_reads_nothing() -> None:
    verdict = quota_verdict(sources(read=ConnectionError("never read")), "eastus", [])
    assert verdict.outcome is QuotaOutcome.FITS
