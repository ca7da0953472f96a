"""Synthetic faces for the Face emulator: images, detection, features, landmarks, attributes.

Everything here is deterministic and uses the standard library only.

* `synthetic_face` / `group_photo` draw real PNG images of made-up people. Who is in the
  picture (identity, variant and face rectangle) is recorded in a ``tEXt`` chunk with the
  keyword ``facekit`` holding ``{"faces": [{"identity", "variant", "rect": [l, t, w, h]}]}``,
  so the bytes alone say who they show, whichever way they reach the emulator.
* `analyze_image` is the emulator's "detector": it checks the 1 KB..6 MB size rule, reads the
  header of a PNG, JPEG, GIF or BMP, and returns the recorded faces of a synthetic PNG, or one
  face identified by the image's content hash for any other readable image.
* `feature_vector` / `similarity` are the "recognizer": faces of one identity are similar
  (confidence > 0.6, typically 0.75..0.97) and faces of different identities are not (< 0.35).
* `landmarks` and `attributes` produce Face API shaped JSON values for a found face.
"""

from __future__ import annotations

import hashlib
import json
import math
import operator
import random
import re
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote

__all__ = [
    "ATTRIBUTE_NAMES",
    "FEATURE_DIMENSION",
    "IMAGE_MAX_BYTES",
    "IMAGE_MIN_BYTES",
    "IMAGE_URL_PREFIX",
    "LANDMARK_NAMES",
    "MIN_FACE_PIXELS",
    "FoundFace",
    "ImageError",
    "ImageInfo",
    "Rect",
    "analyze_image",
    "attributes",
    "feature_vector",
    "group_photo",
    "image_url_path",
    "landmarks",
    "parse_image_url_path",
    "similarity",
    "synthetic_face",
]

#: The service's image size limits (inclusive), in bytes.
IMAGE_MIN_BYTES = 1024
IMAGE_MAX_BYTES = 6 * 1024 * 1024

#: A readable non-synthetic image smaller than this (in either dimension) has no face.
MIN_FACE_PIXELS = 36

#: Where the emulator serves synthetic faces (see `image_url_path`).
IMAGE_URL_PREFIX = "/_emulator/faces/"

#: Length of the vectors `feature_vector` returns.
FEATURE_DIMENSION = 128

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_META_KEYWORD = b"facekit"
#: Private, ancillary, safe-to-copy chunk used to pad images to a requested size.
_PAD_CHUNK = b"fkPd"
_MIN_SIZE = 16
_MAX_SIZE = 4096
#: Noise adds at most this much to a colour byte, so colours are kept at or below 255 - it.
_NOISE_MAX = 6
_COLOUR_MAX = 255 - _NOISE_MAX
_ZLIB_LEVEL = 3


# --------------------------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Deterministic randomness
# --------------------------------------------------------------------------------------------


def _seed(*parts: object) -> int:
    """A 64-bit seed from a stable encoding of `parts` (never Python's salted `hash`)."""
    text = json.dumps(parts, ensure_ascii=True, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode("ascii")).digest()[:8], "big")


def _rng(*parts: object) -> random.Random:
    return random.Random(_seed(*parts))


@lru_cache(maxsize=1)
def _noise_block() -> bytes:
    """A fixed block of random bytes (256 KiB), sliced cyclically for pixel noise and padding.

    Its period is far longer than deflate's 32 KiB window, so compression cannot exploit it.
    """
    return random.Random(0x5EED_FACE).randbytes(1 << 18)


def _random_bytes(rng: random.Random, n: int) -> bytes:
    """`n` random-looking bytes: a slice of the noise block at a random offset."""
    block = _noise_block()
    size = len(block)
    offset = rng.randrange(size)
    if offset + n <= size:
        return block[offset : offset + n]
    parts = [block[offset:]]
    remaining = n - (size - offset)
    while remaining > 0:
        parts.append(block[: min(size, remaining)])
        remaining -= size
    return b"".join(parts)


@lru_cache(maxsize=64)
def _noise_table(per_mille: int) -> bytes:
    """Maps a random byte to a noise amount: 0 mostly, 1.._NOISE_MAX for ~per_mille/1000."""
    cutoff = max(1, min(255, round(per_mille * 256 / 1000)))
    return bytes((b % _NOISE_MAX) + 1 if b < cutoff else 0 for b in range(256))


# --------------------------------------------------------------------------------------------
# Identity and variant traits (shared by drawing, landmarks and attributes)
# --------------------------------------------------------------------------------------------

_Colour = tuple[int, int, int]
_Span = tuple[int, int, bytes]


def _rgb(values: Iterable[int]) -> _Colour:
    """An RGB triple clamped to 0.._COLOUR_MAX (room left for pixel noise)."""
    r, g, b = (min(_COLOUR_MAX, max(0, v)) for v in values)
    return (r, g, b)


_SKIN_TONES = (
    (255, 224, 189),
    (241, 194, 125),
    (224, 172, 105),
    (198, 134, 66),
    (161, 102, 52),
    (120, 74, 38),
)
_HAIR_RGB = {
    "black": (30, 24, 20),
    "brown": (106, 70, 40),
    "blond": (222, 190, 120),
    "red": (168, 64, 30),
    "gray": (150, 150, 150),
    "white": (232, 232, 228),
}
_HAIR_COLOURS = ("brown", "blond", "black", "red", "gray", "white", "other")
_IRIS_RGB = ((70, 45, 25), (60, 100, 160), (70, 120, 70), (40, 30, 25), (120, 90, 50))


