"""Order statistics for small samples of timings (the machine is noisy: we report medians)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float:
    """The median, or NaN for an empty sample (so a missing figure is visible, not zero)."""
    return float(statistics.median(values)) if values else math.nan


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample value with `fraction` of samples at or below."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return float(ordered[rank - 1])


def summary_ms(values_ms: Sequence[float]) -> dict[str, float | int]:
    """Median, p95, min and count of a sample of milliseconds, rounded for the report."""
    return {
        "median_ms": round(median(values_ms), 3),
        "p95_ms": round(percentile(values_ms, 0.95), 3),
        "min_ms": round(min(values_ms), 3) if values_ms else math.nan,
        "n": len(values_ms),
    }
