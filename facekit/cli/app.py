"""The parser of `facekit` and `main`: which command runs, and the exit code it ends with."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, NoReturn, cast, get_args

from .._validation import FACE_ATTRIBUTES
from .._version import __version__
from .._versions import DEFAULT_API_VERSION, VERSIONS
from ..errors import FaceError, FaceValidationError
from ..models.names import DetectionModelName, FaceAttributeName, RecognitionModelName
from .arguments import add_target_arguments, attribute_names, positive_int
from .checks import check
from .connection import read_key
from .console import Console
from .errors import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_SERVICE,
    EXIT_USAGE,
    exit_code_for,
)
from .pictures import add_annotate_argument

Command = Callable[[argparse.Namespace, Console], Coroutine[Any, Any, int]]

# The known names, for the help only: the library's checks decide (a well-formed model name
# newer than this release is sent; a malformed one is a FaceValidationError before sending).
_RECOGNITION = "known: " + ", ".join(get_args(RecognitionModelName))
_DETECTION = "known: " + ", ".join(get_args(DetectionModelName))
_ATTRIBUTES = "known: " + ", ".join(get_args(FaceAttributeName))

ENVIRONMENT = """\
environment variables:
  FACE_ENDPOINT      the Face resource's endpoint (unset: an embedded emulator)
  FACE_KEY           its key (safer than --key, which shell history keeps)
  FACEKIT_STATE_DIR  where enroll keeps its journals (else $XDG_STATE_HOME/facekit,
                     else ~/.local/state/facekit)
  XDG_STATE_HOME     see FACEKIT_STATE_DIR
  FACEKIT_QUEUE      the Redis URL of `facekit worker` (instead of --queue)
