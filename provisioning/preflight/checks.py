"""Preflight checks as a table: each check reads facts already fetched from Azure (pure).

A check whose Azure source could not be read is `unknown` with the reason, never an
error; a check that fails tells the user what to change. The table's order is README's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from provisioning.catalog.azure import (
    REGIONAL_VCPUS,
    KubernetesVersion,
    Permission,
    Usage,
    VmSize,
)
from provisioning.clusters.access_grants import (
    ACCESS_ROLES,
    ROLE_ASSIGNMENT_WRITE,
    delegation_command,
)
from provisioning.clusters.ownership import CreateDecision, ExistingCluster, decide_on_existing
from provisioning.models import AccessMode
from provisioning.portal_links import CREATE_RESOURCE_GROUP_URL, quota_request_url

logger = logging.getLogger(__name__)

T = TypeVar("T")
CLUSTER_WRITE_ACTION = "Microsoft.ContainerService/managedClusters/write"
AKS_CONTRIBUTOR_ROLE = "Azure Kubernetes Service Contributor Role"
MAX_NODES_PER_POOL = 100


class CheckStatus(StrEnum):
    """How one check came out."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CheckAction:
    """Something to do about a check: a link, an edit, a value to apply, a command to run."""

    kind: str
    label: str
    url: str | None = None
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form in `checks[].actions`."""
        return {"kind": self.kind, "label": self.label, "url": self.url, "value": self.value}


@dataclass(frozen=True)
class CheckResult:
    """One line of the Preflight checks list."""

    id: str
    status: CheckStatus
    message: str
    actions: tuple[CheckAction, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form in `checks[]`."""
        return {
            "id": self.id,
            "status": str(self.status),
            "message": self.message,
            "actions": [action.to_dict() for action in self.actions],
        }


@dataclass(frozen=True)
class Fetched(Generic[T]):
    """A source read from Azure: its value, or why it could not be read."""

    value: T | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the source answered (its value may still be None, e.g. "absent")."""
        return self.error is None


@dataclass(frozen=True)
class PoolRequest:
    """One node pool the request asks for (the System pool first)."""

    name: str
    mode: str
    vm_size: str
    count: int


@dataclass(frozen=True)
class PreflightFacts:
    """Everything the checks read: the request and each Azure source, fetched or failed."""

    subscription_id: str
    region: str
    resource_group: str
    cluster_name: str
    kubernetes_version: str | None
    owner_id: str
    pools: tuple[PoolRequest, ...]
    vm_sizes: Fetched[tuple[VmSize, ...]] = field(default_factory=Fetched)
    usages: Fetched[dict[str, Usage]] = field(default_factory=Fetched)
    resource_group_location: Fetched[str | None] = field(default_factory=Fetched)
    permissions: Fetched[tuple[Permission, ...]] = field(default_factory=Fetched)
    kubernetes_versions: Fetched[tuple[KubernetesVersion, ...]] = field(default_factory=Fetched)
    existing_cluster: Fetched[ExistingCluster | None] = field(default_factory=Fetched)
    app_identity: str | None = None
    access: AccessMode = AccessMode.ENTRA

    def size(self, name: str) -> VmSize | None:
        """The catalog entry of a VM size in this region, if offered."""
        return next((s for s in self.vm_sizes.value or () if s.name == name), None)


@dataclass(frozen=True)
class QuotaSummary:
    """What all pools need against the tightest quota that applies (README `quota`)."""

    family: str
    needed_vcpus: int
    available_vcpus: int
    max_nodes: int
    exceeded: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the preflight answer's `quota`."""
        return {
            "family": self.family,
            "needed_vcpus": self.needed_vcpus,
            "available_vcpus": self.available_vcpus,
            "max_nodes": self.max_nodes,
        }


# --- the checks -------------------------------------------------------------------------------


