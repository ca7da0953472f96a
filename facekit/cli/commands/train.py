"""`facekit train`: queue a training, and follow it to its end with --wait."""

from __future__ import annotations

import argparse
from typing import Any

from ...client import FaceClient
from ...errors import TrainingFailedError
from ...models._serde import to_wire
from ..arguments import container_of
from ..connection import connect
from ..console import Console
from ..errors import EXIT_OK, EXIT_PARTIAL


def _trainable(face: FaceClient, kind: str) -> Any:
    return {
        "persongroups": face.person_groups,
        "largepersongroups": face.large_person_groups,
        "largefacelists": face.large_face_lists,
    }[kind]


async def run(args: argparse.Namespace, console: Console) -> int:
    """Queue the training; print its resume token, or its statuses until it ends."""
    kind, target = container_of(args)
    async with connect(args, console) as (face, _emulator):
        poller = await _trainable(face, kind).begin_train(target)
        if not args.wait:
            console.result(
                {"queued": True, "continuation_token": poller.continuation_token()},
                f"training of {target} queued; resume token:\n{poller.continuation_token()}",
            )
            return EXIT_OK
        seen = ""
        async for status in poller:
            if str(status.status) != seen:
                seen = str(status.status)
                console.say(f"training {target}: {seen}")
        try:
            final = await poller
        except TrainingFailedError as failure:
            console.result(
                {"status": "failed", "message": failure.message},
                f"training failed: {failure.message}",
            )
            return EXIT_PARTIAL
    console.result(to_wire(final), f"training {target} finished: {final.status}")
    return EXIT_OK
