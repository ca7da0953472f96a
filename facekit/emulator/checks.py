"""Request checks, with the status, error code and message the service answers.

Each check raises ServiceError (mostly 400 BadArgument) or returns the checked value; none
reads or changes state, so the state modules call them before they change anything.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from .errors import ServiceError, bad
from .images.attributes import ATTRIBUTES_BY_NAME
from .images.decode import analyze_image
from .images.records import IMAGE_MIN_BYTES, MIN_FACE_PIXELS, FoundFace, ImageError, ImageInfo, Rect
from .settings import EmulatorSettings, Kind

__all__ = [
    "DETECTION_MODELS",
    "RECOGNITION_MODELS",
    "check_attributes",
    "check_container_id",
    "check_detection_model",
    "check_face_user_data",
    "check_id_list",
    "check_int",
    "check_name",
    "check_recognition_model",
    "check_unit",
    "check_user_data",
    "choose_face",
    "is_container_id",
    "is_uuid",
    "parse_target_face",
    "readable_image",
]

RECOGNITION_MODELS = ("recognition_01", "recognition_02", "recognition_03", "recognition_04")
DETECTION_MODELS = ("detection_01", "detection_02", "detection_03")

_CONTAINER_ID = re.compile(r"[a-z0-9\-_]{1,64}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_container_id(value: str) -> bool:
    """Whether `value` is a well-formed container id: [a-z0-9-_], 1 to 64 characters."""
    return _CONTAINER_ID.fullmatch(value) is not None


def is_uuid(value: str) -> bool:
    """Whether `value` is a well-formed id the service generates (a UUID, any case)."""
    return _UUID.fullmatch(value) is not None


def check_container_id(kind: Kind, container_id: Any) -> str:
    """The id a create request names, or the service's 400 for a malformed one."""
    if not isinstance(container_id, str) or not is_container_id(container_id):
        raise bad(
            f"{kind.words} ID is invalid. Valid format should be a string composed by "
            "numbers, English letters in lower case, '-', '_', and no longer than 64 "
            "characters."
        )
    return container_id


def check_name(name: Any, *, required: bool) -> None:
    """A container's or person's name: a string of 1 to 128 characters."""
    if name is None:
        if required:
            raise bad("'name' is empty.")
        return
    if not isinstance(name, str) or not name:
        raise bad("'name' is empty.")
    if len(name) > 128:
        raise bad("'name' is too long.")


def check_user_data(user_data: Any) -> None:
    """A container's, person's or snapshot's userData: at most 16 KB."""
    if user_data is not None and (not isinstance(user_data, str) or len(user_data) > 16384):
        raise bad("'userData' is too long.")


def check_face_user_data(user_data: Any) -> None:
    """A persisted face's userData: at most 1 KB."""
    if user_data is not None and (not isinstance(user_data, str) or len(user_data) > 1024):
        raise bad("'userData' is too long.")


def check_recognition_model(model: Any) -> str:
    """The recognition model asked for (recognition_01 when none is)."""
    chosen = model if model is not None else "recognition_01"
    if chosen not in RECOGNITION_MODELS:
        raise bad("'recognitionModel' is invalid.")
    return str(chosen)


def check_detection_model(model: str | None) -> None:
    """A detection model, when one is given."""
    if model is not None and model not in DETECTION_MODELS:
        raise bad("'detectionModel' is invalid.")


def check_attributes(
    attributes: Sequence[str],
    detection_model: str,
    recognition_model: str,
    settings: EmulatorSettings,
) -> None:
    """returnFaceAttributes: known names (exact case), each supported by the models asked for.

    The retired attributes are refused with 403 when the account is set to refuse them.
    """
    for name in attributes:
        if name not in ATTRIBUTES_BY_NAME:
            raise bad(f"'returnFaceAttributes' is invalid: {name}.")
    if not attributes:
        return
    if detection_model == "detection_02":
        raise bad("Attributes are not supported by detection_02.")
    for name in attributes:
        attribute = ATTRIBUTES_BY_NAME[name]
        if detection_model not in attribute.detection_models:
            raise bad(f"'{name}' is not supported by {detection_model}.")
        needed = attribute.recognition_models
        if needed is not None and recognition_model not in needed:
            raise bad(f"'{name}' needs {' or '.join(needed)}.")
        if attribute.retired and settings.retired_attributes == "refuse":
            raise ServiceError(
                403,
                "UnsupportedFeature",
                "Feature is not supported, please apply for access at "
                f"https://aka.ms/facerecognition: {name}.",
            )


def check_id_list(values: Any, name: str, low: int, high: int | None) -> list[str]:
    """A list of `low`..`high` UUIDs (faceIds, applyScope)."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise bad(f"'{name}' is invalid.")
    if len(values) < low or (high is not None and len(values) > high):
        raise bad(f"The length of {name} is invalid.")
    for value in values:
        if not is_uuid(value):
            raise bad(f"{name} contains an invalid ID.")
    return list(values)


def check_int(value: Any, name: str, low: int, high: int, default: int) -> int:
    """An integer in [`low`, `high`], or `default` when absent (a bool is no integer)."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad(f"'{name}' is invalid, the valid range is [{low}, {high}].")
    return value


def check_unit(value: Any, name: str, default: float) -> float:
    """A number in [0, 1], or `default` when absent."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise bad(f"'{name}' is invalid, the valid range is [0, 1].")
    return float(value)


def parse_target_face(value: str | None) -> Rect | None:
    """The rectangle a targetFace "left,top,width,height" names (None when absent)."""
    if value is None:
        return None
    parts = value.split(",")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4 or numbers[0] < 0 or numbers[1] < 0 or min(numbers[2:]) <= 0:
        raise bad("Invalid argument targetFace.")
    return Rect(*numbers)


def readable_image(image: bytes) -> ImageInfo:
    """The image and the faces the service would detect in it: at least 36x36 pixels."""
    try:
        info = analyze_image(image)
    except ImageError as exc:
        if exc.kind == "size":
            small = len(image) < IMAGE_MIN_BYTES
            raise ServiceError(
                400, "InvalidImageSize", f"Image size is too {'small' if small else 'big'}."
            ) from None
        raise ServiceError(
            400, "InvalidImage", "Decoding error, image format unsupported."
        ) from None
    detectable = tuple(
        face for face in info.faces if min(face.rect.width, face.rect.height) >= MIN_FACE_PIXELS
    )
    return dataclasses.replace(info, faces=detectable)


def choose_face(info: ImageInfo, target: Rect | None) -> FoundFace:
    """The one face to add: the only face, or the one the target rectangle covers."""
    if not info.faces:
        raise ServiceError(400, "InvalidImage", "There is no face detected in the image.")
    if target is None:
        if len(info.faces) > 1:
            raise ServiceError(400, "InvalidImage", "There is more than 1 face in the image.")
        return info.faces[0]
    best = max(info.faces, key=lambda f: _overlap(f.rect, target))
    if _overlap(best.rect, target) < 0.5:
        raise ServiceError(400, "InvalidImage", "There is no face detected in the targetFace.")
    return best


def _overlap(a: Rect, b: Rect) -> float:
    """Intersection over the smaller rectangle's area."""
    width = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    height = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return 0.0
    return (width * height) / min(a.width * a.height, b.width * b.height)
