"""What the dashboard offers for one cluster now: the cluster document's `actions`.

Computed from the same rules that accept or refuse each operation (the registry's allowed
states through operations.lifecycle.state_refusal, and the claim that makes an active
operation a 409), so an enabled action is never refused for its state and a disabled one
always is. The dashboard renders these and keeps no copy of a rule (README "Your clusters").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provisioning.clusters.inventory import ClusterView
from provisioning.operations.lifecycle import state_refusal
from provisioning.operations.registry import (
    BROKEN_STATES,
    DELETE,
    POOL_ADD,
    SCALE,
    START,
    STOP,
    UPGRADE,
    OperationSpec,
    spec_for,
)

# Every kind `actions` may hold, in display order ("stop" and "start" share one place).
ACTION_KINDS = (
    "connect",
    "stop",
    "start",
    "scale",
    "upgrade",
    "node_pools",
    "guardrails",
    "delete",
)


@dataclass(frozen=True)
class ClusterAction:
    """One entry of `actions`: its kind, whether it is offered, and why not."""

    kind: str
    enabled: bool
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form in the cluster document."""
        return {"kind": self.kind, "enabled": self.enabled, "reason": self.reason}


def _operation(
    spec: OperationSpec, view: ClusterView, upgrades: list[str], busy: str | None
) -> ClusterAction:
    """An operation's action: refused while another runs, else as its state allows."""
    kind = spec.action or spec.verb
    if busy is not None:
        return ClusterAction(kind, False, busy)
    refusal = state_refusal(spec, view, upgrades)
    return ClusterAction(kind, refusal is None, refusal)


def _connect(view: ClusterView) -> ClusterAction:
    """Connecting needs an API server: a cluster that has one, running."""
    if view.provisioning_state == "Deleting":
        return ClusterAction("connect", False, "The cluster is being deleted")
    if not view.fqdn:
        return ClusterAction("connect", False, "The cluster has no API server yet")
    if view.power_state == "Stopped":
        return ClusterAction("connect", False, "A stopped cluster cannot be connected to")
    return ClusterAction("connect", True)


def _settings(kind: str, view: ClusterView, busy: str | None) -> ClusterAction:
    """Guardrails: a healthy cluster's part (a broken one offers only Delete)."""
    state = view.provisioning_state
    if state in BROKEN_STATES:
        return ClusterAction(kind, False, f"A {str(state).lower()} cluster can only be deleted")
    if state == "Deleting":
        return ClusterAction(kind, False, "The cluster is being deleted")
    return ClusterAction(kind, True)


def busy_reason(operation: dict[str, Any] | None) -> str | None:
    """ "Another operation is running: Scaling" while the cluster has an active task."""
    if not operation:
        return None
    try:
        running = spec_for(str(operation.get("type"))).running
    except ValueError:
        running = str(operation.get("step") or "an operation")
    return f"Another operation is running: {running}"


def actions_for(
    view: ClusterView, upgrades: list[str], operation: dict[str, Any] | None
) -> list[ClusterAction]:
    """The cluster's actions in display order: connect, stop or start, scale, upgrade,
    node_pools, guardrails, delete."""
    busy = busy_reason(operation)
    power = STOP if view.power_state != "Stopped" else START
    return [
        _connect(view),
        _operation(power, view, upgrades, busy),
        _operation(SCALE, view, upgrades, busy),
        _operation(UPGRADE, view, upgrades, busy),
        # The node-pool operations share one action and one allowed-states row: running, idle.
        _operation(POOL_ADD, view, upgrades, busy),
        _settings("guardrails", view, busy),
        _operation(DELETE, view, upgrades, busy),
    ]
