"""The guardrails use cases: set and extend (HTTP), check and act (the guard's activities).

The check reads as little as the rules need: the guardrails row and the cluster's product
operations from Table Storage always; from ARM the cluster (and its node CPU, for the idle
rule) only when the cluster is believed to run, an edge or the expiry is due, or something
woke the guard. So an idle check of a running cluster costs at most two ARM reads, and none
while it is stopped. The act looks again at everything before it starts an operation, and
starts it through the same accept flow and claim a user's request takes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from provisioning.clusters.inventory import ClusterView
from provisioning.guardrails.idle import IdleEvidence, read_idle_evidence
from provisioning.guardrails.messages import (
    ActInput,
    ActOutcome,
    ActResult,
    CheckInput,
    GuardSettings,
    GuardVerdict,
    Wake,
)
from provisioning.guardrails.model import ActionKind, Guardrails, GuardRecord
from provisioning.guardrails.repository import GuardrailRepository
from provisioning.guardrails.rules import (
    RUNNING,
    STOPPED,
    ClusterFacts,
    GuardAction,
    GuardTiming,
    close_stop_period,
    decide,
    extended,
    idle_blocked,
    idle_window,
    open_stop_period,
    still_holds,
    stop_is_coming,
)
from provisioning.guardrails.schedule import latest_edge, upcoming_edges
from provisioning.jobs.repository import JobStateRepository
from provisioning.jobs.state import JobState
from provisioning.jobs.task_ids import new_task_id
from provisioning.models import ACTIVE_STATUSES, TaskStatus, TaskType, Trigger
from provisioning.operations.attempts import (
    OperationInProgress,
    OrchestrationTiming,
    orchestration_input,
)
from provisioning.operations.lifecycle import (
    ClusterNotFound,
    ClusterOperationRequest,
    InvalidClusterState,
    accept_cluster_operation,
)
from provisioning.operations.registry import DELETE, START, STOP
from provisioning.portal_links import cluster_resource_id, portal_url_for
from provisioning.settings import Settings

logger = logging.getLogger(__name__)

# The newest operations of one cluster that the guard reads on every check.
HISTORY_LIMIT = 20
MIN_SLEEP = timedelta(seconds=1)
# Fields only the guard writes: it never overwrites the owner's rules or extensions.
GUARD_FIELDS = (
    "observed_power",
    "observed_at",
    "quiet_since",
    "handled_edge_at",
    "stopped_by",
    "stopped_since",
    "saved_month",
    "saved_hours",
)
# A check that only saw the same power again writes nothing: a stale ObservedAt only makes the
# next check look at the product's operations since then once more (same outcome).
GUARD_FIELDS_WORTH_A_WRITE = tuple(name for name in GUARD_FIELDS if name != "observed_at")
OPERATION_OF = {ActionKind.STOP: STOP, ActionKind.START: START, ActionKind.DELETE: DELETE}
POWER_AFTER = {
    TaskType.AKS_STOP: STOPPED,
    TaskType.AKS_START: RUNNING,
    TaskType.AKS_PROVISION: RUNNING,
}

ClusterReader = Callable[[str, str], ClusterView | None]
EvidenceReader = Callable[[str, datetime, datetime], IdleEvidence]


class NothingToExtend(Exception):
    """Extend was asked while no automatic stop is coming (409 nothing_to_extend)."""


def owned(view: ClusterView | None, owner_id: str, resource_group: str, name: str) -> ClusterView:
    """The cluster, if it is the caller's (else "not found", never saying which)."""
    if view is None or not view.ownership().owned_by(owner_id):
        raise ClusterNotFound(f"{resource_group}/{name}")
    return view


def guard_settings(settings: Settings) -> GuardSettings:
    """What a guard runs with, from the app settings (its input carries them, never reads them)."""
    return GuardSettings(
        check_seconds=settings.guardrail_check_seconds,
        minute_seconds=settings.guardrail_minute_seconds,
        idle_cpu_percent=settings.guardrail_idle_cpu_percent,
        poll_seconds=settings.poll_seconds,
        deadline_minutes=settings.deadline_minutes,
    )


# ---------------------------------------------------------------- HTTP use cases


