"""The emulated account's state, one module per resource family; records, never wire shapes.

* `account`: the Account façade (clock, reset, advance) and cross-family recognition.
* `containers`: person groups, large person groups, face lists, large face lists, their
  persons, faces and trainings.
* `detection`: detect and the face ids it hands out.
* `snapshots`: snapshots and the store shared between accounts.
* `operations`: long-running operations followed at /operations/{id}.

* `liveness`: liveness sessions, their attempts and session images.

PersonDirectory will land as a module of its own here, added to the Account as a family.
"""

from .account import Account
from .containers import Container, Containers, Person, StoredFace, Trained, Training, TrainingStatus
from .detection import DetectedFace, DetectedFaces, Detection, DetectOptions
from .liveness import LivenessAttempt, LivenessSessionRecord, LivenessSessions
from .operations import Operation, Operations
from .snapshots import DEFAULT_SNAPSHOT_STORE, Snapshot, Snapshots, SnapshotStore

__all__ = [
    "DEFAULT_SNAPSHOT_STORE",
    "Account",
    "Container",
    "Containers",
    "DetectOptions",
    "DetectedFace",
    "DetectedFaces",
    "Detection",
    "LivenessAttempt",
    "LivenessSessionRecord",
    "LivenessSessions",
    "Operation",
    "Operations",
    "Person",
    "Snapshot",
    "SnapshotStore",
    "Snapshots",
    "StoredFace",
    "Trained",
    "Training",
    "TrainingStatus",
]