"""

EXIT_CODES = f"""\
exit codes:
  {EXIT_OK}    done
  {EXIT_PARTIAL}    done, but something asked for failed (images refused, a failed training)
  {EXIT_USAGE}    a mistake in the command: one line on stderr, nothing started or sent
  {EXIT_SERVICE}    the service or the connection failed (an error from Azure, a timeout)
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C); enroll resumes from its journal when run again
"""

SHARED_OPTIONS = "shared options (before or after the command's name)"


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Print `prog: error: message` and the way to help on one line; exit EXIT_USAGE."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def shared_options(*, defaults: bool) -> Parser:
    """The options every client command takes, defined once.

    The top-level parser holds them with their defaults (`defaults=True`); each command's
    copy defaults to nothing (argparse.SUPPRESS) so a flag given before the command's name
    is not reset by the command's parser, and one given after it wins.
    """

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    parser = Parser(add_help=False)
    shared = parser.add_argument_group(SHARED_OPTIONS)
    shared.add_argument(
        "--endpoint",
        default=default(None),
        help="the Face resource's endpoint (default: $FACE_ENDPOINT; neither: an embedded "
        "emulator that lives while the command runs)",
    )
    shared.add_argument(
        "--key",
        default=default(None),
        help="the resource's key (default: $FACE_KEY); '-' reads it from a prompt (or from "
        "stdin when that is not a terminal): a key given here ends up in shell history",
    )
    shared.add_argument(
        "--api-version",
        choices=VERSIONS,
        default=default(None),
        help=f"Face API version (default {DEFAULT_API_VERSION}, the GA)",
    )
    # The older spelling ("/face/v1.0"), kept working for scripts that use it.
    shared.add_argument("--api-path", default=default(None), help=argparse.SUPPRESS)
    shared.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print the result as JSON on stdout (messages go to stderr)",
    )
    shared.add_argument(
        "--timeout",
        type=float,
        default=default(None),
        metavar="SECONDS",
        help="seconds one request may take (default 60)",
    )
    shared.add_argument(
        "--rate-limit",
        type=float,
        default=default(None),
        metavar="PER_SECOND",
        help="requests per second the resource allows (default 10, the S0 tier)",
    )
    return parser


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _command(
    subparsers: Any,
    name: str,
    help: str,
    examples: tuple[str, ...],
    parents: list[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """A (sub)command: its one-line help, the same as its description, and its examples."""
    command: argparse.ArgumentParser = subparsers.add_parser(
        name,
        parents=parents,
        help=help,
        description=help[0].upper() + help[1:] + ".",
        epilog=_examples(*examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return command


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, its flags, their help and examples."""
    parser = Parser(
        prog="facekit",
        description="Azure AI Face from the terminal (async client + emulator).",
        epilog=_examples(
            "facekit demo",
            "facekit --json detect photo.jpg --attributes headPose,mask",
            "facekit enroll photos/ --group staff --large --train",
            "facekit identify team.jpg --group staff --large",
        )
        + "\n\n"
        + ENVIRONMENT
        + "\n"
        + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[shared_options(defaults=True)],
    )
    parser.add_argument("--version", action="version", version=f"facekit {__version__}")
    common = shared_options(defaults=False)
    commands = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        title="commands",
        help="`facekit COMMAND --help` shows its options and examples",
    )

    def add(name: str, help: str, *examples: str, shared: bool = True) -> argparse.ArgumentParser:
        return _command(commands, name, help, examples, [common] if shared else [])

    demo = add(
        "demo",
        "enroll, train, identify, verify, snapshot: the tour, on an embedded emulator",
        "facekit demo",
        "facekit demo --json > summary.json",
        "facekit demo --annotate group.png",
    )
    add_annotate_argument(
        demo,
        "where to write the group photo with the names drawn on it "
        "(default: demo/group-photo.png in the state folder)",
    )

    enroll = add(
        "enroll",
        "enroll a folder root/<person>/<images> into a group or the PersonDirectory",
        "facekit enroll photos/ --group staff --large --train",
        "facekit enroll photos/ --group staff --journal staff.journal --retry-failed",
        "facekit enroll photos/ --group night-shift --dynamic --api-version v1.2-preview.1",
        "facekit enroll photos/ --group staff --large --queue redis://cache:6379/0",
    )
    enroll.add_argument("folder", help="folder laid out root/<person>/<images>")
    add_target_arguments(enroll, directory="enroll the persons into the PersonDirectory")
    enroll.add_argument(
        "--journal",
        metavar="FILE",
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
    enroll.add_argument(
        "--recognition-model",
        default="recognition_04",
        help=f"recognition model of a group created now (recognition_04); {_RECOGNITION}",
    )
    enroll.add_argument("--train", action="store_true", help="train when enrolled")
    enroll.add_argument(
        "--queue",
        metavar="REDIS_URL",
        help="split the work into one job per person on this Redis (arq) for `facekit "
        "worker` processes on any host, and wait for them (needs the redis extra)",
    )

    worker = add(
        "worker",
        "run enrollment jobs from a queue, under one rate limit shared on Redis",
        "facekit worker --queue redis://cache:6379/0",
        "FACEKIT_QUEUE=redis://cache:6379/0 facekit worker --burst --max-jobs 4",
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

    train = add(
        "train",
        "train a group or a large face list",
        "facekit train --group staff --large --wait",
        "facekit train --face-list catalog --large",
    )
    add_target_arguments(train, face_lists=True)
    train.add_argument("--wait", action="store_true", help="wait for the end (with progress)")

    detect = add(
        "detect",
        "detect faces in an image",
        "facekit detect photo.jpg",
        "facekit detect photo.jpg --attributes headPose,mask --detection-model detection_03",
        "facekit detect team.jpg --annotate boxes.png",
        "facekit detect https://example.com/team.jpg --face-id --json",
    )
    detect.add_argument("image", help="image file or http(s) URL")
    detect.add_argument(
        "--attributes",
        action="extend",
        type=attribute_names,
        metavar="NAMES",
        help="face attributes, comma-separated (e.g. headPose,mask); may be repeated; "
        + _ATTRIBUTES,
    )
    detect.add_argument(
        "--detection-model",
        default=None,
        help=f"detection model (the service's default: detection_01); {_DETECTION}",
    )
    detect.add_argument(
        "--recognition-model",
        default=None,
        help=f"recognition model of the face ids (the service's default: recognition_01); "
        f"{_RECOGNITION}",
    )
    detect.add_argument("--face-id", action="store_true", help="return face ids")
    detect.add_argument(
        "--allow-retired-attributes",
        action="store_true",
        help="allow age, smile, facialHair, hair (and v1.0's emotion, gender, makeup): "
        "for a resource with Limited Access approval",
    )
    add_annotate_argument(detect, "also write the image with the faces drawn on it, as a PNG")

    identify = add(
        "identify",
        "who is in an image, in a trained group or the PersonDirectory",
        "facekit identify team.jpg --group staff --large",
        "facekit identify team.jpg --directory --api-version v1.2-preview.1",
        "facekit identify team.jpg --group staff --large --annotate named.png",
    )
    identify.add_argument("image", help="image file or http(s) URL")
    add_target_arguments(identify, directory="identify among every person of the PersonDirectory")
    identify.add_argument(
        "--recognition-model",
        default="recognition_04",
        help=f"model of the directory's faces (a group's own model is looked up); {_RECOGNITION}",
    )
    add_annotate_argument(
        identify, "also write the image with the faces and their names drawn on it, as a PNG"
    )

    snapshot = add(
        "snapshot",
        "take, apply or follow snapshots (API v1.0; retired by the public service in 2023)",
        "facekit snapshot take --group staff --large --scope SUBSCRIPTION_ID --wait",
        "facekit snapshot apply SNAPSHOT_ID --into staff-copy --wait",
        "facekit snapshot status OPERATION_ID",
    )
    actions = snapshot.add_subparsers(
        dest="action", required=True, metavar="ACTION", help="what to do with snapshots"
    )

    def action(name: str, help: str, *examples: str) -> argparse.ArgumentParser:
        return _command(actions, name, help, examples, [common])

    take = action(
        "take",
        "snapshot a group or list",
        "facekit snapshot take --group staff --large --scope SUBSCRIPTION_ID --wait",
        "facekit snapshot take --face-list catalog --scope SUBSCRIPTION_ID",
    )
    add_target_arguments(take, face_lists=True)
    take.add_argument(
        "--scope",
        nargs="+",
        metavar="SUBSCRIPTION_ID",
        help="subscription ids allowed to apply it (default on the embedded emulator: its own)",
    )
    take.add_argument("--wait", action="store_true", help="wait for the snapshot id")
    apply = action(
        "apply",
        "create a group or list from a snapshot",
        "facekit snapshot apply SNAPSHOT_ID --into staff-copy --wait",
    )
    apply.add_argument("snapshot", help="snapshot id")
    apply.add_argument(
        "--into",
        metavar="ID",
        required=True,
        help="id of the group or list to create (of the snapshot's kind)",
    )
    apply.add_argument("--wait", action="store_true", help="wait until it is created")
    status = action(
        "status", "status of a snapshot operation", "facekit snapshot status OPERATION_ID"
    )
    status.add_argument("operation", help="operation id (printed by take and apply)")

    emulator = add(
        "emulator",
        "run a local Face service (no Azure subscription needed)",
        "facekit emulator --port 5055",
        "facekit emulator --port 0 --rate-limit 10 --training-seconds 2",
        'facekit emulator --fault \'{"operation": "Face_Identify", "status": 503}\'',
        shared=False,
    )
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    emulator.add_argument("--port", type=int, default=5055, help="port (default 5055; 0: any)")
    emulator.add_argument(
        "--key",
        default=argparse.SUPPRESS,
        help="subscription key to accept (default: a random one)",
    )
    emulator.add_argument(
        "--subscription-id",
        help="this emulated account's subscription id, for snapshot apply scopes "
        "(default: a random UUID, printed at start)",
    )
    emulator.add_argument(
        "--rate-limit",
        type=float,
        default=argparse.SUPPRESS,
        help="requests per second before 429 (default: none)",
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


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments, or a one-line error (exit 2) naming what was not understood."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        hint = ""
        attributes = getattr(args, "attributes", None)
        if attributes and args.image in FACE_ATTRIBUTES:
            hint = (
                f"; {args.image} was taken for the image: give attributes comma-separated "
                f"(--attributes {','.join([*attributes, args.image])} IMAGE)"
            )
        parser.error(f"unrecognized arguments: {' '.join(extra)}{hint}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run `facekit` with these arguments (default: sys.argv); return the exit code."""
    args = parse(build_parser(), argv)
    try:
        # Every mistake is found here, before an emulator starts or a request is sent.
        check(args)
        read_key(args)
    except FaceValidationError as error:
        print(f"facekit: error: {error}", file=sys.stderr)
        return EXIT_USAGE
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
