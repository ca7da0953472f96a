"""`facekit snapshot take|apply|status`: copy a group or list, or follow the operation."""

from __future__ import annotations

import argparse

from ...errors import FaceValidationError, OperationFailedError
from ...models._serde import to_wire
from ..arguments import SNAPSHOT_TYPES, container_of
from ..connection import connect
from ..console import Console
from ..errors import EXIT_OK, EXIT_PARTIAL


async def run(args: argparse.Namespace, console: Console) -> int:
    """Take or apply a snapshot (to its end with --wait), or print an operation's status."""
    async with connect(args, console) as (face, emulator):
        if args.action == "status":
            status = await face.snapshots.get_operation_status(args.operation)
            console.result(
                to_wire(status),
                f"operation {args.operation}: {status.status}"
                + (f" ({status.resource_location})" if status.resource_location else "")
                + (f": {status.message}" if status.message else ""),
            )
            return EXIT_OK if str(status.status) != "failed" else EXIT_PARTIAL
        if args.action == "take":
            scope = args.scope or ([emulator.subscription_id] if emulator else [])
            if not scope:
                raise FaceValidationError("--scope", "give the subscription ids to apply it in")
            kind, target = container_of(args)
            poller = await face.snapshots.begin_take(SNAPSHOT_TYPES[kind], target, scope)
        else:
            poller = await face.snapshots.begin_apply(args.snapshot, args.into)
        console.say(f"Operation-Location: {poller.location}")
        if not args.wait:
            console.result(
                {"operationLocation": poller.location, "operationId": poller.operation_id},
                f"queued; follow with: facekit snapshot status {poller.operation_id}",
            )
            return EXIT_OK
        try:
            outcome = await poller
        except OperationFailedError as failure:
            console.result(
                {"status": "failed", "message": failure.message},
                f"snapshot {args.action} failed: {failure.message}",
            )
            return EXIT_PARTIAL
    label = "snapshot id" if args.action == "take" else "created"
    console.result({"result": outcome, "status": to_wire(poller.status)}, f"{label}: {outcome}")
    return EXIT_OK
