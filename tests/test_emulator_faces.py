"""Emulator faces: synthetic PNGs, image analysis, recognition, landmarks and attributes."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
import struct
import zlib
from typing import Any

import pytest

from facekit.emulator import EmulatorSettings
from facekit.emulator.checks import check_attributes
from facekit.emulator.errors import ServiceError
from facekit.emulator.images import (
    IMAGE_MAX_BYTES,
    IMAGE_MIN_BYTES,
    FoundFace,
    ImageError,
    ImageInfo,
    Rect,
    analyze_image,
    attributes,
    group_photo,
    image_url_path,
    landmarks,
    parse_image_url_path,
    synthetic_face,
)
from facekit.emulator.recognition import feature_vector, similarity

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

LANDMARKS = {
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
}

ALL_ATTRIBUTES = [
    "age",
    "gender",
    "headPose",
    "smile",
    "facialHair",
    "glasses",
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
]


# --------------------------------------------------------------------------------------------
# Helpers: an independent PNG reader and hand-built images of other formats
# --------------------------------------------------------------------------------------------


def read_png(data: bytes) -> tuple[int, int, list[tuple[bytes, bytes]], bytes]:
    """Check a PNG strictly; return (width, height, chunks, decompressed scanlines)."""
    assert data[:8] == PNG_SIGNATURE
    pos = 8
    chunks: list[tuple[bytes, bytes]] = []
    while pos < len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack_from(">I", data, pos + 8 + length)
        assert len(body) == length
        assert zlib.crc32(kind + body) == crc, kind
        chunks.append((kind, body))
        pos += 12 + length
    assert pos == len(data)
    kinds = [kind for kind, _ in chunks]
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
    assert b"IDAT" in kinds
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    assert (depth, colour, compression, filtering, interlace) == (8, 2, 0, 0, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(raw) == height * (1 + width * 3)
    stride = 1 + width * 3
    assert all(raw[y * stride] <= 4 for y in range(height))
    return width, height, chunks, raw


def metadata(data: bytes) -> dict[str, Any]:
    _, _, chunks, _ = read_png(data)
    texts = [body for kind, body in chunks if kind == b"tEXt" and body.startswith(b"facekit\0")]
    assert len(texts) == 1
    doc: dict[str, Any] = json.loads(texts[0][len(b"facekit\0") :])
    return doc


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def plain_png(width: int, height: int, seed: int = 1) -> bytes:
    """A valid PNG without facekit metadata, noisy enough to pass 1 KB."""
    rng = random.Random(seed)
    raw = b"".join(b"\0" + rng.randbytes(width * 3) for _ in range(height))
    return b"".join(
        (
            PNG_SIGNATURE,
            png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
            png_chunk(b"IDAT", zlib.compress(raw)),
            png_chunk(b"IEND", b""),
        )
    )


def jpeg(width: int, height: int, comment: bytes = b"x") -> bytes:
    """JPEG headers (JFIF, a long comment, SOF0) padded past 1 KB; no real scan data."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    com_body = (comment * 1200)[:1200]
    com = b"\xff\xfe" + struct.pack(">H", len(com_body) + 2) + com_body
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3)
    sof += b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + com + b"\xff" + sof + b"\xff\xd9"


def gif(width: int, height: int, total: int = 1200) -> bytes:
    head = b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0)
    return head + b"\0" * (total - len(head) - 1) + b";"


def bmp(width: int, height: int, total: int = 1500) -> bytes:
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    head = b"BM" + struct.pack("<IHHI", total, 0, 0, 54) + info
    return head + b"\x7f" * (total - len(head))


# --------------------------------------------------------------------------------------------
# synthetic_face
# --------------------------------------------------------------------------------------------


def test_synthetic_face_is_a_valid_png() -> None:
    data = synthetic_face("alice")
    width, height, _, raw = read_png(data)
    assert (width, height) == (256, 256)
    assert len(data) >= IMAGE_MIN_BYTES
    assert all(raw[y * (1 + 3 * width)] == 0 for y in range(height))
    # A drawn picture, not a flat fill: many distinct colours.
    pixels = {raw[i : i + 3] for i in range(1, len(raw) - 3, 3 * 97)}
    assert len(pixels) > 20


