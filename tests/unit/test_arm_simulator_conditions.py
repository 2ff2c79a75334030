"""Conditional writes in the ARM simulator: header parsing, the 412 rules, eTags per write."""

from __future__ import annotations

import pytest

from local.arm_simulator.arm_errors import ArmError
from local.arm_simulator.clusters import ClusterStore
from local.arm_simulator.conditions import WriteConditions, entity_tags, precondition_failure
from local.arm_simulator.scenarios import SimulatorTimings
from tests.arm_fixtures import managed_cluster_body

SUB = "00000000-0000-0000-0000-000000000000"
TIMINGS = SimulatorTimings(create_seconds=6, delete_seconds=2, slow_seconds=600, cancel_seconds=1)
T0 = 1_700_000_000.0
IF_MISSING = WriteConditions(if_none_match=("*",))


def if_match(etag: str) -> WriteConditions:
    """What etag=..., match_condition=IfNotModified sends, once parsed."""
    return WriteConditions(if_match=(etag,))


@pytest.mark.parametrize(
    ("header", "tags"),
    [
        (None, None),
        ("", None),
        ("*", ("*",)),
        ('"abc"', ("abc",)),
        ('W/"abc"', ("abc",)),
        ('"a", "b"', ("a", "b")),
        ("abc", ("abc",)),
    ],
)
def test_entity_tags_are_read_without_quotes_or_weak_prefix(
    header: str | None, tags: tuple[str, ...] | None
) -> None:
    assert entity_tags(header) == tags


def test_conditions_are_read_from_if_match_and_if_none_match_headers() -> None:
    conditions = WriteConditions.from_headers({"If-Match": '"e1"', "If-None-Match": "*"})
    assert conditions == WriteConditions(if_match=("e1",), if_none_match=("*",))


@pytest.mark.parametrize(
    ("conditions", "current_etag", "refused"),
    [
        (WriteConditions(), None, False),
        (WriteConditions(), "e1", False),
        (IF_MISSING, None, False),
        (IF_MISSING, "e1", True),
        (if_match("e1"), "e1", False),
        (if_match("e0"), "e1", True),
        (if_match("e1"), None, True),
        (WriteConditions(if_match=("*",)), "e1", False),
        (WriteConditions(if_match=("*",)), None, True),
    ],
)
def test_precondition_rules_follow_aks_etag_table(
    conditions: WriteConditions, current_etag: str | None, refused: bool
) -> None:
    failure = precondition_failure(conditions, current_etag, "demo")
    assert (failure is not None) is refused
    if failure is not None:
        assert (failure.status, failure.code) == (412, "PreconditionFailed")


def test_every_accepted_write_gives_the_cluster_a_new_etag() -> None:
    store = ClusterStore(TIMINGS)
    seen = [store.put(SUB, "rg", "demo", managed_cluster_body(), T0).view.cluster.etag]
    seen.append(store.put(SUB, "rg", "demo", managed_cluster_body(), T0 + 7).view.cluster.etag)
    store.delete(SUB, "rg", "demo", T0 + 8)
    seen.append(store.view(SUB, "rg", "demo", T0 + 8).cluster.etag)
    assert len(set(seen)) == 3


def test_etag_stays_the_same_while_a_create_merely_progresses() -> None:
    store = ClusterStore(TIMINGS)
    etag = store.put(SUB, "rg", "demo", managed_cluster_body(), T0).view.cluster.etag
    assert store.view(SUB, "rg", "demo", T0 + 7).cluster.etag == etag


def test_if_missing_put_of_existing_cluster_is_refused_before_any_change() -> None:
    store = ClusterStore(TIMINGS)
    etag = store.put(SUB, "rg", "demo", managed_cluster_body(), T0).view.cluster.etag
    with pytest.raises(ArmError) as caught:
        store.put(SUB, "rg", "demo", managed_cluster_body(count=9), T0 + 7, IF_MISSING)
    assert caught.value.status == 412
    view = store.view(SUB, "rg", "demo", T0 + 7)
    assert view.cluster.etag == etag
    assert view.cluster.spec["agentPoolProfiles"][0]["count"] == 3


def test_if_match_put_on_failed_cluster_starts_a_new_create() -> None:
    store = ClusterStore(TIMINGS)
    etag = store.put(SUB, "rg", "failonce-a", managed_cluster_body(), T0).view.cluster.etag
    assert store.view(SUB, "rg", "failonce-a", T0 + 7).provisioning_state == "Failed"
    outcome = store.put(SUB, "rg", "failonce-a", managed_cluster_body(), T0 + 8, if_match(etag))
    assert outcome.status == 201
    assert store.view(SUB, "rg", "failonce-a", T0 + 14).provisioning_state == "Succeeded"


def test_if_match_delete_with_stale_etag_keeps_the_cluster() -> None:
    store = ClusterStore(TIMINGS)
    store.put(SUB, "rg", "demo", managed_cluster_body(), T0)
    with pytest.raises(ArmError) as caught:
        store.delete(SUB, "rg", "demo", T0 + 7, if_match("stale"))
    assert caught.value.status == 412
    assert store.view(SUB, "rg", "demo", T0 + 7).provisioning_state == "Succeeded"


def test_denied_cluster_is_refused_403_before_preconditions() -> None:
    with pytest.raises(ArmError) as caught:
        ClusterStore(TIMINGS).put(SUB, "rg", "denied-a", managed_cluster_body(), T0, IF_MISSING)
    assert caught.value.status == 403
