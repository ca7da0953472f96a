"""Values from the command line, checked: argparse types and image arguments."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._options import resolve_api_version
from .._validation import FACE_ATTRIBUTES, container_id, image_size
from ..errors import FaceValidationError
from ..models.names import SnapshotObjectTypeName


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def image_argument(value: str) -> Any:
    """A URL stays a URL; anything else must be a readable file of an image's size."""
    if value.startswith(("http://", "https://")):
        return value
    path = Path(value)
    if not path.is_file():
        raise FaceValidationError("image", f"{value} is not a file (nor an http(s) URL)")
    if not os.access(path, os.R_OK):
        raise FaceValidationError("image", f"{value} is not readable")
    try:
        image_size(path.stat().st_size)
    except FaceValidationError as error:
        _parameter, _, problem = str(error).partition(": ")
        raise FaceValidationError("image", f"{value} {problem}") from None
    return path


_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff")


def attribute_names(text: str) -> list[str]:
    """An argparse type: face attribute names, comma-separated (not an image path)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name in FACE_ATTRIBUTES:
            continue
        if name.lower().endswith(_IMAGE_SUFFIXES) or "/" in name or Path(name).exists():
            raise argparse.ArgumentTypeError(
                f"{name!r} is a file, not an attribute: give the image after the "
                "attributes, several comma-separated (--attributes headPose,mask IMAGE)"
            )
        raise argparse.ArgumentTypeError(
            f"unknown attribute {name!r} (known: {', '.join(sorted(FACE_ATTRIBUTES))})"
        )
    if not names:
        raise argparse.ArgumentTypeError("give attribute names, e.g. headPose,mask")
    return names


#: What --group (with --large or --dynamic), --face-list or --directory names.
Target = tuple[str, str | None]

#: The snapshot type (the service's spelling) of each container kind.
SNAPSHOT_TYPES: dict[str, SnapshotObjectTypeName] = {
    "persongroups": "PersonGroup",
    "largepersongroups": "LargePersonGroup",
    "facelists": "FaceList",
    "largefacelists": "LargeFaceList",
}


def add_target_arguments(
    parser: argparse.ArgumentParser, *, directory: str | None = None, face_lists: bool = False
) -> None:
    """--group ID with --large (and --dynamic, --directory, or --face-list ID): one spelling.

    `directory` is the help of --directory (None: the command has no PersonDirectory);
    `face_lists` adds --face-list ID (with --large: a large face list).
    """
    parser.add_argument("--group", metavar="ID", help="the person group's id")
    if face_lists:
        parser.add_argument("--face-list", metavar="ID", help="the face list's id")
    parser.add_argument(
        "--large",
        action="store_true",
        help="a large person group" + (" (or large face list)" if face_lists else ""),
    )
    if directory is not None:
        parser.add_argument(
            "--dynamic",
            action="store_true",
            help="the group is a dynamic person group of the PersonDirectory (needs an API "
            "version with it, e.g. --api-version v1.2-preview.1)",
        )
        parser.add_argument(
            "--directory",
            action="store_true",
            help=f"{directory} (no group; as --dynamic for versions)",
        )


def container_of(args: argparse.Namespace) -> tuple[str, str]:
    """The group or list --group/--face-list (with --large) names, its id checked.

    (kind, id): kind is "persongroups", "largepersongroups", "facelists" or "largefacelists".
    """
    group, face_list = args.group, getattr(args, "face_list", None)
    if group and face_list:
        raise FaceValidationError("--group/--face-list", "give one of them, not both")
    if face_list:
        return ("largefacelists" if args.large else "facelists"), container_id(
            "--face-list", face_list
        )
    if not group:
        what = "--group ID or --face-list ID" if hasattr(args, "face_list") else "--group ID"
        raise FaceValidationError("--group", f"give {what} (with --large for a large one)")
    return ("largepersongroups" if args.large else "persongroups"), container_id("--group", group)


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
        container_id("--group", args.group)
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
