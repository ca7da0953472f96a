"""The distribution: its name, its licence and notice in the wheel and the sdist."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from facekit.annotate import PICTURES_HINT

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The wheel and the sdist, built here with hatchling (no isolation, no network)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist


def wheel_metadata(wheel: Path) -> tuple[list[str], str]:
    """The wheel's file names and its METADATA."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        return names, archive.read(metadata).decode()


def test_the_distribution_is_facekit_async_and_imports_as_facekit(
    built: tuple[Path, Path],
) -> None:
    wheel, sdist = built
    assert wheel.name.startswith("facekit_async-")
    assert sdist.name.startswith("facekit_async-")
    names, text = wheel_metadata(wheel)
    assert "Name: facekit-async" in text
    assert "License-Expression: MIT" in text
    assert any(n.startswith("facekit/") for n in names)
    assert "facekit/py.typed" in names


def test_the_licence_and_the_notice_are_in_both_archives(built: tuple[Path, Path]) -> None:
    wheel, sdist = built
    with zipfile.ZipFile(wheel) as archive:
        licences = {Path(n).name for n in archive.namelist() if "/licenses/" in n}
        notice = next(n for n in archive.namelist() if n.endswith("/licenses/NOTICE"))
        assert "Copyright (c) Microsoft Corporation." in archive.read(notice).decode()
    assert licences == {"LICENSE", "NOTICE"}
    with tarfile.open(sdist) as archive:
        members = {Path(m.name).relative_to(Path(m.name).parts[0]).as_posix() for m in archive}
    assert {"LICENSE", "NOTICE", "tests/fixtures/README.md"} <= members


def test_the_pictures_extra_the_missing_pillow_error_names_exists(
    built: tuple[Path, Path],
) -> None:
    _names, text = wheel_metadata(built[0])
    assert PICTURES_HINT == 'pip install "facekit-async[pictures]"'
    assert "Provides-Extra: pictures" in text
    assert re.search(r"Requires-Dist: pillow>=10\.1; extra == [\"']pictures[\"']", text)