@pytest.mark.parametrize("size", [16, 36, 100, 256, 333])
def test_synthetic_face_sizes(size: int) -> None:
    data = synthetic_face("bob", 2, size=size)
    width, height, _, _ = read_png(data)
    assert (width, height) == (size, size)
    assert len(data) >= IMAGE_MIN_BYTES
    (face,) = analyze_image(data).faces
    assert face.rect.left >= 0
    assert face.rect.top >= 0
    assert face.rect.left + face.rect.width <= size
    assert face.rect.top + face.rect.height <= size
    assert face.rect.width >= size // 3  # the face occupies most of the picture


def test_synthetic_face_is_deterministic_and_variants_differ() -> None:
    assert synthetic_face("carol", 3) == synthetic_face("carol", 3)
    variants = {synthetic_face("carol", v) for v in range(6)}
    assert len(variants) == 6
    assert synthetic_face("carol") != synthetic_face("dave")
    assert synthetic_face("carol", size=200) != synthetic_face("carol", size=201)


def test_synthetic_face_round_trips_through_analyze_image() -> None:
    for identity, variant in [("alice", 0), ("bob", 7), ("Zoë / ü ✓", 12), ("", 1)]:
        data = synthetic_face(identity, variant)
        info = analyze_image(data)
        assert info == ImageInfo("png", 256, 256, info.faces)
        (face,) = info.faces
        assert (face.identity, face.variant) == (identity, variant)
        (recorded,) = metadata(data)["faces"]
        assert recorded["identity"] == identity
        assert recorded["variant"] == variant
        assert list(recorded["rect"]) == [
            face.rect.left,
            face.rect.top,
            face.rect.width,
            face.rect.height,
        ]


def test_pad_to_reaches_the_requested_size() -> None:
    data = synthetic_face("erin", 1, pad_to=100_000)
    assert 95_000 <= len(data) <= 105_000
    read_png(data)
    (face,) = analyze_image(data).faces
    assert (face.identity, face.variant) == ("erin", 1)
    assert synthetic_face("erin", 1, pad_to=100_000) == data
    assert synthetic_face("erin", 2, pad_to=100_000) != data


def test_pad_to_below_the_natural_size_keeps_the_image() -> None:
    natural = synthetic_face("erin")
    assert synthetic_face("erin", pad_to=10) == natural
    padded = synthetic_face("erin", pad_to=len(natural) + 500)
    assert len(padded) == len(natural) + 500
    # Padding adds a chunk and leaves the picture alone.
    assert padded[:-12].startswith(natural[:-12])


def test_padding_can_make_an_image_too_large() -> None:
    data = synthetic_face("frank", size=64, pad_to=IMAGE_MAX_BYTES + 1)
    read_png(data)
    with pytest.raises(ImageError) as caught:
        analyze_image(data)
    assert caught.value.kind == "size"


@pytest.mark.parametrize("size", [0, 8, 5000])
def test_synthetic_face_rejects_odd_sizes(size: int) -> None:
    with pytest.raises(ValueError, match="size"):
        synthetic_face("x", size=size)


# --------------------------------------------------------------------------------------------
# group_photo
# --------------------------------------------------------------------------------------------


def overlaps(a: Rect, b: Rect) -> bool:
    return (
        a.left < b.left + b.width
        and b.left < a.left + a.width
        and a.top < b.top + b.height
        and b.top < a.top + a.height
    )


@pytest.mark.parametrize("count", [1, 2, 4, 5, 9, 12])
def test_group_photo_records_every_face_without_overlap(count: int) -> None:
    people: list[str | tuple[str, int]] = [
        f"person-{i}" if i % 2 else (f"person-{i}", i) for i in range(count)
    ]
    data = group_photo(people, face_size=120)
    width, height, _, _ = read_png(data)
    info = analyze_image(data)
    assert (info.width, info.height) == (width, height)
    expected = [(p, 0) if isinstance(p, str) else p for p in people]
    assert [(f.identity, f.variant) for f in info.faces] == expected
    for face in info.faces:
        assert face.rect.left >= 0
        assert face.rect.top >= 0
        assert face.rect.left + face.rect.width <= width
        assert face.rect.top + face.rect.height <= height
    for a, b in itertools.combinations(info.faces, 2):
        assert not overlaps(a.rect, b.rect)
    if count <= 4:
        assert height < 2 * 120  # one row


