"""Pictures of what the service found: face rectangles, landmarks and names drawn on the image.

Needs Pillow, the ``pictures`` extra: ``pip install "facekit-async[pictures]"``. Without it
every function here (but `identify_labels`) raises `PicturesUnavailableError`, a
`FaceValidationError`, so a caller that checks first (`require_pictures`) sends nothing.

Coordinates: the service measures rectangles and landmarks on the image it was sent. facekit
draws them on the pixels as stored in the file, and the PNG it writes carries no EXIF
orientation, so viewers show it as drawn. The Face documentation does not say whether detect
applies a JPEG's EXIF orientation first (facekit's emulator does not); if your rectangles land
on a rotated copy of the faces, pass ``apply_exif_orientation=True``.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import uuid
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from . import _validation as check
from .errors import FaceValidationError
from .models import Coordinate, DetectedFace, IdentifyResult

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "PICTURES_HINT",
    "PicturesUnavailableError",
    "annotate_image",
    "check_picture_path",
    "identify_labels",
    "picture_size",
    "require_pictures",
    "save_annotated",
]

#: How to install what pictures need.
PICTURES_HINT = 'pip install "facekit-async[pictures]"'

#: The most pixels an image may have (50 megapixels): more is refused before it is decoded,
#: so a small file that inflates to gigabytes (a decompression bomb) costs nothing.
DEFAULT_MAX_PIXELS = 50_000_000

_PIXELS_CEILING = 1 << 40

#: The formats the Face service reads; anything else is refused as it would be.
_FORMATS = ("JPEG", "PNG", "GIF", "BMP")

#: Outline colours, one per face in turn: strong hues that differ from each other.
_COLOURS = (
    (0, 200, 255),
    (255, 64, 160),
    (120, 230, 0),
    (255, 170, 0),
    (170, 100, 255),
    (255, 255, 0),
)

ImageSource = bytes | bytearray | memoryview | os.PathLike[str]


class PicturesUnavailableError(FaceValidationError):
    """Pictures need Pillow, which is not installed; nothing was drawn or sent."""

    def __init__(self, parameter: str = "pictures", message: str = "") -> None:
        super().__init__(parameter, message or f"drawing pictures needs Pillow: {PICTURES_HINT}")


def _pillow() -> Any:
    """The PIL package with the modules pictures use, or PicturesUnavailableError."""
    try:
        import PIL
        from PIL import Image, ImageDraw, ImageFont, ImageOps  # noqa: F401
    except ImportError:
        raise PicturesUnavailableError() from None
    return PIL


def require_pictures() -> None:
    """Raise `PicturesUnavailableError` unless Pillow is installed (check before sending)."""
    _pillow()


def _read(image: ImageSource) -> bytes:
    if isinstance(image, bytes | bytearray | memoryview):
        return bytes(image)
    try:
        return Path(image).read_bytes()
    except OSError as exc:
        raise FaceValidationError("image", f"cannot read {image}: {exc.strerror}") from None


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """The image decoded (first frame), or FaceValidationError: unreadable, foreign or huge."""
    pil = _pillow()
    image_module = pil.Image
    with warnings.catch_warnings():
        # Pillow warns (and errors beyond twice its own limit) on huge images; facekit's
        # own limit below decides, with an error the caller can catch as a facekit error.
        warnings.simplefilter("ignore", image_module.DecompressionBombWarning)
        try:
            picture: Image.Image = image_module.open(io.BytesIO(data), formats=_FORMATS)
        except image_module.DecompressionBombError:
            raise FaceValidationError(
                "image", "has more pixels than Pillow decodes safely (a decompression bomb?)"
            ) from None
        except Exception:  # Pillow raises many kinds on bad input; all mean "unreadable"
            raise FaceValidationError(
                "image", "cannot be read as a JPEG, PNG, GIF or BMP image"
            ) from None
        width, height = picture.size
        if width * height > max_pixels:
            picture.close()
            raise FaceValidationError(
                "image",
                f"is {width}x{height} pixels, more than {max_pixels} (a decompression bomb?)",
            )
        try:
            picture.load()
        except Exception:
            picture.close()
            raise FaceValidationError(
                "image", "cannot be decoded (truncated or damaged image data)"
            ) from None
    return picture


def picture_size(image: ImageSource, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """(width, height) of an image Pillow can draw on; else a FaceValidationError.

    Decodes the image once, so a caller learns before sending it that the picture can be
    drawn afterwards.
    """
    check.int_range("max_pixels", max_pixels, 1, _PIXELS_CEILING)
    with _open(_read(image), max_pixels) as picture:
        return picture.size


def _drawable(picture: Image.Image) -> Image.Image:
    """An RGB (or RGBA, when transparent) copy of any mode Pillow decodes."""
    mode = picture.mode
    if mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        return picture.convert("RGBA")
    if mode in ("I", "F") or mode.startswith("I;16"):
        # 16-bit or float greys: scale the brightest to white (convert would clip at 255).
        grey = picture.convert("F")
        brightest = grey.getextrema()[1]
        scale = 255.0 / brightest if isinstance(brightest, int | float) and brightest > 255 else 1.0
        return grey.point(lambda value: value * scale).convert("L").convert("RGB")
    return picture.convert("RGB")


def _font(pil: Any, size: int) -> Any:
    try:
        return pil.ImageFont.load_default(size=size)
    except (OSError, ImportError, TypeError):  # no FreeType: the fixed bitmap font
        return pil.ImageFont.load_default()


def _points(landmarks: Any) -> list[tuple[float, float]]:
    values = attrs.asdict(landmarks, recurse=False).values() if landmarks is not None else ()
    return [
        (point.x, point.y)
        for point in values
        if isinstance(point, Coordinate) and math.isfinite(point.x) and math.isfinite(point.y)
    ]


def _check_labels(faces: Sequence[DetectedFace], labels: Sequence[str | None] | None) -> None:
    # A str is a Sequence[str] (no type can refuse it): "al" would label two faces "a", "l".
    if isinstance(labels, str | bytes | bytearray):
        raise FaceValidationError(
            "labels", "give a list of labels, one per face (e.g. [name]), not a single string"
        )
    if labels is not None and len(labels) != len(faces):
        raise FaceValidationError(
            "labels", f"give one label (or None) per face: {len(labels)} for {len(faces)} faces"
        )


def annotate_image(
    image: ImageSource,
    faces: Sequence[DetectedFace],
    *,
    labels: Sequence[str | None] | None = None,
    landmarks: bool = True,
    apply_exif_orientation: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> bytes:
    """The image as PNG bytes with each face's rectangle, landmarks and label drawn on it.

    Args:
        image: the JPEG, PNG, GIF (first frame) or BMP sent to the service, or its path.
        faces: what detect returned for it.
        labels: one text (or None) per face, e.g. from `identify_labels`; drawn on a solid
            background above the rectangle (below it when there is no room).
        landmarks: draw the points of faces that have them (detect with
            ``return_face_landmarks=True``).
        apply_exif_orientation: turn the image upright by its EXIF orientation before
            drawing, for coordinates measured on the upright image.
        max_pixels: refuse larger images (decompression bombs) before decoding them;
            Pillow's own ceiling (about 179 megapixels) applies as well.

    Any mode (greyscale, palette, 16-bit, CMYK) is drawn in colour; transparency is kept.
    Rectangles partly outside the image are clipped to it, faces wholly outside are
    skipped, and with no faces the image comes back unchanged (as PNG).

    Raises:
        PicturesUnavailableError: Pillow is not installed.
        FaceValidationError: the image cannot be read or is too large, or `labels` is a
            single string or does not have one entry per face.
    """
    check.int_range("max_pixels", max_pixels, 1, _PIXELS_CEILING)
    _check_labels(faces, labels)
    data = _read(image)
    pil = _pillow()
    with _open(data, max_pixels) as decoded:
        upright = pil.ImageOps.exif_transpose(decoded) if apply_exif_orientation else decoded
        picture = _drawable(upright)
    _draw(pil, picture, faces, labels, landmarks=landmarks)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def _draw(
    pil: Any,
    picture: Image.Image,
    faces: Sequence[DetectedFace],
    labels: Sequence[str | None] | None,
    *,
    landmarks: bool,
) -> None:
    width, height = picture.size
    draw = pil.ImageDraw.Draw(picture)
    line = max(2, round(min(width, height) / 250))
    font = _font(pil, max(12, min(48, round(min(width, height) / 28))))
    for index, face in enumerate(faces):
        colour = _COLOURS[index % len(_COLOURS)]
        r = face.face_rectangle
        if r.width <= 0 or r.height <= 0:
            continue
        x0, y0 = max(0, r.left), max(0, r.top)
        x1, y1 = min(width, r.left + r.width) - 1, min(height, r.top + r.height) - 1
        if x0 > x1 or y0 > y1:
            continue  # wholly outside the image
        draw.rectangle((x0, y0, x1, y1), outline=colour, width=line)
        if landmarks:
            dot = max(1, line)
            for x, y in _points(face.face_landmarks):
                if 0 <= x < width and 0 <= y < height:
                    draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=colour)
        label = labels[index] if labels is not None else None
        if label:
            _label(draw, font, label, colour, (x0, y0, x1, y1), (width, height))


def _label(
    draw: Any,
    font: Any,
    text: str,
    colour: tuple[int, int, int],
    box: tuple[int, int, int, int],
    size: tuple[int, int],
) -> None:
    """Text on a solid patch of the face's colour, above the box, else below, else inside."""
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    pad = 3
    w, h = right - left + 2 * pad, bottom - top + 2 * pad
    x0, y0, _x1, y1 = box
    x = max(0, min(x0, size[0] - w))
    y = y0 - h if y0 - h >= 0 else y1 + 1 if y1 + 1 + h <= size[1] else y0
    draw.rectangle((x, y, x + w - 1, y + h - 1), fill=colour)
    # Dark text on light patches, white on dark ones (perceived brightness).
    light = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2] > 140
    draw.text(
        (x + pad - left, y + pad - top), text, font=font, fill=(0, 0, 0) if light else (255,) * 3
    )