@dataclass(frozen=True)
class _Identity:
    """Traits that belong to a person, the same in every picture of them."""

    male: bool
    age: int
    skin: tuple[int, int, int]
    hair_colour: str
    hair_rgb: tuple[int, int, int]
    bald: float
    iris: tuple[int, int, int]
    background: tuple[int, int, int]
    shirt: tuple[int, int, int]
    # Geometry: half-width `a` as a fraction of the picture; other positions are fractions
    # of a (horizontal, and sizes) or b = aspect * a (vertical positions from the centre).
    half_width: float
    aspect: float
    eye_u: float
    eye_v: float
    eye_w: float
    eye_h: float
    brow_gap: float
    brow_t: float
    nose_v: float
    nose_w: float
    mouth_v: float
    mouth_w: float
    lip_h: float
    # Attribute traits.
    moustache: float
    beard: float
    sideburns: float
    glasses: str
    head_wear: float
    eye_makeup: bool
    lip_makeup: bool
    smile_base: float
    roll_base: float
    yaw_base: float
    pitch_base: float


@lru_cache(maxsize=4096)
def _identity(identity: str) -> _Identity:
    r = _rng("identity", identity)
    male = r.random() < 0.5
    age = r.randint(18, 78)
    skin = _rgb(c + r.randint(-8, 8) for c in r.choice(_SKIN_TONES))
    if age >= 55 and r.random() < 0.6:
        hair_colour = r.choice(("gray", "white"))
    else:
        hair_colour = r.choices(("black", "brown", "blond", "red", "other"), (35, 35, 18, 7, 5))[0]
    if hair_colour == "other":
        hair_rgb = (r.randint(40, 200), r.randint(20, 120), r.randint(60, 200))
    else:
        hair_rgb = _HAIR_RGB[hair_colour]
    hair_rgb = _rgb(c + r.randint(-10, 10) for c in hair_rgb)
    bald = (
        round(r.uniform(0.75, 0.98), 2)
        if male and age > 40 and r.random() < 0.25
        else round(r.uniform(0.0, 0.12), 2)
    )
    background = (r.randint(60, 220), r.randint(60, 220), r.randint(60, 220))
    shirt = (r.randint(20, 230), r.randint(20, 230), r.randint(20, 230))
    beardy = male and r.random() < 0.45
    glasses = r.choices(("noGlasses", "readingGlasses", "sunglasses"), (78, 17, 5))[0]
    female_makeup = (not male) and r.random() < 0.6
    return _Identity(
        male=male,
        age=age,
        skin=skin,
        hair_colour=hair_colour,
        hair_rgb=hair_rgb,
        bald=bald,
        iris=r.choice(_IRIS_RGB),
        background=background,
        shirt=shirt,
        half_width=r.uniform(0.235, 0.285),
        aspect=r.uniform(1.15, 1.35),
        eye_u=r.uniform(0.36, 0.44),
        eye_v=r.uniform(-0.2, -0.08),
        eye_w=r.uniform(0.15, 0.2),
        eye_h=r.uniform(0.07, 0.1),
        brow_gap=r.uniform(0.14, 0.2),
        brow_t=r.uniform(0.05, 0.08),
        nose_v=r.uniform(0.2, 0.3),
        nose_w=r.uniform(0.14, 0.2),
        mouth_v=r.uniform(0.5, 0.6),
        mouth_w=r.uniform(0.28, 0.38),
        lip_h=r.uniform(0.07, 0.1),
        moustache=round(r.uniform(0.4, 0.9) if beardy else r.uniform(0.0, 0.1), 2),
        beard=round(r.uniform(0.3, 0.9) if beardy else r.uniform(0.0, 0.1), 2),
        sideburns=round(r.uniform(0.2, 0.6) if beardy else r.uniform(0.0, 0.1), 2),
        glasses=glasses,
        head_wear=round(r.uniform(0.6, 0.99), 2) if r.random() < 0.06 else 0.0,
        eye_makeup=female_makeup or ((not male) and r.random() < 0.2),
        lip_makeup=female_makeup and r.random() < 0.8,
        smile_base=r.uniform(0.0, 0.8),
        roll_base=r.uniform(-4.0, 4.0),
        yaw_base=r.uniform(-6.0, 6.0),
        pitch_base=r.uniform(-3.0, 3.0),
    )


@dataclass(frozen=True)
class _Variant:
    """What changes from one picture of a person to the next."""

    dx: float
    dy: float
    scale: float
    light: int
    noise_per_mille: int
    smile: float
    roll: float
    yaw: float
    pitch: float
    blur: float
    mask: str
    forehead_occluded: bool
    eye_occluded: bool
    mouth_occluded: bool
    eye_shift: float
    mouth_shift: float


@lru_cache(maxsize=16384)
def _variant(identity: str, variant: int) -> _Variant:
    base = _identity(identity)
    r = _rng("variant", identity, variant)
    smile = min(1.0, max(0.0, base.smile_base + r.uniform(-0.35, 0.35)))
    mask_roll = r.random()
    mask = "faceMask" if mask_roll < 0.02 else "otherMaskOrOcclusion" if mask_roll < 0.03 else ""
    return _Variant(
        dx=r.uniform(-0.035, 0.035),
        dy=r.uniform(-0.03, 0.03),
        scale=r.uniform(0.96, 1.04),
        light=r.randint(-20, 20),
        noise_per_mille=r.randint(4, 14),
        smile=smile,
        roll=base.roll_base + r.uniform(-3.0, 3.0),
        yaw=base.yaw_base + r.uniform(-8.0, 8.0),
        pitch=base.pitch_base + r.uniform(-4.0, 4.0),
        blur=r.random() ** 2 * 0.5 if r.random() < 0.9 else r.uniform(0.3, 0.9),
        mask=mask or "noMask",
        forehead_occluded=r.random() < 0.03,
        eye_occluded=r.random() < 0.02,
        mouth_occluded=mask == "faceMask" or r.random() < 0.02,
        eye_shift=r.uniform(-0.015, 0.015),
        mouth_shift=r.uniform(-0.02, 0.02),
    )


# --------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------


def _shade(colour: Sequence[int], delta: int, factor: float = 1.0) -> bytes:
    """One RGB pixel: `colour` scaled by `factor`, shifted by `delta`, clamped for noise."""
    return bytes(min(_COLOUR_MAX, max(0, round(c * factor) + delta)) for c in colour)


