"""Command line: python -m local.arm_simulator --port 7443 --data-dir .local-data/arm-simulator."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from local.arm_simulator.server import serve

DEFAULT_PORT = 7443
DEFAULT_DATA_DIR = Path(".local-data/arm-simulator")


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, log to stderr, serve."""
    parser = argparse.ArgumentParser(prog="python -m local.arm_simulator", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    serve(args.port, args.data_dir)


if __name__ == "__main__":
    main()
