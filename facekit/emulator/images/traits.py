"""Deterministic randomness and the traits of made-up people.

Drawing, landmarks, attributes and feature vectors all draw from generators seeded by a stable
encoding of their purpose and the person (never Python's salted `hash`), so the same identity
looks, and is described, the same in every process.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "COLOUR_MAX",
    "HAIR_COLOURS",
    "NOISE_MAX",
    "Identity",
    "Variant",
    "identity_traits",
    "random_bytes",
    "rgb",
    "seeded",
    "variant_traits",
]

#: Noise adds at most this much to a colour byte, so colours are kept at or below 255 - it.
NOISE_MAX = 6
COLOUR_MAX = 255 - NOISE_MAX

Colour = tuple[int, int, int]


def _seed(*parts: object) -> int:
    """A 64-bit seed from a stable encoding of `parts` (never Python's salted `hash`)."""
    text = json.dumps(parts, ensure_ascii=True, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode("ascii")).digest()[:8], "big")


def seeded(*parts: object) -> random.Random:
    """A generator seeded by `parts`: the same parts give the same numbers in every process."""
    return random.Random(_seed(*parts))


@lru_cache(maxsize=1)
def _noise_block() -> bytes:
    """A fixed block of random bytes (256 KiB), sliced cyclically for pixel noise and padding.

    Its period is far longer than deflate's 32 KiB window, so compression cannot exploit it.
    """
    return random.Random(0x5EED_FACE).randbytes(1 << 18)


def random_bytes(rng: random.Random, n: int) -> bytes:
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


def rgb(values: Iterable[int]) -> Colour:
    """An RGB triple clamped to 0..COLOUR_MAX (room left for pixel noise)."""
    r, g, b = (min(COLOUR_MAX, max(0, v)) for v in values)
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
HAIR_COLOURS = ("brown", "blond", "black", "red", "gray", "white", "other")
_IRIS_RGB = ((70, 45, 25), (60, 100, 160), (70, 120, 70), (40, 30, 25), (120, 90, 50))


@dataclass(frozen=True)
class Identity:
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
def identity_traits(identity: str) -> Identity:
    """The traits of the person `identity` (cached: every picture of them reads them)."""
    r = seeded("identity", identity)
    male = r.random() < 0.5
    age = r.randint(18, 78)
    skin = rgb(c + r.randint(-8, 8) for c in r.choice(_SKIN_TONES))
    if age >= 55 and r.random() < 0.6:
        hair_colour = r.choice(("gray", "white"))
    else:
        hair_colour = r.choices(("black", "brown", "blond", "red", "other"), (35, 35, 18, 7, 5))[0]
    if hair_colour == "other":
        hair_rgb = (r.randint(40, 200), r.randint(20, 120), r.randint(60, 200))
    else:
        hair_rgb = _HAIR_RGB[hair_colour]
    hair_rgb = rgb(c + r.randint(-10, 10) for c in hair_rgb)
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
    return Identity(
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
class Variant:
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
def variant_traits(identity: str, variant: int) -> Variant:
    """What picture `variant` of `identity` changes: position, light, expression, pose."""
    base = identity_traits(identity)
    r = seeded("variant", identity, variant)
    smile = min(1.0, max(0.0, base.smile_base + r.uniform(-0.35, 0.35)))
    mask_roll = r.random()
    mask = "faceMask" if mask_roll < 0.02 else "otherMaskOrOcclusion" if mask_roll < 0.03 else ""
    return Variant(
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
