"""Drawing made-up people: `synthetic_face` and `group_photo` give real, deterministic PNGs.

Who is in the picture (identity, variant and face rectangle) is recorded in the picture's
``facekit`` chunk (see `png`), so the emulator recognises the person from the bytes alone.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from functools import lru_cache

from .png import encode_png
from .records import FoundFace, Rect
from .traits import (
    COLOUR_MAX,
    NOISE_MAX,
    Colour,
    identity_traits,
    random_bytes,
    rgb,
    seeded,
    variant_traits,
)

__all__ = ["group_photo", "synthetic_face"]

_MIN_SIZE = 16
_MAX_SIZE = 4096

_Span = tuple[int, int, bytes]


def _shade(colour: Sequence[int], delta: int, factor: float = 1.0) -> bytes:
    """One RGB pixel: `colour` scaled by `factor`, shifted by `delta`, clamped for noise."""
    return bytes(min(COLOUR_MAX, max(0, round(c * factor) + delta)) for c in colour)


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


def _background_rows(width: int, height: int, top: Colour, bottom: Colour) -> list[bytes]:
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
    person = identity_traits(identity)
    var = variant_traits(identity, variant)
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
    person = identity_traits(identity)
    var = variant_traits(identity, variant)
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


@lru_cache(maxsize=64)
def _noise_table(per_mille: int) -> bytes:
    """Maps a random byte to a noise amount: 0 mostly, 1..NOISE_MAX for ~per_mille/1000."""
    cutoff = max(1, min(255, round(per_mille * 256 / 1000)))
    return bytes((b % NOISE_MAX) + 1 if b < cutoff else 0 for b in range(256))


def _add_noise(raw: bytes, rng: random.Random, per_mille: int, stride: int, rows: int) -> bytes:
    """Add sparse pixel noise to every colour byte (never to the filter bytes)."""
    noise = bytearray(random_bytes(rng, len(raw)).translate(_noise_table(per_mille)))
    noise[0::stride] = bytes(rows)
    # Colours are at most 255 - NOISE_MAX, so adding as big integers never carries.
    total = int.from_bytes(raw, "big") + int.from_bytes(noise, "big")
    return total.to_bytes(len(raw), "big")


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
    rng = seeded("picture", identity, variant, size)
    person = identity_traits(identity)
    var = variant_traits(identity, variant)
    canvas = _Canvas(size, size)
    left, top, width, height = _draw_face(canvas, identity, variant, size, 0, 0)
    bg_top = rgb(c + var.light for c in person.background)
    bg_bottom = rgb(round(c * 0.7) for c in bg_top)
    background = _background_rows(size, size, bg_top, bg_bottom)
    stride = 1 + 3 * size
    raw = _add_noise(canvas.raw(background), rng, var.noise_per_mille, stride, size)
    faces = [FoundFace(identity, variant, Rect(left, top, width, height))]
    padding = seeded("padding", identity, variant, size, pad_to)
    return encode_png(size, size, raw, faces, padding, pad_to)


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
    rng = seeded("group", entries, face_size)
    bg = (rng.randint(70, 200), rng.randint(70, 200), rng.randint(70, 200))
    canvas = _Canvas(width, height)
    faces: list[FoundFace] = []
    for index, (name, var) in enumerate(entries):
        row, col = divmod(index, cols)
        ox = margin + col * (face_size + margin)
        oy = margin + row * (face_size + margin)
        rect = _draw_face(canvas, name, var, face_size, ox, oy)
        faces.append(FoundFace(name, var, Rect(*rect)))
    background = _background_rows(width, height, bg, bg)
    raw = _add_noise(canvas.raw(background), rng, 8, 1 + 3 * width, height)
    padding = seeded("padding", entries, face_size, pad_to)
    return encode_png(width, height, raw, faces, padding, pad_to)
