"""Which behaviour a cluster gets, chosen by its name prefix (DESIGN.md section 8)."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass


class Scenario(enum.Enum):
    """The simulator's behaviours; the value is the exact lowercase name prefix."""

    QUOTA = "quota-"
    NOSKU = "nosku-"
    DENIED = "denied-"
    FAIL = "fail-"
    SLOW = "slow-"
    FLAKY = "flaky-"
    STORM = "storm-"
    FAILONCE = "failonce-"
    DEFAULT = ""


MISSING_RESOURCE_GROUP = "missing-rg"


def scenario_for_name(cluster_name: str) -> Scenario:
    """Pick the scenario whose prefix starts the name (exact, case-sensitive), else DEFAULT."""
    for scenario in Scenario:
        if scenario.value and cluster_name.startswith(scenario.value):
            return scenario
    return Scenario.DEFAULT


@dataclass(frozen=True)
class SimulatorTimings:
    """How long simulated operations take, in seconds."""

    create_seconds: float = 6.0
    delete_seconds: float = 2.0
    slow_seconds: float = 600.0
    cancel_seconds: float = 1.0

    @classmethod
    def from_env(cls) -> SimulatorTimings:
        """Read ARM_SIMULATOR_*_SECONDS so tests and `make run` can speed things up."""
        return cls(
            create_seconds=_seconds("ARM_SIMULATOR_CREATE_SECONDS", cls.create_seconds),
            delete_seconds=_seconds("ARM_SIMULATOR_DELETE_SECONDS", cls.delete_seconds),
            slow_seconds=_seconds("ARM_SIMULATOR_SLOW_SECONDS", cls.slow_seconds),
            cancel_seconds=_seconds("ARM_SIMULATOR_CANCEL_SECONDS", cls.cancel_seconds),
        )


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"setting {name} must be a number of seconds, got {raw!r}") from exc
    if value < 0:
        raise ValueError(f"setting {name} must not be negative, got {value}")
    return value


@dataclass(frozen=True)
class CreatePlan:
    """How a started create operation will end."""

    duration: float
    fails: bool


def plan_create(scenario: Scenario, previous_creates: int, timings: SimulatorTimings) -> CreatePlan:
    """Duration and outcome of a create, given how many creates this rg + name already had."""
    if scenario is Scenario.SLOW:
        return CreatePlan(duration=timings.slow_seconds, fails=False)
    if scenario is Scenario.FAIL:
        return CreatePlan(duration=timings.create_seconds, fails=True)
    if scenario is Scenario.FAILONCE:
        return CreatePlan(duration=timings.create_seconds, fails=previous_creates == 0)
    return CreatePlan(duration=timings.create_seconds, fails=False)


FLAKY_FAILURE_STATUSES = (503, 429)
# A storm- resource throttles longer than azure-core's three retries (four calls), so only the
# orchestration's own activity retry can carry the attempt through.
STORM_FAILURE_CALLS = 6


def flaky_failure_status(scenario: Scenario, call_number: int) -> int | None:
    """HTTP status a flaky-/storm- resource answers on its n-th call (1-based), else None."""
    if scenario is Scenario.STORM and 1 <= call_number <= STORM_FAILURE_CALLS:
        return FLAKY_FAILURE_STATUSES[(call_number - 1) % len(FLAKY_FAILURE_STATUSES)]
    if scenario is not Scenario.FLAKY or not 1 <= call_number <= len(FLAKY_FAILURE_STATUSES):
        return None
    return FLAKY_FAILURE_STATUSES[call_number - 1]
