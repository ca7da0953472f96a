"""The client a command works with: the configured endpoint, or an embedded emulator."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import math
import os
import sys
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ..auth import KeyCredential, checked_key
from ..client import FaceClient
from ..errors import FaceValidationError
from ..ratelimit import Limiter, RateLimiter
from .console import Console

if TYPE_CHECKING:
    from ..emulator import FaceEmulator


def configured_endpoint(args: argparse.Namespace) -> str | None:
    """The endpoint from --endpoint or FACE_ENDPOINT (None: the embedded emulator)."""
    endpoint: str | None = args.endpoint or os.environ.get("FACE_ENDPOINT")
    return endpoint


@contextlib.asynccontextmanager
async def connect(
    args: argparse.Namespace, console: Console, *, rate_limiter: Limiter | None = None
) -> AsyncIterator[tuple[FaceClient, FaceEmulator | None]]:
    """A client for the configured endpoint, or for an embedded emulator if none is set.

    `rate_limiter` replaces the one --rate-limit describes (e.g. a limit shared on Redis).
    """
    endpoint = configured_endpoint(args)
    key = args.key or os.environ.get("FACE_KEY")
    if endpoint and not key:
        raise FaceValidationError("key", "an endpoint is set but no key (--key or FACE_KEY)")
    options = client_options(args)
    if rate_limiter is not None:
        options["rate_limiter"] = rate_limiter
    if endpoint and key:
        async with FaceClient(
            endpoint,
            KeyCredential(key),
            api_version=args.api_version,
            api_path=args.api_path,
            **options,
        ) as face:
            warn_of_key_flag(args)
            yield face, None
        return
    from ..emulator import EmulatorSettings
    from ..emulator import FaceEmulator as Emulator

    settings = EmulatorSettings(training_base_seconds=0.5)
    async with Emulator(settings=settings) as emulator:
        console.say(
            f"(no endpoint configured: using an embedded Face emulator at {emulator.endpoint}; "
            "its data lives only while this command runs)"
        )
        async with FaceClient(
            emulator.endpoint,
            KeyCredential(emulator.key),
            api_version=args.api_version,
            api_path=args.api_path,
            **options,
        ) as face:
            yield face, emulator


def read_key(args: argparse.Namespace) -> None:
    """Resolve `--key -`: a prompt on a terminal, else the first line of stdin."""
    if getattr(args, "key", None) != "-":
        return
    try:
        key = getpass.getpass("Face key: ") if sys.stdin.isatty() else sys.stdin.readline()
    except UnicodeDecodeError:
        raise FaceValidationError(
            "--key", "what was read is not UTF-8 text; copy the key again from the resource"
        ) from None
    # Only the line's end goes: spaces around a key are a mistake to show, not to hide.
    args.key = key.rstrip("\r\n")
    args.key_was_read = True
    if not args.key.strip():
        raise FaceValidationError("--key", "no key was read (from the prompt or stdin)")
    checked_key(args.key, "--key")


def warn_of_key_flag(args: argparse.Namespace) -> None:
    """Warn (without the key) that a key given as a flag stays in history and `ps`."""
    if getattr(args, "key", None) and not getattr(args, "key_was_read", False):
        print(
            "facekit: warning: a key given with --key stays in shell history and the process "
            "list; set FACE_KEY, or give --key - to type it",
            file=sys.stderr,
            flush=True,
        )


def client_options(args: argparse.Namespace) -> dict[str, Any]:
    """The client's keyword options from --timeout and --rate-limit, checked."""
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
