"""The emulated Face account: groups, lists, persons, faces, trainings, snapshots.

Pure state and rules, no HTTP. Every operation raises ServiceError with the status, code and
message the real service uses; time comes from an injectable clock so that trainings and
snapshot operations advance as time passes (evaluated lazily, no background tasks).
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import math
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import images as imaging
from . import recognition

__all__ = [
    "Account",
    "EmulatorSettings",
    "Kind",
    "ServiceError",
    "SnapshotStore",
]

_ID = re.compile(r"[a-z0-9\-_]{1,64}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
RECOGNITION_MODELS = ("recognition_01", "recognition_02", "recognition_03", "recognition_04")
DETECTION_MODELS = ("detection_01", "detection_02", "detection_03")
ATTRIBUTES_01 = (
    "age",
    "gender",
    "headPose",
    "smile",
    "facialHair",
    "glasses",
    "emotion",
    "hair",
    "makeup",
    "occlusion",
    "accessories",
    "blur",
    "exposure",
    "noise",
    "qualityForRecognition",
)
# The v1.0 spec: detection_03 supports mask and qualityForRecognition (later docs add headPose).
ATTRIBUTES_03 = ("headPose", "mask", "qualityForRecognition")
ALL_ATTRIBUTES = (*ATTRIBUTES_01, "mask")
QUALITY_MODELS = ("recognition_03", "recognition_04")
MAX_FACES_PER_PERSON = 248
MAX_FACES_PER_FACE_LIST = 1000
MAX_FACES_PER_LARGE_FACE_LIST = 1_000_000
SNAPSHOT_LIFETIME = 48 * 3600.0
VERIFY_THRESHOLD = 0.5
MATCH_PERSON_THRESHOLD = 0.5


class ServiceError(Exception):
    """An error reply of the service: HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def bad(message: str) -> ServiceError:
    return ServiceError(400, "BadArgument", message)


class Kind(enum.Enum):
    """The four kinds of container, by their REST collection name."""

    PERSON_GROUP = "persongroups"
    LARGE_PERSON_GROUP = "largepersongroups"
    FACE_LIST = "facelists"
    LARGE_FACE_LIST = "largefacelists"

    @property
    def label(self) -> str:
        """The prefix of its error codes and its snapshot type ("LargePersonGroup")."""
        return {
            Kind.PERSON_GROUP: "PersonGroup",
            Kind.LARGE_PERSON_GROUP: "LargePersonGroup",
            Kind.FACE_LIST: "FaceList",
            Kind.LARGE_FACE_LIST: "LargeFaceList",
        }[self]

    @property
    def words(self) -> str:
        return {
            Kind.PERSON_GROUP: "Person group",
            Kind.LARGE_PERSON_GROUP: "Large person group",
            Kind.FACE_LIST: "Face list",
            Kind.LARGE_FACE_LIST: "Large face list",
        }[self]

    @property
    def id_key(self) -> str:
        return self.label[0].lower() + self.label[1:] + "Id"

    @property
    def has_persons(self) -> bool:
        return self in (Kind.PERSON_GROUP, Kind.LARGE_PERSON_GROUP)

    @property
    def trainable(self) -> bool:
        return self is not Kind.FACE_LIST

    @classmethod
    def from_label(cls, label: str) -> Kind:
        for kind in cls:
            if kind.label == label:
                return kind
        raise bad(f"Invalid snapshot type '{label}'.")


@dataclass
class EmulatorSettings:
    """Knobs of the emulated service. Times are in seconds."""

    #: Requests per second before 429 (None: unlimited).
    rate_limit: float | None = None
    #: A training waits this long in "notstarted" before it runs.
    training_queue_seconds: float = 0.2
    #: A training runs for base + per-face time, so bigger groups take longer.
    training_base_seconds: float = 0.5
    training_seconds_per_face: float = 0.002
    #: Snapshot take/apply run for base + per-face time.
    snapshot_base_seconds: float = 0.5
    snapshot_seconds_per_face: float = 0.001
    #: Time a write to one person or list keeps it busy; a concurrent write gets 409.
    write_seconds: float = 0.0
    #: Persons per person group (S0 tier).
    max_persons_per_group: int = 10_000
    #: Retired attributes (age, gender, emotion, ...): "serve" values or "refuse" with 403.
    retired_attributes: str = "serve"
    #: Subscription id of this account, for snapshot apply scopes.
    subscription_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    #: Account reported in snapshots: an Azure resource id, as the service writes it.
    account_id: str = field(
        default_factory=lambda: (
            f"/subscriptions/{uuid.uuid4()}/resourceGroups/facekit-emulator/providers/"
            f"Microsoft.CognitiveServices/accounts/face-{uuid.uuid4().hex[:8]}"
        )
    )


RETIRED_ATTRIBUTES = ("age", "gender", "smile", "facialHair", "hair", "makeup", "emotion")