def set_guardrails(
    guards: GuardrailRepository,
    owner_id: str,
    view: ClusterView,
    wanted: Guardrails,
    *,
    now: datetime,
) -> GuardRecord | None:
    """Store the owner's rules (all None removes the row); the stored record, or None."""

    def mutate(current: GuardRecord | None) -> GuardRecord | None:
        if wanted.is_empty:
            return None
        base = current or GuardRecord(
            owner_id=owner_id,
            resource_group=view.resource_group,
            cluster_name=view.name,
            guardrails=wanted,
            set_at=now,
            updated_at=now,
        )
        return base.with_changes(
            guardrails=wanted,
            set_at=now,
            updated_at=now,
            observed_power=view.power_state,
            observed_at=now,
        )

    return guards.update(owner_id, view.resource_group, view.name, mutate)


def extend_guardrails(
    guards: GuardrailRepository,
    owner_id: str,
    view: ClusterView,
    minutes: int,
    *,
    now: datetime,
    timing: GuardTiming,
) -> GuardRecord:
    """Move the next automatic stop at least `minutes` out; NothingToExtend if none is coming."""

    def mutate(current: GuardRecord | None) -> GuardRecord | None:
        if current is None or not stop_is_coming(current, view.power_state, now, timing):
            raise NothingToExtend("no automatic stop is coming for this cluster")
        return extended(current, minutes, now, timing)

    record = guards.update(owner_id, view.resource_group, view.name, mutate)
    assert record is not None
    return record


# ---------------------------------------------------------------- what the product did


@dataclass(frozen=True)
class OperationFacts:
    """The cluster's product operations, as the rules read them."""

    active_task_id: str | None
    last_operation_at: datetime | None
    deleted: bool


def operation_facts(record: GuardRecord, history: list[JobState]) -> OperationFacts:
    """Active operation, newest activity, and whether a delete of the product removed it."""
    active = next((job.task_id for job in history if job.status in ACTIVE_STATUSES), None)
    last = max((job.updated_at for job in history), default=None)
    deleted = any(
        job.type == TaskType.AKS_DELETE
        and job.status == TaskStatus.SUCCEEDED
        and job.updated_at > record.set_at
        for job in history
    )
    return OperationFacts(active, last, deleted)


def apply_operations(record: GuardRecord, history: list[JobState]) -> GuardRecord:
    """What the product's finished stops and starts since the last look say about power."""
    seen = record.observed_at
    finished = sorted(
        (
            job
            for job in history
            if job.status == TaskStatus.SUCCEEDED
            and job.type in POWER_AFTER
            and (seen is None or job.updated_at > seen)
        ),
        key=lambda job: job.updated_at,
    )
    for job in finished:
        power = POWER_AFTER[job.type]
        if power == STOPPED and job.trigger in (Trigger.IDLE, Trigger.SCHEDULE):
            record = open_stop_period(record, job.trigger, job.updated_at)
            continue
        if power == RUNNING:
            record = close_stop_period(record, job.updated_at)
        record = record.with_changes(observed_power=power, observed_at=job.updated_at)
    return record


def observe(record: GuardRecord, power_state: str | None, at: datetime) -> GuardRecord:
    """What an ARM read showed: a running cluster ends a guardrail's stop period."""
    if power_state == RUNNING:
        record = close_stop_period(record, at)
    return record.with_changes(observed_power=power_state, observed_at=at)


def save_guard_fields(guards: GuardrailRepository, record: GuardRecord) -> None:
    """Write only what the guard owns onto the current row (an owner's change meanwhile stays)."""

    def mutate(current: GuardRecord | None) -> GuardRecord | None:
        if current is None:
            return None
        return current.with_changes(**{name: getattr(record, name) for name in GUARD_FIELDS})

    guards.update(record.owner_id, record.resource_group, record.cluster_name, mutate)


def _end(
    guards: GuardrailRepository, record: GuardRecord, reason: str, now: datetime
) -> GuardVerdict:
    """The cluster is gone: its guardrails go with it, and the guard ends."""
    guards.update(record.owner_id, record.resource_group, record.cluster_name, lambda _: None)
    logger.info(
        "guardrails of %s/%s removed: %s", record.resource_group, record.cluster_name, reason
    )
    return GuardVerdict(True, now, end_reason=reason)


# ---------------------------------------------------------------- the check


