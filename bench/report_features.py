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


def guardrails_section(figures: dict[str, Any] | None) -> list[str]:
    """1,000 guarded clusters: checks per second, memory, edge lag, ARM reads, actions a day."""
    lines = ["## Cost guardrails: guarded clusters at scale", ""]
    if not figures:
        return lines + ["Not measured in this run.", ""]
    hour, edge = figures["simulated_hour"], figures["schedule_edge"]
    day = figures["azure_defaults_per_cluster_per_day"]
    done = ""
    if not hour["completed"]:
        share = hour["checks_done"] / hour["checks_wanted"]
        whole = hour["checks_wanted"] / max(hour["checks_per_second"], 0.01)
        done = (
            f" The cap ended it after {hour['checks_done']:,} of the hour's "
            f"{hour['checks_wanted']:,} checks ({share:.0%}): at the rate measured the whole "
            f"simulated hour takes {whole:,.0f} s."
        )
    capacity = int(hour["checks_per_second"] * 300)
    return lines + [
        f"{figures['clusters']:,} `busy-` clusters seeded into the ARM simulator and guarded "
        "through `PUT …/guardrails` (an idle rule; busy CPU, so none stops) on one local host "
        f"with guardrail minutes of {figures['minute_seconds']} s (bench/guardrails.py). "
        "First, at Azure's 300-second checks (the load 1,000 guarded clusters put on Azure), "
        f"{edge['clusters']} of them get working hours whose stop edge is the same minute; "
        "afterwards their guardrails are removed, so every check of the hour is an idle check "
        "(a stopped or just-started cluster's check reads its power state but no metrics). Then "
        "the host is stopped and started again with the check interval scaled like the minute, "
        f"300 s to {figures['check_seconds']} s; every guard resumes from storage and takes the "
        "new interval from its next check on (within 300 s). "
        "A simulated hour is then what an hour is in Azure, 12 checks per cluster; the host "
        "runs them as fast as it can, and checks per second is the count over the wall time."
        + done,
        "",
        "| figure | value |",
        "|---|---|",
        f"| guardrails set (PUT), {figures['setup']['puts']:,} clusters | "
        f"{figures['setup']['seconds']} s, p95 {_fmt(figures['setup']['put_ms']['p95_ms'])} ms |",
        f"| lag from a shared schedule edge to its stop being accepted, {edge['stopped']} of "
        f"{edge['clusters']} clusters | p50 {_fmt(edge['lag_ms']['median_ms'])} ms, "
        f"**p95 {_fmt(edge['lag_ms']['p95_ms'])} ms** |",
        "| restart: the host reads every unfinished instance, restarts their work and listens | "
        f"{_seconds(figures.get('restart_resume_seconds'))} |",
        f"| checks per second sustained, {hour['guards']:,} guards "
        f"(asked: {_fmt(hour['checks_demanded_per_second'])}) | "
        f"**{_fmt(hour['checks_per_second'])}** over {_fmt(hour['wall_seconds'])} s |",
        "| ARM reads per idle check of a running cluster | "
        f"**{_fmt(hour['arm_reads_per_idle_check'])}** "
        "(budget ≤ 2; 0 while stopped: tests/integration/test_guardrails.py) |",
        f"| orchestrator episodes per check | {_fmt(hour['episodes_per_check'])} |",
        f"| machine load while it ran (1-minute load average, {_cpu_count()} cores, shared) | "
        f"{_fmt(hour.get('load_average_1m')) if hour.get('load_average_1m') else 'not read'} |",
        f"| host memory (RSS): empty, before, after the simulated hour | "
        f"{_fmt(figures['host_rss_mib_idle'])} / {_fmt(hour['host_rss_mib_before'])} / "
        f"**{_fmt(hour['host_rss_mib_after'])}** MiB |",
        "",
        f"At {_fmt(hour['checks_per_second'])} checks a second one local host on this machine "
        f"keeps up with about {capacity:,} guarded clusters at Azure's 300-second interval. "
        f"At the Azure defaults one guarded cluster costs, per day, {day['checks']} checks = "
        f"**{day['orchestration_actions']:,} orchestration actions** (each generation: one "
        "activity call, one timer, two external-event waits, one continue_as_new), about "
        f"{day['orchestrator_episodes']} orchestrator episodes and {day['activity_executions']} "
        "activity executions; plus, with working hours, one stop and one start a day. In the "
        "backend's message count (a timer firing, an activity started and its result, the next "
        f"generation started) a wake-up is 4 messages: {day['checks'] * 4:,} a day.",
        "",
        *[f"- {note}" for note in figures.get("notes", [])],
        "",
    ]


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 1


def _seconds(value: Any) -> str:
    return f"{_fmt(value)} s" if value is not None else "not measured"
