"""docs/benchmarks.md sections for preflight, Your clusters, node pools and the timer chain."""

from __future__ import annotations

from typing import Any


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def preflight_section(figures: dict[str, Any] | None) -> list[str]:
    """Preflight latency, ARM calls cold and warm, and bad-size detection vs Create."""
    lines = ["## Preflight before Create", ""]
    if not figures:
        return lines + ["Not measured in this run.", ""]
    cold, warm = figures["latency"]["cold"], figures["latency"]["warm"]
    calls, bad = figures["arm_calls"], figures["bad_size"]
    return lines + [
        "POST /api/aks/preflight over HTTP on the local host against the ARM simulator. "
        "Cold: the first request for a region since the host started (catalog, versions and "
        "prices loaded); warm: the same region again (only usage, resource group, permissions "
        "and the cluster name are read live). ARM calls are counted on the real SDK clients "
        "in process (a `raw_request_hook`), Retail Prices pages included.",
        "",
        "| figure | cold | warm |",
        "|---|---|---|",
        f"| latency p50 / p95 | {_fmt(cold['median_ms'])} / {_fmt(cold['p95_ms'])} ms | "
        f"{_fmt(warm['median_ms'])} / {_fmt(warm['p95_ms'])} ms |",
        f"| ARM + price requests per preflight | {calls['cold']} | {calls['warm']} |",
        "",
        f"A bad VM size: our Create path (the `nosku-` scenario through the orchestration) "
        f"shows the failure {_fmt(bad['create_to_failure_ms'])} ms after Create; preflight "
        f"reports the restricted `Standard_D8s_v5` in `westus3` in {_fmt(bad['preflight_ms'])} "
        f"ms (×{_fmt(bad['ratio_create_over_preflight'])}). The original system reported a "
        f"rejected SKU about {bad['original_seconds']:.0f} s after Create: "
        f"×{bad['ratio_original_over_preflight']} slower than this preflight. (The simulator "
        "rejects a bad size at the PUT at once; in Azure that round trip is much longer.)",
        "",
    ]


def clusters_section(figures: dict[str, Any] | None) -> list[str]:
    """The clusters list by size, and each lifecycle operation end to end."""
    lines = ["## Your clusters", ""]
    if not figures:
        return lines + ["Not measured in this run.", ""]
    lines += [
        "GET /api/aks/clusters over HTTP (warm catalog) for an owner with 1, 10 and 100 "
        "clusters; ARM requests per listing counted on the real SDK client. Upgrades come "
        "from the region's cached Kubernetes version catalog, so a listing is one ARM call "
        "whatever the number of clusters.",
        "",
        "| clusters | listed | p50 | p95 | ARM requests per listing |",
        "|---|---|---|---|---|",
    ]
    for size, row in figures["list"].items():
        lat = row["latency"]
        lines.append(
            f"| {size} | {row['listed']} | {_fmt(lat['median_ms'])} ms | "
            f"{_fmt(lat['p95_ms'])} ms | {row['arm_calls_per_request']} |"
        )
    ops = figures["operations"]
    lines += [
        "",
        f"Each operation on one cluster, POST to terminal status (simulated ARM "
        f"operations take {ops['arm_operation_seconds']} s):",
        "",
        "| operation | status | seconds |",
        "|---|---|---|",
    ]
    for label, row in ops.items():
        if isinstance(row, dict):
            lines.append(f"| {label} | {row['status']} | {row['seconds']} |")
    return lines + [""]


def pools_section(figures: dict[str, Any] | None) -> list[str]:
    """What the quota check costs an accept, its ARM calls, each pool operation end to end."""
    lines = ["## Node pools: quota before acting", ""]
    if not figures:
        return lines + ["Not measured in this run.", ""]
    refusals, calls = figures["refusals"], figures["arm_calls_per_check"]
    quota, exists = refusals["quota_exceeded"], refusals["pool_exists"]
    ops = figures["operations"]
    lines += [
        "POST …/pools over HTTP, interleaved in one run: a pool add refused with "
        "`quota_exceeded` (ownership, state, the cached VM sizes and the live usages read) "
        "against one refused with `pool_exists` (the same path, stopping before the quota is "
        "read). ARM requests of one quota check are counted on the real SDK client.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| `quota_exceeded` p50 / p95 | {_fmt(quota['median_ms'])} / {_fmt(quota['p95_ms'])} ms |",
        f"| `pool_exists` p50 / p95 | {_fmt(exists['median_ms'])} / {_fmt(exists['p95_ms'])} ms |",
        f"| the quota check (difference of medians) | {_fmt(refusals['quota_check_median_ms'])} "
        "ms |",
        f"| ARM requests per check, cold / catalog cached | {calls['cold']} / "
        f"{calls['warm_catalog']} |",
        "",
        f"Each pool operation, POST to terminal status (simulated ARM operations take "
        f"{ops['arm_operation_seconds']} s):",
        "",
        "| operation | status | seconds |",
        "|---|---|---|",
    ]
    for label, row in ops.items():
        if isinstance(row, dict):
            lines.append(f"| {label} | {row['status']} | {row['seconds']} |")
    return lines + [""]


def timer_chain_section(figures: dict[str, Any] | None) -> list[str]:
    """The local host's 300-timer chain against its ideal (history cache)."""
    lines = ["## Local host: a chain of 300 durable timers", ""]
    if not figures:
        return lines + ["Not measured in this run.", ""]
    rows = [
        f"| {key} | {_fmt(value)} |"
        for key, value in sorted(figures.items())
        if not isinstance(value, dict | list)
    ]
    return lines + ["| figure | value |", "|---|---|", *rows, ""]


def idle_polling_section(figures: dict[str, Any] | None) -> list[str]:
    """Requests one open tab sends per minute, idle and while an operation runs."""
    lines = ["## One open tab: requests per minute", ""]
    if not figures:
        return lines + ["Not measured in this run.", ""]
    return lines + [
        f"Headless Chromium, one tab on the dashboard with one cluster in Your clusters; every "
        f"request to /api/ counted over {figures['window_seconds']} s.",
        "",
        "| while | requests per minute | by path |",
        "|---|---|---|",
        f"| nothing changes | {figures['idle_per_minute']} | {figures['idle_by_path']} |",
        f"| a stop runs | {figures['busy_per_minute']} | {figures['busy_by_path']} |",
        "",
    ]
