"""`make run` passes the guardrails' timing settings from the environment to the host."""

from __future__ import annotations

from local.stack import GUARDRAIL_SETTINGS, StackMode, host_environment

SIMULATED = StackMode(real_azure=False, subscription_id="00000000-0000-0000-0000-000000000000")


def test_guardrail_settings_in_the_environment_reach_the_host() -> None:
    environ = {
        "GUARDRAIL_MINUTE_SECONDS": "1",
        "GUARDRAIL_CHECK_SECONDS": "2",
        "GUARDRAIL_IDLE_CPU_PERCENT": "7.5",
    }
    env = host_environment(SIMULATED, None, environ)
    assert {name: env[name] for name in GUARDRAIL_SETTINGS} == environ


def test_unset_guardrail_settings_leave_the_app_defaults() -> None:
    env = host_environment(SIMULATED, None, {})
    assert not set(GUARDRAIL_SETTINGS) & env.keys()
