"""The samples run as scripts, the way the README tells users to run them.

Each runs the way a user runs it (no FACE_ENDPOINT/FACE_KEY: against the emulator) and the
assertions check that it did its job, not only that it exited cleanly.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).parent.parent / "samples"
CREDENTIAL_VARIABLES = (
    "FACE_ENDPOINT",
    "FACE_KEY",
    "TARGET_FACE_ENDPOINT",
    "TARGET_FACE_KEY",
    "TARGET_SUBSCRIPTION_ID",
)


def run_sample(name: str, *args: str, timeout: float = 60) -> str:
    """Run samples/<name> with `args` and no credentials in its environment; its stdout."""
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARIABLES}
    done = subprocess.run(
        [sys.executable, str(SAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def test_quickstart_enrolls_trains_and_identifies_against_the_emulator() -> None:
    out = run_sample("quickstart.py")
    assert "using facekit's built-in Face emulator" in out
    assert "enrolled 4 people" in out
    assert "training succeeded" in out
    assert "detected 3 faces" in out
    assert ": clara (" in out
    assert ": bill (" in out
    assert "nobody known" in out
    # The sample shows the poller, not a hand-rolled status loop.
    source = (SAMPLES / "quickstart.py").read_text()
    assert "begin_train" in source
    assert "get_training_status" not in source


def test_web_service_self_test_identifies_the_family_in_a_group_photo() -> None:
    out = run_sample("web_service.py", "--self-test", "--port", "0")
    assert "using facekit's built-in Face emulator" in out
    assert "enrolled 4 people, 12 faces; training succeeded" in out
    assert re.search(r"serving POST http://127\.0\.0\.1:\d+/identify", out)
    assert "POST /identify (raw group photo) -> 200" in out
    faces = re.findall(r"^  face at \(\d+, \d+\) \d+x\d+: (\S+)", out, re.MULTILINE)
    assert faces == ["clara", "bill", "unknown", "anna"]
    assert "POST /identify (multipart field image) -> 200: dev" in out
    assert 'POST /identify (empty body) -> 400 {"code": "MissingImage"' in out
    assert 'POST /identify (not an image) -> 400 {"code": "InvalidImage"' in out
    assert 'POST /identify (Face service refuses) -> 502 {"code": "QuotaExceeded"' in out
    assert "self-test passed" in out


def test_background_worker_hands_the_training_to_a_second_process() -> None:
    out = run_sample("background_worker.py")
    assert "enrolled 5 people, 10 faces" in out
    starter = re.search(
        r"^\[starter (\d+)\] training queued; job written to train-job\.json", out, re.M
    )
    assert starter is not None, out
    assert "second process exited with 0" in out
    # The worker's lines carry its own pid: they come from another process.
    worker_pids = set(re.findall(r"^  \| \[worker (\d+)\]", out, re.MULTILINE))
    assert len(worker_pids) == 1
    assert starter.group(1) not in worker_pids
    assert "resumed TrainingPoller from train-job.json" in out
    # The 2 s training was still going when the worker took over, so it really waited.
    assert re.search(r"status when resumed: (notstarted|running|not started yet)", out)
    polls = re.search(r"training succeeded after (\d+) polls", out)
    assert polls is not None, out
    assert int(polls.group(1)) >= 2
    assert "training status seen by the first process afterwards: succeeded" in out


def test_bulk_enroll_resumes_from_its_journal_without_duplicates() -> None:
    out = run_sample("bulk_enroll.py")
    assert "made 12 persons x 4 images" in out
    interrupted = re.search(r"run 1 cancelled after (\d+) of 48 images", out)
    assert interrupted is not None, out
    assert 24 <= int(interrupted.group(1)) < 48

    def count(label: str) -> int:
        found = re.search(rf"^  {label}:\s+(\d+)", out, re.MULTILINE)
        assert found is not None, f"no {label!r} in\n{out}"
        return int(found.group(1))

    already = count("already enrolled")
    assert already >= int(interrupted.group(1))
    assert count("faces added") + already + count("settled") == 48
    assert count("failures") == 0
    assert "  training:         succeeded" in out
    assert "on the service: 12 persons, faces per person all 4" in out
    assert "no duplicates, nothing missing" in out


def test_snapshot_migration_identifies_on_the_target_without_training() -> None:
    out = run_sample("snapshot_migration.py")
    assert "using two facekit Face emulators" in out
    assert "source: 16 persons, 48 faces, training succeeded" in out
    snapshot = re.search(r"snapshot ([0-9a-f-]{36}) taken", out)
    assert snapshot is not None, out
    assert "applied on the target as /largepersongroups/facekit-migration-target" in out
    assert "target training status (carried by the snapshot): succeeded" in out
    assert "target group: 16 persons, 48 faces" in out
    assert "new photo identified on the target as employee-11" in out
    assert f"snapshot {snapshot.group(1)} deleted" in out
    assert "migration verified" in out
    assert "train requests received by the target: 0" in out


def test_liveness_server_lets_the_real_user_through_and_nobody_else() -> None:
    out = run_sample("liveness_server.py", "--self-test", "--port", "0")
    assert "using facekit's built-in Face emulator" in out
    assert re.search(
        r"serving POST http://127\.0\.0\.1:\d+/liveness-sessions \(Face API v1\.2\)", out
    )
    verdicts = [
        json.loads(line.split(" -> 200 ", 1)[1])
        for line in out.splitlines()
        if line.startswith("  GET .../verdict -> 200 ")
    ]
    real, spoof, impostor = verdicts
    assert (real["userId"], real["verified"], real["decision"]) == ("ann", True, "realface")
    assert real["isIdentical"] is True
    assert (spoof["verified"], spoof["decision"]) == (False, "spoofface")
    assert (impostor["userId"], impostor["verified"], impostor["isIdentical"]) == (
        "bob",
        False,
        False,
    )
    assert impostor["matchConfidence"] < real["matchConfidence"]
    # Each session is closed after its verdict; the tokens (the emulator's start "eyJ", as
    # JWTs do) go to the phone only, never into the server's output.
    assert "eyJ" not in out
    assert out.count("GET .../verdict again -> 404 (the session is closed)") == 3
    assert "POST /liveness-sessions (zoe, no reference photo) -> 404" in out
    assert "sessions left on the Face service: 0" in out
    assert "self-test passed" in out


def test_sync_script_enrolls_from_threads_trains_and_identifies_without_an_event_loop() -> None:
    out = run_sample("sync_script.py")
    assert "using facekit's built-in Face emulator" in out
    assert "enrolled 4 people from 4 threads" in out
    assert "training succeeded" in out
    faces = re.findall(r"^  face \w{8}: (\S+)$", out, re.MULTILINE)
    assert faces == ["clara", "bill", "nobody"]
    assert "deleted: LargePersonGroupNotFound" in out
    # The sample shows the blocking client, not an event loop run by hand.
    source = (SAMPLES / "sync_script.py").read_text()
    assert "facekit.sync import FaceClient" in source
    tree = ast.parse(source)
    assert not [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Await | ast.AsyncFunctionDef | ast.AsyncWith | ast.AsyncFor)
    ]
    assert "import asyncio" not in source