def check_guard(
    guards: GuardrailRepository,
    jobs: JobStateRepository,
    read_cluster: ClusterReader,
    read_evidence: EvidenceReader,
    check: CheckInput,
) -> GuardVerdict:
    """One check: read what the rules need, decide, remember what was seen; never act here."""
    guard, now = check.guard, check.now
    timing = guard.timing
    record = guards.get(guard.owner_id, guard.resource_group, guard.cluster_name)
    if record is None or record.guardrails.is_empty:
        return GuardVerdict(True, now, end_reason="guardrails removed")
    history = jobs.cluster_history(
        guard.owner_id, record.resource_group, record.cluster_name, HISTORY_LIMIT
    )
    ops = operation_facts(record, history)
    if ops.deleted:
        return _end(guards, record, "cluster deleted", now)
    seen = apply_operations(record, history)
    arm_reads = 0
    view: ClusterView | None = None
    if _needs_cluster_read(seen, guard.wake, now):
        view, arm_reads = read_cluster(record.resource_group, record.cluster_name), 1
        if view is None or not view.ownership().owned_by(guard.owner_id):
            return _end(guards, record, "cluster gone", now)
        seen = observe(seen, view.power_state, now)
        facts = ClusterFacts(
            True,
            view.power_state,
            view.provisioning_state,
            ops.active_task_id,
            ops.last_operation_at,
        )
    else:
        facts = ClusterFacts(
            True, seen.observed_power, None, ops.active_task_id, ops.last_operation_at
        )
    evidence: IdleEvidence | None = None
    if view is not None and not idle_blocked(seen, facts, now, timing):
        window = idle_window(seen, timing)
        assert window is not None
        evidence, arm_reads = read_evidence(view.id, now - window, now), arm_reads + 1
        if evidence.read_ok:
            seen = seen.with_changes(quiet_since=evidence.quiet_since)
    decision = decide(seen, facts, evidence, now, timing)
    if decision.handled_edge_at is not None:
        seen = seen.with_changes(handled_edge_at=decision.handled_edge_at)
    if any(getattr(seen, name) != getattr(record, name) for name in GUARD_FIELDS_WORTH_A_WRITE):
        save_guard_fields(guards, seen)
    return GuardVerdict(
        False,
        _next_check_at(seen, now, guard.check_seconds),
        action=decision.action,
        postponed_by=decision.postponed_by,
        arm_reads=arm_reads,
    )


def _needs_cluster_read(record: GuardRecord, wake: Wake, now: datetime) -> bool:
    """ARM is read when something may be due or may have changed, or the idle rule needs it."""
    rules = record.guardrails
    if wake is not Wake.TIMER or record.observed_power is None:
        return True
    if rules.expires_at is not None and rules.expires_at <= now:
        return True
    if rules.schedule is not None:
        after = max(filter(None, (record.handled_edge_at, record.set_at)))
        if latest_edge(rules.schedule, now, after) is not None:
            return True
    return rules.idle_stop_minutes is not None and record.observed_power != STOPPED


def _next_check_at(record: GuardRecord, now: datetime, check_seconds: int) -> datetime:
    """The next check: the regular interval, or sooner for an edge, the expiry, an extension."""
    rules = record.guardrails
    candidates = [now + timedelta(seconds=check_seconds)]
    if rules.schedule is not None:
        candidates.extend(edge.at for edge in upcoming_edges(rules.schedule, now)[:1])
    for moment in (rules.expires_at, record.extended_until):
        if moment is not None and moment > now:
            candidates.append(moment)
    return max(min(candidates), now + MIN_SLEEP)


# ---------------------------------------------------------------- the act


