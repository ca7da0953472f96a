"""Values from the command line, checked: argparse types and image arguments."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._options import resolve_api_version
from ..errors import FaceValidationError


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def image_argument(value: str) -> Any:
    """A URL stays a URL; anything else must be a readable file."""
    if value.startswith(("http://", "https://")):
        return value
    path = Path(value)
    if not path.is_file():
        raise FaceValidationError("image", f"{value} is not a file (nor an http(s) URL)")
    return path


#: What --group (with --large or --dynamic) or --directory names.
Target = tuple[str, str | None]


def add_directory_arguments(parser: argparse.ArgumentParser, whole: str) -> None:
    """--dynamic and --directory, beside --group and --large."""
    parser.add_argument(
        "--dynamic",
        action="store_true",
        help="the group is a dynamic person group of the PersonDirectory (needs an API "
        "version with it, e.g. --api-version v1.2-preview.1)",
    )
    parser.add_argument(
        "--directory", action="store_true", help=f"{whole} (no group; as --dynamic for versions)"
    )


def target_of(args: argparse.Namespace, versions: Sequence[str]) -> Target:
    """What --group, --large, --dynamic and --directory name, checked before any request.

    (kind, id): kind is "persongroups", "largepersongroups" or "dynamicpersongroups" with
    the group's id, or "persondirectory" with None. The directory's kinds need one of
    `versions` (from --api-version).
    """
    if args.directory:
        if args.group or args.large or args.dynamic:
            raise FaceValidationError(
                "--directory", "is the whole directory: give it without --group"
            )
        kind: str = "persondirectory"
    elif not args.group:
        raise FaceValidationError(
            "--group", "give --group ID (with --large or --dynamic), or --directory"
        )
    elif args.large and args.dynamic:
        raise FaceValidationError("--large/--dynamic", "a group is one or the other")
    else:
        kind = (
            "dynamicpersongroups"
            if args.dynamic
            else "largepersongroups"
            if args.large
            else "persongroups"
        )
    if kind in ("persondirectory", "dynamicpersongroups"):
        version = resolve_api_version(args.api_version, args.api_path)
        if version not in versions:
            option = "--directory" if args.directory else "--dynamic"
            raise FaceValidationError(
                option,
                f"the PersonDirectory is not in Face API {version}; it is in "
                f"{', '.join(versions)} (e.g. --api-version v1.2-preview.1)",
            )
    return kind, args.group
