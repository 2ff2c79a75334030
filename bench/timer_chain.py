"""A chain of short durable timers on the local host: total time against the ideal.

The ideal is timers × timer length. What is left over is the engine's per-episode cost
(storage reads and writes, and the SDK's replay of the whole history), so a cost that grows
with history shows as a ratio that grows with the chain. Before history caching (each episode
re-read every row), 300 × 50 ms timers took about 24–27 s against 15 s of timer time.
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from bench.percentiles import summary_ms
from local.processes import free_port, start_local_host

logger = logging.getLogger(__name__)

TEST_APP = "tests.durable_test_app.function_app"
TIMERS = 300
TIMER_SECONDS = 0.05
EPISODES_ROUTE = "/durabletask/_diagnostics/episodes"


def _status(rpc_url: str, instance_id: str) -> dict[str, Any]:
    response = requests.get(f"{rpc_url}/durabletask/instances/{instance_id}", timeout=30)
    return dict(response.json())


def chain_once(rpc_url: str, timers: int, seconds: float, timeout_s: float) -> dict[str, Any]:
    """Start one chain, wait for it, return its wall time and the episodes it ran."""
    episodes_before = len(_episodes(rpc_url))
    started = time.perf_counter()
    response = requests.post(
        f"{rpc_url}/durabletask/orchestrators/timer_chain",
        json={"timers": timers, "seconds": seconds},
        timeout=30,
    )
    response.raise_for_status()
    instance_id = response.json()["id"]
    deadline = time.monotonic() + timeout_s
    status = _status(rpc_url, instance_id)
    while (
        status.get("runtimeStatus") not in ("Completed", "Failed") and time.monotonic() < deadline
    ):
        time.sleep(0.05)
        status = _status(rpc_url, instance_id)
    wall_s = time.perf_counter() - started
    if status.get("runtimeStatus") != "Completed":
        raise RuntimeError(f"timer chain did not complete: {status}")
    return {"wall_s": wall_s, "episodes": _episodes(rpc_url)[episodes_before:]}


def _episodes(rpc_url: str) -> list[float]:
    response = requests.get(rpc_url + EPISODES_ROUTE, timeout=30)
    response.raise_for_status()
    return [float(v) for v in response.json()["episode_durations_ms"]]


def run(
    connection_string: str,
    work_dir: Path,
    timers: int = TIMERS,
    seconds: float = TIMER_SECONDS,
) -> dict[str, Any]:
    """Run the chain on a host of its own; report total vs ideal and replay growth."""
    port, rpc_port = free_port(), free_port()
    host = start_local_host(
        port,
        rpc_port,
        {"AzureWebJobsStorage": connection_string, "LOCAL_HOST_LOG_LEVEL": "WARNING"},
        app=TEST_APP,
        log_path=work_dir / "timer-chain-host.log",
        hub_name="TimerChain" + uuid.uuid4().hex[:8],
    )
    try:
        rpc_url = f"http://127.0.0.1:{rpc_port}"
        measured = chain_once(rpc_url, timers, seconds, timeout_s=timers * seconds * 20 + 60)
    finally:
        host.stop()
    episodes = measured["episodes"]
    tenth = max(1, len(episodes) // 10)
    ideal_s = timers * seconds
    figures: dict[str, Any] = {
        "timers": timers,
        "timer_seconds": seconds,
        "ideal_s": round(ideal_s, 3),
        "total_s": round(measured["wall_s"], 3),
        "ratio_to_ideal": round(measured["wall_s"] / ideal_s, 3),
        "overhead_per_timer_ms": round((measured["wall_s"] - ideal_s) / timers * 1000, 2),
        "episodes": len(episodes),
        "replay_first_tenth": summary_ms(episodes[:tenth]),
        "replay_last_tenth": summary_ms(episodes[-tenth:]),
    }
    logger.info(
        "timer_chain: %d × %.0f ms timers took %.1f s against an ideal %.1f s (×%.2f, %.1f ms "
        "overhead per timer); replay p50 %.2f ms in the first tenth, %.2f ms in the last",
        timers,
        seconds * 1000,
        figures["total_s"],
        ideal_s,
        figures["ratio_to_ideal"],
        figures["overhead_per_timer_ms"],
        figures["replay_first_tenth"]["median_ms"],
        figures["replay_last_tenth"]["median_ms"],
    )
    return figures


def main() -> None:
    """`python -m bench.timer_chain`: the chain alone, on a private Azurite."""
    import tempfile

    from bench.local_stack import azurite

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("azure").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-timers-") as temp, azurite(Path(temp)) as conn:
        run(conn, Path(temp))


if __name__ == "__main__":
    main()
