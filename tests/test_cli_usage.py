"""How `facekit` is used: one spelling per target, shared flags anywhere, help, mistakes.

Every user mistake ends with one line on stderr and exit code 2, found before an embedded
emulator starts or anything is sent: the mistakes below run with no endpoint configured,
an emulator that fails the test if it starts, and an HTTP client that fails it if it sends.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

import facekit.cli.errors as exit_codes
from facekit.annotate import PICTURES_HINT
from facekit.cli import EXIT_OK, EXIT_USAGE, main
from facekit.cli.app import build_parser, parse
from facekit.emulator import FaceEmulator, group_photo, synthetic_face

from .test_cli import configured, family

__all__ = ["configured"]  # the fixture, shared with tests/test_cli.py

CLI = Path(__file__).parents[1] / "facekit" / "cli"
UUID = "0b5a8b4e-3f43-4a35-9d8a-6f9a3c1e2d10"
PREVIEW = ["--api-version", "v1.2-preview.1"]


@pytest.fixture
def nothing_starts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No endpoint configured; starting an emulator or sending a request fails the test."""

    async def no_emulator(self: FaceEmulator) -> None:
        raise AssertionError("an emulator started for a command with a mistake")

    async def no_request(*args: object, **kwargs: object) -> None:
        raise AssertionError("a request was sent for a command with a mistake")

    monkeypatch.delenv("FACE_ENDPOINT", raising=False)
    monkeypatch.delenv("FACE_KEY", raising=False)
    monkeypatch.setattr(FaceEmulator, "start", no_emulator)
    monkeypatch.setattr(aiohttp.ClientSession, "_request", no_request)
    monkeypatch.chdir(tmp_path)
    family(tmp_path / "P")
    (tmp_path / "x.png").write_bytes(synthetic_face("x"))
    (tmp_path / "tiny.png").write_bytes(b"x" * 10)
    (tmp_path / "folder").mkdir()
    return tmp_path


def run(argv: list[str]) -> int:
    """main's exit code, also when argparse ends the run with SystemExit."""
    try:
        return main(argv)
    except SystemExit as exit:
        return int(exit.code or 0)


HTTPS = "https://example.com"

