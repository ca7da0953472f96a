"""The emulated account's state, one module per resource family; records, never wire shapes.

* `account`: the Account façade (clock, reset, advance) and cross-family recognition.
* `containers`: person groups, large person groups, face lists, large face lists, their
  persons, faces and trainings.
* `detection`: detect and the face ids it hands out.
* `snapshots`: snapshots and the store shared between accounts.
* `operations`: long-running operations followed at /operations/{id}.
* `person_directory`: the PersonDirectory's persons, faces per model and dynamic groups.
* `liveness`: liveness sessions, their attempts and session images.
"""

from .account import Account
from .containers import Container, Containers, Person, StoredFace, Trained, Training, TrainingStatus
from .detection import DetectedFace, DetectedFaces, Detection, DetectOptions
from .liveness import LivenessAttempt, LivenessSessionRecord, LivenessSessions
from .operations import Operation, Operations
from .person_directory import DirectoryFace, DirectoryPerson, DynamicGroup, PersonDirectory
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
    "DirectoryFace",
    "DirectoryPerson",
    "DynamicGroup",
    "LivenessAttempt",
    "LivenessSessionRecord",
    "LivenessSessions",
    "Operation",
    "Operations",
    "Person",
    "PersonDirectory",
    "Snapshot",
    "SnapshotStore",
    "Snapshots",
    "StoredFace",
    "Trained",
    "Training",
    "TrainingStatus",
]