def iso(timestamp: float) -> str:
    """UTC timestamp as the service writes it (7 fractional digits, Z)."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


# -- records --------------------------------------------------------------------------------


@dataclass
class StoredFace:
    persisted_face_id: str
    user_data: str | None
    identity: str
    variant: int
    vector: tuple[float, ...]


@dataclass
class Person:
    person_id: str
    name: str | None
    user_data: str | None
    faces: dict[str, StoredFace] = field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {"personId": self.person_id, "name": self.name}
        if self.user_data is not None:
            body["userData"] = self.user_data
        body["persistedFaceIds"] = list(self.faces)
        return body


@dataclass
class Trained:
    """What identify / find-similar see: the state captured when a training ran."""

    persons: dict[str, list[tuple[float, ...]]] = field(default_factory=dict)
    faces: dict[str, tuple[float, ...]] = field(default_factory=dict)


@dataclass
class Training:
    queued_at: float
    starts_at: float
    ends_at: float
    succeeded: bool
    message: str | None
    captured: Trained
    #: What GET training showed before this one was queued; visible until it starts.
    previous: dict[str, Any] | None
    operation_id: str

    def phase(self, now: float) -> str:
        if now < self.starts_at:
            return "notstarted"
        if now < self.ends_at:
            return "running"
        return "succeeded" if self.succeeded else "failed"


@dataclass
class Container:
    kind: Kind
    container_id: str
    name: str
    user_data: str | None
    recognition_model: str
    created_at: float
    persons: dict[str, Person] = field(default_factory=dict)
    faces: dict[str, StoredFace] = field(default_factory=dict)
    training: Training | None = None
    trained: Trained | None = None
    last_success_at: float | None = None
    busy_until: dict[str, float] = field(default_factory=dict)

    def face_count(self) -> int:
        if self.kind.has_persons:
            return sum(len(p.faces) for p in self.persons.values())
        return len(self.faces)

    def capture(self) -> Trained:
        if self.kind.has_persons:
            return Trained(
                persons={
                    pid: [f.vector for f in p.faces.values()] for pid, p in self.persons.items()
                }
            )
        return Trained(faces={fid: f.vector for fid, f in self.faces.items()})

    def wire(self, *, with_model: bool) -> dict[str, Any]:
        body: dict[str, Any] = {self.kind.id_key: self.container_id, "name": self.name}
        if self.user_data is not None:
            body["userData"] = self.user_data
        if with_model:
            body["recognitionModel"] = self.recognition_model
        return body


@dataclass
class DetectedFace:
    face_id: str
    identity: str
    variant: int
    vector: tuple[float, ...]
    recognition_model: str
    expires_at: float


@dataclass
class Snapshot:
    snapshot_id: str
    account_id: str
    subscription_id: str
    kind: Kind
    apply_scope: list[str]
    user_data: str | None
    created_at: float
    updated_at: float
    content: Container

    def scope_folded(self) -> set[str]:
        """Apply scope ids compared case-insensitively (they are sent as given)."""
        return {s.lower() for s in self.apply_scope}

    def wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.snapshot_id,
            "account": self.account_id,
            "type": self.kind.label,
            "applyScope": list(self.apply_scope),
            "createdTime": iso(self.created_at),
            "lastUpdateTime": iso(self.updated_at),
        }
        if self.user_data is not None:
            body["userData"] = self.user_data
        return body


@dataclass
class Operation:
    """A snapshot take/apply, or (v1.2) a training, followed at /operations/{id}."""

    operation_id: str
    created_at: float
    starts_at: float
    ends_at: float
    #: Runs once at ends_at; returns (resource_location, failure message).
    complete: Callable[[], tuple[str | None, str | None]] | None
    resource_location: str | None = None
    message: str | None = None
    done: bool = False
    failed: bool = False

    def settle(self, now: float) -> None:
        if not self.done and now >= self.ends_at and self.complete is not None:
            location, failure = self.complete()
            self.done = True
            self.resource_location = location
            self.message = failure
            self.failed = failure is not None

    def phase(self, now: float) -> str:
        self.settle(now)
        if now < self.starts_at:
            return "notstarted"
        if not self.done:
            return "running"
        return "failed" if self.failed else "succeeded"


class SnapshotStore:
    """Where snapshots live: shared by every account of one (emulated) Azure instance."""

    def __init__(self) -> None:
        self.snapshots: dict[str, Snapshot] = {}

    def clear(self) -> None:
        self.snapshots.clear()


#: The store of emulators that are not given their own: snapshots move between accounts
#: of one process, as they move between subscriptions of one Azure instance.
DEFAULT_SNAPSHOT_STORE = SnapshotStore()


# -- the account --------------------------------------------------------------------------------


class Account:
    """One Face resource's data and the rules that guard it."""

    def __init__(
        self,
        settings: EmulatorSettings,
        *,
        clock: Callable[[], float],
        snapshots: SnapshotStore | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.snapshot_store = snapshots if snapshots is not None else DEFAULT_SNAPSHOT_STORE
        self.reset()

    def reset(self) -> None:
        self.containers: dict[tuple[Kind, str], Container] = {}
        self.detected: dict[str, DetectedFace] = {}
        self.operations: dict[str, Operation] = {}

    # -- helpers ------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock()

    def advance(self) -> None:
        """Apply what time has completed: finished trainings, due operations, expiries."""
        now = self.now()
        for container in self.containers.values():
            training = container.training
            if (
                training
                and training.succeeded
                and now >= training.ends_at
                and container.last_success_at != training.ends_at
            ):
                container.trained = training.captured
                container.last_success_at = training.ends_at
        for operation in list(self.operations.values()):
            operation.settle(now)
        expired = [fid for fid, face in self.detected.items() if face.expires_at <= now]
        for face_id in expired:
            del self.detected[face_id]
        store = self.snapshot_store.snapshots
        for snapshot_id in [
            s for s, snap in store.items() if snap.created_at + SNAPSHOT_LIFETIME <= now
        ]:
            del store[snapshot_id]

    def container(self, kind: Kind, container_id: str, *, referenced: bool = False) -> Container:
        """The container, or its NotFound error (400 when referenced from identify/verify)."""
        status = 400 if referenced else 404
        if not _ID.fullmatch(container_id or ""):
            raise ServiceError(status, f"{kind.label}NotFound", f"{kind.words} ID is invalid.")
        found = self.containers.get((kind, container_id))
        if found is None:
            raise ServiceError(
                status, f"{kind.label}NotFound", f"{kind.words} '{container_id}' is not found."
            )
        return found

    def person(self, container: Container, person_id: str, *, status: int = 404) -> Person:
        if not _UUID.fullmatch(person_id or ""):
            raise ServiceError(status, "PersonNotFound", "Person ID is invalid.")
        found = container.persons.get(person_id.lower())
        if found is None:
            raise ServiceError(status, "PersonNotFound", f"Person {person_id} is not found.")
        return found

    @staticmethod
    def stored_face(faces: dict[str, StoredFace], face_id: str) -> StoredFace:
        if not _UUID.fullmatch(face_id or ""):
            raise ServiceError(404, "PersistedFaceNotFound", "Persisted face ID is invalid.")
        found = faces.get(face_id.lower())
        if found is None:
            raise ServiceError(
                404, "PersistedFaceNotFound", f"Persisted face {face_id} is not found."
            )
        return found

    def _claim(self, container: Container, key: str) -> None:
        """Writes to one person or list are serialized by the service: a second one conflicts."""
        now = self.now()
        if container.busy_until.get(key, 0.0) > now:
            raise ServiceError(
                409,
                "ConcurrentOperationConflict",
                f"There is a conflict operation on resource {key}, please try later.",
            )
        if self.settings.write_seconds > 0:
            container.busy_until[key] = now + self.settings.write_seconds

    # -- containers -------------------------------------------------------------------------

    def create_container(
        self,
        kind: Kind,
        container_id: str,
        name: Any,
        user_data: Any,
        recognition_model: Any,
    ) -> None:
        if not isinstance(container_id, str) or not _ID.fullmatch(container_id):
            raise bad(
                f"{kind.words} ID is invalid. Valid format should be a string composed by "
                "numbers, English letters in lower case, '-', '_', and no longer than 64 "
                "characters."
            )
        check_name(name, required=True)
        check_user_data(user_data)
        model = recognition_model if recognition_model is not None else "recognition_01"
        if model not in RECOGNITION_MODELS:
            raise bad("'recognitionModel' is invalid.")
        if (kind, container_id) in self.containers:
            raise ServiceError(409, f"{kind.label}Exists", f"{kind.words} already exists.")
        self.containers[(kind, container_id)] = Container(
            kind, container_id, name, user_data, model, created_at=self.now()
        )

    def update_container(self, kind: Kind, container_id: str, name: Any, user_data: Any) -> None:
        container = self.container(kind, container_id)
        if name is None and user_data is None:
            raise bad("Both 'name' and 'userData' are empty.")
        if name is not None:
            check_name(name, required=True)
        check_user_data(user_data)
        if name is not None:
            container.name = name
        if user_data is not None:
            container.user_data = user_data

    def delete_container(self, kind: Kind, container_id: str) -> None:
        container = self.container(kind, container_id)
        del self.containers[(kind, container.container_id)]

    def list_containers(self, kind: Kind, start: str | None, top: int | None) -> list[Container]:
        items = sorted(
            (c for (k, _), c in self.containers.items() if k is kind),
            key=lambda c: c.container_id,
        )
        return page(items, lambda c: c.container_id, start, top)

    # -- persons ------------------------------------------------------------------------------

    def create_person(
        self, kind: Kind, group_id: str, name: Any, user_data: Any, *, name_required: bool
    ) -> Person:
        group = self.container(kind, group_id)
        check_name(name, required=name_required)
        check_user_data(user_data)
        if kind is Kind.PERSON_GROUP and len(group.persons) >= self.settings.max_persons_per_group:
            raise ServiceError(
                403, "QuotaExceeded", "Person number reached limit of the person group."
            )
        person = Person(str(uuid.uuid4()), name, user_data)
        group.persons[person.person_id] = person
        return person

    def update_person(
        self, kind: Kind, group_id: str, person_id: str, name: Any, user_data: Any
    ) -> None:
        person = self.person(self.container(kind, group_id), person_id)
        if name is None and user_data is None:
            raise bad("Both 'name' and 'userData' are empty.")
        if name is not None:
            check_name(name, required=True)
            person.name = name
        check_user_data(user_data)
        if user_data is not None:
            person.user_data = user_data

    def delete_person(self, kind: Kind, group_id: str, person_id: str) -> None:
        group = self.container(kind, group_id)
        person = self.person(group, person_id)
        del group.persons[person.person_id]

    # -- faces ----------------------------------------------------------------------------------

    def add_face(
        self,
        kind: Kind,
        container_id: str,
        person_id: str | None,
        image: bytes,
        *,
        user_data: str | None,
        target_face: str | None,
        detection_model: str | None,
        commit: bool = True,
    ) -> StoredFace:
        """Detect the one face (or the target face) in an image and store it."""
        container = self.container(kind, container_id)
        person = self.person(container, person_id) if person_id is not None else None
        check_face_user_data(user_data)
        check_detection_model(detection_model)
        rect = parse_target_face(target_face)
        found = analyze(image)
        chosen = choose_face(found, rect)
        faces = person.faces if person is not None else container.faces
        limit, what = _face_limit(kind)
        if len(faces) >= limit:
            raise ServiceError(
                403,
                "QuotaExceeded",
                f"Persisted face number reached limit, maximum is {limit} per {what}.",
            )
        self._claim(container, person.person_id if person is not None else container.container_id)
        stored = StoredFace(
            str(uuid.uuid4()),
            user_data,
            chosen.identity,
            chosen.variant,
            recognition.feature_vector(chosen.identity, chosen.variant),
        )
        if commit:
            faces[stored.persisted_face_id] = stored
        return stored

    def face_collection(
        self, kind: Kind, container_id: str, person_id: str | None
    ) -> dict[str, StoredFace]:
        container = self.container(kind, container_id)
        if person_id is not None:
            return self.person(container, person_id).faces
        return container.faces

    def update_face(
        self, kind: Kind, container_id: str, person_id: str | None, face_id: str, user_data: Any
    ) -> None:
        face = self.stored_face(self.face_collection(kind, container_id, person_id), face_id)
        check_face_user_data(user_data)
        face.user_data = user_data

    def delete_face(
        self, kind: Kind, container_id: str, person_id: str | None, face_id: str
    ) -> None:
        faces = self.face_collection(kind, container_id, person_id)
        face = self.stored_face(faces, face_id)
        del faces[face.persisted_face_id]

    # -- training ---------------------------------------------------------------------------------

    def train(self, kind: Kind, container_id: str) -> Training:
        container = self.container(kind, container_id)
        now = self.now()
        current = container.training
        if current is not None and current.phase(now) in ("notstarted", "running"):
            raise ServiceError(
                409,
                f"{kind.label}TrainingNotFinished",
                f"{kind.words} '{container_id}' is under training. Try again after training "
                "completed.",
            )
        settings = self.settings
        faces = container.face_count()
        starts = now + settings.training_queue_seconds
        ends = starts + settings.training_base_seconds + settings.training_seconds_per_face * faces
        empty = faces == 0 if not kind.has_persons else not container.persons
        message = (
            f"There is no {'person' if kind.has_persons else 'face'} in {kind.words.lower()} "
            f"'{container_id}'."
            if empty
            else None
        )
        container.training = Training(
            queued_at=now,
            starts_at=starts,
            ends_at=ends,
            succeeded=not empty,
            message=message,
            captured=container.capture(),
            previous=self.training_status(container, now) if current is not None else None,
            operation_id=str(uuid.uuid4()),
        )
        training = container.training
        self.operations[training.operation_id] = Operation(
            training.operation_id, now, starts, ends, lambda: (None, message)
        )
        return training

    def training_status(self, container: Container, now: float | None = None) -> dict[str, Any]:
        """The TrainingStatus body; the previous result until a queued training starts."""
        training = container.training
        kind = container.kind
        if training is None:
            raise ServiceError(
                404,
                f"{kind.label}NotTrained",
                f"{kind.words} '{container.container_id}' not trained.",
            )
        now = self.now() if now is None else now
        phase = training.phase(now)
        if phase == "notstarted" and training.previous is not None:
            return training.previous
        body: dict[str, Any] = {
            "status": phase,
            "createdDateTime": iso(training.queued_at),
            "lastActionDateTime": iso(min(now, training.ends_at))
            if phase != "notstarted"
            else None,
            "message": training.message if phase == "failed" else None,
        }
        last_success = training.ends_at if phase == "succeeded" else container.last_success_at
        if last_success is not None:
            body["lastSuccessfulTrainingDateTime"] = iso(last_success)
        return body

    def trained_state(self, container: Container) -> Trained:
        """What identify / find-similar may use, or the service's error why not."""
        kind = container.kind
        if container.trained is not None:
            return container.trained
        training = container.training
        if training is not None and training.phase(self.now()) in ("notstarted", "running"):
            raise ServiceError(
                409,
                f"{kind.label}TrainingNotFinished",
                f"{kind.words} '{container.container_id}' is under training.",
            )
        raise ServiceError(
            400, f"{kind.label}NotTrained", f"{kind.words} '{container.container_id}' not trained."
        )

    # -- detect and recognition -------------------------------------------------------------------

    def detect(
        self,
        image: bytes,
        *,
        return_face_id: bool,
        return_landmarks: bool,
        attributes: Sequence[str],
        recognition_model: str,
        return_recognition_model: bool,
        detection_model: str,
        ttl: int,
    ) -> list[dict[str, Any]]:
        if detection_model not in DETECTION_MODELS:
            raise bad("'detectionModel' is invalid.")
        if recognition_model not in RECOGNITION_MODELS:
            raise bad("'recognitionModel' is invalid.")
        check_attributes(attributes, detection_model, recognition_model, self.settings)
        if return_landmarks and detection_model == "detection_02":
            raise bad("'returnFaceLandmarks' is not supported by detection_02.")
        if not 60 <= ttl <= 86400:
            raise bad("'faceIdTimeToLive' is invalid, the valid range is [60, 86400].")
        found = analyze(image).faces
        ordered = sorted(found, key=lambda f: f.rect.width * f.rect.height, reverse=True)[:100]
        results = []
        now = self.now()
        for face in ordered:
            body: dict[str, Any] = {}
            if return_face_id:
                face_id = str(uuid.uuid4())
                self.detected[face_id] = DetectedFace(
                    face_id,
                    face.identity,
                    face.variant,
                    recognition.feature_vector(face.identity, face.variant),
                    recognition_model,
                    now + ttl,
                )
                body["faceId"] = face_id
            if return_recognition_model:
                body["recognitionModel"] = recognition_model
            rect = face.rect
            body["faceRectangle"] = {
                "top": rect.top,
                "left": rect.left,
                "width": rect.width,
                "height": rect.height,
            }
            if return_landmarks:
                body["faceLandmarks"] = imaging.landmarks(face)
            if attributes:
                body["faceAttributes"] = imaging.attributes(
                    face, attributes, detection_model, recognition_model
                )
            results.append(body)
        return results

    def detected_face(self, face_id: Any, *, status: int = 400) -> DetectedFace:
        if not isinstance(face_id, str) or not _UUID.fullmatch(face_id):
            raise bad("Face ID is invalid.")
        found = self.detected.get(face_id.lower())
        if found is None:
            raise ServiceError(status, "FaceNotFound", f"Face {face_id} is not found.")
        return found

    def identify(
        self,
        face_ids: Any,
        person_group_id: Any,
        large_person_group_id: Any,
        max_candidates: Any,
        threshold: Any,
        *,
        default_candidates: int,
    ) -> list[dict[str, Any]]:
        ids = check_id_list(face_ids, "faceIds", 1, 10)
        if person_group_id is not None and large_person_group_id is not None:
            raise ServiceError(
                400,
                "PersonGroupIdAndLargePersonGroupIdBothNotNull",
                "Large person group ID and person group ID are both not null.",
            )
        if person_group_id is None and large_person_group_id is None:
            raise ServiceError(
                400,
                "PersonGroupIdAndLargePersonGroupIdBothNull",
                "Large person group ID and person group ID are both null.",
            )
        top = check_int(max_candidates, "maxNumOfCandidatesReturned", 1, 100, default_candidates)
        floor = check_unit(threshold, "confidenceThreshold", VERIFY_THRESHOLD)
        kind = Kind.PERSON_GROUP if person_group_id is not None else Kind.LARGE_PERSON_GROUP
        group = self.container(kind, person_group_id or large_person_group_id, referenced=True)
        queries = [self.detected_face(fid) for fid in ids]
        for query in queries:
            if query.recognition_model != group.recognition_model:
                raise bad("'recognitionModel' is incompatible.")
        trained = self.trained_state(group)
        results = []
        for face_id, query in zip(ids, queries, strict=True):
            scored = [
                (max(recognition.similarity(query.vector, v) for v in vectors), pid)
                for pid, vectors in trained.persons.items()
                if vectors
            ]
            scored = sorted((s for s in scored if s[0] >= floor), reverse=True)[:top]
            results.append(
                {
                    "faceId": face_id,
                    "candidates": [
                        {"personId": pid, "confidence": round(score, 5)} for score, pid in scored
                    ],
                }
            )
        return results

    def verify_faces(self, face_id1: Any, face_id2: Any) -> dict[str, Any]:
        first = self.detected_face(face_id1, status=404)
        second = self.detected_face(face_id2, status=404)
        if first.recognition_model != second.recognition_model:
            raise bad("'recognitionModel' is incompatible.")
        return _verdict(recognition.similarity(first.vector, second.vector))

    def verify_person(
        self, face_id: Any, person_id: Any, person_group_id: Any, large_person_group_id: Any
    ) -> dict[str, Any]:
        query = self.detected_face(face_id, status=404)
        if (person_group_id is None) == (large_person_group_id is None):
            raise bad("Exactly one of personGroupId and largePersonGroupId must be given.")
        kind = Kind.PERSON_GROUP if person_group_id is not None else Kind.LARGE_PERSON_GROUP
        group = self.container(kind, person_group_id or large_person_group_id, referenced=True)
        if query.recognition_model != group.recognition_model:
            raise bad("'recognitionModel' is incompatible.")
        person = self.person(group, person_id if isinstance(person_id, str) else "", status=400)
        if not person.faces:
            raise ServiceError(
                404, "PersistedFaceNotFound", "No persisted face of the person is found."
            )
        best = max(recognition.similarity(query.vector, f.vector) for f in person.faces.values())
        return _verdict(best)

    def find_similar(
        self,
        face_id: Any,
        face_ids: Any,
        face_list_id: Any,
        large_face_list_id: Any,
        max_candidates: Any,
        mode: Any,
    ) -> list[dict[str, Any]]:
        query = self.detected_face(face_id)
        given = [x for x in (face_ids, face_list_id, large_face_list_id) if x is not None]
        if len(given) != 1:
            raise bad("LargeFaceListId, faceListId and faceIds, not exactly one of them is valid.")
        top = check_int(max_candidates, "maxNumOfCandidatesReturned", 1, 1000, 20)
        match_mode = "matchPerson" if mode is None else mode
        if match_mode not in ("matchPerson", "matchFace"):
            raise bad("Mode is invalid.")
        candidates: list[tuple[str, str, tuple[float, ...]]]
        if face_ids is not None:
            ids = check_id_list(face_ids, "faceIds", 1, 1000)
            candidates = []
            for fid in ids:
                face = self.detected.get(fid.lower())
                if face is not None and face.recognition_model == query.recognition_model:
                    candidates.append(("faceId", fid, face.vector))
        elif face_list_id is not None:
            lst = self.container(Kind.FACE_LIST, face_list_id, referenced=True)
            if lst.recognition_model != query.recognition_model:
                raise bad("'recognitionModel' is incompatible.")
            if not lst.faces:
                raise ServiceError(400, "FaceListNotReady", "Face list is empty.")
            candidates = [("persistedFaceId", fid, f.vector) for fid, f in lst.faces.items()]
        else:
            lst = self.container(Kind.LARGE_FACE_LIST, large_face_list_id, referenced=True)
            if lst.recognition_model != query.recognition_model:
                raise bad("'recognitionModel' is incompatible.")
            trained = self.trained_state(lst)
            candidates = [("persistedFaceId", fid, v) for fid, v in trained.faces.items()]
        scored = [(recognition.similarity(query.vector, v), key, cid) for key, cid, v in candidates]
        if match_mode == "matchPerson":
            scored = [s for s in scored if s[0] >= MATCH_PERSON_THRESHOLD]
        scored.sort(key=lambda s: s[0], reverse=True)
        return [{key: cid, "confidence": round(score, 5)} for score, key, cid in scored[:top]]

    def group(self, face_ids: Any) -> dict[str, Any]:
        ids = check_id_list(face_ids, "faceIds", 2, 1000)
        faces = [self.detected_face(fid) for fid in ids]
        parent = list(range(len(ids)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i in range(len(faces)):
            for j in range(i + 1, len(faces)):
                if recognition.similarity(faces[i].vector, faces[j].vector) >= VERIFY_THRESHOLD:
                    parent[root(i)] = root(j)
        clusters: dict[int, list[str]] = {}
        for i, fid in enumerate(ids):
            clusters.setdefault(root(i), []).append(fid)
        groups = sorted((c for c in clusters.values() if len(c) > 1), key=len, reverse=True)
        messy = [c[0] for c in clusters.values() if len(c) == 1]
        return {"groups": groups, "messyGroup": messy}

    # -- snapshots ----------------------------------------------------------------------------

    def take_snapshot(
        self, type_label: Any, object_id: Any, apply_scope: Any, user_data: Any
    ) -> Operation:
        if not isinstance(type_label, str):
            raise bad("Invalid snapshot type.")
        kind = Kind.from_label(type_label)
        scope = check_id_list(apply_scope, "applyScope", 1, None)
        check_user_data(user_data)
        source = self.container(kind, object_id if isinstance(object_id, str) else "")
        content = copy.deepcopy(source)
        content.busy_until = {}
        now = self.now()
        duration = self._snapshot_seconds(source)
        snapshot_id = str(uuid.uuid4())
        store = self.snapshot_store

        def complete() -> tuple[str | None, str | None]:
            store.snapshots[snapshot_id] = Snapshot(
                snapshot_id,
                self.settings.account_id,
                self.settings.subscription_id,
                kind,
                list(scope),
                user_data,
                created_at=now,
                updated_at=now,
                content=content,
            )
            return f"/snapshots/{snapshot_id}", None

        return self._operation(now, duration, complete)

    def apply_snapshot(self, snapshot_id: str, object_id: Any, mode: Any) -> Operation:
        snapshot = self.snapshot(snapshot_id, owned=False)
        if self.settings.subscription_id.lower() not in snapshot.scope_folded():
            raise bad("The snapshot cannot be applied by this subscription (not in applyScope).")
        if not isinstance(object_id, str) or not _ID.fullmatch(object_id):
            raise bad("Object ID is invalid.")
        if mode not in (None, "CreateNew"):
            raise bad("Apply mode is invalid.")
        kind = snapshot.kind
        content = snapshot.content
        now = self.now()

        def complete() -> tuple[str | None, str | None]:
            if (kind, object_id) in self.containers:
                return None, f"{kind.words} '{object_id}' already exists (apply mode CreateNew)."
            created = copy.deepcopy(content)
            created.container_id = object_id
            created.created_at = self.now()
            self.containers[(kind, object_id)] = created
            return f"/{kind.value}/{object_id}", None

        return self._operation(now, self._snapshot_seconds(content), complete)

    def _snapshot_seconds(self, container: Container) -> float:
        settings = self.settings
        return settings.snapshot_base_seconds + (
            settings.snapshot_seconds_per_face * container.face_count()
        )

    def _operation(
        self, now: float, duration: float, complete: Callable[[], tuple[str | None, str | None]]
    ) -> Operation:
        starts = now + min(self.settings.training_queue_seconds, duration / 2)
        operation = Operation(str(uuid.uuid4()), now, starts, now + duration, complete)
        self.operations[operation.operation_id] = operation
        return operation

    def snapshot(self, snapshot_id: str, *, owned: bool) -> Snapshot:
        if not _UUID.fullmatch(snapshot_id or ""):
            raise ServiceError(404, "SnapshotNotFound", "Snapshot ID is invalid.")
        found = self.snapshot_store.snapshots.get(snapshot_id.lower())
        if found is None or (owned and found.account_id != self.settings.account_id):
            raise ServiceError(404, "SnapshotNotFound", f"Snapshot {snapshot_id} is not found.")
        return found

    def visible_snapshot(self, snapshot_id: str) -> Snapshot:
        """A snapshot this account may read: its own, or one whose apply scope names it."""
        snapshot = self.snapshot(snapshot_id, owned=False)
        own = snapshot.account_id == self.settings.account_id
        if not own and self.settings.subscription_id.lower() not in snapshot.scope_folded():
            raise ServiceError(404, "SnapshotNotFound", f"Snapshot {snapshot_id} is not found.")
        return snapshot

    def list_snapshots(self, type_label: str | None, scope: Iterable[str]) -> list[Snapshot]:
        wanted = {s.lower() for s in scope}
        kind = Kind.from_label(type_label) if type_label else None
        return [
            s
            for s in self.snapshot_store.snapshots.values()
            if s.account_id == self.settings.account_id
            and (kind is None or s.kind is kind)
            and wanted.issubset(s.scope_folded())
        ]

    def update_snapshot(self, snapshot_id: str, apply_scope: Any, user_data: Any) -> None:
        snapshot = self.snapshot(snapshot_id, owned=True)
        if apply_scope is not None:
            snapshot.apply_scope = check_id_list(apply_scope, "applyScope", 1, None)
        check_user_data(user_data)
        if user_data is not None:
            snapshot.user_data = user_data
        snapshot.updated_at = self.now()

    def delete_snapshot(self, snapshot_id: str) -> None:
        snapshot = self.snapshot(snapshot_id, owned=True)
        del self.snapshot_store.snapshots[snapshot.snapshot_id]

    def operation(self, operation_id: str) -> Operation:
        if not _UUID.fullmatch(operation_id or ""):
            raise ServiceError(404, "OperationNotFound", "Operation ID is invalid.")
        found = self.operations.get(operation_id.lower())
        if found is None:
            raise ServiceError(404, "OperationNotFound", f"Operation {operation_id} is not found.")
        return found


# -- checks shared by the operations ------------------------------------------------------------


def check_name(name: Any, *, required: bool) -> None:
    if name is None:
        if required:
            raise bad("'name' is empty.")
        return
    if not isinstance(name, str) or not name:
        raise bad("'name' is empty.")
    if len(name) > 128:
        raise bad("'name' is too long.")


def check_user_data(user_data: Any) -> None:
    if user_data is not None and (not isinstance(user_data, str) or len(user_data) > 16384):
        raise bad("'userData' is too long.")


def check_face_user_data(user_data: Any) -> None:
    if user_data is not None and (not isinstance(user_data, str) or len(user_data) > 1024):
        raise bad("'userData' is too long.")


def check_detection_model(model: str | None) -> None:
    if model is not None and model not in DETECTION_MODELS:
        raise bad("'detectionModel' is invalid.")


def check_attributes(
    attributes: Sequence[str],
    detection_model: str,
    recognition_model: str,
    settings: EmulatorSettings,
) -> None:
    for name in attributes:
        if name not in ALL_ATTRIBUTES:
            raise bad(f"'returnFaceAttributes' is invalid: {name}.")
    if not attributes:
        return
    if detection_model == "detection_02":
        raise bad("Attributes are not supported by detection_02.")
    allowed = ATTRIBUTES_03 if detection_model == "detection_03" else ATTRIBUTES_01
    for name in attributes:
        if name not in allowed:
            raise bad(f"'{name}' is not supported by {detection_model}.")
        if name == "qualityForRecognition" and recognition_model not in QUALITY_MODELS:
            raise bad("'qualityForRecognition' needs recognition_03 or recognition_04.")
        if name in RETIRED_ATTRIBUTES and settings.retired_attributes == "refuse":
            raise ServiceError(
                403,
                "UnsupportedFeature",
                "Feature is not supported, please apply for access at "
                f"https://aka.ms/facerecognition: {name}.",
            )


def check_id_list(values: Any, name: str, low: int, high: int | None) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise bad(f"'{name}' is invalid.")
    if len(values) < low or (high is not None and len(values) > high):
        raise bad(f"The length of {name} is invalid.")
    for value in values:
        if not _UUID.fullmatch(value):
            raise bad(f"{name} contains an invalid ID.")
    return list(values)


def check_int(value: Any, name: str, low: int, high: int, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad(f"'{name}' is invalid, the valid range is [{low}, {high}].")
    return value


def check_unit(value: Any, name: str, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise bad(f"'{name}' is invalid, the valid range is [0, 1].")
    return float(value)


def parse_target_face(value: str | None) -> imaging.Rect | None:
    if value is None:
        return None
    parts = value.split(",")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4 or numbers[0] < 0 or numbers[1] < 0 or min(numbers[2:]) <= 0:
        raise bad("Invalid argument targetFace.")
    return imaging.Rect(*numbers)


def analyze(image: bytes) -> imaging.ImageInfo:
    """The faces the service would detect: at least 36x36 pixels."""
    try:
        info = imaging.analyze_image(image)
    except imaging.ImageError as exc:
        if exc.kind == "size":
            small = len(image) < imaging.IMAGE_MIN_BYTES
            raise ServiceError(
                400, "InvalidImageSize", f"Image size is too {'small' if small else 'big'}."
            ) from None
        raise ServiceError(
            400, "InvalidImage", "Decoding error, image format unsupported."
        ) from None
    detectable = tuple(
        face
        for face in info.faces
        if min(face.rect.width, face.rect.height) >= imaging.MIN_FACE_PIXELS
    )
    return dataclasses.replace(info, faces=detectable)


def choose_face(info: imaging.ImageInfo, target: imaging.Rect | None) -> imaging.FoundFace:
    if not info.faces:
        raise ServiceError(400, "InvalidImage", "There is no face detected in the image.")
    if target is None:
        if len(info.faces) > 1:
            raise ServiceError(400, "InvalidImage", "There is more than 1 face in the image.")
        return info.faces[0]
    best = max(info.faces, key=lambda f: _overlap(f.rect, target))
    if _overlap(best.rect, target) < 0.5:
        raise ServiceError(400, "InvalidImage", "There is no face detected in the targetFace.")
    return best


def _overlap(a: imaging.Rect, b: imaging.Rect) -> float:
    """Intersection over the smaller rectangle's area."""
    width = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    height = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return 0.0
    return (width * height) / min(a.width * a.height, b.width * b.height)


def _face_limit(kind: Kind) -> tuple[int, str]:
    if kind.has_persons:
        return MAX_FACES_PER_PERSON, "person"
    if kind is Kind.FACE_LIST:
        return MAX_FACES_PER_FACE_LIST, "face list"
    return MAX_FACES_PER_LARGE_FACE_LIST, "large face list"


def _verdict(confidence: float) -> dict[str, Any]:
    return {"isIdentical": confidence >= VERIFY_THRESHOLD, "confidence": round(confidence, 5)}


def page(
    items: list[Any], key: Callable[[Any], str], start: str | None, top: int | None
) -> list[Any]:
    """The service's paging: ids greater than `start` (string order), at most `top`."""
    if start is not None and len(start) > 64:
        raise bad("'start' is too long.")
    limit = 1000 if top is None else top
    if not 1 <= limit <= 1000:
        raise bad("'top' is invalid, the valid range is [1, 1000].")
    chosen = [item for item in items if start is None or key(item) > start]
    return chosen[:limit]


def ceil_seconds(value: float) -> int:
    return max(1, math.ceil(value))