def act_on_guard(
    guards: GuardrailRepository,
    jobs: JobStateRepository,
    read_cluster: ClusterReader,
    act: ActInput,
) -> ActResult:
    """Look again (row, cluster, operations); start the operation only if it is still due."""
    guard, wanted, now = act.guard, act.action, act.now
    timing = guard.timing
    earlier = _own_earlier_accept(jobs, act)
    if earlier is not None:  # this act ran before (activities run at least once)
        return earlier
    record = guards.get(guard.owner_id, guard.resource_group, guard.cluster_name)
    if record is None or record.guardrails.is_empty:
        return ActResult(ActOutcome.NO_LONGER_DUE)
    view = read_cluster(record.resource_group, record.cluster_name)
    if view is None or not view.ownership().owned_by(guard.owner_id):
        return ActResult(ActOutcome.GONE)
    history = jobs.cluster_history(
        guard.owner_id, record.resource_group, record.cluster_name, HISTORY_LIMIT
    )
    ops = operation_facts(record, history)
    seen = observe(apply_operations(record, history), view.power_state, now)
    facts = ClusterFacts(
        True, view.power_state, view.provisioning_state, ops.active_task_id, ops.last_operation_at
    )
    evidence = IdleEvidence(True, wanted.quiet_since) if wanted.reason is Trigger.IDLE else None
    decision = decide(seen, facts, evidence, now, timing)
    if decision.postponed_by is not None:
        return ActResult(ActOutcome.BUSY)
    if not still_holds(wanted, decision):
        logger.info("guardrail %s of %s no longer due", wanted.reason, view.name)
        return ActResult(ActOutcome.NO_LONGER_DUE)
    return _accept(guards, jobs, seen, view, wanted, act)


def _accept(
    guards: GuardrailRepository,
    jobs: JobStateRepository,
    record: GuardRecord,
    view: ClusterView,
    wanted: GuardAction,
    act: ActInput,
) -> ActResult:
    """The user's accept flow and claim, with the guardrail as its trigger.

    The task id is made from the orchestration's clock and a replay-safe uuid, so an act that
    runs again (activities run at least once) finds its own task and starts that one.
    """
    guard = act.guard
    timing = OrchestrationTiming(guard.poll_seconds, guard.deadline_minutes)
    minutes = record.guardrails.idle_stop_minutes if wanted.reason is Trigger.IDLE else None
    request = ClusterOperationRequest(
        OPERATION_OF[wanted.kind],
        view.resource_group,
        view.name,
        trigger=wanted.reason,
        trigger_minutes=minutes,
    )
    try:
        accepted = accept_cluster_operation(
            jobs,
            guard.owner_id,
            request,
            read_view=lambda _group, _name: view,
            read_upgrades=lambda _view: [],
            subscription_id=guard.subscription_id,
            tenant_id=guard.tenant_id,
            timing=timing,
            now=act.now,
            unique=act.unique,
        )
    except OperationInProgress:
        return ActResult(ActOutcome.BUSY)
    except InvalidClusterState as exc:
        logger.info("guardrail %s of %s refused: %s", wanted.reason, view.name, exc)
        _handle_edge(guards, record, wanted)
        return ActResult(ActOutcome.NO_LONGER_DUE)
    except ClusterNotFound:
        return ActResult(ActOutcome.GONE)
    _handle_edge(guards, record, wanted)
    logger.info(
        "guardrail %s started %s %s on %s", wanted.reason, wanted.kind, accepted.task_id, view.name
    )
    return ActResult(ActOutcome.STARTED, accepted.task_id, accepted.orchestration_input.to_dict())


def _own_earlier_accept(jobs: JobStateRepository, act: ActInput) -> ActResult | None:
    """The task an earlier run of this very act accepted (its id is made from the act), if any."""
    guard = act.guard
    job = jobs.get(guard.owner_id, new_task_id(act.now, act.unique))
    if job is None:
        return None
    timing = OrchestrationTiming(guard.poll_seconds, guard.deadline_minutes)
    resource_id = cluster_resource_id(
        guard.subscription_id, job.request.resource_group, job.request.cluster_name
    )
    operation = orchestration_input(job, timing, portal_url_for(resource_id, guard.tenant_id))
    return ActResult(ActOutcome.STARTED, job.task_id, operation.to_dict())


def _handle_edge(guards: GuardrailRepository, record: GuardRecord, wanted: GuardAction) -> None:
    """A schedule edge acted on (or refused for good) is not acted on again."""
    if wanted.edge_at is not None:
        save_guard_fields(guards, record.with_changes(handled_edge_at=wanted.edge_at))


def read_evidence_with(monitor_client: Any, threshold: float) -> EvidenceReader:
    """The node CPU reader the check uses: one metrics.list per call."""

    def read(cluster_id: str, window_start: datetime, now: datetime) -> IdleEvidence:
        return read_idle_evidence(
            monitor_client, cluster_id, window_start=window_start, now=now, threshold=threshold
        )

    return read
