"""Groups and lists: person groups, large person groups, face lists, large face lists.

Their persons, faces and trainings live here too. Records only: the wire shapes are
`wire`'s. Trainings advance with the account's clock, evaluated when read (no background
tasks).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..checks import (
    check_container_id,
    check_detection_model,
    check_face_user_data,
    check_name,
    check_recognition_model,
    check_user_data,
    choose_face,
    is_container_id,
    is_uuid,
    parse_target_face,
    readable_image,
)
from ..errors import ServiceError, bad
from ..recognition import Vector, feature_vector
from ..settings import EmulatorSettings, Kind
from .operations import Operation, Operations

__all__ = [
    "MAX_FACES_PER_FACE_LIST",
    "MAX_FACES_PER_LARGE_FACE_LIST",
    "MAX_FACES_PER_PERSON",
    "Container",
    "Containers",
    "Person",
    "StoredFace",
    "Trained",
    "Training",
    "TrainingStatus",
    "page",
]

MAX_FACES_PER_PERSON = 248
MAX_FACES_PER_FACE_LIST = 1000
MAX_FACES_PER_LARGE_FACE_LIST = 1_000_000

T = TypeVar("T")


@dataclass
class StoredFace:
    """A persisted face: its id, userData, and who it shows."""

    persisted_face_id: str
    user_data: str | None
    identity: str
    variant: int
    vector: Vector


@dataclass
class Person:
    """A person of a (large) person group, with its faces."""

    person_id: str
    name: str | None
    user_data: str | None
    faces: dict[str, StoredFace] = field(default_factory=dict)


@dataclass
class Trained:
    """What identify / find-similar see: the state captured when a training ran."""

    persons: dict[str, list[Vector]] = field(default_factory=dict)
    faces: dict[str, Vector] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainingStatus:
    """What GET training reports: the phase and its times (None where the service has none)."""

    #: "notstarted", "running", "succeeded" or "failed" (the wire spells it per version).
    status: str
    created_at: float
    last_action_at: float | None
    message: str | None
    last_success_at: float | None


@dataclass
class Training:
    """One training of a container, from queued to finished."""

    queued_at: float
    starts_at: float
    ends_at: float
    succeeded: bool
    message: str | None
    captured: Trained
    #: What GET training showed before this one was queued; visible until it starts.
    previous: TrainingStatus | None
    operation_id: str

    def phase(self, now: float) -> str:
        """The phase at `now`: "notstarted", "running", "succeeded" or "failed"."""
        if now < self.starts_at:
            return "notstarted"
        if now < self.ends_at:
            return "running"
        return "succeeded" if self.succeeded else "failed"


@dataclass
class Container:
    """A person group, large person group, face list or large face list."""

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
        """Its faces, or its persons' faces."""
        if self.kind.has_persons:
            return sum(len(p.faces) for p in self.persons.values())
        return len(self.faces)

    def capture(self) -> Trained:
        """What a training that starts now will have learnt."""
        if self.kind.has_persons:
            return Trained(
                persons={
                    pid: [f.vector for f in p.faces.values()] for pid, p in self.persons.items()
                }
            )
        return Trained(faces={fid: f.vector for fid, f in self.faces.items()})


def page(
    items: Sequence[T], key: Callable[[T], str], start: str | None, top: int | None
) -> list[T]:
    """The service's paging: ids greater than `start` (string order), at most `top`."""
    if start is not None and len(start) > 64:
        raise bad("'start' is too long.")
    limit = 1000 if top is None else top
    if not 1 <= limit <= 1000:
        raise bad("'top' is invalid, the valid range is [1, 1000].")
    chosen = [item for item in items if start is None or key(item) > start]
    return chosen[:limit]


