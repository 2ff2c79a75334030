"""Run the local Functions host: `python -m local.host [--port 7071] [--app function_app]`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from local.processes import PROJECT_ROOT, azurite_connection_string

logger = logging.getLogger("local.host")

DEV_STORAGE = "UseDevelopmentStorage=true"


def load_local_settings(path: Path) -> None:
    """Like Core Tools: local.settings.json Values become env vars unless already set."""
    if not path.is_file():
        return
    values = json.loads(path.read_text()).get("Values", {})
    for key, value in values.items():
        os.environ.setdefault(key, str(value))


def read_host_json(path: Path) -> dict[str, Any]:
    """host.json's first JSON object: like the Functions host, trailing text is ignored.

    (The samples-v2 function_chaining app ships a host.json holding two objects.)
    """
    if not path.is_file():
        return {}
    text = path.read_text().lstrip()
    settings, end = json.JSONDecoder().raw_decode(text)
    if text[end:].strip():
        logger.warning("%s has text after its first JSON object; it is ignored", path)
    return dict(settings)


def storage_connection_string() -> str:
    """AzureWebJobsStorage, with the dev-storage shorthand expanded for Azurite."""
    raw = os.environ.get("AzureWebJobsStorage", "").strip()
    if not raw or raw.lower() == DEV_STORAGE.lower():
        return azurite_connection_string(10002)
    return raw


async def serve(args: argparse.Namespace) -> None:
    """Index the app, resume durable instances and serve until cancelled."""
    from local.host.durable.engine import DurableEngine
    from local.host.durable.store import InstanceStore
    from local.host.function_index import load_index
    from local.host.server import HostConfig, JsonErrorAppRunner, build_app, build_rpc_app

    script_root = Path(args.script_root).resolve()
    if str(script_root) not in sys.path:
        sys.path.insert(0, str(script_root))  # like the worker: the app's folder is importable
    host_file = script_root / "host.json"
    host_json = read_host_json(host_file)
    extensions = host_json.get("extensions", {})
    route_prefix = extensions.get("http", {}).get("routePrefix", "api")
    hub_name = args.hub_name or extensions.get("durableTask", {}).get("hubName", "TestHubName")
    os.environ["AzureWebJobsStorage"] = storage_connection_string()
    index = load_index(args.app)
    store = InstanceStore(os.environ["AzureWebJobsStorage"], f"{hub_name}Instances")
    engine = DurableEngine(store, index.orchestrators, index.activities, entities=index.entities)
    static_dir = Path(args.static).resolve() if args.static else None
    config = HostConfig(
        args.port, args.rpc_port, route_prefix, hub_name, static_dir, not args.no_dev_identity
    )

    runners = [
        JsonErrorAppRunner(build_rpc_app(engine, config), access_log=None),
        JsonErrorAppRunner(build_app(config, index, engine), access_log=None),
    ]
    for runner in runners:
        await runner.setup()
    # The RPC API listens first: resumed orchestrations may call back into it.
    await web.TCPSite(runners[0], "127.0.0.1", args.rpc_port).start()
    resumed = await engine.start()
    await web.TCPSite(runners[1], "127.0.0.1", args.port).start()
    logger.info(
        "local host ready: http://127.0.0.1:%d/ (api under /%s, %d instance(s) resumed)",
        args.port,
        route_prefix,
        resumed,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    logger.info("shutting down")
    for runner in reversed(runners):
        await runner.cleanup()
    await engine.stop()
    from azure.durable_functions.models.utils.http_utils import _close_session

    await _close_session()


def main() -> None:
    """Parse arguments, mark this process as the trusted identity injector, serve."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOCAL_HOST_PORT", 7071)))
    parser.add_argument(
        "--rpc-port", type=int, default=int(os.environ.get("LOCAL_HOST_RPC_PORT", 17071))
    )
    parser.add_argument("--app", default=os.environ.get("LOCAL_HOST_APP", "function_app"))
    parser.add_argument(
        "--hub-name", default=os.environ.get("LOCAL_HOST_HUB_NAME"), help="task hub override"
    )
    parser.add_argument(
        "--no-dev-identity",
        action="store_true",
        help="play Azure with App Service Authentication off (no identity injected or trusted)",
    )
    parser.add_argument(
        "--script-root",
        default=str(PROJECT_ROOT),
        help="folder holding host.json and the app module (e.g. a samples-v2 app)",
    )
    parser.add_argument("--static", default=str(PROJECT_ROOT / "static_web"))
    parser.add_argument("--settings", default=str(PROJECT_ROOT / "local.settings.json"))
    args = parser.parse_args()
    logging.basicConfig(
        level=os.environ.get("LOCAL_HOST_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("azure").setLevel(logging.WARNING)
    load_local_settings(Path(args.settings))
    # The local host is the platform here: it injects identity itself, so the app may trust it.
    if args.no_dev_identity:
        os.environ.pop("LOCAL_DEV_HOST", None)
    else:
        os.environ["LOCAL_DEV_HOST"] = "true"
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
