"""bench.cold_start's telemetry figures: the worker's OpenTelemetry cost as ratios to the floor."""

from __future__ import annotations

from bench.cold_start import COLD_START_BUDGET, opentelemetry_figures


def test_figures_add_import_then_configure_to_the_floor() -> None:
    figures = opentelemetry_figures([200.0, 200.0, 220.0], [100.0, 90.0, 110.0], [20.0, 20.0, 20.0])

    assert figures["floor"]["median_ms"] == 200.0
    assert figures["floor_plus_import_ratio_to_floor"] == 1.5
    assert figures["worker_start_ratio_to_floor"] == 1.6
    assert figures["budget_ratio"] == COLD_START_BUDGET == 1.15
    assert figures["would_fit_budget_if_imported_by_app"] is False


def test_a_distro_costing_less_than_the_budget_margin_would_fit() -> None:
    figures = opentelemetry_figures([1000.0], [100.0], [5.0])

    assert figures["would_fit_budget_if_imported_by_app"] is True
