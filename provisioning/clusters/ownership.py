"""Whose cluster is it: the ARM tags the product writes, and the rules that read them.

A create never changes somebody's working cluster and a cleanup deletes only what the
attempt made (or what the caller owns). Both decisions are pure tables over the tags and
provisioningState ARM returns, so they are tested without ARM.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

from provisioning.models import BROKEN_CLUSTER_STATES

CREATED_BY_TAG = "created-by"
CREATED_BY_VALUE = "aks-provisioning"
OWNER_TAG = "owner"
TASK_ID_TAG = "task-id"
OWNER_TAG_HEX_CHARS = 16
# JobState ResolvedBy of a failure whose cluster no longer exists (README).
CLUSTER_GONE = "cluster-gone"
# provisioningStates in which a cluster is the caller's own failed or stopped attempt.
RETRYABLE_STATES = BROKEN_CLUSTER_STATES


def owner_tag_for(owner_id: str) -> str:
    """The owner tag: first 16 hex of sha256(owner id), so a tag never reveals the id."""
    return hashlib.sha256(owner_id.encode("utf-8")).hexdigest()[:OWNER_TAG_HEX_CHARS]


def product_tags(owner_id: str, task_id: str) -> dict[str, str]:
    """The tags every cluster the product creates carries (docs/architecture.md)."""
    return {
        CREATED_BY_TAG: CREATED_BY_VALUE,
        OWNER_TAG: owner_tag_for(owner_id),
        TASK_ID_TAG: task_id,
    }


@dataclass(frozen=True)
class ExistingCluster:
    """What a GET of the cluster told us: enough to decide whether it is ours to touch."""

    provisioning_state: str | None
    etag: str | None
    tags: dict[str, str] = field(default_factory=dict)

    def made_by(self, task_id: str) -> bool:
        """True when this exact attempt created the cluster (its `task-id` tag)."""
        return self.tags.get(TASK_ID_TAG) == task_id

    def owned_by(self, owner_id: str) -> bool:
        """True when the product created it for this caller (its `owner` tag)."""
        return self.tags.get(CREATED_BY_TAG) == CREATED_BY_VALUE and self.tags.get(
            OWNER_TAG
        ) == owner_tag_for(owner_id)


class CreateDecision(StrEnum):
    """What a create does when the cluster name is taken (docs/architecture.md)."""

    CARRY_ON = "carry_on"  # our own create (the step re-ran after a crash)
    RETRY_OWN = "retry_own"  # the caller's own Failed/Canceled cluster: PUT with If-Match
    REFUSE = "refuse"  # anybody else's, or the caller's working cluster: fail, touch nothing


def decide_on_existing(existing: ExistingCluster, owner_id: str, task_id: str) -> CreateDecision:
    """The §5 table: carry on with our own, retry our own failed one, refuse everything else."""
    if existing.made_by(task_id):
        return CreateDecision.CARRY_ON
    if existing.owned_by(owner_id) and existing.provisioning_state in RETRYABLE_STATES:
        return CreateDecision.RETRY_OWN
    return CreateDecision.REFUSE


def may_delete(existing: ExistingCluster, owner_id: str, task_id: str) -> bool:
    """A cleanup deletes the cluster this attempt made, or the caller's own failed one.

    The owner tag alone is not enough for a working cluster: a later attempt of the same
    caller may have turned the partial cluster into a healthy one, which a stale cleanup
    button (an old banner in another tab) must never delete.
    """
    if existing.made_by(task_id):
        return True
    return existing.owned_by(owner_id) and existing.provisioning_state in RETRYABLE_STATES


def may_operate(existing: ExistingCluster, owner_id: str) -> bool:
    """A lifecycle operation (stop, start, scale, upgrade, delete) needs the caller's owner tag."""
    return existing.owned_by(owner_id)
