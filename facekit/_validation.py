"""Client-side checks of the documented limits; each raises FaceValidationError early."""

from __future__ import annotations

import enum
import math
import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, get_args

from .errors import FaceValidationError
from .models.names import FaceAttributeName

# fullmatch, never match with "$": "$" also matches before a trailing newline.
_CONTAINER_ID = re.compile(r"[a-z0-9\-_]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

CONTAINER_ID_MAX = 64
NAME_MAX = 128
USER_DATA_MAX = 16384
FACE_USER_DATA_MAX = 1024
IMAGE_MIN_BYTES = 1024
IMAGE_MAX_BYTES = 6 * 1024 * 1024

# detection_02 detects faces only: the service refuses landmarks and attributes with it.
_NO_EXTRAS_DETECTION = "detection_02"
FACE_ATTRIBUTES = frozenset(get_args(FaceAttributeName))
#: Attributes Microsoft retired (emotion, gender) or limited to approved customers (age,
#: smile, facialHair, hair, makeup): without approval the service answers 403
#: UnsupportedFeature, so they are refused unless the caller opts in.
RETIRED_ATTRIBUTES = frozenset(
    {"age", "gender", "emotion", "smile", "facialHair", "hair", "makeup"}
)
#: Gone from the API after v1.0 (v1.1-preview.1 and later do not list them at all).
_V1_0_ONLY_ATTRIBUTES = frozenset({"emotion", "gender", "makeup"})
_V1_0_VERSIONS = ("v1.0", "v1.0-preview")


def container_id(parameter: str, value: Any) -> str:
    """A person group, large person group, face list or large face list id."""
    if not isinstance(value, str) or not value:
        raise FaceValidationError(parameter, "must be a non-empty string")
    if len(value) > CONTAINER_ID_MAX:
        raise FaceValidationError(parameter, f"must be at most {CONTAINER_ID_MAX} characters")
    if not _CONTAINER_ID.fullmatch(value):
        raise FaceValidationError(
            parameter, "may contain only lower-case letters, digits, '-' and '_'"
        )
    return value


def start_cursor(value: Any) -> str | None:
    """A list's `start` cursor: the id after which the page begins (at most 64 chars)."""
    if value is not None and (not isinstance(value, str) or len(value) > CONTAINER_ID_MAX):
        raise FaceValidationError("start", "must be a string of at most 64 characters")
    return value


def opaque_id(parameter: str, value: Any, *, max_length: int = 256) -> str:
    """An id the service makes up in a form it does not promise (a liveness session's).

    Any printable string will do; each path segment is escaped, so it cannot change the
    request's path.
    """
    if not isinstance(value, str) or not value.strip():
        raise FaceValidationError(parameter, f"must be a non-empty string, got {_show(value)}")
    if len(value) > max_length:
        raise FaceValidationError(parameter, f"must be at most {max_length} characters")
    if any(ord(char) < 32 or char == "\x7f" for char in value):
        raise FaceValidationError(parameter, "must not contain control characters")
    return value


def short_text(parameter: str, value: Any, *, max_length: int) -> str | None:
    """A free-text option of at most `max_length` characters, or None (not sent)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise FaceValidationError(parameter, f"must be a non-empty string, got {_show(value)}")
    if len(value) > max_length:
        raise FaceValidationError(parameter, f"must be at most {max_length} characters")
    return value


def optional_container_id(parameter: str, value: Any) -> str | None:
    """A container id, or None (not sent)."""
    return None if value is None else container_id(parameter, value)


def optional_uuid_list(parameter: str, values: Any) -> list[str] | None:
    """An optional non-empty list of UUIDs (snapshot apply scopes)."""
    return None if values is None else uuid_list(parameter, values, min_items=1, max_items=None)


def face_user_data(value: Any) -> str | None:
    """User data of one persisted face (at most 1 KB)."""
    return user_data("user_data", value, limit=FACE_USER_DATA_MAX)


def uuid_id(parameter: str, value: Any) -> str:
    """A personId, persistedFaceId, faceId, snapshotId or operationId."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise FaceValidationError(parameter, f"must be a UUID, got {_show(value)}")
    return value


def uuid_list(parameter: str, values: Any, *, min_items: int, max_items: int | None) -> list[str]:
    """A list of min_items..max_items UUIDs (no upper bound if max_items is None)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise FaceValidationError(parameter, "must be a list of UUIDs")
    items = [uuid_id(f"{parameter}[{i}]", v) for i, v in enumerate(values)]
    if len(items) < min_items or (max_items is not None and len(items) > max_items):
        bound = f"{min_items}..{max_items}" if max_items is not None else f">= {min_items}"
        raise FaceValidationError(parameter, f"must hold {bound} ids, got {len(items)}")
    return items


def name(parameter: str, value: Any, *, required: bool = True) -> str | None:
    """A name of 1..128 characters; None is allowed unless `required`."""
    if value is None:
        if required:
            raise FaceValidationError(parameter, "is required")
        return None
    if not isinstance(value, str) or not value:
        raise FaceValidationError(parameter, "must be a non-empty string")
    if len(value) > NAME_MAX:
        raise FaceValidationError(parameter, f"must be at most {NAME_MAX} characters")
    return value


def user_data(parameter: str, value: Any, *, limit: int = USER_DATA_MAX) -> str | None:
    """User data of at most `limit` characters (16 KB unless given), or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise FaceValidationError(parameter, "must be a string")
    if len(value) > limit:
        raise FaceValidationError(parameter, f"must be at most {limit} characters")
    return value


def int_range(parameter: str, value: Any, low: int, high: int) -> int | None:
    """An integer in low..high, or None (not sent)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FaceValidationError(parameter, "must be an integer")
    if not low <= value <= high:
        raise FaceValidationError(parameter, f"must be in {low}..{high}, got {value}")
    return value


def unit_interval(parameter: str, value: Any) -> float | None:
    """A number in [0, 1] as a float, or None (not sent)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FaceValidationError(parameter, "must be a number")
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise FaceValidationError(parameter, f"must be in [0, 1], got {value}")
    return float(value)


def target_face(value: Any) -> str | None:
    """`(left, top, width, height)` as the service's csv query value."""
    if value is None:
        return None
    if hasattr(value, "as_target_face"):
        value = value.as_target_face()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 4:
        raise FaceValidationError("target_face", "must be four integers: left, top, width, height")
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise FaceValidationError("target_face", "must be four integers")
    left, top, width, height = value
    if left < 0 or top < 0 or width <= 0 or height <= 0:
        raise FaceValidationError("target_face", "left and top must be >= 0, width and height > 0")
    return ",".join(str(v) for v in value)


def face_attributes(
    value: Any,
    detection_model: str | None,
    *,
    api_version: str,
    allow_retired: bool = False,
    recognition_model: str | None = None,
) -> str | None:
    """Face attribute names (one or several) as the service's csv value; none with detection_02.

    Each must be one the detection model returns (detection_01 by default: all but mask;
    detection_03: headPose, mask, qualityForRecognition), and qualityForRecognition needs
    recognition_03 or recognition_04 (the default is recognition_01).

    The retired and limited attributes are refused unless `allow_retired` (an approved
    resource), and those the API version no longer has are refused whatever it says.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if isinstance(value, bytes | bytearray) or not isinstance(value, Iterable):
        raise FaceValidationError("return_face_attributes", "must be a list of attribute names")
    items = []
    for item in value:
        text = item.value if isinstance(item, enum.Enum) else item
        if not isinstance(text, str):
            raise FaceValidationError(
                "return_face_attributes", f"attribute names are strings, got {_show(item)}"
            )
        items.append(text)
    unknown = [v for v in items if v not in FACE_ATTRIBUTES]
    if unknown:
        raise FaceValidationError(
            "return_face_attributes", f"unknown attribute(s) {', '.join(unknown)}"
        )
    gone = [v for v in items if v in _V1_0_ONLY_ATTRIBUTES]
    if gone and api_version not in _V1_0_VERSIONS:
        raise FaceValidationError(
            "return_face_attributes",
            f"{', '.join(gone)}: not in Face API {api_version} (retired); only "
            f"{', '.join(_V1_0_VERSIONS)} list them",
        )
    retired = [v for v in items if v in RETIRED_ATTRIBUTES]
    if retired and not allow_retired:
        raise FaceValidationError(
            "return_face_attributes",
            f"{', '.join(retired)}: retired or limited by Microsoft (the service answers 403 "
            "UnsupportedFeature without approval); pass allow_retired_attributes=True if "
            "this resource is approved for them",
        )
    if items and str(detection_model) == _NO_EXTRAS_DETECTION:
        raise FaceValidationError(
            "return_face_attributes", "detection_02 does not return face attributes"
        )
    _attributes_fit_models(items, detection_model, recognition_model)
    return ",".join(items) if items else None


#: What each detection model returns, as the specs and Microsoft's detection-model guide
#: say (detection_02 returns none); a model newer than these is left to the service.
_ATTRIBUTES_OF_MODEL = {
    "detection_01": frozenset(FACE_ATTRIBUTES) - {"mask"},
    "detection_03": frozenset({"headPose", "mask", "qualityForRecognition"}),
}
#: The recognition models qualityForRecognition is computed for.
_QUALITY_MODELS = ("recognition_03", "recognition_04")


def _attributes_fit_models(
    items: Sequence[str], detection_model: str | None, recognition_model: str | None
) -> None:
    """Refuse attributes the (default) detection or recognition model does not return."""
    detection = str(detection_model or "detection_01")
    offered = _ATTRIBUTES_OF_MODEL.get(detection)
    if offered is not None:
        missing = [v for v in items if v not in offered]
        if missing:
            hint = " (mask needs detection_model='detection_03')" if "mask" in missing else ""
            raise FaceValidationError(
                "return_face_attributes",
                f"{', '.join(missing)}: not returned by {detection}"
                f"{' (the default)' if detection_model is None else ''}{hint}",
            )
    recognition = str(recognition_model or "recognition_01")
    if "qualityForRecognition" in items and recognition not in _QUALITY_MODELS:
        raise FaceValidationError(
            "return_face_attributes",
            f"qualityForRecognition needs recognition_model {' or '.join(_QUALITY_MODELS)}, "
            f"not {recognition}{' (the default)' if recognition_model is None else ''}",
        )


def flag(parameter: str, value: Any) -> bool | None:
    """A yes/no query option: True, False or None (not sent)."""
    if value is None or isinstance(value, bool):
        return value
    raise FaceValidationError(parameter, f"must be True, False or None, got {_show(value)}")


def landmarks_allowed(return_face_landmarks: bool | None, detection_model: str | None) -> None:
    """Refuse landmarks with detection_02, which does not return them."""
    if return_face_landmarks and str(detection_model) == _NO_EXTRAS_DETECTION:
        raise FaceValidationError("return_face_landmarks", "detection_02 does not return landmarks")


def model_name(parameter: str, value: Any) -> str | None:
    """A model name such as recognition_04 (an enum member gives its value), or None."""
    if value is None:
        return None
    text = str(value.value if hasattr(value, "value") else value)
    if not re.fullmatch(r"[a-z]+_\d+", text):
        raise FaceValidationError(parameter, f"is not a model name: {_show(value)}")
    return text


def choice(parameter: str, value: Any, allowed: Iterable[str]) -> str | None:
    """One of `allowed` (an enum member gives its value), or None (not sent)."""
    if value is None:
        return None
    text = str(value.value if hasattr(value, "value") else value)
    options = list(allowed)
    if text not in options:
        raise FaceValidationError(parameter, f"must be one of {', '.join(options)}")
    return text


def exactly_one(**candidates: Any) -> str:
    """Name of the single argument that is set; error if none or several are."""
    given = [key for key, value in candidates.items() if value is not None]
    if len(given) != 1:
        names = ", ".join(candidates)
        raise FaceValidationError(
            "/".join(candidates), f"give exactly one of {names} (got {len(given)})"
        )
    return given[0]


def image_size(size: int) -> None:
    """Refuse an image under 1 KB or over 6 MB, the service's limits."""
    if size < IMAGE_MIN_BYTES:
        raise FaceValidationError("image", f"is {size} bytes; the service needs at least 1 KB")
    if size > IMAGE_MAX_BYTES:
        raise FaceValidationError("image", f"is {size} bytes; the service accepts at most 6 MB")


# -- attrs validators of the settings classes (RetryPolicy, PollingPolicy) -------------------


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float)


