"""Synthetic faces for the Face emulator: drawing, PNG, decoding, landmarks and attributes.

Everything here is deterministic and uses the standard library only.

* `draw`: `synthetic_face` / `group_photo` draw real PNG images of made-up people.
* `png`: PNG writing and the ``facekit`` chunk recording who a picture shows.
* `decode`: `analyze_image`, the "detector": the 1 KB..6 MB rule, PNG/JPEG/GIF/BMP headers,
  the recorded faces of a synthetic PNG or one content-hash face of any other image.
* `attributes`: `landmarks` and `attributes` of a found face, and the one attribute list.
* `traits`: seeded randomness and the traits of each made-up person.
* `urls`: the emulator paths that serve synthetic faces.

Feature vectors and similarity live in `facekit.emulator.recognition`.
"""

from .attributes import (
    ATTRIBUTE_NAMES,
    ATTRIBUTES,
    LANDMARK_NAMES,
    Attribute,
    attributes,
    landmarks,
)
from .decode import analyze_image
from .draw import group_photo, synthetic_face
from .records import (
    IMAGE_MAX_BYTES,
    IMAGE_MIN_BYTES,
    MIN_FACE_PIXELS,
    FoundFace,
    ImageError,
    ImageInfo,
    Rect,
)
from .urls import IMAGE_URL_PREFIX, image_url_path, parse_image_url_path

__all__ = [
    "ATTRIBUTES",
    "ATTRIBUTE_NAMES",
    "IMAGE_MAX_BYTES",
    "IMAGE_MIN_BYTES",
    "IMAGE_URL_PREFIX",
    "LANDMARK_NAMES",
    "MIN_FACE_PIXELS",
    "Attribute",
    "FoundFace",
    "ImageError",
    "ImageInfo",
    "Rect",
    "analyze_image",
    "attributes",
    "group_photo",
    "image_url_path",
    "landmarks",
    "parse_image_url_path",
    "synthetic_face",
]
