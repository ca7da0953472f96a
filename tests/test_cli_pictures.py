"""--annotate: `facekit detect`, `identify` and `demo` draw what they found (pictures extra)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from PIL import Image

from facekit import FaceClient, KeyCredential
from facekit.annotate import PICTURES_HINT, annotate_image
from facekit.cli import EXIT_OK, EXIT_USAGE, main
from facekit.emulator import FaceEmulator, group_photo, synthetic_face
from facekit.models import DetectedFace

from .test_annotate import huge_png
from .test_cli import configured, family, unconfigured  # noqa: F401  (fixtures)


def png_of(path: Path) -> Image.Image:
    with Image.open(path) as picture:
        assert picture.format == "PNG"
        return picture.copy()


def detected(emulator: FaceEmulator, image: bytes) -> list[DetectedFace]:
    """What detect finds in `image`, with landmarks (the emulator answers alike every time)."""

    async def detect() -> list[DetectedFace]:
        async with FaceClient(emulator.endpoint, KeyCredential(emulator.key)) as face:
            return await face.detect(image, return_face_landmarks=True)

    return asyncio.run(detect())


def test_detect_annotate_draws_what_detect_found(
    configured: FaceEmulator,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    photo = tmp_path / "group.png"
    photo.write_bytes(group_photo([("ann", 1), ("bob", 2)]))
    out = tmp_path / "out.png"
    assert main(["detect", str(photo), "--annotate", str(out)]) == EXIT_OK
    assert f"annotated picture: {out}" in capsys.readouterr().out
    faces = detected(configured, photo.read_bytes())
    assert out.read_bytes() == annotate_image(photo.read_bytes(), faces)
    with Image.open(photo) as source:
        assert png_of(out).size == source.size


def test_detect_annotate_with_json_keeps_stdout_parseable(
    configured: FaceEmulator,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    photo = tmp_path / "a.png"
    photo.write_bytes(synthetic_face("ann"))
    out = tmp_path / "a-faces.png"
    assert main(["detect", str(photo), "--annotate", str(out), "--json"]) == EXIT_OK
    captured = capsys.readouterr()
    (found,) = json.loads(captured.out)
    assert "faceLandmarks" in found  # asked for, to draw them
    assert f"annotated picture: {out}" in captured.err
    r = found["faceRectangle"]
    assert png_of(out).convert("RGB").getpixel((r["left"], r["top"] + 5)) == (0, 200, 255)


def test_detect_annotate_with_a_model_without_landmarks(
    configured: FaceEmulator,  # noqa: F811
    tmp_path: Path,
) -> None:
    photo = tmp_path / "a.png"
    photo.write_bytes(synthetic_face("ann"))
    out = tmp_path / "out.png"
    argv = ["detect", str(photo), "--annotate", str(out), "--detection-model", "detection_02"]
    # (Asking detection_02 for landmarks would be refused before sending.)
    assert main(argv) == EXIT_OK
    assert png_of(out).size == (256, 256)
    (request,) = configured.log.requests
    assert request.status == 200


def test_identify_annotate_draws_the_names(
    configured: FaceEmulator,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["enroll", str(family(tmp_path / "p")), "--group", "fam", "--train"]) == EXIT_OK
    photo = tmp_path / "group.png"
    photo.write_bytes(group_photo([("bob", 5), ("zed", 1)]))
    out = tmp_path / "who.png"
    capsys.readouterr()
    argv = ["identify", str(photo), "--group", "fam", "--annotate", str(out), "--json"]
    assert main(argv) == EXIT_OK
    rows = json.loads(capsys.readouterr().out)
    labels = [
        f"{row['name']} ({row['confidence']:.2f})" if row["name"] else "unknown" for row in rows
    ]
    assert labels[0].startswith("bob (")
    assert labels[1] == "unknown"
    faces = detected(configured, photo.read_bytes())
    assert out.read_bytes() == annotate_image(photo.read_bytes(), faces, labels=labels)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--annotate", "missing/out.png"], "does not exist"),
        (["--annotate", "photo.png"], "is the input image"),
        (["--annotate", "out.jpg"], "must end in .png"),
        (["--annotate", ""], "give a file name ending in .png"),
        (["--annotate", ".png"], ".png needs a file name before .png"),
    ],
)
@pytest.mark.parametrize("command", [["detect"], ["identify", "--group", "fam"]])
def test_a_bad_annotate_path_exits_2_before_any_request(
    configured: FaceEmulator,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    extra: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "photo.png").write_bytes(synthetic_face("ann"))
    assert main([command[0], "photo.png", *command[1:], *extra]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("facekit: error: --annotate:")
    assert message in err
    assert err.count("\n") == 1
    assert configured.log.count() == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.png"]


@pytest.mark.parametrize(
    ("image", "message"),
    [
        pytest.param(huge_png(10_000, 6_000), "decompression bomb", id="a bomb"),
        pytest.param(b"\xff\xd8\xff" + bytes(3000), "image: cannot be", id="undecodable"),
        pytest.param("URL", "download the URL", id="a URL"),
    ],
)
def test_an_image_that_cannot_be_drawn_exits_2_before_any_request(
    configured: FaceEmulator,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    image: bytes | str,
    message: str,
) -> None:
    photo = tmp_path / "photo.jpg"
    if isinstance(image, bytes):
        photo.write_bytes(image)
    source = f"{configured.endpoint}/x.png" if image == "URL" else str(photo)
    assert main(["detect", source, "--annotate", str(tmp_path / "o.png")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert configured.log.count() == 0


def test_without_pillow_annotate_exits_2_saying_what_to_install(
    configured: FaceEmulator,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)
    photo = tmp_path / "a.png"
    photo.write_bytes(synthetic_face("ann"))
    for argv in (
        ["detect", str(photo), "--annotate", str(tmp_path / "o.png")],
        ["identify", str(photo), "--group", "fam", "--annotate", str(tmp_path / "o.png")],
    ):
        assert main(argv) == EXIT_USAGE
        err = capsys.readouterr().err
        assert err == f"facekit: error: pictures: drawing pictures needs Pillow: {PICTURES_HINT}\n"
    assert configured.log.count() == 0
    # The demo runs on its own emulator only: no endpoint configured.
    with monkeypatch.context() as local:
        local.delenv("FACE_ENDPOINT")
        local.delenv("FACE_KEY")
        assert main(["demo", "--annotate", str(tmp_path / "o.png")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err == f"facekit: error: pictures: drawing pictures needs Pillow: {PICTURES_HINT}\n"
    # Without --annotate nothing changes.
    assert main(["detect", str(photo)]) == EXIT_OK


def test_the_demo_checks_its_annotate_path_before_starting(
    unconfigured: None,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # (Where the picture goes is otherwise the default's code: test_cli's demo test.)
    assert main(["demo", "--annotate", str(tmp_path / "missing" / "family.png")]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""  # no emulator started, no step run
    assert captured.err.startswith("facekit: error: --annotate: the folder")
    assert captured.err.count("\n") == 1
