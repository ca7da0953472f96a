"""facekit.annotate: rectangles, landmarks and names drawn on the image (Pillow)."""

from __future__ import annotations

import io
import os
import pickle
import struct
import sys
import tracemalloc
import zlib
from pathlib import Path

import pytest
from PIL import Image

from facekit import FaceClient
from facekit.annotate import (
    PICTURES_HINT,
    PicturesUnavailableError,
    annotate_image,
    check_picture_path,
    identify_labels,
    picture_size,
    require_pictures,
    save_annotated,
)
from facekit.emulator import group_photo
from facekit.errors import FaceValidationError
from facekit.models import (
    Coordinate,
    DetectedFace,
    FaceLandmarks,
    FaceRectangle,
    IdentifyCandidate,
    IdentifyResult,
)

#: The outline colour of the first face (and of the second), as drawn.
FIRST = (0, 200, 255)
SECOND = (255, 64, 160)
BACKGROUND = (90, 120, 60)


def box(left: int, top: int, width: int, height: int, **extra: object) -> DetectedFace:
    rect = FaceRectangle(left=left, top=top, width=width, height=height)
    return DetectedFace(face_rectangle=rect, **extra)  # type: ignore[arg-type]


def encoded(picture: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    picture.save(out, format=fmt, **options)
    return out.getvalue()


def plain(mode: str = "RGB", size: tuple[int, int] = (200, 150)) -> Image.Image:
    return Image.new("RGB", size, BACKGROUND).convert(mode)


def opened(png: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(png))
    assert picture.format == "PNG"
    picture.load()
    return picture


def near(a: tuple[int, ...], b: tuple[int, ...], slack: int = 12) -> bool:
    return all(abs(x - y) <= slack for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize(
    ("fmt", "options"),
    [("PNG", {}), ("JPEG", {"quality": 95}), ("GIF", {}), ("BMP", {})],
)
def test_rectangles_are_drawn_on_every_format_the_service_reads(
    fmt: str, options: dict[str, object]
) -> None:
    source = encoded(plain(), fmt, **options)
    out = opened(annotate_image(source, [box(40, 30, 60, 60)])).convert("RGB")
    assert out.size == (200, 150)
    # The outline runs along the rectangle's inside edges, in the first face's colour.
    for x, y in [(40, 60), (99, 60), (70, 30), (70, 89)]:
        assert out.getpixel((x, y)) == FIRST, (x, y)
    # Inside and outside the rectangle the image is as it was.
    for x, y in [(70, 60), (39, 60), (100, 60), (150, 120)]:
        assert near(out.getpixel((x, y)), BACKGROUND), (x, y)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["L", "P", "1", "CMYK", "RGB", "LA", "RGBA", "I;16"])
def test_every_image_mode_is_drawn_in_colour(mode: str) -> None:
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    source = encoded(plain(mode) if mode != "I;16" else Image.new("I;16", (200, 150), 0), fmt)
    out = opened(annotate_image(source, [box(40, 30, 60, 60)]))
    assert out.mode == ("RGBA" if mode in ("LA", "RGBA") else "RGB")
    assert out.convert("RGB").getpixel((40, 60)) == FIRST


def test_transparency_is_kept() -> None:
    clear = Image.new("RGBA", (120, 100), (0, 0, 0, 0))
    out = opened(annotate_image(encoded(clear, "PNG"), [box(10, 10, 50, 50)]))
    assert out.getpixel((100, 90)) == (0, 0, 0, 0)
    assert out.getpixel((10, 30)) == (*FIRST, 255)


def test_sixteen_bit_greys_are_scaled_not_clipped_to_white() -> None:
    grey = Image.new("I;16", (120, 100), 30000)
    grey.putpixel((0, 0), 60000)
    out = opened(annotate_image(encoded(grey, "PNG"), [])).convert("RGB")
    assert near(out.getpixel((100, 90)), (127, 127, 127), slack=2)  # type: ignore[arg-type]
    assert out.getpixel((0, 0)) == (255, 255, 255)


def test_with_no_faces_the_image_comes_back_unchanged() -> None:
    source = Image.effect_noise((160, 120), 60).convert("RGB")
    out = opened(annotate_image(encoded(source, "PNG"), []))
    assert out.tobytes() == source.tobytes()


def test_rectangles_partly_outside_are_clipped_and_wholly_outside_skipped() -> None:
    faces = [
        box(-20, -10, 60, 60),  # top-left corner out: its edges run along the image's
        box(170, 120, 80, 80),  # bottom-right corner out
        box(500, 500, 40, 40),  # wholly outside
        box(50, 50, 0, 30),  # a malformed empty rectangle
    ]
    out = opened(annotate_image(encoded(plain(), "PNG"), faces)).convert("RGB")
    assert out.getpixel((20, 0)) == FIRST
    assert out.getpixel((0, 20)) == FIRST
    assert out.getpixel((39, 20)) == FIRST
    assert out.getpixel((199, 140)) == SECOND
    assert out.getpixel((185, 149)) == SECOND
    assert near(out.getpixel((50, 60)), BACKGROUND)  # type: ignore[arg-type]
    only_two = opened(annotate_image(encoded(plain(), "PNG"), faces[:2])).convert("RGB")
    assert out.tobytes() == only_two.tobytes()


def test_landmarks_are_dots_in_the_face_colour_unless_turned_off() -> None:
    marks = FaceLandmarks(pupil_left=Coordinate(x=60.0, y=50.0), nose_tip=Coordinate(x=70, y=65))
    found = box(40, 30, 60, 60, face_landmarks=marks)
    source = encoded(plain(), "PNG")
    out = opened(annotate_image(source, [found])).convert("RGB")
    assert out.getpixel((60, 50)) == FIRST
    assert out.getpixel((70, 65)) == FIRST
    bare = opened(annotate_image(source, [found], landmarks=False)).convert("RGB")
    assert near(bare.getpixel((60, 50)), BACKGROUND)  # type: ignore[arg-type]


def test_landmarks_off_the_image_or_not_finite_are_left_out() -> None:
    marks = FaceLandmarks(
        pupil_left=Coordinate(x=float("nan"), y=50.0), nose_tip=Coordinate(x=-5.0, y=1e9)
    )
    source = encoded(plain(), "PNG")
    with_marks = annotate_image(source, [box(40, 30, 60, 60, face_landmarks=marks)])
    assert with_marks == annotate_image(source, [box(40, 30, 60, 60)])


def patch_width(picture: Image.Image, y: int, x: int, colour: tuple[int, int, int]) -> int:
    width = 0
    while x + width < picture.width and picture.getpixel((x + width, y)) == colour:
        width += 1
    return width


def test_a_label_sits_on_a_patch_of_the_face_colour_above_the_rectangle() -> None:
    source = encoded(plain(size=(300, 200)), "PNG")
    short = opened(annotate_image(source, [box(40, 80, 60, 60)], labels=["ann"]))
    long = opened(annotate_image(source, [box(40, 80, 60, 60)], labels=["annabel (0.93)"]))
    # The patch's bottom row is just above the rectangle, as wide as its text.
    assert (
        10
        < patch_width(short.convert("RGB"), 79, 40, FIRST)
        < patch_width(long.convert("RGB"), 79, 40, FIRST)
    )
    # Dark text on the light patch.
    patch = long.convert("RGB").crop((40, 50, 140, 79))
    raw = patch.tobytes()
    assert any(sum(raw[i : i + 3]) < 150 for i in range(0, len(raw), 3))


def test_a_label_without_room_above_goes_below_and_stays_inside_the_image() -> None:
    source = encoded(plain(size=(300, 200)), "PNG")
    out = opened(annotate_image(source, [box(250, 0, 50, 50)], labels=["somebody (0.90)"]))
    rgb = out.convert("RGB")
    assert rgb.getpixel((299, 52)) == FIRST  # below the box, pushed left to fit
    assert near(rgb.getpixel((299, 100)), BACKGROUND)  # type: ignore[arg-type]


def test_a_label_of_none_draws_nothing() -> None:
    source = encoded(plain(), "PNG")
    faces = [box(40, 60, 60, 60)]
    assert annotate_image(source, faces, labels=[None]) == annotate_image(source, faces)


def test_labels_must_match_the_faces_one_to_one() -> None:
    with pytest.raises(FaceValidationError, match="one label"):
        annotate_image(encoded(plain(), "PNG"), [box(1, 1, 9, 9)], labels=["a", "b"])


@pytest.mark.parametrize("labels", ["al", "a", b"ab"], ids=["two letters", "one letter", "bytes"])
def test_labels_given_as_one_string_are_refused_not_spread_one_letter_a_face(
    labels: object, tmp_path: Path
) -> None:
    # A str is a Sequence[str]: "al" for two faces would label them "a" and "l".
    faces = [box(1, 1, 9, 9), box(20, 1, 9, 9)][: len(labels)]  # type: ignore[arg-type]
    with pytest.raises(FaceValidationError, match="give a list of labels") as caught:
        annotate_image(encoded(plain(), "PNG"), faces, labels=labels)  # type: ignore[arg-type]
    assert caught.value.parameter == "labels"
    with pytest.raises(FaceValidationError, match="give a list of labels"):
        save_annotated(tmp_path / "out.png", encoded(plain(), "PNG"), faces, labels="al")
    assert list(tmp_path.iterdir()) == []


def test_exif_orientation_is_not_applied_unless_asked() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: viewers turn it 90 degrees clockwise
    source = encoded(plain(size=(200, 100)), "JPEG", quality=95, exif=exif.tobytes())
    stored = opened(annotate_image(source, [box(10, 10, 40, 40)]))
    assert stored.size == (200, 100)
    assert stored.getexif().get(0x0112) is None  # shown as drawn
    assert stored.convert("RGB").getpixel((10, 30)) == FIRST
    upright = opened(annotate_image(source, [box(10, 10, 40, 40)], apply_exif_orientation=True))
    assert upright.size == (100, 200)
    assert upright.getexif().get(0x0112) is None


def huge_png(width: int, height: int) -> bytes:
    """A 2 KB PNG whose header claims width x height pixels (its data is a few zeros)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(bytes(4096))
    padding = chunk(b"tEXt", b"note\x00" + b"x" * 2000)  # past the service's 1 KB minimum
    chunks = chunk(b"IHDR", header) + padding + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


@pytest.mark.parametrize(
    ("width", "height"),
    [
        pytest.param(10_000, 6_000, id="above facekit's limit"),
        pytest.param(20_000, 20_000, id="above Pillow's own error limit"),
    ],
)
def test_a_decompression_bomb_is_refused_without_being_decoded(width: int, height: int) -> None:
    bomb = huge_png(width, height)
    tracemalloc.start()
    try:
        with pytest.raises(FaceValidationError, match="decompression bomb"):
            annotate_image(bomb, [box(0, 0, 50, 50)])
        with pytest.raises(FaceValidationError, match="decompression bomb"):
            picture_size(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # a decoded 60 MP bomb would take 60 MB


def test_the_pixel_limit_can_be_lowered() -> None:
    source = encoded(plain(), "PNG")
    assert picture_size(source) == (200, 150)
    with pytest.raises(FaceValidationError, match="more than 10000"):
        annotate_image(source, [], max_pixels=10_000)
    with pytest.raises(FaceValidationError, match="max_pixels"):
        annotate_image(source, [], max_pixels=0)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"not an image at all" * 100, id="garbage"),
        pytest.param(encoded(plain(), "TIFF"), id="a TIFF, which the service does not read"),
        pytest.param(encoded(plain(), "PNG")[:300], id="a truncated PNG"),
    ],
)
def test_an_unreadable_image_is_a_validation_error(data: bytes) -> None:
    with pytest.raises(FaceValidationError, match="image: cannot be"):
        annotate_image(data, [])


def test_without_pillow_a_clear_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(PicturesUnavailableError) as caught:
        require_pictures()
    assert PICTURES_HINT in str(caught.value)
    assert PICTURES_HINT == 'pip install "facekit-async[pictures]"'
    assert isinstance(caught.value, FaceValidationError)
    with pytest.raises(PicturesUnavailableError):
        annotate_image(b"\x89PNG" + bytes(2000), [])
    again = pickle.loads(pickle.dumps(caught.value))
    assert (type(again), str(again)) == (PicturesUnavailableError, str(caught.value))


def test_save_annotated_writes_the_png_whole_and_leaves_nothing_else(tmp_path: Path) -> None:
    source = tmp_path / "in.jpg"
    source.write_bytes(encoded(plain(), "JPEG"))
    target = tmp_path / "out.png"
    target.write_bytes(b"an older picture")
    assert save_annotated(target, source, [box(40, 30, 60, 60)]) == target
    assert opened(target.read_bytes()).convert("RGB").getpixel((40, 60)) == FIRST
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jpg", "out.png"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("out.jpg", "must end in .png"),
        (".png", "needs a file name before .png"),
        ("sub/.PNG", "needs a file name before .png"),
        ("", "give a file name ending in .png"),
        ("missing/out.png", "does not exist"),
        ("folder.png", "is a folder"),
        ("in.png", "is the input image"),
        ("./sub/../in.png", "is the input image"),
    ],
)
def test_a_place_a_picture_cannot_go_is_refused(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "sub").mkdir()
    source = tmp_path / "in.png"
    source.write_bytes(encoded(plain(), "PNG"))
    place = os.path.join(tmp_path, name) if name else ""
    with pytest.raises(FaceValidationError, match=message):
        check_picture_path(place, source=source, parameter="--annotate")
    with pytest.raises(FaceValidationError, match=message):
        save_annotated(place, source, [])
    assert source.read_bytes() == encoded(plain(), "PNG")


def test_identify_labels_match_results_by_face_id_not_order() -> None:
    faces = [box(0, 0, 9, 9, face_id=f"f{i}") for i in range(4)]
    results = [
        IdentifyResult(face_id="f2", candidates=[]),
        IdentifyResult(
            face_id="f0",
            candidates=[
                IdentifyCandidate(person_id="p-ann", confidence=0.934),
                IdentifyCandidate(person_id="p-bob", confidence=0.6),
            ],
        ),
        IdentifyResult(
            face_id="f1", candidates=[IdentifyCandidate(person_id="p-gone", confidence=0.7)]
        ),
    ]
    labels = identify_labels(faces, results, {"p-ann": "ann", "p-gone": None})
    assert labels == ["ann (0.93)", "p-gone (0.70)", "unknown", "unknown"]


async def test_rectangles_drawn_land_on_the_emulators_synthetic_faces(face: FaceClient) -> None:
    photo = group_photo([("ann", 1), ("bob", 2), ("cid", 3)])
    found = await face.detect(photo, return_face_landmarks=True)
    assert len(found) == 3
    before = Image.open(io.BytesIO(photo)).convert("RGB")
    after = opened(annotate_image(photo, found)).convert("RGB")
    background = before.getpixel((2, 2))
    for faced in found:
        r = faced.face_rectangle
        middle = (r.left + r.width // 2, r.top + r.height // 2)
        # The drawn box frames a face: skin (not background) at its centre and each eye.
        assert not near(before.getpixel(middle), background, slack=30)  # type: ignore[arg-type]
        marks = faced.face_landmarks
        assert marks is not None
        assert marks.pupil_left is not None
        eye = (round(marks.pupil_left.x), round(marks.pupil_left.y))
        assert r.left < eye[0] < r.left + r.width
        assert r.top < eye[1] < r.top + r.height
        # The outline is exactly on the rectangle the emulator returned.
        colour = after.getpixel((r.left, r.top + r.height // 2))
        assert colour in {FIRST, SECOND, (120, 230, 0)}
        assert after.getpixel((r.left + r.width - 1, r.top + r.height // 2)) == colour
        assert before.getpixel((r.left, r.top + r.height // 2)) != colour
    # Away from the faces, nothing was drawn.
    assert after.getpixel((2, 2)) == background