def check_vm_size(facts: PreflightFacts) -> CheckResult:
    """Fail when a pool's size is not offered in the region or not available there."""
    problems, described = [], []
    for pool in facts.pools:
        size = facts.size(pool.vm_size)
        if size is None:
            problems.append(f"{pool.vm_size} is not offered in {facts.region}")
        elif not size.available:
            problems.append(f"{pool.vm_size} is not available in {facts.region} ({size.reason})")
        else:
            zones = f", zones {', '.join(size.zones)}" if size.zones else ", no zones"
            described.append(f"{size.name} ({size.vcpus} vCPU, {size.memory_gib:g} GiB{zones})")
    if problems:
        action = CheckAction(kind="edit", label="Choose another VM size")
        return CheckResult("vm_size", CheckStatus.FAIL, "; ".join(problems) + ".", (action,))
    message = f"Available in {facts.region}: " + "; ".join(described) + "."
    return CheckResult("vm_size", CheckStatus.PASS, message)


def quota_summary(facts: PreflightFacts) -> QuotaSummary | None:
    """Needed vs free vCPUs per family and regionally; None when sizes or usage are unknown."""
    usages = facts.usages.value
    sizes = [facts.size(pool.vm_size) for pool in facts.pools]
    if usages is None or not facts.vm_sizes.ok or not facts.pools or None in sizes:
        return None
    sized = [(pool, size) for pool, size in zip(facts.pools, sizes, strict=True) if size]
    needed: dict[str, int] = {}
    for pool, size in sized:
        needed[size.family] = needed.get(size.family, 0) + pool.count * size.vcpus
    needed[REGIONAL_VCPUS] = sum(v for k, v in needed.items() if k != REGIONAL_VCPUS)
    limits = {name: usages.get(name) for name in needed}
    exceeded = tuple(
        name for name, usage in limits.items() if usage is None or usage.free < needed[name]
    )
    system_pool, system_size = sized[0]
    room = []
    for name in (system_size.family, REGIONAL_VCPUS):
        usage = limits.get(name)
        others = needed[name] - system_pool.count * system_size.vcpus
        room.append((usage.free if usage else 0) - others)
    max_nodes = max(0, min(MAX_NODES_PER_POOL, min(room) // max(1, system_size.vcpus)))
    available = min(usage.free if usage else 0 for usage in limits.values())
    return QuotaSummary(
        family=system_size.family,
        needed_vcpus=needed[REGIONAL_VCPUS],
        available_vcpus=available,
        max_nodes=max_nodes,
        exceeded=exceeded,
    )


def check_quota(facts: PreflightFacts) -> CheckResult:
    """Fail when current usage + what every pool needs exceeds a family or regional limit."""
    summary = quota_summary(facts)
    if summary is None:
        return CheckResult(
            "quota",
            CheckStatus.UNKNOWN,
            "Quota cannot be checked until every VM size is offered in the region.",
        )
    if not summary.exceeded:
        return CheckResult(
            "quota",
            CheckStatus.PASS,
            f"Needs {summary.needed_vcpus} vCPUs; {summary.available_vcpus} are free under "
            f"the tightest quota in {facts.region}.",
        )
    limits = ", ".join(
        "Total Regional vCPUs" if n == REGIONAL_VCPUS else n for n in summary.exceeded
    )
    actions: list[CheckAction] = []
    if summary.max_nodes >= 1:
        actions.append(
            CheckAction(
                kind="apply_nodes",
                label=f"Apply {summary.max_nodes} nodes",
                value=summary.max_nodes,
            )
        )
    actions.append(
        CheckAction(
            kind="link",
            label="Request quota increase",
            url=quota_request_url(facts.subscription_id, facts.region),
        )
    )
    return CheckResult(
        "quota",
        CheckStatus.FAIL,
        f"Not enough vCPU quota in {facts.region} ({limits}): the pools need "
        f"{summary.needed_vcpus} vCPUs and only {summary.available_vcpus} are free. "
        f"At most {summary.max_nodes} nodes of {facts.pools[0].vm_size} fit.",
        tuple(actions),
    )


def check_resource_group(facts: PreflightFacts) -> CheckResult:
    """Fail when the group does not exist; warn when it lives in another region."""
    location = facts.resource_group_location.value
    if location is None:
        action = CheckAction(
            kind="link", label="Create the resource group", url=CREATE_RESOURCE_GROUP_URL
        )
        return CheckResult(
            "resource_group",
            CheckStatus.FAIL,
            f"Resource group '{facts.resource_group}' does not exist.",
            (action,),
        )
    if location.lower() != facts.region:
        return CheckResult(
            "resource_group",
            CheckStatus.WARN,
            f"Resource group '{facts.resource_group}' is in {location}; the cluster will be "
            f"in {facts.region}.",
        )
    return CheckResult(
        "resource_group",
        CheckStatus.PASS,
        f"Resource group '{facts.resource_group}' exists in {location}.",
    )


def action_matches(pattern: str, action: str) -> bool:
    """ARM action wildcard match: `*` stands for any text, case-insensitive."""
    regex = "".join(".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", pattern))
    return re.fullmatch(regex, action, re.IGNORECASE) is not None


def is_permitted(permissions: tuple[Permission, ...], action: str) -> bool:
    """True when some permission grants `action` and its own notActions do not remove it."""
    return any(
        any(action_matches(p, action) for p in permission.actions)
        and not any(action_matches(n, action) for n in permission.not_actions)
        for permission in permissions
    )


def _group_scope(facts: PreflightFacts) -> str:
    return f"/subscriptions/{facts.subscription_id}/resourceGroups/{facts.resource_group}"


def _assignee(facts: PreflightFacts) -> str:
    return facts.app_identity or "<the app's managed identity client id>"


def role_assignment_command(facts: PreflightFacts) -> str:
    """The exact command that grants the app's identity the role it needs on the group."""
    return (
        f'az role assignment create --assignee {_assignee(facts)} --role "{AKS_CONTRIBUTOR_ROLE}" '
        f"--scope {_group_scope(facts)}"
    )


def _grant_delegation_action(facts: PreflightFacts) -> CheckAction:
    """What lets the app grant the creator access: its constrained RBAC administrator role."""
    return CheckAction(
        kind="command",
        label="Let the app grant access to new clusters",
        value=delegation_command(_assignee(facts), _group_scope(facts)),
    )


def check_permission(facts: PreflightFacts) -> CheckResult:
    """Fail when the app may not write clusters; warn when it may not grant you access to one."""
    permissions = facts.permissions.value or ()
    may_grant = facts.access is not AccessMode.ENTRA or is_permitted(
        permissions, ROLE_ASSIGNMENT_WRITE
    )
    if not is_permitted(permissions, CLUSTER_WRITE_ACTION):
        action = CheckAction(
            kind="command",
            label=f"Grant the {AKS_CONTRIBUTOR_ROLE}",
            value=role_assignment_command(facts),
        )
        extra = () if may_grant else (_grant_delegation_action(facts),)
        return CheckResult(
            "permission",
            CheckStatus.FAIL,
            f"The app's identity lacks {CLUSTER_WRITE_ACTION} on resource group "
            f"'{facts.resource_group}'.",
            (action, *extra),
        )
    if not may_grant:
        roles = " and ".join(role.name for role in ACCESS_ROLES)
        return CheckResult(
            "permission",
            CheckStatus.WARN,
            f"The app may create clusters in '{facts.resource_group}' but cannot grant you "
            f"access to them (it lacks {ROLE_ASSIGNMENT_WRITE}): the create will succeed, and "
            f"an admin will have to assign you {roles} on the cluster.",
            (_grant_delegation_action(facts),),
        )
    return CheckResult(
        "permission",
        CheckStatus.PASS,
        f"The app may create clusters in '{facts.resource_group}'"
        + (" and grant you access to them." if facts.access is AccessMode.ENTRA else "."),
    )


def check_kubernetes_version(facts: PreflightFacts) -> CheckResult:
    """Fail when the version is not offered; warn on a preview; name the default when empty."""
    versions = facts.kubernetes_versions.value or ()
    wanted = facts.kubernetes_version
    if not wanted:
        default = next((v.version for v in versions if v.default), None)
        message = (
            f"The default version {default} will be used."
            if default
            else ("Azure picks the default version.")
        )
        return CheckResult("kubernetes_version", CheckStatus.PASS, message)
    offered = next((v for v in versions if v.offers(wanted)), None)
    if offered is None:
        listed = ", ".join(v.version for v in versions if not v.preview)
        action = CheckAction(kind="edit", label="Choose another Kubernetes version")
        return CheckResult(
            "kubernetes_version",
            CheckStatus.FAIL,
            f"Kubernetes {wanted} is not offered in {facts.region} (offered: {listed}).",
            (action,),
        )
    if offered.preview:
        return CheckResult(
            "kubernetes_version",
            CheckStatus.WARN,
            f"Kubernetes {wanted} is a preview in {facts.region}: not for production.",
        )
    return CheckResult(
        "kubernetes_version", CheckStatus.PASS, f"Kubernetes {wanted} is offered in {facts.region}."
    )


def check_cluster_name(facts: PreflightFacts) -> CheckResult:
    """Fail when the create would be refused (README); warn when it retries your own."""
    existing = facts.existing_cluster.value
    where = f"'{facts.cluster_name}' in '{facts.resource_group}'"
    if existing is None:
        return CheckResult("cluster_name", CheckStatus.PASS, f"The name {where} is free.")
    decision = decide_on_existing(existing, facts.owner_id, task_id="")
    if decision is CreateDecision.RETRY_OWN:
        return CheckResult(
            "cluster_name",
            CheckStatus.WARN,
            f"Your earlier cluster {where} is {existing.provisioning_state}; Create will retry it.",
        )
    action = CheckAction(kind="edit", label="Choose another cluster name")
    return CheckResult(
        "cluster_name",
        CheckStatus.FAIL,
        f"A cluster named {where} already exists, so Create would leave it alone and fail.",
        (action,),
    )


@dataclass(frozen=True)
class PreflightCheck:
    """One row of the table: its id, the sources it reads, and the rule."""

    id: str
    sources: tuple[str, ...]
    run: Callable[[PreflightFacts], CheckResult]


PREFLIGHT_CHECKS: tuple[PreflightCheck, ...] = (
    PreflightCheck("vm_size", ("vm_sizes",), check_vm_size),
    PreflightCheck("quota", ("vm_sizes", "usages"), check_quota),
    PreflightCheck("resource_group", ("resource_group_location",), check_resource_group),
    PreflightCheck("permission", ("permissions",), check_permission),
    PreflightCheck("kubernetes_version", ("kubernetes_versions",), check_kubernetes_version),
    PreflightCheck("cluster_name", ("existing_cluster",), check_cluster_name),
)

SOURCE_NAMES = {
    "vm_sizes": "the VM sizes",
    "usages": "the vCPU usage",
    "resource_group_location": "the resource group",
    "permissions": "the app's permissions",
    "kubernetes_versions": "the Kubernetes versions",
    "existing_cluster": "the existing clusters",
}


def run_checks(facts: PreflightFacts) -> tuple[CheckResult, ...]:
    """Every check in order; a failed source or a check bug becomes `unknown`, never an error."""
    results = []
    for check in PREFLIGHT_CHECKS:
        failed = [name for name in check.sources if not getattr(facts, name).ok]
        if failed:
            reason = getattr(facts, failed[0]).error
            message = f"Could not read {SOURCE_NAMES[failed[0]]} from Azure: {reason}"
            results.append(CheckResult(check.id, CheckStatus.UNKNOWN, message))
            continue
        try:
            results.append(check.run(facts))
        except Exception:  # a rule bug must not hide the other checks
            logger.exception("preflight check %s failed", check.id)
            results.append(CheckResult(check.id, CheckStatus.UNKNOWN, "This check failed."))
    return tuple(results)
