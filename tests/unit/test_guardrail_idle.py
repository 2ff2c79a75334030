"""What node CPU points prove about idleness, and what a failed read means."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from provisioning.guardrails.idle import CpuPoint, quiet_since, read_idle_evidence

T0 = datetime(2026, 1, 12, 12, 0, tzinfo=UTC)


def points(*values: float | None) -> list[CpuPoint]:
    return [CpuPoint(T0 + timedelta(minutes=i), value) for i, value in enumerate(values)]


def test_all_quiet_means_quiet_since_the_first_point() -> None:
    assert quiet_since(points(2, 3, 1), 5) == T0


def test_quiet_starts_after_the_last_busy_grain() -> None:
    assert quiet_since(points(2, 40, 2, 2), 5) == T0 + timedelta(minutes=2)


def test_busy_now_means_not_quiet() -> None:
    assert quiet_since(points(2, 2, 60), 5) == T0 + timedelta(minutes=3)


def test_no_values_prove_nothing() -> None:
    assert quiet_since(points(None, None), 5) is None
    assert quiet_since([], 5) is None


def test_gaps_are_skipped_not_counted_as_quiet() -> None:
    assert quiet_since(points(None, 2, None, 2), 5) == T0 + timedelta(minutes=1)


class FailingMetrics:
    """A metrics client whose read fails, as an outage or a denied role would."""

    class metrics:  # noqa: N801 (the SDK's attribute name)
        @staticmethod
        def list(*args: object, **kwargs: object) -> object:
            raise ConnectionError("Azure Monitor did not answer")


def test_a_failed_read_means_not_idle() -> None:
    evidence = read_idle_evidence(
        FailingMetrics(), "/subscriptions/x", window_start=T0, now=T0, threshold=5
    )
    assert not evidence.read_ok and evidence.quiet_since is None
