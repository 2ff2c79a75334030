"""The orchestrators' blueprint and the names the HTTP layer starts them by."""

import azure.durable_functions as df

from provisioning.operations.registry import Orchestration

blueprint = df.Blueprint()

PROVISION_CLUSTER = Orchestration.PROVISION.value
DELETE_CLUSTER = Orchestration.DELETE.value
CHANGE_CLUSTER = Orchestration.CHANGE.value
CANCEL_EVENT = "cancel"
GUARD_CLUSTER = "guard_cluster"
GUARDRAILS_CHANGED_EVENT = "changed"
GUARDRAILS_EXTENDED_EVENT = "extended"