def count_field(instance: Any, attribute: Any, value: Any) -> None:
    """An integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FaceValidationError(attribute.name, f"must be an integer >= 0, got {_show(value)}")


def seconds_field(instance: Any, attribute: Any, value: Any) -> None:
    """A positive, finite number of seconds."""
    if not _number(value) or not math.isfinite(value) or value <= 0:
        raise FaceValidationError(
            attribute.name, f"must be a positive, finite number of seconds, got {_show(value)}"
        )


def wait_limit_field(instance: Any, attribute: Any, value: Any) -> None:
    """A number of seconds >= 0 (inf: no limit)."""
    if not _number(value) or value != value or value < 0:
        raise FaceValidationError(attribute.name, f"must be seconds >= 0, got {_show(value)}")


def growth_field(instance: Any, attribute: Any, value: Any) -> None:
    """A finite factor >= 1."""
    if not _number(value) or not math.isfinite(value) or value < 1:
        raise FaceValidationError(
            attribute.name, f"must be a finite number >= 1, got {_show(value)}"
        )


def fraction_field(instance: Any, attribute: Any, value: Any) -> None:
    """A number in [0, 1)."""
    if not _number(value) or not 0 <= value < 1:
        raise FaceValidationError(attribute.name, f"must be in [0, 1), got {_show(value)}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
