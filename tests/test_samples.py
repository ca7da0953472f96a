"""The samples run as scripts, the way the README tells users to run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).parent.parent / "samples"


def run_sample(name: str, timeout: float = 60) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("FACE_ENDPOINT", "FACE_KEY")}
    done = subprocess.run(
        [sys.executable, str(SAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
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
