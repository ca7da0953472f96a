"""A local Azure AI Face service for demos, samples and tests (no subscription needed).

    async with FaceEmulator() as emu:
        async with FaceClient(emu.endpoint, KeyCredential(emu.key)) as face:
            ...

It serves the Face REST API v1.0, v1.0-preview, v1.2, v1.2-preview.1 and v1.3-preview.1
with the service's paths, bodies, status codes and error bodies, trainings that take time,
snapshot operations behind Operation-Location, liveness sessions (a control call plays the
end user's device), rate limiting and injectable faults. The PersonDirectory is served in
v1.0-preview, v1.1-preview.1 and v1.2-preview.1, its writes as operations that advance with
the clock.
`synthetic_face()` makes real PNG images whose person the emulator recognises.
"""

from .faults import Fault, FaultPlan, RequestLog
from .images import group_photo, synthetic_face
from .server import FaceEmulator
from .settings import EmulatorSettings
from .state import SnapshotStore

__all__ = [
    "EmulatorSettings",
    "FaceEmulator",
    "Fault",
    "FaultPlan",
    "RequestLog",
    "SnapshotStore",
    "group_photo",
    "synthetic_face",
]