def test_group_photo_is_deterministic() -> None:
    people: list[str | tuple[str, int]] = ["a", ("b", 2), "c"]
    assert group_photo(people) == group_photo(people)
    assert group_photo(people) != group_photo(["a", ("b", 3), "c"])


def test_group_photo_of_nobody_has_no_face() -> None:
    info = analyze_image(group_photo([]))
    assert info.format == "png"
    assert info.faces == ()


def test_group_photo_padding() -> None:
    data = group_photo(["a", "b"], pad_to=100_000)
    assert 95_000 <= len(data) <= 105_000
    assert len(analyze_image(data).faces) == 2


# --------------------------------------------------------------------------------------------
# analyze_image
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "fmt", "width", "height"),
    [
        (jpeg(640, 480), "jpeg", 640, 480),
        (gif(300, 200), "gif", 300, 200),
        (bmp(120, 90), "bmp", 120, 90),
        (bmp(120, -90), "bmp", 120, 90),
        (plain_png(40, 40), "png", 40, 40),
    ],
)
def test_other_images_are_one_content_face(data: bytes, fmt: str, width: int, height: int) -> None:
    assert len(data) >= IMAGE_MIN_BYTES
    info = analyze_image(data)
    assert (info.format, info.width, info.height) == (fmt, width, height)
    (face,) = info.faces
    assert face.identity == "content:" + hashlib.sha256(data).hexdigest()
    assert face.variant == 0
    side = min(width, height)
    assert face.rect.width == face.rect.height == max(36, side // 2)
    assert face.rect.left + face.rect.width / 2 == pytest.approx(width / 2, abs=1)
    assert face.rect.top + face.rect.height / 2 == pytest.approx(height / 2, abs=1)


def test_content_identity_follows_the_bytes() -> None:
    first = analyze_image(jpeg(640, 480, b"a")).faces[0].identity
    assert analyze_image(jpeg(640, 480, b"a")).faces[0].identity == first
    assert analyze_image(jpeg(640, 480, b"b")).faces[0].identity != first


@pytest.mark.parametrize("data", [gif(30, 30), gif(35, 200), bmp(20, 20), plain_png(20, 30)])
def test_images_below_36_pixels_have_no_face(data: bytes) -> None:
    assert analyze_image(data).faces == ()


def test_png_with_malformed_metadata_is_a_content_face() -> None:
    good = synthetic_face("alice")
    _, _, chunks, _ = read_png(good)
    bad = PNG_SIGNATURE + b"".join(
        png_chunk(kind, b"facekit\0{not json" if kind == b"tEXt" else body) for kind, body in chunks
    )
    (face,) = analyze_image(bad).faces
    assert face.identity.startswith("content:")


def decode_kind(data: bytes) -> str:
    with pytest.raises(ImageError) as caught:
        analyze_image(data)
    return caught.value.kind


def test_size_limits() -> None:
    assert decode_kind(b"") == "size"
    assert decode_kind(gif(100, 100, total=IMAGE_MIN_BYTES - 1)) == "size"
    assert analyze_image(gif(100, 100, total=IMAGE_MIN_BYTES)).width == 100
    assert decode_kind(gif(100, 100, total=IMAGE_MAX_BYTES + 1)) == "size"
    assert analyze_image(gif(100, 100, total=IMAGE_MAX_BYTES)).height == 100
    # The size check comes first, even for garbage.
    assert decode_kind(b"\0" * 10) == "size"


def test_undecodable_images() -> None:
    png = synthetic_face("alice")
    corrupt = bytearray(png)
    corrupt[len(png) // 2] ^= 0xFF  # inside IDAT: its CRC no longer matches
    cases = {
        "garbage": random.Random(5).randbytes(5000),
        "zeros": b"\0" * 2000,
        "text": b"hello " * 300,
        "truncated png": png[: len(png) - 30],
        "png without IEND": png[: len(png) - 12],
        "bad crc": bytes(corrupt),
        "png without IHDR": PNG_SIGNATURE + png[33:],
        "jpeg without SOF": b"\xff\xd8\xff\xfe\x04\x00" + b"\0" * 1022 + b"\xff\xda" + b"\0" * 100,
        "jpeg truncated": jpeg(10, 10)[:1100],
        "jpeg zero size": jpeg(0, 480),
        "gif zero size": gif(0, 10),
        "bmp bad header": b"BM" + b"\0" * 1200,
        "bmp zero width": bmp(0, 10),
    }
    for name, data in cases.items():
        assert len(data) >= IMAGE_MIN_BYTES, name
        assert decode_kind(data) == "decode", name


def test_image_error_carries_a_message() -> None:
    with pytest.raises(ImageError, match="1 KB") as caught:
        analyze_image(b"x")
    assert caught.value.kind == "size"
    assert caught.value.message


# --------------------------------------------------------------------------------------------
# image_url_path
# --------------------------------------------------------------------------------------------


def test_image_url_path_round_trips() -> None:
    assert image_url_path("alice") == "/_emulator/faces/alice/0.png"
    assert image_url_path("a b/c", 4) == "/_emulator/faces/a%20b%2Fc/4.png"
    for identity, variant in [("alice", 0), ("a b/c?d#e", 12), ("Zoë", 3)]:
        path = image_url_path(identity, variant)
        assert parse_image_url_path(path) == (identity, variant)
        assert parse_image_url_path(path + "?x=1") == (identity, variant)
    assert parse_image_url_path("/_emulator/faces/alice.png") is None
    assert parse_image_url_path("/detect") is None


# --------------------------------------------------------------------------------------------
# Recognition
# --------------------------------------------------------------------------------------------


def test_feature_vectors_are_deterministic_unit_vectors() -> None:
    vector = feature_vector("alice", 3)
    assert len(vector) == 128
    assert math.fsum(x * x for x in vector) == pytest.approx(1.0, abs=1e-12)
    assert feature_vector("alice", 3) == vector
    assert feature_vector("alice", 4) != vector
    assert feature_vector("alice", 0) != feature_vector("bob", 0)


def test_same_identity_is_similar_across_variants() -> None:
    worst = 1.0
    for i in range(50):
        vectors = [feature_vector(f"identity-{i}", v) for v in range(21)]
        for a, b in itertools.combinations(vectors, 2):
            worst = min(worst, similarity(a, b))
    assert worst > 0.6


def test_different_identities_are_not_similar() -> None:
    rng = random.Random(1234)
    for _ in range(200):
        first = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(3, 12)))
        second = first + rng.choice("abcdefghijklmnopqrstuvwxyz")
        a = feature_vector(first, rng.randrange(21))
        b = feature_vector(second, rng.randrange(21))
        assert similarity(a, b) < 0.35


