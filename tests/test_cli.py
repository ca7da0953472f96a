"""The `facekit` command line: commands, configuration, output, exit codes, Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from facekit.cli import EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, EXIT_SERVICE, EXIT_USAGE, main
from facekit.emulator import FaceEmulator, group_photo, synthetic_face
from facekit.resources.face import FaceOperations


def family(root: Path, people: tuple[str, ...] = ("ann", "bob", "cid"), each: int = 2) -> Path:
    for name in people:
        (root / name).mkdir(parents=True)
        for variant in range(each):
            (root / name / f"{variant}.png").write_bytes(synthetic_face(name, variant))
    return root


@pytest.fixture
def configured(face_emulator: FaceEmulator, monkeypatch: pytest.MonkeyPatch) -> FaceEmulator:
    """FACE_ENDPOINT / FACE_KEY point at a running emulator."""
    monkeypatch.setenv("FACE_ENDPOINT", face_emulator.endpoint)
    monkeypatch.setenv("FACE_KEY", face_emulator.key)
    return face_emulator


@pytest.fixture
def unconfigured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FACE_ENDPOINT", raising=False)
    monkeypatch.delenv("FACE_KEY", raising=False)


def test_the_demo_tours_everything_against_an_embedded_emulator(
    unconfigured: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "embedded Face emulator" in out
    assert "6 persons, 24 faces added, 0 failed" in out
    assert "training: succeeded" in out
    assert "clara (" in out
    assert "nobody known" in out
    assert "anna/anna: identical=True" in out
    assert "anna/emma: identical=False" in out
    assert "Operation-Location: /operations/" in out
    assert "identified there without retraining: emma" in out
    said = re.search(r"the group photo with their names: (\S+)", out)
    assert said is not None
    picture = Path(said.group(1))
    assert picture == Path(os.environ["FACEKIT_STATE_DIR"]) / "demo" / "group-photo.png"
    assert picture.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_enroll_reports_and_trains_against_the_configured_endpoint(
    configured: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = family(tmp_path / "photos")
    (root / "ann" / "broken.jpg").write_bytes(b"not an image" * 200)
    code = main(
        [
            "enroll",
            str(root),
            "--group",
            "fam",
            "--large",
            "--train",
            "--journal",
            str(tmp_path / "j"),
            "--json",
        ]
    )
    assert code == EXIT_PARTIAL
    report = json.loads(capsys.readouterr().out)
    assert (report["personsCreated"], report["facesAdded"], report["ok"]) == (3, 6, False)
    assert report["training"]["status"] == "succeeded"
    (failure,) = report["failures"]
    assert failure["code"] == "InvalidImage"
    assert configured.log.count("LargePersonGroupPerson_AddFace*", status=200) == 6

    (root / "ann" / "broken.jpg").unlink()
    assert (
        main(["enroll", str(root), "--group", "fam", "--large", "--journal", str(tmp_path / "j")])
        == EXIT_OK
    )
    out = capsys.readouterr().out
    assert re.search(r"faces already there\s+6\n", out)
    assert configured.log.count("LargePersonGroupPerson_AddFace*", status=200) == 6


def test_enroll_keeps_a_journal_per_endpoint_and_group_and_resumes_by_default(
    configured: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = family(tmp_path / "photos")
    assert main(["enroll", str(root), "--group", "fam", "--large"]) == EXIT_OK
    out = capsys.readouterr().out
    journal = Path(re.search(r"journal: (.+)", out).group(1))  # type: ignore[union-attr]
    assert journal.is_file()
    assert journal.is_relative_to(os.environ["FACEKIT_STATE_DIR"])
    assert journal.name == "largepersongroups-fam.journal"
    assert main(["enroll", str(root), "--group", "fam", "--large", "--json"]) == EXIT_OK
    again = json.loads(capsys.readouterr().out)
    assert (again["facesFound"], again["facesAdded"], again["journal"]) == (6, 0, str(journal))
    assert configured.log.count("LargePersonGroupPerson_AddFace*") == 6
    # Without a journal a rerun still finds everything on the service.
    assert main(["enroll", str(root), "--group", "fam", "--large", "--no-journal"]) == EXIT_OK
    assert re.search(r"faces already there\s+6\n", capsys.readouterr().out)
    assert configured.log.count("LargePersonGroupPerson_AddFace*") == 6


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--journal", "/nonexistent/dir/x"],
            "journal: the folder /nonexistent/dir does not exist",
        ),
        (["--journal", "J", "--no-journal"], "not both"),
        (["--settle-seconds", "-1"], "--settle-seconds"),
        (["--concurrency", "0"], "concurrency"),
    ],
)
def test_enroll_mistakes_exit_2_with_one_line_and_nothing_sent(
    configured: FaceEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    root = family(tmp_path / "photos")
    assert main(["enroll", str(root), "--group", "fam", *extra]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("facekit: error:")
    assert message in err
    assert err.count("\n") == 1
    assert configured.log.count() == 0


def test_enroll_with_a_journal_of_another_resource_exits_2(
    configured: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = family(tmp_path / "photos")
    journal = str(tmp_path / "j")
    assert main(["enroll", str(root), "--group", "fam", "--journal", journal]) == EXIT_OK
    capsys.readouterr()
    sent = configured.log.count()
    assert main(["enroll", str(root), "--group", "other", "--journal", journal]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "belongs to persongroups/fam" in err
    assert err.count("\n") == 1
    assert configured.log.count() == sent


def test_enroll_checks_every_image_before_anything_is_sent(
    configured: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = family(tmp_path / "photos")
    (root / "ann" / "tiny.png").write_bytes(b"x" * 10)
    assert main(["enroll", str(root), "--group", "fam"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "ann/tiny.png: 10 bytes, outside 1 KB..6 MB" in err
    assert configured.log.count() == 0


def test_enroll_retries_refused_images_only_when_asked(
    configured: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = family(tmp_path / "photos", people=("ann",), each=1)
    configured.inject("PersonGroupPerson_AddFace*", status=403, code="QuotaExceeded", times=1)
    assert main(["enroll", str(root), "--group", "fam"]) == EXIT_PARTIAL
    assert "--retry-failed sends them again" in capsys.readouterr().out
    assert main(["enroll", str(root), "--group", "fam"]) == EXIT_PARTIAL
    capsys.readouterr()
    assert main(["enroll", str(root), "--group", "fam", "--retry-failed"]) == EXIT_OK
    assert re.search(r"faces added\s+1\n", capsys.readouterr().out)


def test_train_detect_identify_from_the_terminal(
    configured: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["enroll", str(family(tmp_path / "p")), "--group", "fam"]) == EXIT_OK
    assert main(["train", "--group", "fam", "--wait"]) == EXIT_OK
    assert "training fam finished: succeeded" in capsys.readouterr().out

    photo = tmp_path / "group.png"
    photo.write_bytes(group_photo([("bob", 5), ("zed", 1)]))
    assert main(["detect", str(photo), "--json"]) == EXIT_OK
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert main(["identify", str(photo), "--group", "fam"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "bob (" in out
    assert "unknown" in out


def test_identify_pairs_each_face_with_its_own_result_whatever_the_order(
    configured: FaceEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["enroll", str(family(tmp_path / "p")), "--group", "fam", "--train"]) == EXIT_OK
    photo = tmp_path / "group.png"
    photo.write_bytes(group_photo([("bob", 5), ("zed", 1), ("ann", 4)]))
    capsys.readouterr()
    assert main(["identify", str(photo), "--group", "fam", "--json"]) == EXIT_OK
    in_order = json.loads(capsys.readouterr().out)
    assert sorted(str(f["name"]) for f in in_order) == ["None", "ann", "bob"]

    # The service answers in another order: each face keeps its own name.
    real = FaceOperations.identify

    async def reversed_identify(self: FaceOperations, *args: Any, **kwargs: Any) -> Any:
        return list(reversed(await real(self, *args, **kwargs)))

    monkeypatch.setattr(FaceOperations, "identify", reversed_identify)
    assert main(["identify", str(photo), "--group", "fam", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out) == in_order


@pytest.mark.parametrize(
    ("flags", "version"),
    [
        pytest.param([], "v1.2", id="default: the GA"),
        pytest.param(["--api-version", "v1.0"], "v1.0", id="--api-version"),
        pytest.param(["--api-path", "/face/v1.0-preview"], "v1.0-preview", id="--api-path"),
    ],
)
def test_the_api_version_can_be_chosen(
    configured: FaceEmulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    flags: list[str],
    version: str,
) -> None:
    photo = tmp_path / "one.png"
    photo.write_bytes(synthetic_face("ann"))
    assert main(["detect", str(photo), "--json", *flags]) == EXIT_OK
    assert len(json.loads(capsys.readouterr().out)) == 1
    assert [r.version for r in configured.log.requests] == [version]


def test_a_retired_attribute_needs_the_flag(
    configured: FaceEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    photo = tmp_path / "one.png"
    photo.write_bytes(synthetic_face("ann"))
    assert main(["detect", str(photo), "--attributes", "age"]) == EXIT_USAGE
    assert "--allow-retired-attributes" in capsys.readouterr().err
    assert configured.log.requests == []
    assert (
        main(["detect", str(photo), "--attributes", "age", "--allow-retired-attributes", "--json"])
        == EXIT_OK
    )
    (found,) = json.loads(capsys.readouterr().out)
    assert 0 < found["faceAttributes"]["age"] < 120


def test_an_unknown_api_version_is_a_usage_error(
    configured: FaceEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["detect", "x.png", "--api-version", "v9"])
    assert caught.value.code == EXIT_USAGE
    assert "invalid choice: 'v9'" in capsys.readouterr().err
    assert configured.log.requests == []


def test_a_failed_training_exits_partial(
    configured: FaceEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["enroll", str(Path(os.devnull).parent / "definitely-missing"), "--group", "x"])
        == EXIT_USAGE
    )
    capsys.readouterr()
    import urllib.request

    request = urllib.request.Request(
        f"{configured.endpoint}/face/v1.0/persongroups/empty",
        method="PUT",
        data=b'{"name": "empty"}',
        headers={"Ocp-Apim-Subscription-Key": configured.key, "Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=5).close()
    assert main(["train", "--group", "empty", "--wait"]) == EXIT_PARTIAL
    assert "training failed" in capsys.readouterr().out


def test_snapshots_from_the_terminal(
    configured: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["enroll", str(family(tmp_path / "p")), "--group", "fam", "--large", "--train"])
        == EXIT_OK
    )
    capsys.readouterr()
    assert (
        main(
            [
                "snapshot",
                "take",
                "--group",
                "fam",
                "--large",
                "--scope",
                configured.subscription_id,
                "--wait",
                "--json",
            ]
        )
        == EXIT_OK
    )
    taken = json.loads(capsys.readouterr().out)
    snapshot_id = taken["result"]
    assert main(["snapshot", "apply", snapshot_id, "--into", "copy", "--json"]) == EXIT_OK
    queued = json.loads(capsys.readouterr().out)
    time.sleep(1.0)
    assert main(["snapshot", "status", queued["operationId"]]) == EXIT_OK
    assert "succeeded (/largepersongroups/copy)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["detect", "no-such-file.png"], EXIT_USAGE, "is not a file"),
        (
            ["detect", "x.png", "--endpoint", "http://example.com", "--key", "k"],
            EXIT_USAGE,
            "https is required",
        ),
        (["detect", "x.png", "--endpoint", "https://example.com"], EXIT_USAGE, "no key"),
    ],
)
def test_user_mistakes_get_one_clear_line(
    unconfigured: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    code: int,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.png").write_bytes(synthetic_face("x"))
    assert main(argv) == code
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("facekit: error:")
    assert "Traceback" not in err


def test_a_wrong_key_is_a_service_error(
    face_emulator: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = tmp_path / "a.png"
    photo.write_bytes(synthetic_face("a"))
    assert (
        main(
            [
                "detect",
                str(photo),
                "--endpoint",
                face_emulator.endpoint,
                "--key",
                "not-the-key-4711",
            ]
        )
        == EXIT_SERVICE
    )
    err = capsys.readouterr().err
    assert "(401)" in err
    assert "4711" not in err


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_cleanly_and_the_journal_resumes(
    face_emulator: FaceEmulator, tmp_path: Path
) -> None:
    root = family(tmp_path / "p", people=tuple(f"p{i}" for i in range(6)), each=4)
    journal = tmp_path / "journal"
    # Slow adds: about 4 s of work remain when the interrupt arrives, even on a busy machine.
    face_emulator.inject("LargePersonGroupPerson_AddFace*", latency=0.3, times=None)
    env = {**os.environ, "FACE_ENDPOINT": face_emulator.endpoint, "FACE_KEY": face_emulator.key}
    command = [
        sys.executable,
        "-m",
        "facekit",
        "enroll",
        str(root),
        "--group",
        "g",
        "--large",
        "--journal",
        str(journal),
        "--concurrency",
        "2",
        "--settle-seconds",
        "0.5",
        "--timeout",
        "2",
    ]
    # As from a terminal: a run started in the background would inherit an ignored SIGINT.
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    deadline = time.monotonic() + 20
    while face_emulator.log.count("LargePersonGroupPerson_AddFace*") < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=20)
    assert process.returncode == EXIT_INTERRUPTED
    assert "resume" in err
    assert "Traceback" not in err
    face_emulator.faults.clear()
    done = subprocess.run(
        [*command, "--json"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == EXIT_OK, done.stderr
    report = json.loads(done.stdout)
    assert report["facesAdded"] + report["facesFound"] + report["facesSettled"] == 24
    assert face_emulator.log.count("LargePersonGroupPerson_AddFace*", status=200) <= 24 + 2
