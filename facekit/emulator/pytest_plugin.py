"""pytest plugin: a fresh Face emulator per test, for facekit's and its users' suites.

    def test_enroll(face_emulator):
        endpoint, key = face_emulator.endpoint, face_emulator.key

Tune it with a marker: `@pytest.mark.face_emulator(rate_limit=5, write_seconds=0.01)` takes
the fields of EmulatorSettings. The emulator runs in a background thread, so the fixture
serves synchronous and asynchronous tests alike.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import FaceEmulator
from .settings import EmulatorSettings
from .state import SnapshotStore


def pytest_configure(config: pytest.Config) -> None:
    """Register the face_emulator marker."""
    config.addinivalue_line(
        "markers", "face_emulator(**settings): EmulatorSettings for the face_emulator fixture"
    )


@pytest.fixture
def face_emulator(request: pytest.FixtureRequest) -> Iterator[FaceEmulator]:
    """A running FaceEmulator on 127.0.0.1 with its own data and snapshot store."""
    marker = request.node.get_closest_marker("face_emulator")
    settings = EmulatorSettings(**(marker.kwargs if marker else {}))
    emulator = FaceEmulator(settings=settings, snapshot_store=SnapshotStore())
    with emulator.in_thread():
        yield emulator