def test_similarity_properties() -> None:
    a, b = feature_vector("x", 0), feature_vector("y", 1)
    assert similarity(a, b) == similarity(b, a)
    assert similarity(a, a) == pytest.approx(1.0, abs=1e-9)
    assert similarity(a, [-x for x in a]) == pytest.approx(0.0, abs=1e-9)
    assert 0.0 <= similarity(a, b) <= 1.0
    assert similarity([1.0, 0.0], [0.0, 1.0]) == pytest.approx(0.125)
    with pytest.raises(ValueError, match="length"):
        similarity(a, a[:10])


# --------------------------------------------------------------------------------------------
# Landmarks
# --------------------------------------------------------------------------------------------


def sample_faces() -> list[FoundFace]:
    faces = [analyze_image(synthetic_face(f"p{i}", i % 5)).faces[0] for i in range(10)]
    faces += analyze_image(group_photo(["g1", ("g2", 3), "g3"], face_size=96)).faces
    faces += analyze_image(jpeg(640, 480)).faces
    faces.append(FoundFace("tiny", 0, Rect(5, 5, 36, 36)))
    return faces


def test_landmarks_are_plausible_and_inside_the_face() -> None:
    for face in sample_faces():
        points = landmarks(face)
        assert set(points) == LANDMARKS
        rect = face.rect
        for point in points.values():
            assert set(point) == {"x", "y"}
            assert round(point["x"], 1) == point["x"]
            assert round(point["y"], 1) == point["y"]
            assert rect.left <= point["x"] <= rect.left + rect.width
            assert rect.top <= point["y"] <= rect.top + rect.height
        assert points["pupilLeft"]["x"] < points["noseTip"]["x"] < points["pupilRight"]["x"]
        assert points["eyebrowLeftOuter"]["y"] < points["pupilLeft"]["y"]
        assert points["eyebrowRightOuter"]["y"] < points["pupilRight"]["y"]
        assert points["eyeLeftTop"]["y"] < points["eyeLeftBottom"]["y"]
        assert points["eyeLeftOuter"]["x"] < points["eyeLeftInner"]["x"]
        assert points["eyeRightInner"]["x"] < points["eyeRightOuter"]["x"]
        assert points["pupilLeft"]["y"] < points["noseTip"]["y"] < points["upperLipTop"]["y"]
        assert points["upperLipTop"]["y"] < points["underLipBottom"]["y"]
        assert points["mouthLeft"]["x"] < points["mouthRight"]["x"]
        assert landmarks(face) == points