MISTAKES = [
    # detect: the image, the attributes, the models
    (["detect", "missing.png"], "missing.png is not a file"),
    (["detect", "tiny.png"], "tiny.png is 10 bytes"),
    (["detect", "x.png", "--attributes", "bogus"], "unknown attribute 'bogus'"),
    (["detect", "--attributes", "x.png"], "'x.png' is a file, not an attribute"),
    (["detect", "--attributes", "headPose", "mask", "x.png"], "mask was taken for the image"),
    (["detect", "x.png", "--attributes", "age"], "give --allow-retired-attributes"),
    (
        ["detect", "x.png", "--attributes", "emotion", "--allow-retired-attributes"],
        "not in Face API v1.2",
    ),
    (
        ["detect", "x.png", "--attributes", "headPose", "--detection-model", "detection_02"],
        "detection_02 does not return face attributes",
    ),
    (["detect", "x.png", "--detection-model", "Detection 3"], "is not a model name"),
    (["detect", "x.png", "--recognition-model", "r4"], "is not a model name"),
    # shared options
    (["detect", "x.png", "--api-version", "v9"], "invalid choice: 'v9'"),
    (["--api-version", "v9", "detect", "x.png"], "invalid choice: 'v9'"),
    (["detect", "x.png", "--api-version", "v1.0", "--api-path", "/face/v1.2"], "give one"),
    (["detect", "x.png", "--timeout", "-1"], "--timeout: must be a finite number"),
    (["--timeout", "nan", "detect", "x.png"], "--timeout: must be a finite number"),
    (["detect", "x.png", "--timeout", "soon"], "invalid float value: 'soon'"),
    (["detect", "x.png", "--rate-limit", "0"], "--rate-limit: must be a positive number"),
    (["detect", "x.png", "--key", "k"], "a key but no endpoint"),
    (["--endpoint", "http://example.com", "--key", "k", "detect", "x.png"], "https is required"),
    (["--endpoint", "https://example.com", "detect", "x.png"], "no key"),
    (["--key", "k", "demo"], "a key but no endpoint"),
    (["detect", "x.png", "--endpoint", HTTPS, "--key", "ab\x00c"], "--key: has control"),
    (["detect", "x.png", "--endpoint", HTTPS, "--key", "ab\r\nX: 1"], "--key: has control"),
    (["detect", "x.png", "--endpoint", HTTPS, "--key", "\u043a\u043b"], "--key: has characters"),
    (["detect", "x.png", "--endpoint", HTTPS, "--key", " k "], "--key: has spaces"),
    (["demo", "--endpoint", "https://example.com", "--key", "k"], "emulator only"),
    (["detect", "x.png", "--annotate", ""], "--annotate: give a file name ending in .png"),
    (["demo", "--annotate", ""], "--annotate: give a file name ending in .png"),
    # identify: the target
    (["identify", "x.png"], "give --group ID"),
    (["identify", "missing.png", "--group", "g"], "missing.png is not a file"),
    (["identify", "x.png", "--group", "Staff"], "only lower-case letters"),
    (["identify", "x.png", "--group", "g", "--large", "--dynamic", *PREVIEW], "one or the other"),
    (["identify", "x.png", "--directory", "--api-version", "v1.0"], "not in Face API v1.0"),
    (["identify", "x.png", "--group", "g", "--dynamic", "--api-version", "v1.0"], "not in"),
    (["identify", "x.png", "--group", "g", "--recognition-model", "best"], "not a model name"),
    # enroll: the folder, the journal, the numbers, conflicting flags
    (["enroll", "missing", "--group", "g"], "missing is not a folder"),
    (["enroll", "P"], "give --group ID"),
    (["enroll", "P", "--group", "g", "--journal", "/nonexistent/dir/x"], "does not exist"),
    (["enroll", "P", "--group", "g", "--journal", "folder"], "is a folder, not a journal"),
    (["enroll", "P", "--group", "g", "--journal", "J", "--no-journal"], "not both"),
    (["enroll", "P", "--group", "g", "--concurrency", "0"], "--concurrency: must be"),
    (["enroll", "P", "--group", "g", "--concurrency", "many"], "invalid int value"),
    (["enroll", "P", "--group", "g", "--settle-seconds", "inf"], "--settle-seconds"),
    (["enroll", "P", "--group", "g", "--queue", "redis://x"], "workers need a Face resource"),
    (["enroll", "P", "--directory", "--train", *PREVIEW], "needs no training"),
    (["enroll", "P", "--directory", "--group", "g", *PREVIEW], "without --group"),
    # train: one spelling of the target
    (["train"], "give --group ID or --face-list ID"),
    (["train", "g"], "unrecognized arguments: g"),
    (["train", "--group", "g", "--face-list", "f"], "not both"),
    (["train", "--face-list", "f"], "a face list needs no training"),
    (["train", "--group", "G!"], "only lower-case letters"),
    (["train", "--kind", "large-person-group", "--group", "g"], "unrecognized arguments"),
    # snapshot
    (["snapshot", "take"], "give --group ID or --face-list ID"),
    (["snapshot", "take", "--group", "g", "--scope", "everyone"], "--scope: must be a UUID"),
    (["snapshot", "take", "--type", "PersonGroup", "--object", "g"], "unrecognized arguments"),
    (["snapshot", "apply", "nope", "--into", "copy"], "snapshot: must be a UUID"),
    (["snapshot", "apply", UUID], "the following arguments are required: --into"),
    (["snapshot", "apply", UUID, "--into", "Copy"], "only lower-case letters"),
    (["snapshot", "status", "42"], "operation: must be a UUID"),
    # the emulator, the worker, the command itself
    (["--json", "emulator"], "--json: is an option of the client commands"),
    (["--endpoint", "https://example.com", "emulator"], "--endpoint: is an option of"),
    (["emulator", "--subscription-id", "mine"], "--subscription-id: must be a UUID"),
    (["emulator", "--port", "http"], "invalid int value"),
    (["emulator", "--port", "99999"], "--port: must be 0..65535"),
    (["emulator", "--rate-limit", "-3"], "--rate-limit: must be a positive number"),
    (["emulator", "--training-seconds", "-1"], "--training-seconds: must be a finite"),
    (["emulator", "--write-seconds", "nan"], "--write-seconds: must be a finite"),
    (["emulator", "--fault", "{"], "invalid --fault: Expecting property name"),
    (["emulator", "--key", ""], "--key: give a non-empty key"),
    (["emulator", "--key", "a\tb"], "--key: has control characters"),
    (["worker"], "--queue: give the queue's Redis URL"),
    ([], "the following arguments are required: COMMAND"),
    (["recognise", "x.png"], "invalid choice: 'recognise'"),
]


