"""Schemathesis against the running local host, driven by the app's own /api/openapi.json.

Checks: not_a_server_error, status_code_conformance, response_schema_conformance and
negative_data_rejection. Every operation is fuzzed with valid (positive) and invalid (negative)
data; the task operations are also fuzzed against the caller's real tasks, so their 200/202/409
answers are checked too, not only 404s. The number of examples run is reported.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.figures import report_figure
from tests.stack_fixtures import LocalStack, UserClient

logger = logging.getLogger(__name__)
_report = functools.partial(report_figure, prefix="")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Negative cases without a principal are skipped (see _run), so that mode gets more tries.
# Per operation; about 20 operations now, so a run stays near a minute and a half on an idle
# 2-core machine (the suite's budget; see README "Tests").
EXAMPLES = {"positive": 20, "negative": 50}
EXAMPLES_PER_REAL_TASK = 15
PRINCIPAL_HEADER = "X-MS-CLIENT-PRINCIPAL"
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@pytest.fixture(scope="module")
def fuzz_user(local_stack: LocalStack) -> UserClient:
    """The user the fuzzer acts as, with one failed and one cancelled-with-cluster attempt."""
    return local_stack.user("schemathesis")


@pytest.fixture(scope="module")
def real_task_ids(fuzz_user: UserClient) -> list[str]:
    """Task ids that exist for the fuzz user: a quota failure and a cancelled slow cluster."""
    failed = fuzz_user.provision(f"quota-{uuid.uuid4().hex[:8]}", resource_group="rg-fuzz")
    slow = fuzz_user.provision(f"slow-{uuid.uuid4().hex[:8]}", resource_group="rg-fuzz")
    fuzz_user.wait_until(slow, lambda d: d["progress"]["cluster_seen"])
    fuzz_user.post(f"/api/tasks/{slow}/cancel")
    fuzz_user.wait(failed)
    fuzz_user.wait(slow)
    return [failed, slow]


def _run(
    operation: Any,
    strategy: Any,
    examples: int,
    base_url: str,
    principal: str,
    session: requests.Session,
) -> tuple[int, list[str]]:
    """Call the API with up to `examples` generated cases; returns (count, failure texts)."""
    count = skipped = 0
    failures: list[str] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def fuzz(case: schemathesis.Case) -> None:
        nonlocal count, skipped
        # The fuzzer acts as one real user: a generated principal becomes theirs. A case without
        # one cannot be refused here: the local host injects its dev user, as Easy Auth would.
        if not case.headers or PRINCIPAL_HEADER not in case.headers:
            skipped += 1
            return
        case.headers[PRINCIPAL_HEADER] = principal
        count += 1
        try:
            case.call_and_validate(base_url=base_url, session=session, checks=CHECKS, timeout=30)
        except (AssertionError, FailureGroup) as failure:
            failures.append(f"{operation.label}: {failure}")

    fuzz()
    if skipped:
        logger.info("%s: %d cases without a principal skipped", operation.label, skipped)
    return count, failures


@pytest.mark.slow
def test_api_conforms_to_its_openapi_document(
    local_stack: LocalStack,
    fuzz_user: UserClient,
    real_task_ids: list[str],
    request: pytest.FixtureRequest,
) -> None:
    schema = schemathesis.openapi.from_url(f"{local_stack.base_url}/api/openapi.json")
    principal = fuzz_user.headers[PRINCIPAL_HEADER]
    session = requests.Session()
    examples: Counter[str] = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in MODES:
            count, found = _run(
                operation,
                operation.as_strategy(generation_mode=mode),
                EXAMPLES[mode.value],
                local_stack.base_url,
                principal,
                session,
            )
            examples[f"{operation.label} [{mode.value}]"] += count
            failures += found
        if "{task_id}" in operation.path:
            for task_id in real_task_ids:
                count, found = _run(
                    operation,
                    operation.as_strategy(path_parameters={"task_id": task_id}),
                    EXAMPLES_PER_REAL_TASK,
                    local_stack.base_url,
                    principal,
                    session,
                )
                examples[f"{operation.label} [real task]"] += count
                failures += found
    total = sum(examples.values())
    for label, count in sorted(examples.items()):
        _report(request, f"schemathesis: {label}: {count} examples")
    _report(
        request,
        f"schemathesis: {total} examples over {len(operations)} operations, "
        f"{len(failures)} failures",
    )
    Path("test-results").mkdir(exist_ok=True)
    Path("test-results/schemathesis-failures.txt").write_text("\n\n".join(failures))
    assert failures == [], "\n\n".join(dict.fromkeys(failures))
    # Schemathesis leaves out the document's own URL; every other documented path is fuzzed.
    documented = requests.get(f"{local_stack.base_url}/api/openapi.json", timeout=10).json()
    fuzzed = {op.path for op in operations}
    assert fuzzed == set(documented["paths"]) - {"/api/openapi.json"}
