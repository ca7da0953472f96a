"""--annotate OUT.png: the picture `detect`, `identify` and `demo` draw (the pictures extra)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

import attrs

from .. import _validation as check
from ..annotate import (
    PICTURES_HINT,
    PicturesUnavailableError,
    check_picture_path,
    picture_size,
    require_pictures,
    save_annotated,
)
from ..errors import FaceValidationError
from ..models import DetectedFace
from .console import Console

OPTION = "--annotate"


def add_annotate_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """Add --annotate OUT.png to a command; `what` says what the PNG shows."""
    parser.add_argument(
        OPTION, metavar="OUT.png", help=f"{what} (needs the pictures extra: {PICTURES_HINT})"
    )


@attrs.frozen
class Picture:
    """Where the annotated picture goes, and the image bytes sent (and drawn on)."""

    path: Path
    image: bytes

    def write(
        self, faces: Sequence[DetectedFace], console: Console, labels: Sequence[str] | None = None
    ) -> None:
        """Draw the faces (and labels) and say where the picture is."""
        saved = save_annotated(self.path, self.image, faces, labels=labels)
        console.say(f"annotated picture: {saved}")


def picture_of(args: argparse.Namespace) -> Picture | None:
    """The picture --annotate asks for, checked before any request; None without --annotate.

    Refuses, as usage errors: Pillow missing, an image URL (facekit draws only on a file it
    sends), an output path that cannot be written or is the input, and an image Pillow
    cannot decode or that is too large.
    """
    out = getattr(args, "annotate", None)
    if out is None:
        return None
    require_pictures()
    source = str(args.image)
    if source.startswith(("http://", "https://")):
        raise FaceValidationError(OPTION, "draws on an image file: download the URL and give it")
    path = check_picture_path(out, source=source, parameter=OPTION)
    try:
        with Path(source).open("rb") as file:
            check.image_size(os.fstat(file.fileno()).st_size)
            data = file.read()
    except OSError as exc:
        raise FaceValidationError("image", f"cannot read {source}: {exc.strerror}") from None
    picture_size(data)
    return Picture(path, data)


def landmarks_for(picture: Picture | None, detection_model: str | None) -> bool | None:
    """Whether detect should return landmarks: for a picture, unless the model has none."""
    return True if picture is not None and detection_model != "detection_02" else None


def demo_picture_path(args: argparse.Namespace, default: Path) -> Path | None:
    """Where the demo draws its group photo: --annotate (checked now) or `default`.

    None when Pillow is missing and --annotate was not given: the demo runs without it.
    """
    out = getattr(args, "annotate", None)
    if out is not None:
        # Even an empty one: it is checked (and refused), not taken for no --annotate.
        require_pictures()
        return check_picture_path(out, parameter=OPTION)
    try:
        require_pictures()
    except PicturesUnavailableError:
        return None
    return default


def save_demo_picture(
    path: Path | None,
    image: bytes,
    faces: Sequence[DetectedFace],
    labels: Sequence[str],
    console: Console,
) -> Path | None:
    """Draw the demo's group photo at `path` and print where; say why when it cannot.

    Returns where it was written, or None.
    """
    if path is None:
        console.say(f"   (for a picture of it with the names drawn: {PICTURES_HINT})")
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        saved = save_annotated(path, image, faces, labels=labels)
    except (OSError, FaceValidationError) as exc:
        console.say(f"   (no picture: {exc})")
        return None
    console.say(f"   the group photo with their names: {saved}")
    return Path(saved)