# --------------------------------------------------------------------------------------------
# Attributes
# --------------------------------------------------------------------------------------------


def check_shapes(values: dict[str, Any]) -> None:
    assert isinstance(values["age"], float)
    assert 0 < values["age"] < 120
    assert values["gender"] in {"male", "female"}
    assert 0.0 <= values["smile"] <= 1.0
    assert set(values["facialHair"]) == {"moustache", "beard", "sideburns"}
    assert all(0.0 <= v <= 1.0 for v in values["facialHair"].values())
    assert values["glasses"] in {"noGlasses", "readingGlasses", "sunglasses", "swimmingGoggles"}
    assert set(values["headPose"]) == {"roll", "yaw", "pitch"}
    assert all(isinstance(v, float) and abs(v) <= 90 for v in values["headPose"].values())
    emotion = values["emotion"]
    assert set(emotion) == {
        "anger",
        "contempt",
        "disgust",
        "fear",
        "happiness",
        "neutral",
        "sadness",
        "surprise",
    }
    assert all(0.0 <= v <= 1.0 for v in emotion.values())
    assert math.fsum(emotion.values()) == pytest.approx(1.0, abs=0.005)
    hair = values["hair"]
    assert set(hair) == {"bald", "invisible", "hairColor"}
    assert 0.0 <= hair["bald"] <= 1.0
    assert isinstance(hair["invisible"], bool)
    colours = {"unknown", "white", "gray", "blond", "brown", "red", "black", "other"}
    for entry in hair["hairColor"]:
        assert set(entry) == {"color", "confidence"}
        assert entry["color"] in colours
        assert 0.0 <= entry["confidence"] <= 1.0
    confidences = [entry["confidence"] for entry in hair["hairColor"]]
    assert confidences == sorted(confidences, reverse=True)
    assert set(values["makeup"]) == {"eyeMakeup", "lipMakeup"}
    assert all(isinstance(v, bool) for v in values["makeup"].values())
    assert set(values["occlusion"]) == {"foreheadOccluded", "eyeOccluded", "mouthOccluded"}
    assert all(isinstance(v, bool) for v in values["occlusion"].values())
    for accessory in values["accessories"]:
        assert set(accessory) == {"type", "confidence"}
        assert accessory["type"] in {"headWear", "glasses", "mask"}
        assert 0.0 <= accessory["confidence"] <= 1.0
    for name, level_key, levels in [
        ("blur", "blurLevel", {"Low", "Medium", "High"}),
        ("exposure", "exposureLevel", {"UnderExposure", "GoodExposure", "OverExposure"}),
        ("noise", "noiseLevel", {"Low", "Medium", "High"}),
    ]:
        assert set(values[name]) == {level_key, "value"}
        assert values[name][level_key] in levels
        assert 0.0 <= values[name]["value"] <= 1.0
    assert set(values["mask"]) == {"type", "noseAndMouthCovered"}
    assert values["mask"]["type"] in {"noMask", "faceMask", "otherMaskOrOcclusion", "uncertain"}
    assert isinstance(values["mask"]["noseAndMouthCovered"], bool)
    assert values["qualityForRecognition"] in {"low", "medium", "high"}


