"""`facekit emulator`: a local Face service until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import uuid

from ...emulator import EmulatorSettings, FaceEmulator, Fault
from ..errors import EXIT_OK, EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    """Serve the emulator with the given settings and faults; print its endpoint and key."""
    settings = EmulatorSettings(rate_limit=args.rate_limit)
    if args.subscription_id is not None:
        try:
            settings.subscription_id = str(uuid.UUID(args.subscription_id))
        except ValueError:
            print("facekit: error: --subscription-id: must be a UUID", file=sys.stderr)
            return EXIT_USAGE
        settings.account_id = ""
        settings.__post_init__()
    if args.training_seconds is not None:
        settings.training_base_seconds = args.training_seconds
    if args.write_seconds is not None:
        settings.write_seconds = args.write_seconds
    try:
        faults = [Fault.from_dict(json.loads(text)) for text in args.fault]
    except (ValueError, TypeError) as exc:
        print(f"facekit: error: invalid --fault: {exc}", file=sys.stderr)
        return EXIT_USAGE
    emulator = FaceEmulator(
        key=args.key,
        host=args.host,
        port=args.port,
        settings=settings,
        seed=args.seed,
        max_connections=args.max_connections,
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
            print(f"subscription id: {emulator.subscription_id}", flush=True)
            if emulator.service.protect_control:
                print("control endpoints (/_emulator/...) require the key", flush=True)
            print("use it from another terminal (Ctrl-C here stops it):", flush=True)
            print(
                f"  export FACE_ENDPOINT={emulator.endpoint} FACE_KEY={emulator.key}",
                flush=True,
            )
            print(f"  curl {emulator.endpoint}/_emulator/info", flush=True)
            await stop.wait()

    try:
        asyncio.run(serve())
    except OSError as exc:
        print(
            f"facekit: error: cannot serve on {args.host}:{args.port}: "
            f"{exc.strerror or exc} (choose another --port, or 0 for any free one)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return EXIT_OK
