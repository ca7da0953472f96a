"""The `facekit` command line (also `python -m facekit`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Sequence

from ._version import __version__

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="facekit", description="Azure AI Face from Python.")
    parser.add_argument("--version", action="version", version=f"facekit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    emulator = commands.add_parser(
        "emulator", help="run a local Face service (no Azure subscription needed)"
    )
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    emulator.add_argument("--port", type=int, default=5055, help="port (default 5055; 0: any)")
    emulator.add_argument("--key", help="subscription key to accept (default: a random one)")
    emulator.add_argument(
        "--rate-limit", type=float, default=None, help="requests per second before 429"
    )
    emulator.add_argument(
        "--training-seconds",
        type=float,
        default=None,
        help="base duration of a training (grows with the number of faces)",
    )
    emulator.add_argument(
        "--write-seconds",
        type=float,
        default=None,
        help="how long a write keeps a person or list busy (concurrent writes get 409)",
    )
    emulator.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="JSON",
        help='a fault to inject, e.g. \'{"operation": "Face_Identify", "status": 503}\'',
    )
    emulator.add_argument("--seed", type=int, default=0, help="seed of probabilistic faults")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "emulator":
        return run_emulator(args)
    return 2  # pragma: no cover - argparse rejects unknown commands


def run_emulator(args: argparse.Namespace) -> int:
    from .emulator import EmulatorSettings, FaceEmulator, Fault

    settings = EmulatorSettings(rate_limit=args.rate_limit)
    if args.training_seconds is not None:
        settings.training_base_seconds = args.training_seconds
    if args.write_seconds is not None:
        settings.write_seconds = args.write_seconds
    try:
        faults = [Fault.from_dict(json.loads(text)) for text in args.fault]
    except (ValueError, TypeError) as exc:
        print(f"facekit: invalid --fault: {exc}", file=sys.stderr)
        return 2
    emulator = FaceEmulator(
        key=args.key, host=args.host, port=args.port, settings=settings, seed=args.seed
    )
    for fault in faults:
        emulator.faults.add(fault)

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with emulator:
            print(f"Face emulator listening on {emulator.endpoint}", flush=True)
            print(f"endpoint: {emulator.endpoint}", flush=True)
            print(f"key: {emulator.key}", flush=True)
            await stop.wait()

    try:
        asyncio.run(serve())
    except OSError as exc:
        print(f"facekit: cannot serve on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0
