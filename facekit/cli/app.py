"""The parser of `facekit` and `main`: which command runs, and the exit code it ends with."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, cast, get_args

from .._version import __version__
from .._versions import DEFAULT_API_VERSION, VERSIONS
from ..errors import FaceError
from ..models.names import (
    DetectionModelName,
    FaceAttributeName,
    RecognitionModelName,
    SnapshotObjectTypeName,
)
from .arguments import add_directory_arguments, positive_int
from .console import Console
from .errors import EXIT_INTERRUPTED, exit_code_for
from .pictures import add_annotate_argument

Command = Callable[[argparse.Namespace, Console], Coroutine[Any, Any, int]]


# The known names, for the help only: the library's checks decide (a well-formed model name
# newer than this release is sent; a malformed one is a FaceValidationError before sending).
_RECOGNITION_HELP = "recognition model: " + ", ".join(get_args(RecognitionModelName))
_DETECTION_HELP = "detection model: " + ", ".join(get_args(DetectionModelName))
_ATTRIBUTES_HELP = "face attributes, e.g. headPose mask; of " + ", ".join(
    get_args(FaceAttributeName)
)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, its flags and their help."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--endpoint", help="Face resource endpoint (default: $FACE_ENDPOINT)")
    common.add_argument("--key", help="Face resource key (default: $FACE_KEY)")
    common.add_argument(
        "--api-version",
        choices=VERSIONS,
        default=None,
        help=f"Face API version (default {DEFAULT_API_VERSION}, the GA)",
    )
    # The older spelling ("/face/v1.0"), kept working for scripts that use it.
    common.add_argument("--api-path", default=None, help=argparse.SUPPRESS)
    common.add_argument("--json", action="store_true", help="print the result as JSON")
    common.add_argument(
        "--timeout", type=float, default=None, help="seconds one request may take (60)"
    )
    common.add_argument(
        "--rate-limit",
        type=float,
        default=None,
        help="requests per second the resource allows (default 10, the S0 tier)",
    )

    parser = argparse.ArgumentParser(
        prog="facekit", description="Azure AI Face from the terminal (async client + emulator)."
    )
    parser.add_argument("--version", action="version", version=f"facekit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", parents=[common], help="enroll, train, identify, verify, snapshot: the tour"
    )
    demo.add_argument(
        "--subscription-id",
        help="snapshot apply scope on a real endpoint (the demo skips the "
        "snapshot step on a real endpoint without it)",
    )
    add_annotate_argument(
        demo,
        "where to write the group photo with the names drawn on it "
        "(default: demo/group-photo.png in the state folder)",
    )

    enroll = commands.add_parser(
        "enroll", parents=[common], help="enroll a folder root/<person>/<images> into a group"
    )
    enroll.add_argument("folder", help="folder laid out root/<person>/<images>")
    enroll.add_argument("--group", help="person group id")
    enroll.add_argument("--large", action="store_true", help="a large person group")
    add_directory_arguments(enroll, "enroll the persons into the PersonDirectory")
    enroll.add_argument(
        "--journal",
        help="journal file (default: one per endpoint and group in the state folder, "
        "$FACEKIT_STATE_DIR or ~/.local/state/facekit)",
    )
    enroll.add_argument(
        "--no-journal", action="store_true", help="keep no journal (reruns look up everything)"
    )
    enroll.add_argument(
        "--retry-failed", action="store_true", help="send images refused in earlier runs again"
    )
    enroll.add_argument(
        "--settle-seconds",
        type=float,
        default=None,
        help="wait after an unclear answer before sending an add again (default: --timeout)",
    )
    enroll.add_argument("--concurrency", type=int, default=8, help="persons in parallel (8)")
    enroll.add_argument("--recognition-model", default="recognition_04", help=_RECOGNITION_HELP)
    enroll.add_argument("--train", action="store_true", help="train when enrolled")
    enroll.add_argument(
        "--queue",
        metavar="REDIS_URL",
        help="split the work into one job per person on this Redis (arq) for `facekit "
        "worker` processes on any host, and wait for them (needs the redis extra)",
    )

    worker = commands.add_parser(
        "worker",
        parents=[common],
        help="run enrollment jobs from a queue, under one rate limit shared on Redis",
    )
    worker.add_argument(
        "--queue", metavar="REDIS_URL", help="the queue's Redis (default: $FACEKIT_QUEUE)"
    )
    worker.add_argument(
        "--max-jobs", type=positive_int, default=8, help="persons at a time in this worker (8)"
    )
    worker.add_argument(
        "--job-timeout",
        type=float,
        default=600.0,
        help="seconds a person's job may take; a dead worker's jobs run again after this "
        "plus 10 s (600)",
    )
    worker.add_argument(
        "--burst", action="store_true", help="stop when the queue is empty (default: wait)"
    )

    train = commands.add_parser("train", parents=[common], help="train a group or list")
    train.add_argument("id")
    train.add_argument(
        "--kind",
        default="person-group",
        choices=["person-group", "large-person-group", "large-face-list"],
    )
    train.add_argument("--wait", action="store_true", help="wait for the end (with progress)")

    detect = commands.add_parser("detect", parents=[common], help="detect faces in an image")
    detect.add_argument("image", help="image file or http(s) URL")
    detect.add_argument("--attributes", nargs="*", help=_ATTRIBUTES_HELP)
    detect.add_argument("--detection-model", default=None, help=_DETECTION_HELP)
    detect.add_argument("--recognition-model", default=None, help=_RECOGNITION_HELP)
    detect.add_argument("--face-id", action="store_true", help="return face ids")
    detect.add_argument(
        "--allow-retired-attributes",
        action="store_true",
        help="allow age, smile, facialHair, hair (and v1.0's emotion, gender, makeup): "
        "for a resource with Limited Access approval",
    )
    add_annotate_argument(detect, "also write the image with the faces drawn on it, as a PNG")

    identify = commands.add_parser(
        "identify", parents=[common], help="who is in an image, in a trained group"
    )
    identify.add_argument("image", help="image file or http(s) URL")
    identify.add_argument("--group", help="person group id")
    identify.add_argument("--large", action="store_true", help="a large person group")
    add_directory_arguments(identify, "identify among every person of the PersonDirectory")
    identify.add_argument("--recognition-model", default="recognition_04", help=_RECOGNITION_HELP)
    add_annotate_argument(
        identify, "also write the image with the faces and their names drawn on it, as a PNG"
    )

    snapshot = commands.add_parser(
        "snapshot",
        help="take, apply or follow snapshots (API v1.0; retired by the public service in 2023)",
    )
    actions = snapshot.add_subparsers(dest="action", required=True, metavar="ACTION")
    take = actions.add_parser("take", parents=[common], help="snapshot a group or list")
    take.add_argument(
        "--type",
        required=True,
        choices=get_args(SnapshotObjectTypeName),
    )
    take.add_argument("--object", required=True, help="id of the group or list")
    take.add_argument("--scope", nargs="*", help="subscription ids allowed to apply it")
    take.add_argument("--wait", action="store_true")
    apply = actions.add_parser("apply", parents=[common], help="create an object from a snapshot")
    apply.add_argument("snapshot", help="snapshot id")
    apply.add_argument("--object", required=True, help="id of the object to create")
    apply.add_argument("--wait", action="store_true")
    status = actions.add_parser("status", parents=[common], help="status of an operation")
    status.add_argument("operation", help="operation id")

    emulator = commands.add_parser(
        "emulator", help="run a local Face service (no Azure subscription needed)"
    )
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    emulator.add_argument("--port", type=int, default=5055, help="port (default 5055; 0: any)")
    emulator.add_argument("--key", help="subscription key to accept (default: a random one)")
    emulator.add_argument(
        "--subscription-id",
        help="this emulated account's subscription id, for snapshot apply scopes "
        "(default: a random UUID, printed at start)",
    )
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
        help="how long a write keeps a person or list busy (else 409)",
    )
    emulator.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="JSON",
        help='a fault to inject, e.g. \'{"operation": "Face_Identify", "status": 503}\'',
    )
    emulator.add_argument("--seed", type=int, default=0, help="seed of probabilistic faults")
    emulator.add_argument(
        "--max-connections",
        type=positive_int,
        default=512,
        help="connections served at a time; more are refused (default 512)",
    )
    return parser


def command(name: str) -> Command:
    """The `run` of a command's module (imported now: only the running command loads)."""
    module = importlib.import_module(f"{__package__}.commands.{name}")
    return cast(Command, module.run)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `facekit` with these arguments (default: sys.argv); return the exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "emulator":
        from .commands import emulator

        return emulator.run(args)
    if args.command == "worker":
        from .commands import worker

        return worker.run(args)
    console = Console(as_json=args.json)
    try:
        return asyncio.run(command(args.command)(args, console))
    except KeyboardInterrupt:
        hint = ""
        if getattr(args, "journal", None):
            hint = f"; run the same command again to resume from {args.journal}"
        print(f"\nfacekit: interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except FaceError as error:
        print(f"facekit: error: {error}", file=sys.stderr)
        return exit_code_for(error)
