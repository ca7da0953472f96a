"""`facekit enroll` and `facekit identify` with the PersonDirectory and dynamic person groups."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from facekit.cli import EXIT_OK, EXIT_USAGE, main
from facekit.emulator import FaceEmulator, group_photo, synthetic_face

from .test_cli import configured, family

__all__ = ["configured"]  # the fixture, shared with tests/test_cli.py

PREVIEW = ["--api-version", "v1.2-preview.1"]
FAST = pytest.mark.face_emulator(directory_operation_seconds=0.02, training_queue_seconds=0.005)


@FAST
def test_enroll_into_the_directory_and_a_dynamic_group_then_identify_there(
    configured: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = family(tmp_path / "photos")
    assert main(["enroll", str(root), "--group", "team", "--dynamic", *PREVIEW, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["personsCreated"], report["facesAdded"], report["ok"]) == (3, 6, True)
    assert report["groupMembersAdded"] == 3
    # Again: everything is found (by its tags, and from the journal kept by default).
    assert main(["enroll", str(root), "--directory", *PREVIEW, "--json"]) == EXIT_OK
    again = json.loads(capsys.readouterr().out)
    assert (again["personsFound"], again["facesFound"], again["facesAdded"]) == (3, 6, 0)

    photo = tmp_path / "group.png"
    photo.write_bytes(group_photo([("bob", 5), ("zed", 1)]))
    for target in (["--group", "team", "--dynamic"], ["--directory"]):
        assert main(["identify", str(photo), *target, *PREVIEW]) == EXIT_OK
        out = capsys.readouterr().out
        assert "bob (" in out, target
        assert "unknown" in out


@FAST
def test_identify_in_v1_2_reaches_the_directory_without_reading_names(
    configured: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = family(tmp_path / "photos", people=("bob",))
    assert main(["enroll", str(root), "--directory", *PREVIEW, "--no-journal"]) == EXIT_OK
    capsys.readouterr()
    photo = tmp_path / "bob.png"
    photo.write_bytes(synthetic_face("bob", 5))
    assert main(["identify", str(photo), "--directory", "--api-version", "v1.2", "--json"]) == 0
    (match,) = json.loads(capsys.readouterr().out)
    assert match["personId"] is not None
    assert match["name"] is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["enroll", "P", "--directory"], "not in Face API v1.2; it is in v1.0-preview"),
        (["enroll", "P", "--group", "g", "--dynamic"], "--api-version v1.2-preview.1"),
        (["enroll", "P", "--directory", "--group", "g", *PREVIEW], "without --group"),
        (["enroll", "P", "--group", "g", "--large", "--dynamic", *PREVIEW], "one or the other"),
        (["enroll", "P", "--directory", "--train", *PREVIEW], "needs no training"),
        (["enroll", "P", "--directory", "--queue", "redis://x", *PREVIEW], "person groups only"),
        (["enroll", "P"], "give --group ID"),
        (["identify", "x.png"], "give --group ID"),
        (
            ["identify", "x.png", "--directory", "--api-version", "v1.0"],
            "not in Face API v1.0; it is in v1.0-preview",
        ),
    ],
)
def test_directory_mistakes_exit_2_with_one_line_and_nothing_sent(
    configured: FaceEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    family(tmp_path / "P")
    (tmp_path / "x.png").write_bytes(synthetic_face("x"))
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("facekit: error:")
    assert message in err
    assert err.count("\n") == 1
    assert configured.log.count() == 0
