"""The guard's activities: check a guarded cluster, and act on a guardrail that is due."""

from dataclasses import replace
from typing import Any

from activities import names
from activities.blueprint import blueprint


@blueprint.activity_trigger(input_name="check", activity=names.CHECK_GUARDRAIL)
def check_guardrail(check: dict[str, Any]) -> dict[str, Any]:
    """Read what the rules need (the row, operations, maybe the cluster and its CPU); decide."""
    from provisioning import clients
    from provisioning.clusters.inventory import read_one_cluster
    from provisioning.guardrails import service
    from provisioning.guardrails.messages import CheckInput
    from provisioning.settings import get_settings

    received = CheckInput.from_dict(check)
    # The app's settings now (a setting changed since the guard started applies at once).
    settings = service.guard_settings(get_settings())
    wanted = replace(received, guard=received.guard.with_settings(settings))
    arm = clients.container_service_client()
    verdict = service.check_guard(
        clients.guardrail_repository(),
        clients.jobstate_repository(),
        lambda group, name: read_one_cluster(arm, group, name),
        service.read_evidence_with(clients.monitor_client(), settings.idle_cpu_percent),
        wanted,
    )
    return replace(verdict, settings=settings).to_dict()


@blueprint.activity_trigger(input_name="act", activity=names.ACT_ON_GUARDRAIL)
def act_on_guardrail(act: dict[str, Any]) -> dict[str, Any]:
    """Look again and, if still due, accept the stop, start or delete (trigger = the guardrail)."""
    from provisioning import clients
    from provisioning.clusters.inventory import read_one_cluster
    from provisioning.guardrails import service
    from provisioning.guardrails.messages import ActInput

    arm = clients.container_service_client()
    return service.act_on_guard(
        clients.guardrail_repository(),
        clients.jobstate_repository(),
        lambda group, name: read_one_cluster(arm, group, name),
        ActInput.from_dict(act),
    ).to_dict()
