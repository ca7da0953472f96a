"""The `facekit` command line (also `python -m facekit`).

Configuration comes from flags or from FACE_ENDPOINT and FACE_KEY; with no endpoint
configured, a command runs against an embedded emulator and says so.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ._version import __version__
from .auth import KeyCredential
from .client import FaceClient
from .errors import FaceAPIError, FaceConnectionError, FaceError, FaceValidationError
from .models._serde import to_wire
from .ratelimit import RateLimiter

if TYPE_CHECKING:
    from .emulator import FaceEmulator

__all__ = ["main"]

EXIT_OK = 0
EXIT_PARTIAL = 1  # the command ran, but something it was asked to do failed
EXIT_USAGE = 2
EXIT_SERVICE = 3
EXIT_INTERRUPTED = 130


class Console:
    """Where a command writes: results to stdout (JSON with --json), progress to stderr."""

    def __init__(
        self, *, as_json: bool, out: TextIO | None = None, err: TextIO | None = None
    ) -> None:
        self.as_json = as_json
        # Looked up now, not at import: callers (and tests) may have redirected them.
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def say(self, text: str) -> None:
        """A line for people; with --json it goes to stderr so stdout stays parseable."""
        print(text, file=self.err if self.as_json else self.out, flush=True)

    def result(self, data: Any, text: str | None = None) -> None:
        if self.as_json:
            print(json.dumps(data, indent=2, default=str), file=self.out, flush=True)
        elif text is not None:
            print(text, file=self.out, flush=True)


class ProgressBar:
    """A one-line bar on a terminal; on anything else a line every 10 %."""

    def __init__(self, stream: TextIO, label: str, width: int = 30) -> None:
        self.stream = stream
        self.label = label
        self.width = width
        self.tty = stream.isatty()
        self.last_tenth = -1
        self.started = time.monotonic()

    def update(self, done: int, total: int, note: str = "") -> None:
        fraction = done / total if total else 1.0
        if self.tty:
            filled = int(self.width * fraction)
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {note}".ljust(78))
            self.stream.flush()
            return
        tenth = int(fraction * 10)
        if tenth != self.last_tenth:
            self.last_tenth = tenth
            print(f"{self.label}: {done}/{total} {note}".rstrip(), file=self.stream, flush=True)

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def table(rows: Sequence[tuple[str, Any]]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name.ljust(width)}  {value}" for name, value in rows)


@contextlib.asynccontextmanager
async def connect(
    args: argparse.Namespace, console: Console
) -> AsyncIterator[tuple[FaceClient, FaceEmulator | None]]:
    """A client for the configured endpoint, or for an embedded emulator if none is set."""
    endpoint = args.endpoint or os.environ.get("FACE_ENDPOINT")
    key = args.key or os.environ.get("FACE_KEY")
    if endpoint and not key:
        raise FaceValidationError("key", "an endpoint is set but no key (--key or FACE_KEY)")
    options = _client_options(args)
    if endpoint and key:
        async with FaceClient(
            endpoint, KeyCredential(key), api_path=args.api_path, **options
        ) as face:
            yield face, None
        return
    from .emulator import EmulatorSettings
    from .emulator import FaceEmulator as Emulator

    settings = EmulatorSettings(training_base_seconds=0.5)
    async with Emulator(settings=settings) as emulator:
        console.say(
            f"(no endpoint configured: using an embedded Face emulator at {emulator.endpoint}; "
            "its data lives only while this command runs)"
        )
        async with FaceClient(
            emulator.endpoint, KeyCredential(emulator.key), api_path=args.api_path, **options
        ) as face:
            yield face, emulator


def _client_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if getattr(args, "timeout", None) is not None:
        if not (math.isfinite(args.timeout) and args.timeout > 0):
            raise FaceValidationError("--timeout", "must be a finite number of seconds > 0")
        options["timeout"] = args.timeout
    if getattr(args, "rate_limit", None) is not None:
        if not (math.isfinite(args.rate_limit) and args.rate_limit > 0):
            raise FaceValidationError("--rate-limit", "must be a positive number per second")
        options["rate_limiter"] = RateLimiter(args.rate_limit)
    return options


def _endpoint_configured(args: argparse.Namespace) -> bool:
    return bool(args.endpoint or os.environ.get("FACE_ENDPOINT"))


def image_argument(value: str) -> Any:
    """A URL stays a URL; anything else must be a readable file."""
    if value.startswith(("http://", "https://")):
        return value
    path = Path(value)
    if not path.is_file():
        raise FaceValidationError("image", f"{value} is not a file (nor an http(s) URL)")
    return path


# -- commands -----------------------------------------------------------------------------


async def cmd_enroll(args: argparse.Namespace, console: Console) -> int:
    from .bulk import EnrollmentProgress, SettlePolicy, binding_for, enroll_people, plan_people
    from .bulk.journal import default_journal_path

    if args.journal and args.no_journal:
        raise FaceValidationError("--journal", "give --journal or --no-journal, not both")
    if args.settle_seconds is not None and not (
        math.isfinite(args.settle_seconds) and args.settle_seconds >= 0
    ):
        raise FaceValidationError("--settle-seconds", "must be a finite number of seconds >= 0")
    # Everything the run needs is checked before a client (or an emulator) starts.
    plan = plan_people(args.folder)
    settle = SettlePolicy(window=args.settle_seconds)
    async with connect(args, console) as (face, emulator):
        journal: Path | None = Path(args.journal) if args.journal else None
        if journal is None and not args.no_journal and emulator is None:
            collection = "largepersongroups" if args.large else "persongroups"
            journal = default_journal_path(binding_for(face, collection, args.group))
            try:
                journal.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise FaceValidationError(
                    "journal",
                    f"cannot create the state folder {journal.parent} ({exc.strerror or exc}); "
                    "set FACEKIT_STATE_DIR, or give --journal FILE or --no-journal",
                ) from None
        if journal is not None:
            console.say(f"journal: {journal}")
        bar = ProgressBar(console.err, "enrolling")

        def progress(p: EnrollmentProgress) -> None:
            note = f"faces, {p.images_failed} not enrolled" if p.images_failed else "faces"
            bar.update(p.images_done + p.images_failed, p.images_total, note)

        try:
            report = await enroll_people(
                face,
                args.group,
                plan,
                large=args.large,
                journal=journal,
                concurrency=args.concurrency,
                recognition_model=args.recognition_model,
                train=args.train,
                retry_failed=args.retry_failed,
                settle=settle,
                progress=progress,
            )
        finally:
            bar.close()
    data = to_wire(report) | {
        "ok": report.ok,
        "facesEnrolled": report.faces_enrolled,
        "facesFailed": report.faces_failed,
        "facesPending": report.faces_pending,
        "facesUnsettled": report.faces_unsettled,
        "failuresByReason": report.failures_by_reason,
    }
    rows = [
        ("persons created", report.persons_created),
        ("persons already there", report.persons_found),
        ("faces added", report.faces_added),
        ("faces already there", report.faces_found),
        ("faces settled after an unclear answer", report.faces_settled),
        ("extra copies removed", report.duplicates_removed),
        ("failed (bad image, quota)", report.faces_failed),
        ("pending (retried next run)", report.faces_pending),
        ("unsettled (looked up next run)", report.faces_unsettled),
        ("seconds", f"{report.elapsed:.1f}"),
    ]
    if report.training is not None:
        rows.append(("training", report.training.status))
    if report.training_error is not None:
        rows.append(("training", f"not done: {report.training_error}"))
    text = "enrollment finished\n" + table(rows)
    for failure in report.failures:
        text += f"\n  {failure.kind}: {failure.person}/{failure.image}: {failure.reason}"
    if report.faces_failed and not args.retry_failed:
        text += "\n  (fix or replace the failed images; --retry-failed sends them again)"
    console.result(data, text)
    return EXIT_OK if report.ok else EXIT_PARTIAL


def _trainable(face: FaceClient, kind: str) -> Any:
    return {
        "person-group": face.person_groups,
        "large-person-group": face.large_person_groups,
        "large-face-list": face.large_face_lists,
    }[kind]


async def cmd_train(args: argparse.Namespace, console: Console) -> int:
    from .errors import TrainingFailedError

    async with connect(args, console) as (face, _emulator):
        resource = _trainable(face, args.kind)
        poller = await resource.begin_train(args.id)
        if not args.wait:
            console.result(
                {"queued": True, "continuation_token": poller.continuation_token()},
                f"training of {args.id} queued; resume token:\n{poller.continuation_token()}",
            )
            return EXIT_OK
        seen = ""
        async for status in poller:
            if str(status.status) != seen:
                seen = str(status.status)
                console.say(f"training {args.id}: {seen}")
        try:
            final = await poller
        except TrainingFailedError as failure:
            console.result(
                {"status": "failed", "message": failure.message},
                f"training failed: {failure.message}",
            )
            return EXIT_PARTIAL
    console.result(to_wire(final), f"training {args.id} finished: {final.status}")
    return EXIT_OK


async def cmd_detect(args: argparse.Namespace, console: Console) -> int:
    image = image_argument(args.image)
    async with connect(args, console) as (face, _emulator):
        faces = await face.detect(
            image,
            return_face_id=args.face_id,
            return_face_attributes=args.attributes or None,
            detection_model=args.detection_model,
            recognition_model=args.recognition_model,
        )
    data = [to_wire(f) for f in faces]
    lines = [f"{len(faces)} face(s)"]
    for found in faces:
        r = found.face_rectangle
        lines.append(
            f"  at left={r.left} top={r.top} width={r.width} height={r.height}"
            + (f"  faceId {found.face_id}" if found.face_id else "")
        )
    console.result(data, "\n".join(lines))
    return EXIT_OK


async def cmd_identify(args: argparse.Namespace, console: Console) -> int:
    image = image_argument(args.image)
    async with connect(args, console) as (face, _emulator):
        groups = face.large_person_groups if args.large else face.person_groups
        group = await groups.get(args.group, return_recognition_model=True)
        model = group.recognition_model or args.recognition_model
        faces = await face.detect(image, return_face_id=True, recognition_model=model)
        ids = [f.face_id for f in faces if f.face_id]
        results = []
        for start in range(0, len(ids), 10):  # identify takes at most 10 faces per call
            scope = {"large_person_group_id" if args.large else "person_group_id": args.group}
            results += await face.identify(ids[start : start + 10], **scope)
        names: dict[str, str | None] = {}
        for result in results:
            for candidate in result.candidates[:1]:
                if candidate.person_id not in names:
                    person = await groups.persons.get(args.group, candidate.person_id)
                    names[candidate.person_id] = person.name
    data = []
    lines = [f"{len(faces)} face(s) in {args.image}"]
    for found, result in zip(faces, results, strict=False):
        best = result.candidates[0] if result.candidates else None
        name = names.get(best.person_id) if best else None
        data.append(
            {
                "faceRectangle": to_wire(found.face_rectangle),
                "personId": best.person_id if best else None,
                "name": name,
                "confidence": best.confidence if best else None,
            }
        )
        r = found.face_rectangle
        who = f"{name} ({best.confidence:.2f})" if best else "unknown"
        lines.append(f"  face at {r.left},{r.top}: {who}")
    console.result(data, "\n".join(lines))
    return EXIT_OK


async def cmd_snapshot(args: argparse.Namespace, console: Console) -> int:
    from .errors import OperationFailedError

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
            poller = await face.snapshots.begin_take(args.type, args.object, scope)
        else:
            poller = await face.snapshots.begin_apply(args.snapshot, args.object)
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


async def cmd_demo(args: argparse.Namespace, console: Console) -> int:
    from .demo import run_demo

    return await run_demo(args, console)


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
            if emulator.service.protect_control:
                print("control endpoints (/_emulator/...) require the key", flush=True)
            await stop.wait()

    try:
        asyncio.run(serve())
    except OSError as exc:
        print(f"facekit: cannot serve on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    return EXIT_OK


# -- the parser and main ------------------------------------------------------------------


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--endpoint", help="Face resource endpoint (default: $FACE_ENDPOINT)")
    common.add_argument("--key", help="Face resource key (default: $FACE_KEY)")
    common.add_argument("--api-path", default="/face/v1.0", help="API path (default /face/v1.0)")
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

    enroll = commands.add_parser(
        "enroll", parents=[common], help="enroll a folder root/<person>/<images> into a group"
    )
    enroll.add_argument("folder", help="folder laid out root/<person>/<images>")
    enroll.add_argument("--group", required=True, help="person group id")
    enroll.add_argument("--large", action="store_true", help="a large person group")
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
    enroll.add_argument("--recognition-model", default="recognition_04")
    enroll.add_argument("--train", action="store_true", help="train when enrolled")

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
    detect.add_argument("--attributes", nargs="*", help="face attributes, e.g. headPose mask")
    detect.add_argument("--detection-model", default=None)
    detect.add_argument("--recognition-model", default=None)
    detect.add_argument("--face-id", action="store_true", help="return face ids")

    identify = commands.add_parser(
        "identify", parents=[common], help="who is in an image, in a trained group"
    )
    identify.add_argument("image", help="image file or http(s) URL")
    identify.add_argument("--group", required=True)
    identify.add_argument("--large", action="store_true", help="a large person group")
    identify.add_argument("--recognition-model", default="recognition_04")

    snapshot = commands.add_parser("snapshot", help="take, apply or follow snapshots")
    actions = snapshot.add_subparsers(dest="action", required=True, metavar="ACTION")
    take = actions.add_parser("take", parents=[common], help="snapshot a group or list")
    take.add_argument(
        "--type",
        required=True,
        choices=["PersonGroup", "LargePersonGroup", "FaceList", "LargeFaceList"],
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
        type=_positive_int,
        default=512,
        help="connections served at a time; more are refused (default 512)",
    )
    return parser


COMMANDS: dict[str, Callable[[argparse.Namespace, Console], Any]] = {
    "demo": cmd_demo,
    "enroll": cmd_enroll,
    "train": cmd_train,
    "detect": cmd_detect,
    "identify": cmd_identify,
    "snapshot": cmd_snapshot,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "emulator":
        return run_emulator(args)
    console = Console(as_json=args.json)
    try:
        code: int = asyncio.run(COMMANDS[args.command](args, console))
        return code
    except KeyboardInterrupt:
        hint = ""
        if getattr(args, "journal", None):
            hint = f"; run the same command again to resume from {args.journal}"
        print(f"\nfacekit: interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except FaceValidationError as error:
        print(f"facekit: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (FaceAPIError, FaceConnectionError, FaceError) as error:
        print(f"facekit: error: {error}", file=sys.stderr)
        return EXIT_SERVICE