class Containers(Mapping[tuple[Kind, str], Container]):
    """The account's containers by (kind, id), and the operations on them and their contents.

    A read-only mapping: changes go through the methods, which check the request first.
    """

    def __init__(
        self, settings: EmulatorSettings, clock: Callable[[], float], operations: Operations
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.operations = operations
        self._all: dict[tuple[Kind, str], Container] = {}

    def __getitem__(self, key: tuple[Kind, str]) -> Container:
        return self._all[key]

    def __iter__(self) -> Iterator[tuple[Kind, str]]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    def advance(self, now: float) -> None:
        """Let identify / find-similar see the trainings that have succeeded by `now`."""
        for container in self._all.values():
            training = container.training
            if (
                training
                and training.succeeded
                and now >= training.ends_at
                and container.last_success_at != training.ends_at
            ):
                container.trained = training.captured
                container.last_success_at = training.ends_at

    # -- lookups --------------------------------------------------------------------------

    def find(self, kind: Kind, container_id: str, *, referenced: bool = False) -> Container:
        """The container, or its NotFound error (400 when referenced from identify/verify)."""
        status = 400 if referenced else 404
        if not is_container_id(container_id or ""):
            raise ServiceError(status, f"{kind.label}NotFound", f"{kind.words} ID is invalid.")
        found = self._all.get((kind, container_id))
        if found is None:
            raise ServiceError(
                status, f"{kind.label}NotFound", f"{kind.words} '{container_id}' is not found."
            )
        return found

    @staticmethod
    def person(container: Container, person_id: str, *, status: int = 404) -> Person:
        """The person of a group, or PersonNotFound with `status`."""
        if not is_uuid(person_id or ""):
            raise ServiceError(status, "PersonNotFound", "Person ID is invalid.")
        found = container.persons.get(person_id.lower())
        if found is None:
            raise ServiceError(status, "PersonNotFound", f"Person {person_id} is not found.")
        return found

    @staticmethod
    def stored_face(faces: Mapping[str, StoredFace], face_id: str) -> StoredFace:
        """A persisted face among `faces`, or PersistedFaceNotFound."""
        if not is_uuid(face_id or ""):
            raise ServiceError(404, "PersistedFaceNotFound", "Persisted face ID is invalid.")
        found = faces.get(face_id.lower())
        if found is None:
            raise ServiceError(
                404, "PersistedFaceNotFound", f"Persisted face {face_id} is not found."
            )
        return found

    def face_collection(
        self, kind: Kind, container_id: str, person_id: str | None
    ) -> dict[str, StoredFace]:
        """The faces of a person (when `person_id` is given) or of a list."""
        container = self.find(kind, container_id)
        if person_id is not None:
            return self.person(container, person_id).faces
        return container.faces

    # -- containers -----------------------------------------------------------------------

    def create(
        self,
        kind: Kind,
        container_id: Any,
        name: Any,
        user_data: Any,
        recognition_model: Any,
    ) -> Container:
        """Create an empty container (409 when the id is taken)."""
        container_id = check_container_id(kind, container_id)
        check_name(name, required=True)
        check_user_data(user_data)
        model = check_recognition_model(recognition_model)
        if (kind, container_id) in self._all:
            raise ServiceError(409, f"{kind.label}Exists", f"{kind.words} already exists.")
        container = Container(kind, container_id, name, user_data, model, created_at=self.clock())
        self._all[(kind, container_id)] = container
        return container

    def adopt(self, container: Container) -> None:
        """Add a container made elsewhere (a snapshot being applied) under its own id."""
        self._all[(container.kind, container.container_id)] = container

    def update(self, kind: Kind, container_id: str, name: Any, user_data: Any) -> None:
        """Change a container's name and/or userData."""
        container = self.find(kind, container_id)
        if name is None and user_data is None:
            raise bad("Both 'name' and 'userData' are empty.")
        if name is not None:
            check_name(name, required=True)
        check_user_data(user_data)
        if name is not None:
            container.name = name
        if user_data is not None:
            container.user_data = user_data

    def delete(self, kind: Kind, container_id: str) -> None:
        """Delete a container and everything in it."""
        container = self.find(kind, container_id)
        del self._all[(kind, container.container_id)]

    def all_of(self, kind: Kind) -> list[Container]:
        """Every container of `kind`, by id (FaceList - List has no paging)."""
        return sorted(
            (c for (k, _), c in self._all.items() if k is kind), key=lambda c: c.container_id
        )

    def page_of(self, kind: Kind, start: str | None, top: int | None) -> list[Container]:
        """A page of the containers of `kind`, by id."""
        return page(self.all_of(kind), lambda c: c.container_id, start, top)

    # -- persons --------------------------------------------------------------------------

    def create_person(
        self, kind: Kind, group_id: str, name: Any, user_data: Any, *, name_required: bool
    ) -> Person:
        """Add a person to a group (403 QuotaExceeded past the person group's limit)."""
        group = self.find(kind, group_id)
        check_name(name, required=name_required)
        check_user_data(user_data)
        if kind is Kind.PERSON_GROUP and len(group.persons) >= self.settings.max_persons_per_group:
            raise ServiceError(
                403, "QuotaExceeded", "Person number reached limit of the person group."
            )
        person = Person(str(uuid.uuid4()), name, user_data)
        group.persons[person.person_id] = person
        return person

    @staticmethod
    def persons_page(group: Container, start: str | None, top: int | None) -> list[Person]:
        """A page of a group's persons, by id."""
        persons = sorted(group.persons.values(), key=lambda p: p.person_id)
        return page(persons, lambda p: p.person_id, start, top)

    def get_person(self, kind: Kind, group_id: str, person_id: str) -> Person:
        """A person of a group."""
        return self.person(self.find(kind, group_id), person_id)

    def update_person(
        self, kind: Kind, group_id: str, person_id: str, name: Any, user_data: Any
    ) -> None:
        """Change a person's name and/or userData."""
        person = self.person(self.find(kind, group_id), person_id)
        if name is None and user_data is None:
            raise bad("Both 'name' and 'userData' are empty.")
        if name is not None:
            check_name(name, required=True)
            person.name = name
        check_user_data(user_data)
        if user_data is not None:
            person.user_data = user_data

    def delete_person(self, kind: Kind, group_id: str, person_id: str) -> None:
        """Delete a person and its faces."""
        group = self.find(kind, group_id)
        person = self.person(group, person_id)
        del group.persons[person.person_id]

    # -- faces ----------------------------------------------------------------------------

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
    ) -> StoredFace:
        """Detect the one face (or the target face) in an image and store it."""
        container = self.find(kind, container_id)
        person = self.person(container, person_id) if person_id is not None else None
        check_face_user_data(user_data)
        check_detection_model(detection_model)
        rect = parse_target_face(target_face)
        chosen = choose_face(readable_image(image), rect)
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
            feature_vector(chosen.identity, chosen.variant),
        )
        faces[stored.persisted_face_id] = stored
        return stored

    @staticmethod
    def faces_page(
        faces: Mapping[str, StoredFace], start: str | None, top: int | None
    ) -> list[StoredFace]:
        """A page of persisted faces, by id."""
        ordered = sorted(faces.values(), key=lambda f: f.persisted_face_id)
        return page(ordered, lambda f: f.persisted_face_id, start, top)

    def get_face(
        self, kind: Kind, container_id: str, person_id: str | None, face_id: str
    ) -> StoredFace:
        """A persisted face of a person or a list."""
        return self.stored_face(self.face_collection(kind, container_id, person_id), face_id)

    def update_face(
        self, kind: Kind, container_id: str, person_id: str | None, face_id: str, user_data: Any
    ) -> None:
        """Replace a persisted face's userData."""
        face = self.stored_face(self.face_collection(kind, container_id, person_id), face_id)
        check_face_user_data(user_data)
        face.user_data = user_data

    def delete_face(
        self, kind: Kind, container_id: str, person_id: str | None, face_id: str
    ) -> None:
        """Delete a persisted face of a person or a list."""
        faces = self.face_collection(kind, container_id, person_id)
        face = self.stored_face(faces, face_id)
        del faces[face.persisted_face_id]

    def _claim(self, container: Container, key: str) -> None:
        """Writes to one person or list are serialized by the service: a second one conflicts."""
        now = self.clock()
        if container.busy_until.get(key, 0.0) > now:
            raise ServiceError(
                409,
                "ConcurrentOperationConflict",
                f"There is a conflict operation on resource {key}, please try later.",
            )
        if self.settings.write_seconds > 0:
            container.busy_until[key] = now + self.settings.write_seconds

    # -- training -------------------------------------------------------------------------

    def train(self, kind: Kind, container_id: str) -> Training:
        """Queue a training (409 while one runs); an empty container's training fails."""
        container = self.find(kind, container_id)
        now = self.clock()
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
        # v1.2 follows a training at /operations/{id} as well.
        self.operations.add(
            Operation(training.operation_id, now, starts, ends, lambda: (None, message))
        )
        return training

    def training_status(self, container: Container, now: float | None = None) -> TrainingStatus:
        """The container's training status; the previous result until a queued one starts."""
        training = container.training
        kind = container.kind
        if training is None:
            raise ServiceError(
                404,
                f"{kind.label}NotTrained",
                f"{kind.words} '{container.container_id}' not trained.",
            )
        now = self.clock() if now is None else now
        phase = training.phase(now)
        if phase == "notstarted" and training.previous is not None:
            return training.previous
        return TrainingStatus(
            status=phase,
            created_at=training.queued_at,
            last_action_at=min(now, training.ends_at) if phase != "notstarted" else None,
            message=training.message if phase == "failed" else None,
            last_success_at=training.ends_at if phase == "succeeded" else container.last_success_at,
        )

    def trained_state(self, container: Container) -> Trained:
        """What identify / find-similar may use, or the service's error why not."""
        kind = container.kind
        if container.trained is not None:
            return container.trained
        training = container.training
        if training is not None and training.phase(self.clock()) in ("notstarted", "running"):
            raise ServiceError(
                409,
                f"{kind.label}TrainingNotFinished",
                f"{kind.words} '{container.container_id}' is under training.",
            )
        raise ServiceError(
            400, f"{kind.label}NotTrained", f"{kind.words} '{container.container_id}' not trained."
        )


def _face_limit(kind: Kind) -> tuple[int, str]:
    if kind.has_persons:
        return MAX_FACES_PER_PERSON, "person"
    if kind is Kind.FACE_LIST:
        return MAX_FACES_PER_FACE_LIST, "face list"
    return MAX_FACES_PER_LARGE_FACE_LIST, "large face list"