@pytest.mark.parametrize(("argv", "message"), MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_every_mistake_is_one_line_exit_2_before_anything_starts(
    nothing_starts: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.delenv("FACEKIT_QUEUE", raising=False)
    assert run(argv) == EXIT_USAGE
    captured = capsys.readouterr()
    assert message in captured.err
    assert re.fullmatch(r"facekit[a-z ]*: error: [^\n]+\n", captured.err), captured.err
    assert captured.out == ""


def test_the_table_walks_every_command() -> None:
    tried = {" ".join(argv[:2]) for argv, _ in MISTAKES} | {argv[0] for argv, _ in MISTAKES if argv}
    assert set(_subparsers(build_parser())) <= tried


SHARED = [
    (["--endpoint", "https://face.example"], "endpoint", "https://face.example"),
    (["--key", "k"], "key", "k"),
    (["--api-version", "v1.0"], "api_version", "v1.0"),
    (["--api-path", "/face/v1.0"], "api_path", "/face/v1.0"),
    (["--json"], "json", True),
    (["--timeout", "5"], "timeout", 5.0),
    (["--rate-limit", "3"], "rate_limit", 3.0),
]
DEFAULTS = {"endpoint": None, "key": None, "api_version": None, "api_path": None}
COMMANDS = [
    ["demo"],
    ["enroll", "P", "--group", "g"],
    ["worker"],
    ["train", "--group", "g", "--large"],
    ["detect", "x.png"],
    ["identify", "x.png", "--group", "g"],
    ["snapshot", "take", "--group", "g"],
    ["snapshot", "apply", UUID, "--into", "c"],
    ["snapshot", "status", UUID],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize(("flag", "dest", "value"), SHARED, ids=lambda v: str(v))
def test_a_shared_flag_works_before_and_after_the_command(
    command: list[str], flag: list[str], dest: str, value: object
) -> None:
    parser = build_parser()
    before = parser.parse_args([*flag, *command])
    after = parser.parse_args([*command, *flag])
    neither = parser.parse_args(command)
    assert getattr(before, dest) == value
    assert getattr(after, dest) == value
    assert getattr(neither, dest) == DEFAULTS.get(dest, False if dest == "json" else None)
    if command[0] == "snapshot":  # and between `snapshot` and its action
        assert getattr(parser.parse_args([command[0], *flag, *command[1:]]), dest) == value


def test_a_shared_flag_after_the_command_wins_over_one_before() -> None:
    parsed = build_parser().parse_args(["--timeout", "5", "detect", "x.png", "--timeout", "7"])
    assert parsed.timeout == 7.0


def test_the_emulator_takes_its_key_and_rate_before_or_after_its_name() -> None:
    parser = build_parser()
    for argv in (["--key", "k", "--rate-limit", "4", "emulator"], ["emulator", "--key", "k"]):
        parsed = parser.parse_args(argv)
        assert parsed.key == "k"
    assert parser.parse_args(["--rate-limit", "4", "emulator"]).rate_limit == 4.0
    assert parser.parse_args(["emulator", "--rate-limit", "4"]).rate_limit == 4.0
    assert parser.parse_args(["emulator"]).rate_limit is None


def _face_photo(folder: Path) -> Path:
    """A PNG of one synthetic face in `folder`."""
    photo = folder / "one.png"
    photo.write_bytes(synthetic_face("ann"))
    return photo


def test_shared_flags_before_the_command_reach_the_service(
    configured: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = _face_photo(tmp_path)
    assert main(["--json", "--api-version", "v1.0", "detect", str(photo)]) == EXIT_OK
    assert len(json.loads(capsys.readouterr().out)) == 1
    assert main(["detect", str(photo), "--json", "--api-version", "v1.0"]) == EXIT_OK
    assert len(json.loads(capsys.readouterr().out)) == 1
    assert [r.version for r in configured.log.requests] == ["v1.0", "v1.0"]


def test_one_spelling_of_a_large_group_for_enroll_train_identify_and_snapshot(
    configured: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    large = ["--group", "fam", "--large"]
    assert main(["enroll", str(family(tmp_path / "p")), *large, "--no-journal"]) == EXIT_OK
    assert main(["train", *large, "--wait"]) == EXIT_OK
    assert "training fam finished: succeeded" in capsys.readouterr().out
    assert configured.log.count("LargePersonGroup_Train") == 1
    photo = tmp_path / "group.png"
    photo.write_bytes(group_photo([("bob", 5)]))
    assert main(["identify", str(photo), *large]) == EXIT_OK
    assert "bob (" in capsys.readouterr().out
    take = ["snapshot", "take", *large, "--scope", configured.subscription_id, "--wait"]
    assert main([*take, "--json"]) == EXIT_OK
    snapshot_id = json.loads(capsys.readouterr().out)["result"]
    taken = configured.account.snapshot_store.snapshots[snapshot_id]
    assert taken.kind.label == "LargePersonGroup"
    assert taken.content.container_id == "fam"


def test_detect_shows_every_attribute_asked_for_one_face_a_block(
    configured: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = tmp_path / "two.png"
    photo.write_bytes(group_photo([("ann", 1), ("bob", 2)]))
    # detection_03 has these three only (the spec); the flag takes commas and repeats.
    asked = ["headPose", "mask", "qualityForRecognition"]
    argv = ["detect", str(photo), "--detection-model", "detection_03"]
    argv += ["--recognition-model", "recognition_04", "--attributes", "headPose,mask"]
    argv += ["--attributes", "qualityForRecognition"]
    assert main(argv) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "2 face(s)"
    blocks = [i for i, line in enumerate(lines) if line.startswith("  at left=")]
    assert len(blocks) == 2
    for start in blocks:
        shown = [line.split(":")[0].strip() for line in lines[start + 1 : start + 1 + len(asked)]]
        assert shown == asked
    assert re.search(r"headPose: roll=\S+ yaw=\S+ pitch=\S+", "\n".join(lines))
    assert re.search(r"mask: type=\S+ noseAndMouthCovered=(True|False)", "\n".join(lines))
    assert configured.log.count("Face_Detect*", status=200) == 1


def test_the_demo_prints_a_json_summary_and_runs_without_pillow(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FACE_ENDPOINT", raising=False)
    monkeypatch.delenv("FACE_KEY", raising=False)
    # Without Pillow, too (one demo run for both): it runs and says how to get the picture.
    monkeypatch.setitem(sys.modules, "PIL", None)
    assert main(["demo", "--json"]) == EXIT_OK
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert f"(for a picture of it with the names drawn: {PICTURES_HINT})" in captured.err
    assert "clara (" in captured.err
    assert summary["picture"] is None
    assert summary["ok"] is True
    assert summary["enrolled"] == {
        "group": "facekit-demo-family",
        "persons": 6,
        "faces": 24,
        "failed": 0,
    }
    assert summary["training"] == "succeeded"
    assert summary["identified"] == ["clara", None, "bill", "dev"]
    assert summary["verify"] == {"annaAnna": True, "annaEmma": False}
    assert summary["snapshot"]["identifiedThere"] == "emma"
    assert "4. identifying everyone" in captured.err


def test_a_key_on_the_command_line_is_warned_of_and_never_echoed(
    configured: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = _face_photo(tmp_path)
    assert main(["detect", str(photo), "--key", configured.key]) == EXIT_OK
    captured = capsys.readouterr()
    (warning,) = captured.err.splitlines()
    assert warning.startswith("facekit: warning: a key given with --key stays in shell history")
    assert "FACE_KEY" in warning
    assert "--key -" in warning
    assert configured.key not in captured.err + captured.out


def test_key_dash_reads_the_key_from_stdin_without_a_warning(
    configured: FaceEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    photo = _face_photo(tmp_path)
    monkeypatch.delenv("FACE_KEY")
    monkeypatch.setattr("sys.stdin", io.StringIO(configured.key + "\n"))
    assert main(["--key", "-", "detect", str(photo)]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "1 face(s)" in captured.out
    assert configured.log.count("Face_Detect*", status=200) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["--key", "-", "detect", str(photo)]) == EXIT_USAGE
    assert (
        capsys.readouterr().err
        == "facekit: error: --key: no key was read (from the prompt or stdin)\n"
    )
    assert configured.log.count() == 1


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b"\xffkey\xfe\n", "--key: what was read is not UTF-8 text"),
        (b"k\x01y\n", "--key: has control characters"),
    ],
)
def test_key_dash_refuses_a_key_no_header_can_carry_before_anything_starts(
    nothing_starts: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin: bytes,
    message: str,
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    assert run(["--endpoint", HTTPS, "--key", "-", "detect", "x.png"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err == f"facekit: error: {message}; copy the key again from the resource\n"


def test_key_dash_refuses_undecodable_bytes_read_with_surrogateescape(
    nothing_starts: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Under the C locale Python reads stdin with surrogateescape: no decode error, a key
    # that no header can carry (it was sent as an empty header).
    raw = io.TextIOWrapper(io.BytesIO(b"\xffkey\n"), encoding="ascii", errors="surrogateescape")
    monkeypatch.setattr("sys.stdin", raw)
    assert run(["--endpoint", HTTPS, "--key", "-", "detect", "x.png"]) == EXIT_USAGE
    assert capsys.readouterr().err == (
        "facekit: error: --key: has characters that are not ASCII; "
        "copy the key again from the resource\n"
    )


def test_a_face_key_no_header_can_carry_is_one_line_exit_2(
    nothing_starts: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FACE_KEY", "secret\n")
    assert run(["--endpoint", HTTPS, "detect", "x.png"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("facekit: error: FACE_KEY: has spaces or line breaks around it")
    assert "secret" not in err


def test_a_person_folder_not_named_in_utf8_is_one_line_exit_2_before_anything_starts(
    nothing_starts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = os.fsencode(nothing_starts / "P") + b"/al\xffice"
    os.mkdir(odd)
    with open(odd + b"/1.png", "wb") as handle:
        handle.write(synthetic_face("alice"))
    assert run(["enroll", "P", "--group", "g", "--no-journal"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert re.fullmatch(r"facekit: error: [^\n]+\n", captured.err), captured.err
    assert "P/al\\xffice: the folder name is not UTF-8 text; rename it" in captured.err
    assert captured.out == ""


def test_key_dash_prompts_on_a_terminal(
    configured: FaceEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    photo = _face_photo(tmp_path)
    monkeypatch.delenv("FACE_KEY")
    terminal = io.StringIO("not the key\n")
    terminal.isatty = lambda: True  # type: ignore[method-assign]
    prompts: list[str] = []
    monkeypatch.setattr("sys.stdin", terminal)

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return configured.key

    monkeypatch.setattr("getpass.getpass", getpass)
    assert main(["detect", str(photo), "--key", "-"]) == EXIT_OK
    assert prompts == ["Face key: "]
    assert capsys.readouterr().err == ""


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                found.update({f"{name} {k}": v for k, v in _subparsers(sub).items()})
    return found


def _walk(parser: argparse.ArgumentParser, name: str) -> Iterator[tuple[str, argparse.Action]]:
    yield from ((name, action) for action in parser._actions)
    for sub, child in _subparsers(parser).items():
        yield from ((f"{name} {sub}", action) for action in child._actions)


def test_every_option_of_every_command_has_help() -> None:
    walked = list(_walk(build_parser(), "facekit"))
    assert len({where for where, _ in walked}) == 12
    for where, action in walked:
        if action.dest == "api_path":
            assert action.help == argparse.SUPPRESS  # the older spelling, hidden on purpose
            continue
        assert (action.help or "").strip(), (where, action.option_strings or action.dest)


def test_every_command_has_examples_of_itself() -> None:
    for name, sub in _subparsers(build_parser()).items():
        assert (sub.epilog or "").startswith("examples:\n"), name
        examples = (sub.epilog or "").splitlines()[1:]
        assert examples
        verb = name.split()[0]
        assert all(f"facekit {verb}" in line for line in examples), name
        assert "examples:" in sub.format_help()


def test_the_help_lists_the_environment_and_every_exit_code() -> None:
    text = build_parser().format_help()
    read = set()
    for source in [*CLI.rglob("*.py"), CLI.parent / "bulk" / "journal.py"]:
        read |= set(re.findall(r"environ(?:\.get)?[\(\[]\"([A-Z_]+)\"", source.read_text()))
    assert read >= {"FACE_ENDPOINT", "FACE_KEY", "FACEKIT_STATE_DIR", "FACEKIT_QUEUE"}
    environment = text[text.index("environment variables:") : text.index("exit codes:")]
    for variable in read:
        assert re.search(rf"^  {variable} ", environment, re.M), variable
    codes = text[text.index("exit codes:") :]
    for name in dir(exit_codes):
        if name.startswith("EXIT_"):
            assert re.search(rf"^  {getattr(exit_codes, name)} ", codes, re.M), name
    assert "examples:" in text


def test_every_command_line_of_the_readme_parses() -> None:
    readme = (CLI.parents[1] / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    lines = [line.split("  #")[0] for block in blocks for line in block.splitlines()]
    commands = [shlex.split(line)[1:] for line in lines if line.startswith("facekit ")]
    assert len(commands) >= 12
    parser = build_parser()
    for argv in commands:
        parse(parser, argv)


def test_an_unreadable_image_is_a_mistake(
    nothing_starts: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Root reads any file, so the permission is taken away where the CLI asks for it.
    real_access = os.access
    monkeypatch.setattr(
        "os.access", lambda path, mode: Path(path).name != "x.png" and real_access(path, mode)
    )
    for argv in (["detect", "x.png"], ["identify", "x.png", "--group", "g"]):
        assert run(argv) == EXIT_USAGE
        assert capsys.readouterr().err == "facekit: error: image: x.png is not readable\n"