def test_attributes_have_the_face_api_shapes() -> None:
    seen: dict[str, set[Any]] = {"glasses": set(), "gender": set(), "quality": set()}
    for i in range(150):
        face = FoundFace(f"person-{i}", i % 4, Rect(10, 10, 150, 150))
        values = attributes(face, ALL_ATTRIBUTES, "detection_01", "recognition_04")
        assert list(values) == [
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
        ]
        check_shapes(values)
        json.dumps(values)
        seen["glasses"].add(values["glasses"])
        seen["gender"].add(values["gender"])
        seen["quality"].add(values["qualityForRecognition"])
    assert seen["gender"] == {"male", "female"}
    assert len(seen["glasses"]) >= 2
    assert "high" in seen["quality"]


def test_attributes_only_what_was_asked() -> None:
    face = analyze_image(synthetic_face("alice")).faces[0]
    assert attributes(face, [], "detection_01", "recognition_01") == {}
    values = attributes(face, ["headpose", "AGE", "age"], "detection_01", "recognition_01")
    assert list(values) == ["age", "headPose"]
    with pytest.raises(ValueError, match="unknown face attribute"):
        attributes(face, ["age", "shoeSize"], "detection_01", "recognition_01")


def test_attributes_are_deterministic_and_identity_traits_stable() -> None:
    stable = ["age", "gender", "facialHair", "glasses", "makeup"]
    for i in range(20):
        identity = f"stable-{i}"
        per_variant = [
            attributes(
                FoundFace(identity, v, Rect(0, 0, 200, 200)),
                ALL_ATTRIBUTES,
                "detection_01",
                "recognition_04",
            )
            for v in range(8)
        ]
        first = per_variant[0]
        assert first == attributes(
            FoundFace(identity, 0, Rect(0, 0, 200, 200)),
            ALL_ATTRIBUTES,
            "detection_01",
            "recognition_04",
        )
        for values in per_variant[1:]:
            for name in stable:
                assert values[name] == first[name], name
            assert values["hair"]["bald"] == first["hair"]["bald"]
            assert [c["color"] for c in values["hair"]["hairColor"][:1]] == [
                c["color"] for c in first["hair"]["hairColor"][:1]
            ]
        poses = {json.dumps(values["headPose"]) for values in per_variant}
        assert len(poses) == len(per_variant)
        for values in per_variant:
            assert abs(values["headPose"]["yaw"] - first["headPose"]["yaw"]) < 20


def test_quality_drops_for_small_faces() -> None:
    big = attributes(FoundFace("q", 0, Rect(0, 0, 300, 300)), ["qualityForRecognition"], "d", "r")
    small = attributes(FoundFace("q", 0, Rect(0, 0, 30, 30)), ["qualityForRecognition"], "d", "r")
    assert small["qualityForRecognition"] == "low"
    assert big["qualityForRecognition"] in {"medium", "high"}


def test_checks_and_detect_read_one_attribute_list() -> None:
    """What the checks let through for a detection model is what detect writes for it."""
    settings = EmulatorSettings()
    face = analyze_image(synthetic_face("alice")).faces[0]
    expected = {
        # The v1.0 spec: detection_03 returns headPose, mask and qualityForRecognition only.
        "detection_01": set(ALL_ATTRIBUTES) - {"mask"},
        "detection_03": {"headPose", "mask", "qualityForRecognition"},
    }
    for model, supported in expected.items():
        for name in ALL_ATTRIBUTES:
            if name in supported:
                check_attributes([name], model, "recognition_04", settings)
            else:
                with pytest.raises(ServiceError, match=f"'{name}' is not supported by {model}"):
                    check_attributes([name], model, "recognition_04", settings)
        allowed = sorted(supported)
        assert set(attributes(face, allowed, model, "recognition_04")) == supported
    with pytest.raises(ServiceError, match="returnFaceAttributes' is invalid: shoeSize"):
        check_attributes(["shoeSize"], "detection_01", "recognition_04", settings)
    with pytest.raises(ValueError, match="unknown face attribute"):
        attributes(face, ["shoeSize"], "detection_01", "recognition_04")