class _Canvas:
    """Per-row span lists over an RGB image; rows carry a leading PNG filter byte (0)."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.spans: list[list[_Span]] = [[] for _ in range(height)]

    def rect(self, x0: float, y0: float, x1: float, y1: float, pixel: bytes) -> None:
        left = max(0, min(self.width, round(x0)))
        right = max(0, min(self.width, round(x1)))
        if right <= left:
            return
        span = (3 * left + 1, 3 * right + 1, pixel)
        for y in range(max(0, round(y0)), min(self.height, round(y1))):
            self.spans[y].append(span)

    def ellipse(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        pixel: bytes,
        *,
        y_from: float = -math.inf,
        y_to: float = math.inf,
    ) -> None:
        if rx <= 0 or ry <= 0:
            return
        first = max(0, math.floor(max(cy - ry, y_from)))
        last = min(self.height, math.ceil(min(cy + ry + 1, y_to)))
        width = self.width
        for y in range(first, last):
            t = (y + 0.5 - cy) / ry
            if t <= -1.0 or t >= 1.0:
                continue
            half = rx * math.sqrt(1.0 - t * t)
            left = max(0, int(cx - half + 0.5))
            right = min(width, int(cx + half + 0.5))
            if right > left:
                self.spans[y].append((3 * left + 1, 3 * right + 1, pixel))

    def raw(self, background: list[bytes]) -> bytes:
        """The filtered scanlines (filter type 0 on every row), one background row per y."""
        rows: list[bytes] = []
        for y, spans in enumerate(self.spans):
            if not spans:
                rows.append(background[y])
                continue
            row = bytearray(background[y])
            for start, end, pixel in spans:
                row[start:end] = pixel * ((end - start) // 3)
            rows.append(bytes(row))
        return b"".join(rows)


def _background_rows(width: int, height: int, top: _Colour, bottom: _Colour) -> list[bytes]:
    """Scanlines (with filter byte) of a vertical gradient from `top` to `bottom`."""
    rows: list[bytes] = []
    cache: dict[tuple[int, int, int], bytes] = {}
    span = max(1, height - 1)
    r0, g0, b0 = top
    dr, dg, db = bottom[0] - r0, bottom[1] - g0, bottom[2] - b0
    for y in range(height):
        key = (r0 + dr * y // span, g0 + dg * y // span, b0 + db * y // span)
        row = cache.get(key)
        if row is None:
            row = b"\x00" + bytes(key) * width
            cache[key] = row
        rows.append(row)
    return rows


def _face_geometry(identity: str, variant: int, size: int) -> tuple[float, float, float, float]:
    """(cx, cy, a, b) of the skin ellipse of a face drawn in a `size` square."""
    person = _identity(identity)
    var = _variant(identity, variant)
    a = person.half_width * var.scale * size
    b = a * person.aspect
    cx = size * (0.5 + var.dx)
    cy = size * (0.5 + var.dy)
    return cx, cy, a, b


def _face_rect(cx: float, cy: float, a: float, b: float, limit: int) -> tuple[int, int, int]:
    """(left, top, side) of the square face rectangle: cheek to cheek, chin at the bottom."""
    side = max(1, round(2 * a))
    left = max(0, min(limit - side, round(cx - a)))
    top = max(0, min(limit - side, round(cy + b - 2 * a)))
    return left, top, side


def _draw_face(
    canvas: _Canvas, identity: str, variant: int, size: int, ox: int, oy: int
) -> tuple[int, int, int, int]:
    """Draw one face in the `size` square at (ox, oy); return its rectangle (l, t, w, h)."""
    person = _identity(identity)
    var = _variant(identity, variant)
    cx, cy, a, b = _face_geometry(identity, variant, size)
    light = var.light
    skin = _shade(person.skin, light)
    skin_dark = _shade(person.skin, light - 6, 0.82)
    hair = _shade(person.hair_rgb, light)
    lips = _shade(
        (196, 40, 60) if person.lip_makeup else person.skin,
        light,
        1.0 if person.lip_makeup else 0.72,
    )
    white = _shade((245, 245, 240), light)
    iris = _shade(person.iris, light)
    dark = _shade((15, 12, 12), 0)
    shirt = _shade(person.shirt, light)

    # Shift to the canvas position.
    cx += ox
    cy += oy
    bottom = oy + size

    # Hair behind the head (down to the cheeks), neck, shoulders, then the face.
    if person.bald < 0.5:
        canvas.ellipse(cx, cy - 0.06 * b, 1.13 * a, 1.09 * b, hair, y_to=cy + 0.3 * b)
    else:
        canvas.ellipse(cx, cy + 0.05 * b, 1.06 * a, 0.55 * b, hair, y_to=cy + 0.3 * b)
    canvas.rect(cx - 0.45 * a, cy + 0.5 * b, cx + 0.45 * a, bottom, skin_dark)
    canvas.ellipse(cx, cy + 1.62 * b, 1.75 * a, 0.62 * b, shirt, y_to=bottom)
    hairline = cy - 0.62 * b if person.bald < 0.5 else -math.inf
    canvas.ellipse(cx, cy, a, b, skin, y_from=hairline)
    if person.head_wear:
        canvas.ellipse(cx, cy - 0.78 * b, 1.15 * a, 0.36 * b, shirt, y_to=cy - 0.6 * b)
        canvas.rect(cx - 1.2 * a, cy - 0.68 * b, cx + 1.2 * a, cy - 0.6 * b, dark)

    eye_y = cy + (person.eye_v + var.eye_shift) * b
    eye_rx = person.eye_w * a
    eye_ry = person.eye_h * a
    for side in (-1, 1):
        ex = cx + side * person.eye_u * a
        # Eyebrow: a bar above the eye, a little wider than it.
        brow_y = eye_y - person.brow_gap * b
        canvas.rect(
            ex - 1.15 * eye_rx, brow_y - person.brow_t * a, ex + 1.15 * eye_rx, brow_y, hair
        )
        if person.glasses == "sunglasses":
            canvas.ellipse(ex, eye_y, 1.5 * eye_rx, 1.9 * eye_ry, dark)
            continue
        canvas.ellipse(ex, eye_y, eye_rx, eye_ry, white)
        canvas.ellipse(ex, eye_y, 0.95 * eye_ry, 0.95 * eye_ry, iris)
        canvas.ellipse(ex, eye_y, 0.45 * eye_ry, 0.45 * eye_ry, dark)
        if person.glasses == "readingGlasses":
            t = max(1.0, 0.03 * a)
            x0, x1 = ex - 1.5 * eye_rx, ex + 1.5 * eye_rx
            y0, y1 = eye_y - 1.9 * eye_ry, eye_y + 1.9 * eye_ry
            canvas.rect(x0, y0, x1, y0 + t, dark)
            canvas.rect(x0, y1 - t, x1, y1, dark)
            canvas.rect(x0, y0, x0 + t, y1, dark)
            canvas.rect(x1 - t, y0, x1, y1, dark)
    if person.glasses != "noGlasses":
        t = max(1.0, 0.03 * a)
        bridge = (person.eye_u - 1.5 * person.eye_w) * a
        canvas.rect(cx - bridge, eye_y - t, cx + bridge, eye_y, dark)

    # Nose: a bridge and the nostrils.
    nose_y = cy + person.nose_v * b
    canvas.rect(cx - 0.03 * a, eye_y + 0.05 * b, cx + 0.03 * a, nose_y, skin_dark)
    canvas.ellipse(cx, nose_y, person.nose_w * a, 0.045 * b, skin_dark)

    # Moustache, then the mouth (an open smile or closed lips).
    mouth_y = cy + (person.mouth_v + var.mouth_shift) * b
    mouth_rx = person.mouth_w * a * (1.0 + 0.15 * var.smile)
    lip_ry = person.lip_h * a
    if person.moustache > 0.5:
        canvas.ellipse(cx, mouth_y - 1.6 * lip_ry, 1.05 * mouth_rx, 0.7 * lip_ry, hair)
    if var.mask != "noMask":
        canvas.ellipse(cx, mouth_y - 0.1 * b, 0.85 * a, 0.42 * b, white)
    elif var.smile >= 0.5:
        canvas.ellipse(
            cx, mouth_y, mouth_rx, (1.0 + var.smile) * lip_ry, lips, y_from=mouth_y - lip_ry
        )
        canvas.ellipse(cx, mouth_y, 0.8 * mouth_rx, var.smile * lip_ry, dark, y_from=mouth_y)
    else:
        canvas.ellipse(cx, mouth_y, mouth_rx, lip_ry, lips)
        canvas.rect(cx - 0.85 * mouth_rx, mouth_y - 0.5, cx + 0.85 * mouth_rx, mouth_y + 0.5, dark)

    left, top, side = _face_rect(cx - ox, cy - oy, a, b, size)
    return left + ox, top + oy, side, side


# --------------------------------------------------------------------------------------------
# PNG writing
# --------------------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return b"".join(
        (
            struct.pack(">I", len(data)),
            kind,
            data,
            struct.pack(">I", zlib.crc32(data, zlib.crc32(kind))),
        )
    )


def _add_noise(raw: bytes, rng: random.Random, per_mille: int, stride: int, rows: int) -> bytes:
    """Add sparse pixel noise to every colour byte (never to the filter bytes)."""
    noise = bytearray(_random_bytes(rng, len(raw)).translate(_noise_table(per_mille)))
    noise[0::stride] = bytes(rows)
    # Colours are at most 255 - _NOISE_MAX, so adding as big integers never carries.
    total = int.from_bytes(raw, "big") + int.from_bytes(noise, "big")
    return total.to_bytes(len(raw), "big")


def _encode_png(
    width: int,
    height: int,
    raw: bytes,
    faces: list[dict[str, Any]],
    padding: random.Random,
    pad_to: int | None,
) -> bytes:
    meta = json.dumps({"faces": faces}, ensure_ascii=True, separators=(",", ":"))
    head = b"".join(
        (
            _PNG_SIGNATURE,
            _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
            _chunk(b"tEXt", _META_KEYWORD + b"\x00" + meta.encode("ascii")),
            _chunk(b"IDAT", zlib.compress(raw, _ZLIB_LEVEL)),
        )
    )
    end = _chunk(b"IEND", b"")
    target = max(pad_to or 0, IMAGE_MIN_BYTES)
    missing = target - len(head) - len(end)
    if missing > 0:
        # A chunk costs 12 bytes besides its data; when even that does not fit, overshoot.
        head += _chunk(_PAD_CHUNK, _random_bytes(padding, max(0, missing - 12)))
    return head + end


def _check_size(name: str, value: int) -> None:
    if not isinstance(value, int) or not _MIN_SIZE <= value <= _MAX_SIZE:
        raise ValueError(f"{name} must be an int in {_MIN_SIZE}..{_MAX_SIZE}, got {value!r}")


def _check_pad(pad_to: int | None) -> None:
    if pad_to is not None and (not isinstance(pad_to, int) or pad_to < 0):
        raise ValueError(f"pad_to must be a non-negative int or None, got {pad_to!r}")


def synthetic_face(
    identity: str, variant: int = 0, *, size: int = 256, pad_to: int | None = None
) -> bytes:
    """A PNG picture (`size` x `size`, RGB) of the made-up person `identity`.

    The same arguments always give the same bytes; each `variant` is a different picture of
    the same person (position, lighting, expression, noise). The image is at least 1 KB;
    with `pad_to` it is padded (with a private ancillary chunk of random bytes) to exactly
    `pad_to` bytes, or left as it is when already larger. Who is shown, and where, is stored
    in a ``tEXt`` chunk (keyword ``facekit``) that `analyze_image` reads back.
    """
    _check_size("size", size)
    _check_pad(pad_to)
    identity = str(identity)
    variant = int(variant)
    rng = _rng("picture", identity, variant, size)
    person = _identity(identity)
    var = _variant(identity, variant)
    canvas = _Canvas(size, size)
    left, top, width, height = _draw_face(canvas, identity, variant, size, 0, 0)
    bg_top = _rgb(c + var.light for c in person.background)
    bg_bottom = _rgb(round(c * 0.7) for c in bg_top)
    background = _background_rows(size, size, bg_top, bg_bottom)
    stride = 1 + 3 * size
    raw = _add_noise(canvas.raw(background), rng, var.noise_per_mille, stride, size)
    faces = [{"identity": identity, "variant": variant, "rect": [left, top, width, height]}]
    padding = _rng("padding", identity, variant, size, pad_to)
    return _encode_png(size, size, raw, faces, padding, pad_to)


def group_photo(
    people: Sequence[str | tuple[str, int]], *, face_size: int = 160, pad_to: int | None = None
) -> bytes:
    """A PNG of several people side by side, each in a `face_size` square cell.

    `people` holds identities (variant 0) or ``(identity, variant)`` pairs. Up to four people
    stand in one row; more are laid out in a near-square grid. Cells are separated by a margin
    so faces never overlap; every face's rectangle is recorded. An empty `people` gives a
    picture with no face in it. Padding works as in `synthetic_face`.
    """
    _check_size("face_size", face_size)
    _check_pad(pad_to)
    entries: list[tuple[str, int]] = []
    for person in people:
        if isinstance(person, tuple):
            name, var = person
            entries.append((str(name), int(var)))
        else:
            entries.append((str(person), 0))
    count = len(entries)
    cols = max(1, count if count <= 4 else math.ceil(math.sqrt(count)))
    grid_rows = max(1, math.ceil(count / cols))
    margin = max(4, face_size // 8)
    width = cols * face_size + (cols + 1) * margin
    height = grid_rows * face_size + (grid_rows + 1) * margin
    if width > _MAX_SIZE or height > _MAX_SIZE:
        raise ValueError(f"a {width}x{height} picture is too large; use fewer people")
    rng = _rng("group", entries, face_size)
    bg = (rng.randint(70, 200), rng.randint(70, 200), rng.randint(70, 200))
    canvas = _Canvas(width, height)
    faces: list[dict[str, Any]] = []
    for index, (name, var) in enumerate(entries):
        row, col = divmod(index, cols)
        ox = margin + col * (face_size + margin)
        oy = margin + row * (face_size + margin)
        rect = _draw_face(canvas, name, var, face_size, ox, oy)
        faces.append({"identity": name, "variant": var, "rect": list(rect)})
    background = _background_rows(width, height, bg, bg)
    raw = _add_noise(canvas.raw(background), rng, 8, 1 + 3 * width, height)
    padding = _rng("padding", entries, face_size, pad_to)
    return _encode_png(width, height, raw, faces, padding, pad_to)


def image_url_path(identity: str, variant: int = 0) -> str:
    """The emulator path serving `synthetic_face(identity, variant)`.

    The identity is percent-encoded with no safe characters (a ``/`` becomes ``%2F``).
    """
    return f"{IMAGE_URL_PREFIX}{quote(identity, safe='')}/{int(variant)}.png"


_URL_PATH = re.compile(r"/_emulator/faces/([^/]*)/(-?[0-9]+)\.png")


def parse_image_url_path(raw_path: str) -> tuple[str, int] | None:
    """(identity, variant) from a still percent-encoded path made by `image_url_path`.

    Pass the raw path (e.g. aiohttp's ``request.raw_path`` without the query): decoding it
    first would turn an encoded ``/`` in the identity into a path separator.
    """
    match = _URL_PATH.fullmatch(raw_path.split("?", 1)[0])
    if match is None:
        return None
    return unquote(match.group(1)), int(match.group(2))


# --------------------------------------------------------------------------------------------
# Image analysis
# --------------------------------------------------------------------------------------------


def analyze_image(data: bytes) -> ImageInfo:
    """Check and "detect" an image as the service would.

    Raises `ImageError` ``"size"`` outside 1 KB..6 MB, then ``"decode"`` unless the bytes
    start like a readable PNG (every chunk's CRC checked up to IEND), JPEG (a start-of-frame
    segment before the scan), GIF (87a/89a) or BMP. A synthetic PNG yields the faces recorded
    in it (unfiltered: the caller applies any minimum face size). Any other image yields one
    face, identity ``"content:" + sha256(data).hexdigest()``, variant 0, centred, with a side
    of half the smaller dimension but at least 36 px - or no face below 36 x 36 pixels.
    """
    data = bytes(data)
    size = len(data)
    if size < IMAGE_MIN_BYTES:
        raise ImageError("size", f"image is {size} bytes, smaller than 1 KB")
    if size > IMAGE_MAX_BYTES:
        raise ImageError("size", f"image is {size} bytes, larger than 6 MB")
    recorded: tuple[FoundFace, ...] | None = None
    if data.startswith(_PNG_SIGNATURE):
        fmt = "png"
        width, height, recorded = _read_png(data)
    elif data.startswith(b"\xff\xd8\xff"):
        fmt = "jpeg"
        width, height = _read_jpeg(data)
    elif data.startswith((b"GIF87a", b"GIF89a")):
        fmt = "gif"
        width, height = _read_gif(data)
    elif data.startswith(b"BM"):
        fmt = "bmp"
        width, height = _read_bmp(data)
    else:
        raise ImageError("decode", "not a JPEG, PNG, GIF or BMP image")
    if recorded is not None:
        return ImageInfo(fmt, width, height, recorded)
    return ImageInfo(fmt, width, height, _content_faces(data, width, height))


def _content_faces(data: bytes, width: int, height: int) -> tuple[FoundFace, ...]:
    smaller = min(width, height)
    if smaller < MIN_FACE_PIXELS:
        return ()
    side = min(smaller, max(MIN_FACE_PIXELS, smaller // 2))
    rect = Rect((width - side) // 2, (height - side) // 2, side, side)
    identity = "content:" + hashlib.sha256(data).hexdigest()
    return (FoundFace(identity, 0, rect),)


def _decode_error(what: str) -> ImageError:
    return ImageError("decode", what)


_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}


def _read_png(data: bytes) -> tuple[int, int, tuple[FoundFace, ...] | None]:
    pos = len(_PNG_SIGNATURE)
    width = height = 0
    meta: bytes | None = None
    first_idat: bytes | None = None
    seen_ihdr = False
    while True:
        if pos + 8 > len(data):
            raise _decode_error("PNG is truncated (no IEND chunk)")
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            raise _decode_error("PNG is truncated")
        if not kind.isalpha() or not kind.isascii():
            raise _decode_error("PNG chunk type is garbled")
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(body, zlib.crc32(kind)) != crc:
            raise _decode_error(f"PNG chunk {kind.decode('ascii')} has a bad CRC")
        pos = end
        if not seen_ihdr:
            if kind != b"IHDR" or length != 13:
                raise _decode_error("PNG does not start with an IHDR chunk")
            width, height, depth, colour, compression, filtering, interlace = struct.unpack(
                ">IIBBBBB", body
            )
            if not (0 < width <= 0x7FFFFFFF and 0 < height <= 0x7FFFFFFF):
                raise _decode_error("PNG has a zero or huge dimension")
            if depth not in _PNG_DEPTHS.get(colour, ()) or compression or filtering:
                raise _decode_error("PNG header has an unsupported format")
            if interlace not in (0, 1):
                raise _decode_error("PNG header has an unknown interlace method")
            seen_ihdr = True
        elif kind == b"IEND":
            break
        elif kind == b"IDAT":
            if first_idat is None:
                first_idat = body
        elif kind == b"tEXt" and meta is None and body.startswith(_META_KEYWORD + b"\x00"):
            meta = body[len(_META_KEYWORD) + 1 :]
    if first_idat is None:
        raise _decode_error("PNG has no image data")
    if len(first_idat) >= 2:
        cmf, flg = first_idat[0], first_idat[1]
        if cmf & 0x0F != 8 or (cmf << 8 | flg) % 31:
            raise _decode_error("PNG image data is not a zlib stream")
    return width, height, _parse_meta(meta, width, height)


def _parse_meta(meta: bytes | None, width: int, height: int) -> tuple[FoundFace, ...] | None:
    """Faces recorded by `synthetic_face` / `group_photo`; None when absent or malformed."""
    if meta is None:
        return None
    try:
        doc = json.loads(meta.decode("latin-1"))
    except ValueError:
        return None
    entries = doc.get("faces") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        return None
    faces: list[FoundFace] = []
    for entry in entries:
        if not isinstance(entry, dict):
            return None
        identity, variant, rect = entry.get("identity"), entry.get("variant"), entry.get("rect")
        if not isinstance(identity, str) or type(variant) is not int:
            return None
        if not isinstance(rect, list) or len(rect) != 4 or not all(type(v) is int for v in rect):
            return None
        left, top, w, h = rect
        if left < 0 or top < 0 or w <= 0 or h <= 0 or left + w > width or top + h > height:
            return None
        faces.append(FoundFace(identity, variant, Rect(left, top, w, h)))
    return tuple(faces)


#: Start-of-frame markers (all but DHT C4, JPG C8 and DAC CC).
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _read_jpeg(data: bytes) -> tuple[int, int]:
    pos = 2
    size = len(data)
    while True:
        if pos >= size:
            raise _decode_error("JPEG ends before a start-of-frame segment")
        if data[pos] != 0xFF:
            raise _decode_error("JPEG segment marker is garbled")
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            raise _decode_error("JPEG is truncated")
        marker = data[pos]
        pos += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            continue  # standalone markers carry no length
        if marker in (0xD8, 0xD9, 0xDA, 0x00):
            raise _decode_error("JPEG has no start-of-frame segment before its data")
        if pos + 2 > size:
            raise _decode_error("JPEG is truncated")
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2 or pos + length > size:
            raise _decode_error("JPEG segment is truncated")
        if marker in _JPEG_SOF:
            if length < 8:
                raise _decode_error("JPEG start-of-frame segment is too short")
            height, width = struct.unpack_from(">HH", data, pos + 3)
            if not width or not height:
                raise _decode_error("JPEG has a zero dimension")
            return width, height
        pos += length


def _read_gif(data: bytes) -> tuple[int, int]:
    if len(data) < 13:
        raise _decode_error("GIF is truncated")
    width, height = struct.unpack_from("<HH", data, 6)
    if not width or not height:
        raise _decode_error("GIF has a zero dimension")
    return width, height


def _read_bmp(data: bytes) -> tuple[int, int]:
    if len(data) < 26:
        raise _decode_error("BMP is truncated")
    offset, header = struct.unpack_from("<II", data, 10)
    if header == 12:
        width, height, planes, bits = struct.unpack_from("<HHHH", data, 18)
    elif header in (40, 52, 56, 64, 108, 124):
        if len(data) < 14 + header:
            raise _decode_error("BMP header is truncated")
        width, height, planes, bits = struct.unpack_from("<iiHH", data, 18)
    else:
        raise _decode_error("BMP has an unknown header")
    height = abs(height)
    if width <= 0 or height == 0 or planes != 1 or bits not in (1, 2, 4, 8, 16, 24, 32):
        raise _decode_error("BMP header is garbled")
    if not 14 + header <= offset <= len(data):
        raise _decode_error("BMP pixel data offset is out of range")
    return width, height


# --------------------------------------------------------------------------------------------
# Recognition
# --------------------------------------------------------------------------------------------


def _unit(vector: Sequence[float]) -> tuple[float, ...]:
    norm = math.sqrt(math.fsum(x * x for x in vector))
    return tuple(x / norm for x in vector)


@lru_cache(maxsize=1024)
def _base_vector(identity: str) -> tuple[float, ...]:
    r = _rng("features", identity)
    return _unit([r.gauss(0.0, 1.0) for _ in range(FEATURE_DIMENSION)])


@lru_cache(maxsize=4096)
def feature_vector(identity: str, variant: int) -> tuple[float, ...]:
    """A deterministic unit vector (128 floats) for a face of `identity` in picture `variant`.

    It is the identity's random direction plus a per-variant perturbation whose length is
    0.15..0.45 of it (variant 0 included), renormalised.
    """
    base = _base_vector(identity)
    r = _rng("features", identity, variant)
    jitter = _unit([r.gauss(0.0, 1.0) for _ in range(FEATURE_DIMENSION)])
    weight = r.uniform(0.15, 0.45)
    return _unit([b + weight * j for b, j in zip(base, jitter, strict=True)])


def similarity(a: Sequence[float], b: Sequence[float]) -> float:
    """Confidence in [0, 1] that two feature vectors show the same person.

    It is ``((1 + cos) / 2) ** 3`` of their cosine similarity: 1.0 for identical vectors,
    0.125 for orthogonal ones. For `feature_vector` outputs, two pictures of the same
    identity score above 0.6 (typically 0.75..0.97; the lowest of 42,000 pairs was 0.71),
    pictures of different identities below 0.35 (typically 0.05..0.25; the highest of
    20,000 pairs was 0.30). The emulator answers verify's
    ``isIdentical`` as confidence >= 0.5 and uses 0.5 as identify's default
    ``confidenceThreshold``, so both margins are wide.
    """
    if len(a) != len(b) or not a:
        raise ValueError("feature vectors must be non-empty and of equal length")
    dot: float = sum(map(operator.mul, a, b))
    squares: float = sum(map(operator.mul, a, a)) * sum(map(operator.mul, b, b))
    norms = math.sqrt(squares)
    if norms == 0.0:
        return 0.0
    cosine = max(-1.0, min(1.0, dot / norms))
    return ((1.0 + cosine) / 2.0) ** 3


# --------------------------------------------------------------------------------------------
# Landmarks and attributes
# --------------------------------------------------------------------------------------------

LANDMARK_NAMES = (
    "pupilLeft",
    "pupilRight",
    "noseTip",
    "mouthLeft",
    "mouthRight",
    "eyebrowLeftOuter",
    "eyebrowLeftInner",
    "eyeLeftOuter",
    "eyeLeftTop",
    "eyeLeftBottom",
    "eyeLeftInner",
    "eyebrowRightInner",
    "eyebrowRightOuter",
    "eyeRightInner",
    "eyeRightTop",
    "eyeRightBottom",
    "eyeRightOuter",
    "noseRootLeft",
    "noseRootRight",
    "noseLeftAlarTop",
    "noseRightAlarTop",
    "noseLeftAlarOutTip",
    "noseRightAlarOutTip",
    "upperLipTop",
    "upperLipBottom",
    "underLipTop",
    "underLipBottom",
)


def landmarks(face: FoundFace) -> dict[str, dict[str, float]]:
    """The 27 Face API landmarks of `face`, in image pixels rounded to 0.1.

    "Left" is the image's left. For synthetic faces they sit on the drawn features (eyes,
    brows, nose, mouth); for any face they lie inside its rectangle.
    """
    person = _identity(face.identity)
    var = _variant(face.identity, face.variant)
    rect = face.rect
    a = rect.width / 2.0
    b = a * person.aspect
    cx = rect.left + a
    cy = rect.top + rect.height - b  # the chin is at the rectangle's bottom

    def at(u: float, v: float) -> dict[str, float]:
        x = min(rect.left + rect.width, max(rect.left, cx + u * a))
        y = min(rect.top + rect.height, max(rect.top, cy + v * b))
        return {"x": round(x, 1), "y": round(y, 1)}

    eu, ew, eh = person.eye_u, person.eye_w, person.eye_h * a / b
    ev = person.eye_v + var.eye_shift
    brow_v = ev - person.brow_gap
    nv, nw = person.nose_v, person.nose_w
    mv = person.mouth_v + var.mouth_shift
    mw = person.mouth_w * (1.0 + 0.15 * var.smile)
    lip = person.lip_h * a / b
    corner = mv - 0.4 * lip * var.smile  # smiling lifts the corners
    points = {
        "pupilLeft": at(-eu, ev),
        "pupilRight": at(eu, ev),
        "noseTip": at(0.0, nv),
        "mouthLeft": at(-mw, corner),
        "mouthRight": at(mw, corner),
        "eyebrowLeftOuter": at(-eu - 1.15 * ew, brow_v),
        "eyebrowLeftInner": at(-eu + 1.15 * ew, brow_v),
        "eyeLeftOuter": at(-eu - ew, ev),
        "eyeLeftTop": at(-eu, ev - eh),
        "eyeLeftBottom": at(-eu, ev + eh),
        "eyeLeftInner": at(-eu + ew, ev),
        "eyebrowRightInner": at(eu - 1.15 * ew, brow_v),
        "eyebrowRightOuter": at(eu + 1.15 * ew, brow_v),
        "eyeRightInner": at(eu - ew, ev),
        "eyeRightTop": at(eu, ev - eh),
        "eyeRightBottom": at(eu, ev + eh),
        "eyeRightOuter": at(eu + ew, ev),
        "noseRootLeft": at(-0.09, ev + 0.02),
        "noseRootRight": at(0.09, ev + 0.02),
        "noseLeftAlarTop": at(-0.6 * nw, nv - 0.08),
        "noseRightAlarTop": at(0.6 * nw, nv - 0.08),
        "noseLeftAlarOutTip": at(-nw, nv + 0.02),
        "noseRightAlarOutTip": at(nw, nv + 0.02),
        "upperLipTop": at(0.0, mv - lip),
        "upperLipBottom": at(0.0, mv - 0.25 * lip),
        "underLipTop": at(0.0, mv + 0.25 * lip),
        "underLipBottom": at(0.0, mv + (1.0 + var.smile) * lip),
    }
    return {name: points[name] for name in LANDMARK_NAMES}


#: Attribute names in the order the service writes them.
ATTRIBUTE_NAMES = (
    "age",
    "gender",
    "smile",
    "facialHair",
    "glasses",
    "headPose",
    "emotion",
    "hair",
    "makeup",
    "occlusion",
    "accessories",
    "blur",
    "exposure",
    "noise",
    "mask",
    "qualityForRecognition",
)
_ATTRIBUTE_LOOKUP = {name.lower(): name for name in ATTRIBUTE_NAMES}


def _level(value: float, low: float, high: float, names: tuple[str, str, str]) -> str:
    return names[0] if value < low else names[1] if value < high else names[2]


def _emotion(r: random.Random, smile: float) -> dict[str, float]:
    weights = {
        "anger": r.random() * 0.04,
        "contempt": r.random() * 0.03,
        "disgust": r.random() * 0.02,
        "fear": r.random() * 0.02,
        "happiness": smile**1.5 + 0.01,
        "neutral": (1.0 - smile) * 0.9 + 0.02,
        "sadness": r.random() * 0.05,
        "surprise": r.random() * 0.05,
    }
    total = sum(weights.values())
    values = {k: round(v / total, 3) for k, v in weights.items()}
    top = max(values, key=lambda k: values[k])
    values[top] = round(values[top] + 1.0 - sum(values.values()), 3)
    return values


def attributes(
    face: FoundFace, requested: Sequence[str], detection_model: str, recognition_model: str
) -> dict[str, Any]:
    """Face API v1.0 ``faceAttributes`` for `face`: one key per requested attribute.

    Names match case-insensitively and come back camelCased in the service's order; an
    unknown name raises ValueError (the caller validates names and per-model support first).
    Person traits (age, gender, hair, facial hair, glasses, makeup) are the same for every
    variant of an identity; pose, smile, emotion, blur, exposure, noise, occlusion, mask and
    quality change a little from variant to variant. ``qualityForRecognition`` is lower-case
    (``"low"``, ``"medium"``, ``"high"``) as the service sends it, and also drops with a small
    face rectangle (< 100 px "medium", < 40 px "low"). The models are accepted for symmetry
    with the service and do not change the values.
    """
    del detection_model, recognition_model  # the values do not depend on them
    wanted: set[str] = set()
    for name in requested:
        canonical = _ATTRIBUTE_LOOKUP.get(str(name).strip().lower())
        if canonical is None:
            raise ValueError(f"unknown face attribute {name!r}")
        wanted.add(canonical)
    person = _identity(face.identity)
    var = _variant(face.identity, face.variant)
    r = _rng("attributes", face.identity, face.variant)

    blur = round(var.blur, 2)
    exposure = round(min(1.0, max(0.0, 0.5 + var.light / 60.0)), 2)
    noise = round(min(1.0, var.noise_per_mille / 50.0), 2)
    values: dict[str, Any] = {
        "age": float(person.age),
        "gender": "male" if person.male else "female",
        "smile": round(var.smile, 3),
        "facialHair": {
            "moustache": person.moustache,
            "beard": person.beard,
            "sideburns": person.sideburns,
        },
        "glasses": person.glasses,
        "headPose": {
            "roll": round(var.roll, 1),
            "yaw": round(var.yaw, 1),
            "pitch": round(var.pitch, 1),
        },
        "emotion": _emotion(r, var.smile),
    }
    invisible = person.head_wear > 0.9
    if invisible:
        hair_colors: list[dict[str, Any]] = []
    else:
        others = [c for c in _HAIR_COLOURS if c != person.hair_colour]
        confidences = sorted((round(r.uniform(0.01, 0.6), 2) for _ in others), reverse=True)
        ranked = [(person.hair_colour, round(r.uniform(0.95, 1.0), 2))]
        ranked += zip(_shuffled(others, _rng("hair", face.identity)), confidences, strict=True)
        hair_colors = [{"color": c, "confidence": v} for c, v in ranked]
    values["hair"] = {"bald": person.bald, "invisible": invisible, "hairColor": hair_colors}
    values["makeup"] = {"eyeMakeup": person.eye_makeup, "lipMakeup": person.lip_makeup}
    values["occlusion"] = {
        "foreheadOccluded": var.forehead_occluded or person.head_wear > 0.9,
        "eyeOccluded": var.eye_occluded,
        "mouthOccluded": var.mouth_occluded,
    }
    accessories: list[dict[str, Any]] = []
    if person.head_wear:
        accessories.append({"type": "headWear", "confidence": person.head_wear})
    if person.glasses != "noGlasses":
        accessories.append({"type": "glasses", "confidence": round(r.uniform(0.9, 1.0), 2)})
    if var.mask != "noMask":
        accessories.append({"type": "mask", "confidence": round(r.uniform(0.8, 1.0), 2)})
    accessories.sort(key=lambda item: -item["confidence"])
    values["accessories"] = accessories
    values["blur"] = {
        "blurLevel": _level(blur, 0.25, 0.75, ("Low", "Medium", "High")),
        "value": blur,
    }
    values["exposure"] = {
        "exposureLevel": _level(
            exposure, 0.25, 0.75, ("UnderExposure", "GoodExposure", "OverExposure")
        ),
        "value": exposure,
    }
    values["noise"] = {
        "noiseLevel": _level(noise, 0.3, 0.7, ("Low", "Medium", "High")),
        "value": noise,
    }
    values["mask"] = {"type": var.mask, "noseAndMouthCovered": var.mask == "faceMask"}
    side = min(face.rect.width, face.rect.height)
    if blur >= 0.75 or noise >= 0.7 or side < 40 or var.mask == "faceMask":
        quality = "low"
    elif blur >= 0.25 or noise >= 0.3 or not 0.25 <= exposure < 0.75 or side < 100:
        quality = "medium"
    else:
        quality = "high"
    values["qualityForRecognition"] = quality
    return {name: values[name] for name in ATTRIBUTE_NAMES if name in wanted}


def _shuffled(items: list[str], r: random.Random) -> list[str]:
    items = list(items)
    r.shuffle(items)
    return items
