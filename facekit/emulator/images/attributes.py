"""Landmarks and face attributes of a found face, as the Face API describes them.

Person traits (age, gender, hair, facial hair, glasses, makeup) come from the identity, the
rest from the picture's variant, so they are stable where the service's would be.
`ATTRIBUTES` is the one list of attribute names, their order and their per-model support.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .records import FoundFace
from .traits import HAIR_COLOURS, identity_traits, seeded, variant_traits

__all__ = [
    "ATTRIBUTES",
    "ATTRIBUTES_BY_NAME",
    "ATTRIBUTE_NAMES",
    "LANDMARK_NAMES",
    "QUALITY_MODELS",
    "Attribute",
    "attributes",
    "landmarks",
]

#: Recognition models whose faces have a qualityForRecognition.
QUALITY_MODELS = ("recognition_03", "recognition_04")

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
    person = identity_traits(face.identity)
    var = variant_traits(face.identity, face.variant)
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


_D01 = frozenset({"detection_01"})
_D03 = frozenset({"detection_03"})
_D01_D03 = _D01 | _D03


@dataclass(frozen=True)
class Attribute:
    """A face attribute and the models that may return it."""

    name: str
    #: Detection models that return it (the v1.0 spec: detection_03 has mask, headPose and
    #: qualityForRecognition only; detection_02 has none).
    detection_models: frozenset[str]
    #: Recognition models it needs (None: any).
    recognition_models: tuple[str, ...] | None = None
    #: Access-limited since 2022: refused with 403 when the account refuses retired attributes.
    retired: bool = False


#: Every attribute, in the order the service writes them: detection and checks both read it.
ATTRIBUTES = (
    Attribute("age", _D01, retired=True),
    Attribute("gender", _D01, retired=True),
    Attribute("smile", _D01, retired=True),
    Attribute("facialHair", _D01, retired=True),
    Attribute("glasses", _D01),
    Attribute("headPose", _D01_D03),
    Attribute("emotion", _D01, retired=True),
    Attribute("hair", _D01, retired=True),
    Attribute("makeup", _D01, retired=True),
    Attribute("occlusion", _D01),
    Attribute("accessories", _D01),
    Attribute("blur", _D01),
    Attribute("exposure", _D01),
    Attribute("noise", _D01),
    Attribute("mask", _D03),
    Attribute("qualityForRecognition", _D01_D03, recognition_models=QUALITY_MODELS),
)
#: Attribute names in the order the service writes them.
ATTRIBUTE_NAMES = tuple(attribute.name for attribute in ATTRIBUTES)
#: Each attribute by its exact (case-sensitive) name.
ATTRIBUTES_BY_NAME = {attribute.name: attribute for attribute in ATTRIBUTES}
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
    person = identity_traits(face.identity)
    var = variant_traits(face.identity, face.variant)
    r = seeded("attributes", face.identity, face.variant)

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
        others = [c for c in HAIR_COLOURS if c != person.hair_colour]
        confidences = sorted((round(r.uniform(0.01, 0.6), 2) for _ in others), reverse=True)
        ranked = [(person.hair_colour, round(r.uniform(0.95, 1.0), 2))]
        ranked += zip(_shuffled(others, seeded("hair", face.identity)), confidences, strict=True)
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
