"""The ARM error rule table: read top to bottom, first match wins, patterns compiled lazily."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from provisioning.errors.advice import ArmErrorFacts
from provisioning.errors.arm_rules import ARM_ERROR_RULES, ArmErrorRule, first_matching_rule
from provisioning.models import ErrorCategory

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def rule_for(code: str, message: str = "", target: str = "") -> ArmErrorRule | None:
    return first_matching_rule(ArmErrorFacts(code=code, message=message, target=target))


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("exceeding approved cores quota", ErrorCategory.QUOTA),
        ("there is an operation in progress", ErrorCategory.TRANSIENT),
        ("the cluster is being deleted", ErrorCategory.CONFLICT),
    ],
)
def test_a_row_with_message_text_wins_over_the_broader_row_below_it(
    message: str, category: ErrorCategory
) -> None:
    rule = rule_for("operationnotallowed", message)
    assert rule is not None and rule.category is category


def test_an_unknown_code_matches_no_rule() -> None:
    assert rule_for("somethingnewfromazure", "quota in progress vm size") is None


def test_a_code_containing_the_row_fragment_matches_that_row() -> None:
    rule = rule_for("customvmextensionhandlerfailed")
    assert rule is not None
    assert (rule.category, rule.retryable) == (ErrorCategory.UNKNOWN, True)


def test_row_text_is_searched_in_the_target_only_when_the_row_says_so() -> None:
    by_target = rule_for("invalidparameter", "The value is invalid.", "vmSize")
    assert by_target is not None and by_target.category is ErrorCategory.SKU
    generic = rule_for("badrequest", "The value is invalid.", "vm size x not allowed")
    assert generic is None


def test_a_table_is_read_top_to_bottom() -> None:
    first = ArmErrorRule(frozenset({"x"}), ErrorCategory.QUOTA, False)
    second = ArmErrorRule(frozenset({"x"}), ErrorCategory.SKU, False)
    facts = ArmErrorFacts(code="x", message="")
    assert first_matching_rule(facts, (first, second)) is first
    assert first_matching_rule(facts, (second, first)) is second


def test_every_code_in_the_table_is_lower_case_because_codes_are_compared_lower_cased() -> None:
    codes = {code for rule in ARM_ERROR_RULES for code in rule.codes}
    assert codes and all(code == code.lower() for code in codes)


def test_no_row_is_hidden_behind_an_earlier_row_that_takes_all_its_codes() -> None:
    for index, rule in enumerate(ARM_ERROR_RULES):
        for earlier in ARM_ERROR_RULES[:index]:
            catches_all = not earlier.text and earlier.codes >= rule.codes
            assert not catches_all, f"row {index} can never match"


def test_aks_preemption_by_a_delete_sits_with_the_other_cancelled_codes() -> None:
    message = "This operation has been preempted by Deleting operation."
    rule = rule_for("aksoperationpreemptedbydelete", message)
    assert rule is not None
    assert rule.codes >= {"operationpreempted", "aksoperationpreemptedbydelete"}
    assert (rule.category, rule.retryable) == (ErrorCategory.CANCELLED, True)


def test_importing_function_app_compiles_no_error_pattern() -> None:
    code = (
        "import json, function_app\n"
        "from provisioning.errors.text import error_pattern\n"
        "print(json.dumps(error_pattern.cache_info().currsize))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == 0
