"""The orchestrators' blueprint and the names the HTTP layer starts them by."""

import azure.durable_functions as df

blueprint = df.Blueprint()

PROVISION_CLUSTER = "provision_cluster"
DELETE_CLUSTER = "delete_cluster"
CHANGE_CLUSTER = "change_cluster"
CANCEL_EVENT = "cancel"
GUARD_CLUSTER = "guard_cluster"
GUARDRAILS_CHANGED_EVENT = "changed"
GUARDRAILS_EXTENDED_EVENT = "extended"