def check_picture_path(
    path: str | os.PathLike[str],
    *,
    source: str | os.PathLike[str] | None = None,
    parameter: str = "path",
) -> Path:
    """Refuse a place a PNG cannot be written to, before anything is sent.

    The name must end in .png, its folder must exist and be writable, and it must not be a
    folder nor the `source` image itself (which would be overwritten).
    """
    if not os.fspath(path).strip():
        # Path("") is ".", the current folder: say what is missing instead.
        raise FaceValidationError(parameter, "give a file name ending in .png")
    location = Path(path)
    if location.name.lower() == ".png":
        # A dot file to pathlib (no suffix): the name itself is missing.
        raise FaceValidationError(parameter, f"{location} needs a file name before .png")
    if location.suffix.lower() != ".png":
        raise FaceValidationError(parameter, f"{location} must end in .png (a PNG is written)")
    if location.is_dir():
        raise FaceValidationError(parameter, f"{location} is a folder")
    folder = location.parent
    if not folder.is_dir():
        raise FaceValidationError(parameter, f"the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FaceValidationError(parameter, f"the folder {folder} is not writable")
    if location.exists() and not os.access(location, os.W_OK):
        raise FaceValidationError(parameter, f"{location} is not writable")
    if source is not None and _same_file(location, Path(source)):
        raise FaceValidationError(parameter, f"{location} is the input image; name another file")
    return location


def _same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def save_annotated(
    path: str | os.PathLike[str],
    image: ImageSource,
    faces: Sequence[DetectedFace],
    *,
    labels: Sequence[str | None] | None = None,
    landmarks: bool = True,
    apply_exif_orientation: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Path:
    """Write `annotate_image`'s PNG to `path` (whole or not at all) and return the path.

    The path is checked as by `check_picture_path`; a file there is replaced.
    """
    location = check_picture_path(path, source=image if isinstance(image, os.PathLike) else None)
    png = annotate_image(
        image,
        faces,
        labels=labels,
        landmarks=landmarks,
        apply_exif_orientation=apply_exif_orientation,
        max_pixels=max_pixels,
    )
    # Written beside the target and renamed over it: a reader never sees half a picture.
    # (Created by open, not mkstemp, so it gets the umask's permissions like any new file.)
    temporary = location.with_name(f".{location.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("xb") as out:
            out.write(png)
        os.replace(temporary, location)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise FaceValidationError("path", f"cannot write {location}: {exc.strerror}") from None
    return location


def identify_labels(
    faces: Sequence[DetectedFace],
    results: Sequence[IdentifyResult],
    names: Mapping[str, str | None] | None = None,
) -> list[str]:
    """One label per face: its best candidate's name (else person id) and confidence.

    Results are matched to faces by face id; a face nobody matched is "unknown".
    """
    by_face = {result.face_id: result for result in results}
    labels: list[str] = []
    for face in faces:
        result = by_face.get(face.face_id or "")
        if result is None or not result.candidates:
            labels.append("unknown")
            continue
        best = result.candidates[0]
        name = (names or {}).get(best.person_id) or best.person_id
        labels.append(f"{name} ({best.confidence:.2f})")
    return labels
