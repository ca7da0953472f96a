"""Every mistake a command's arguments can hold, found before anything starts or is sent.

`check(args)` runs before an embedded emulator starts, a client opens or a key is asked
for; it raises FaceValidationError, which `main` prints on one line with exit code 2.
"""

from __future__ import annotations

import argparse
import math
import os
import uuid
from collections.abc import Callable

from .. import _validation
from .._options import resolve_api_version
from ..auth import checked_key
from ..errors import FaceValidationError
from .arguments import container_of, image_argument, target_of
from .connection import client_options, configured_endpoint


def check(args: argparse.Namespace) -> None:
    """Raise FaceValidationError for the first mistake in `args` (nothing has started yet)."""
    if args.command == "emulator":
        _emulator(args)
        return
    resolve_api_version(args.api_version, args.api_path)
    client_options(args)
    if args.key is not None and args.command != "worker" and not configured_endpoint(args):
        raise FaceValidationError(
            "--key", "a key but no endpoint: give --endpoint or set FACE_ENDPOINT"
        )
    if args.key is not None and args.key != "-":
        checked_key(args.key, "--key")
    elif args.key is None and configured_endpoint(args) and os.environ.get("FACE_KEY"):
        checked_key(os.environ["FACE_KEY"], "FACE_KEY")
    _COMMANDS.get(args.command, _nothing)(args)


def _nothing(args: argparse.Namespace) -> None:
    """A command with nothing more to check here (the worker checks its own)."""


def _emulator(args: argparse.Namespace) -> None:
    """The emulator serves: options of a client make no sense before its name."""
    for option in ("endpoint", "api_version", "api_path", "timeout"):
        if getattr(args, option, None) is not None:
            flag = "--" + option.replace("_", "-")
            raise FaceValidationError(flag, "is an option of the client commands, not of emulator")
    if args.json:
        raise FaceValidationError("--json", "is an option of the client commands, not of emulator")
    if args.key is not None:
        # An empty key would be replaced by a random one: not the key that was asked for.
        checked_key(args.key, "--key")
    if args.subscription_id is not None:
        _uuid("--subscription-id", args.subscription_id)
    if not 0 <= args.port <= 65535:
        raise FaceValidationError("--port", "must be 0..65535 (0: any free port)")
    if args.rate_limit is not None and not (math.isfinite(args.rate_limit) and args.rate_limit > 0):
        raise FaceValidationError("--rate-limit", "must be a positive number per second")
    for option in ("training_seconds", "write_seconds"):
        value = getattr(args, option)
        if value is not None and not (math.isfinite(value) and value >= 0):
            flag = "--" + option.replace("_", "-")
            raise FaceValidationError(flag, "must be a finite number of seconds >= 0")


def _uuid(option: str, value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise FaceValidationError(option, f"must be a UUID, got {value!r}") from None


def _api_version(args: argparse.Namespace) -> str:
    return resolve_api_version(args.api_version, args.api_path)


def _demo(args: argparse.Namespace) -> None:
    if configured_endpoint(args):
        raise FaceValidationError(
            "endpoint",
            "the demo's synthetic faces are recognised by facekit's emulator only; "
            "unset FACE_ENDPOINT (and give no --endpoint) to run it",
        )


def _detect(args: argparse.Namespace) -> None:
    _validation.model_name("--detection-model", args.detection_model)
    _validation.model_name("--recognition-model", args.recognition_model)
    try:
        _validation.face_attributes(
            args.attributes,
            args.detection_model,
            api_version=_api_version(args),
            allow_retired=args.allow_retired_attributes,
            recognition_model=args.recognition_model,
        )
    except FaceValidationError as error:
        _parameter, _, problem = str(error).partition(": ")
        # The library's advice names its keyword; the command line has a flag for it.
        problem = problem.replace(
            "pass allow_retired_attributes=True", "give --allow-retired-attributes"
        )
        raise FaceValidationError("--attributes", problem) from None
    image_argument(args.image)


def _identify(args: argparse.Namespace) -> None:
    from ..resources.person_directory import DIRECTORY_RECOGNITION_VERSIONS

    target_of(args, DIRECTORY_RECOGNITION_VERSIONS)
    _validation.model_name("--recognition-model", args.recognition_model)
    image_argument(args.image)


def _enroll(args: argparse.Namespace) -> None:
    from ..bulk.journal import check_location
    from ..resources.person_directory import DIRECTORY_VERSIONS

    if args.journal and args.no_journal:
        raise FaceValidationError("--journal", "give --journal or --no-journal, not both")
    if args.settle_seconds is not None and not (
        math.isfinite(args.settle_seconds) and args.settle_seconds >= 0
    ):
        raise FaceValidationError("--settle-seconds", "must be a finite number of seconds >= 0")
    if args.concurrency < 1:
        raise FaceValidationError("--concurrency", "must be an integer >= 1")
    kind, _group = target_of(args, DIRECTORY_VERSIONS)
    in_directory = kind in ("persondirectory", "dynamicpersongroups")
    if in_directory and args.train:
        raise FaceValidationError("--train", "the PersonDirectory needs no training")
    if in_directory and args.queue:
        raise FaceValidationError("--queue", "a queued enrollment reaches person groups only")
    if args.queue and args.journal:
        raise FaceValidationError(
            "--journal", "a queued enrollment keeps no journal (the service's tags are its record)"
        )
    if args.queue and not configured_endpoint(args):
        raise FaceValidationError(
            "--queue", "workers need a Face resource: set FACE_ENDPOINT and FACE_KEY (or flags)"
        )
    _validation.model_name("--recognition-model", args.recognition_model)
    if args.journal:
        check_location(args.journal)


def _train(args: argparse.Namespace) -> None:
    kind, _id = container_of(args)
    if kind == "facelists":
        raise FaceValidationError(
            "--face-list", "a face list needs no training (--large: a large face list)"
        )


def _snapshot(args: argparse.Namespace) -> None:
    if args.action == "take":
        container_of(args)
        for subscription in args.scope or []:
            _uuid("--scope", subscription)
    elif args.action == "apply":
        _uuid("snapshot", args.snapshot)
        _validation.container_id("--into", args.into)
    else:
        _uuid("operation", args.operation)


_COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "demo": _demo,
    "detect": _detect,
    "identify": _identify,
    "enroll": _enroll,
    "train": _train,
    "snapshot": _snapshot,
}
