"""What image analysis finds, and the service's limits on images."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "IMAGE_MAX_BYTES",
    "IMAGE_MIN_BYTES",
    "MIN_FACE_PIXELS",
    "FoundFace",
    "ImageError",
    "ImageInfo",
    "Rect",
]

#: The service's image size limits (inclusive), in bytes.
IMAGE_MIN_BYTES = 1024
IMAGE_MAX_BYTES = 6 * 1024 * 1024

#: A readable non-synthetic image smaller than this (in either dimension) has no face.
MIN_FACE_PIXELS = 36


@dataclass(frozen=True)
class Rect:
    """A face rectangle in image pixels."""

    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class FoundFace:
    """A face found in an image: who it is (identity, variant) and where."""

    identity: str
    variant: int
    rect: Rect


@dataclass(frozen=True)
class ImageInfo:
    """What `analyze_image` learnt: format ("png", "jpeg", "gif", "bmp"), size and faces."""

    format: str
    width: int
    height: int
    faces: tuple[FoundFace, ...]


class ImageError(Exception):
    """An image the service would reject.

    `kind` is ``"size"`` (outside 1 KB..6 MB; the service answers 400 InvalidImageSize) or
    ``"decode"`` (not a JPEG/PNG/GIF/BMP that can be read; the service answers 400 InvalidImage).
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
