"""Advice builders: each turns one ARM error's facts into the actions the user is offered."""

from __future__ import annotations

import pytest

from provisioning.errors.advice import (
    AKS_CONTRIBUTOR_ROLE,
    ArmErrorFacts,
    edit_advice,
    edit_request_advice,
    no_advice,
    policy_advice,
    role_advice,
)
from provisioning.models import ErrorAction

SUB = "00000000-0000-0000-0000-000000000001"


def facts(message: str = "", target: str = "", subscription_id: str = SUB) -> ArmErrorFacts:
    return ArmErrorFacts(code="x", message=message, target=target, subscription_id=subscription_id)


@pytest.mark.parametrize(
    ("message", "target", "label"),
    [
        ("The dnsPrefix is invalid.", "", "Choose another cluster name"),
        ("The value is invalid.", "name", "Choose another cluster name"),
        ("The value is invalid.", "kubernetesVersion", "Edit the request"),
    ],
)
def test_an_invalid_request_asks_for_a_new_name_only_when_azure_blames_the_name(
    message: str, target: str, label: str
) -> None:
    assert edit_request_advice(facts(message, target)) == (ErrorAction(kind="edit", label=label),)


def test_fixed_advice_ignores_the_facts() -> None:
    advice = edit_advice("Choose another region")
    assert (
        advice(facts("anything"))
        == advice(facts())
        == (ErrorAction(kind="edit", label="Choose another region"),)
    )
    assert no_advice(facts("anything")) == ()


def test_a_missing_aks_permission_asks_for_the_aks_role_and_names_the_permission() -> None:
    message = (
        "The client 'u' does not have authorization to perform action "
        "'Microsoft.ContainerService/managedClusters/write' over scope "
        f"'/subscriptions/{SUB}/resourceGroups/rg1/providers/x' or the scope is invalid."
    )
    (action,) = role_advice(facts(message))
    assert action.label == (
        f"Ask for the {AKS_CONTRIBUTOR_ROLE} role "
        "(missing permission: Microsoft.ContainerService/managedClusters/write)"
    )
    assert (
        action.url
        == f"https://portal.azure.com/#@/resource/subscriptions/{SUB}/resourceGroups/rg1/users"
    )


def test_a_permission_failure_naming_no_scope_and_no_usable_subscription_has_no_link() -> None:
    (action,) = role_advice(facts("Authorization failed.", subscription_id="not/an/id"))
    assert action == ErrorAction(
        kind="link", label=f"Ask for the {AKS_CONTRIBUTOR_ROLE} role", url=None
    )


def test_a_policy_denial_names_the_assignment_from_the_escaped_json() -> None:
    message = 'Resource was disallowed by policy. {\\"policyAssignment\\":{\\"name\\":\\"no-aks\\"'
    (action,) = policy_advice(facts(message))
    assert action.label == "Ask an administrator about the Azure Policy 'no-aks'"
