"""The PersonDirectory: persons once, their faces per recognition model, dynamic groups.

Every write but a name or userData change is an operation (`operations`) that advances
with the account's clock: notstarted, running, succeeded. The operations on one person, or
on one dynamic person group, run one after another in the order they were sent (the
service processes them sequentially); different persons run side by side. What an
operation does happens when it succeeds: a person becomes usable, a face is used for
recognition, a deletion takes effect, a group's persons change. Records only: the wire
shapes are `wire`'s.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..checks import (
    RECOGNITION_MODELS,
    check_detection_model,
    check_face_user_data,
    check_id_list,
    check_name,
    check_user_data,
    choose_face,
    is_container_id,
    is_uuid,
    parse_target_face,
    readable_image,
)
from ..errors import ServiceError, bad
from ..recognition import Candidate, Vector, feature_vector, rank_persons, similarity
from ..settings import EmulatorSettings
from .containers import MAX_FACES_PER_PERSON, page
from .operations import Completion, Operation, Operations

__all__ = [
    "ALL_PERSONS",
    "MAX_IDENTIFY_PERSONS",
    "DirectoryFace",
    "DirectoryPerson",
    "DynamicGroup",
    "PersonDirectory",
]

#: identify's personIds: at most this many, or ["*"] for every person.
MAX_IDENTIFY_PERSONS = 30
ALL_PERSONS = "*"


@dataclass
class DirectoryFace:
    """A face of a directory person under one recognition model."""

    persisted_face_id: str
    user_data: str | None
    identity: str
    variant: int
    vector: Vector
    #: Used for recognition once its add succeeded.
    ready: bool = False


@dataclass
class DirectoryPerson:
    """A person of the directory, with faces by recognition model."""

    person_id: str
    name: str
    user_data: str | None
    #: Usable (recognised, a group member) once its creation succeeded.
    ready: bool = False
    #: recognition model -> persisted face id -> face.
    faces: dict[str, dict[str, DirectoryFace]] = field(default_factory=dict)
    #: When the last operation sent for this person ends.
    busy_until: float = 0.0

    def usable_vectors(self, model: str) -> list[Vector]:
        """The vectors recognition sees: faces of `model` whose add succeeded."""
        if not self.ready:
            return []
        return [f.vector for f in self.faces.get(model, {}).values() if f.ready]


@dataclass
class DynamicGroup:
    """A dynamic person group: a name over some directory persons."""

    group_id: str
    name: str
    user_data: str | None
    #: The persons it references (as changed by the operations that succeeded).
    members: set[str] = field(default_factory=set)
    #: When the last operation sent for this group ends.
    busy_until: float = 0.0


class PersonDirectory:
    """The account's directory persons and dynamic person groups."""

    def __init__(
        self, settings: EmulatorSettings, clock: Callable[[], float], operations: Operations
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.operations = operations
        self.persons: dict[str, DirectoryPerson] = {}
        self.groups: dict[str, DynamicGroup] = {}
        self._pending: list[Operation] = []

    def advance(self, now: float) -> None:
        """Complete this directory's operations due by `now`, in the order they end."""
        due = sorted((op for op in self._pending if op.ends_at <= now), key=lambda o: o.ends_at)
        for operation in due:
            operation.settle(now)
        self._pending = [op for op in self._pending if not op.done]

    def _queue(self, owner: DirectoryPerson | DynamicGroup, complete: Completion) -> Operation:
        """An operation that runs after every earlier one of the same person or group."""
        now = self.clock()
        duration = self.settings.directory_operation_seconds
        begins = max(now, owner.busy_until)
        starts = begins + min(self.settings.training_queue_seconds, duration / 2)
        owner.busy_until = begins + duration
        operation = Operation(str(uuid.uuid4()), now, starts, begins + duration, complete)
        self._pending.append(operation)
        return self.operations.add(operation)

    # -- persons --------------------------------------------------------------------------

    def find(self, person_id: str, *, status: int = 404) -> DirectoryPerson:
        """A person, or PersonNotFound with `status`."""
        if not is_uuid(person_id or ""):
            raise ServiceError(status, "PersonNotFound", "Person ID is invalid.")
        found = self.persons.get(person_id.lower())
        if found is None:
            raise ServiceError(status, "PersonNotFound", f"Person {person_id} is not found.")
        return found

    def create_person(self, name: Any, user_data: Any) -> tuple[DirectoryPerson, Operation]:
        """A new person, listed at once and usable when its operation succeeds."""
        check_name(name, required=True)
        check_user_data(user_data)
        person = DirectoryPerson(str(uuid.uuid4()), name, user_data)
        self.persons[person.person_id] = person

        def complete() -> tuple[str | None, str | None]:
            person.ready = True
            return f"/persons/{person.person_id}", None

        return person, self._queue(person, complete)

    def persons_page(self, start: str | None, top: int | None) -> list[DirectoryPerson]:
        """A page of the persons, by id."""
        _check_person_start(start)
        ordered = sorted(self.persons.values(), key=lambda p: p.person_id)
        return page(ordered, lambda p: p.person_id, start, top)

    def update_person(self, person_id: str, name: Any, user_data: Any) -> None:
        """Change a person's name and/or userData (at once)."""
        person = self.find(person_id)
        if name is None and user_data is None:
            raise bad("Both 'name' and 'userData' are empty.")
        if name is not None:
            check_name(name, required=True)
        check_user_data(user_data)
        if name is not None:
            person.name = name
        if user_data is not None:
            person.user_data = user_data

    def delete_person(self, person_id: str) -> Operation:
        """Delete a person with its faces; it leaves every dynamic group when it succeeds."""
        person = self.find(person_id)
        key = person.person_id

        def complete() -> tuple[str | None, str | None]:
            if self.persons.get(key) is not person:
                return None, f"Person {key} is not found."
            del self.persons[key]
            for group in self.groups.values():
                group.members.discard(key)
            return None, None

        return self._queue(person, complete)

    # -- faces ----------------------------------------------------------------------------

    @staticmethod
    def _model(recognition_model: str) -> str:
        if recognition_model not in RECOGNITION_MODELS:
            raise bad("'recognitionModel' is invalid.")
        return recognition_model

    def add_face(
        self,
        person_id: str,
        recognition_model: str,
        image: bytes,
        *,
        user_data: str | None,
        target_face: str | None,
        detection_model: str | None,
    ) -> tuple[DirectoryFace, Operation]:
        """Detect the one face (or the target face) and store it for one model.

        The face is listed at once; recognition uses it once its operation succeeds.
        """
        person = self.find(person_id)
        model = self._model(recognition_model)
        check_face_user_data(user_data)
        check_detection_model(detection_model)
        rect = parse_target_face(target_face)
        chosen = choose_face(readable_image(image), rect)
        faces = person.faces.setdefault(model, {})
        if len(faces) >= MAX_FACES_PER_PERSON:
            raise ServiceError(
                403,
                "QuotaExceeded",
                f"Persisted face number reached limit, maximum is {MAX_FACES_PER_PERSON} per "
                "person.",
            )
        face = DirectoryFace(
            str(uuid.uuid4()),
            user_data,
            chosen.identity,
            chosen.variant,
            feature_vector(chosen.identity, chosen.variant),
        )
        faces[face.persisted_face_id] = face
        key = person.person_id

        def complete() -> tuple[str | None, str | None]:
            if self.persons.get(key) is not person or face.persisted_face_id not in faces:
                return None, f"Person {key} is not found."
            face.ready = True
            return None, None

        return face, self._queue(person, complete)

    def faces_of(self, person_id: str, recognition_model: str) -> tuple[DirectoryPerson, list[str]]:
        """A person and the ids of its faces under one model, oldest first."""
        person = self.find(person_id)
        return person, list(person.faces.get(self._model(recognition_model), {}))

    def face(self, person_id: str, recognition_model: str, face_id: str) -> DirectoryFace:
        """One face of a person under one model, or PersistedFaceNotFound."""
        person = self.find(person_id)
        faces = person.faces.get(self._model(recognition_model), {})
        if not is_uuid(face_id or ""):
            raise ServiceError(404, "PersistedFaceNotFound", "Persisted face ID is invalid.")
        found = faces.get(face_id.lower())
        if found is None:
            raise ServiceError(
                404, "PersistedFaceNotFound", f"Persisted face {face_id} is not found."
            )
        return found

    def update_face(
        self, person_id: str, recognition_model: str, face_id: str, user_data: Any
    ) -> None:
        """Replace a face's userData (at once)."""
        face = self.face(person_id, recognition_model, face_id)
        check_face_user_data(user_data)
        face.user_data = user_data

    def delete_face(self, person_id: str, recognition_model: str, face_id: str) -> Operation:
        """Delete one face; it stops being used when the operation succeeds."""
        face = self.face(person_id, recognition_model, face_id)
        person = self.find(person_id)
        faces = person.faces[recognition_model]

        def complete() -> tuple[str | None, str | None]:
            if faces.get(face.persisted_face_id) is not face:
                return None, f"Persisted face {face.persisted_face_id} is not found."
            del faces[face.persisted_face_id]
            return None, None

        return self._queue(person, complete)

    # -- dynamic person groups ------------------------------------------------------------

    def group(self, group_id: str, *, referenced: bool = False) -> DynamicGroup:
        """A dynamic person group, or its error (400 BadArgument for a malformed id)."""
        if not is_container_id(group_id or ""):
            if referenced:
                raise ServiceError(
                    400, "DynamicPersonGroupNotFound", "Dynamic person group ID is invalid."
                )
            raise bad("Dynamic person group ID is invalid.")
        found = self.groups.get(group_id)
        if found is None:
            raise ServiceError(
                400 if referenced else 404,
                "DynamicPersonGroupNotFound",
                "Dynamic person group is not found.",
            )
        return found

    def _existing(self, values: Any, name: str) -> list[str]:
        """Ids of persons that exist now (PersonNotFound for any that does not)."""
        ids = check_id_list(values, name, 0, None)
        return [self.find(person_id).person_id for person_id in ids]

    def create_group(
        self, group_id: Any, name: Any, user_data: Any, add_person_ids: Any
    ) -> tuple[DynamicGroup, Operation | None]:
        """A new group; with persons, an operation adds them (else it is complete at once)."""
        if not isinstance(group_id, str) or not is_container_id(group_id):
            raise bad(
                "Dynamic person group ID is invalid. Valid format should be a string composed "
                "by numbers, English letters in lower case, '-', '_', and no longer than 64 "
                "characters."
            )
        check_name(name, required=True)
        check_user_data(user_data)
        adding = self._existing(add_person_ids, "addPersonIds") if add_person_ids else []
        if group_id in self.groups:
            raise ServiceError(
                409, "DynamicPersonGroupExists", "Dynamic person group already exists."
            )
        group = DynamicGroup(group_id, name, user_data)
        self.groups[group_id] = group
        if not adding:
            return group, None
        return group, self._change_members(group, adding, [])

    def update_group(
        self,
        group_id: str,
        name: Any,
        user_data: Any,
        add_person_ids: Any,
        remove_person_ids: Any,
        *,
        always_operation: bool,
    ) -> Operation | None:
        """Change a group: name and userData at once, its persons by an operation.

        `always_operation`: v1.0-preview answers every update with an operation.
        """
        group = self.group(group_id)
        if name is None and user_data is None and not add_person_ids and not remove_person_ids:
            raise bad("Both 'name' and 'userData' are empty.")
        if name is not None:
            check_name(name, required=True)
        check_user_data(user_data)
        adding = self._existing(add_person_ids, "addPersonIds") if add_person_ids else []
        removing = (
            check_id_list(remove_person_ids, "removePersonIds", 0, None)
            if remove_person_ids
            else []
        )
        if name is not None:
            group.name = name
        if user_data is not None:
            group.user_data = user_data
        if not (adding or removing or always_operation):
            return None
        return self._change_members(group, adding, removing)

    def _change_members(
        self, group: DynamicGroup, adding: Sequence[str], removing: Sequence[str]
    ) -> Operation:
        def complete() -> tuple[str | None, str | None]:
            if self.groups.get(group.group_id) is not group:
                return None, "Dynamic person group is not found."
            gone = [pid for pid in adding if pid not in self.persons]
            group.members.update(pid for pid in adding if pid in self.persons)
            group.members.difference_update(pid.lower() for pid in removing)
            if gone:
                return None, f"Person {gone[0]} is not found."
            return f"/dynamicpersongroups/{group.group_id}", None

        return self._queue(group, complete)

    def groups_page(self, start: str | None, top: int | None) -> list[DynamicGroup]:
        """A page of the groups, by id."""
        ordered = sorted(self.groups.values(), key=lambda g: g.group_id)
        return page(ordered, lambda g: g.group_id, start, top)

    def delete_group(self, group_id: str) -> Operation:
        """Delete a group (its persons stay) when the operation succeeds."""
        group = self.group(group_id)

        def complete() -> tuple[str | None, str | None]:
            if self.groups.get(group.group_id) is not group:
                return None, "Dynamic person group is not found."
            del self.groups[group.group_id]
            return None, None

        return self._queue(group, complete)

    def members_page(self, group_id: str, start: str | None, top: int | None) -> list[str]:
        """A page of the person ids a group references, in order."""
        group = self.group(group_id)
        _check_person_start(start)
        return page(sorted(group.members), str, start, top)

    def references_page(self, person_id: str, start: str | None, top: int | None) -> list[str]:
        """A page of the ids of the groups that reference a person, in order."""
        person = self.find(person_id)
        ids = sorted(g.group_id for g in self.groups.values() if person.person_id in g.members)
        return page(ids, str, start, top)

    # -- recognition ----------------------------------------------------------------------

    def candidates(self, group_id: Any, person_ids: Any) -> list[DirectoryPerson]:
        """The persons identify may propose: a group's, some persons, or all ("*")."""
        if group_id is not None:
            if not isinstance(group_id, str):
                raise bad("Dynamic person group ID is invalid.")
            group = self.group(group_id, referenced=True)
            return [self.persons[pid] for pid in sorted(group.members) if pid in self.persons]
        if person_ids == [ALL_PERSONS]:
            return list(self.persons.values())
        ids = check_id_list(person_ids, "personIds", 1, MAX_IDENTIFY_PERSONS)
        return [self.find(pid, status=400) for pid in ids]

    @staticmethod
    def rank(
        query: Vector, model: str, persons: Iterable[DirectoryPerson], floor: float, top: int
    ) -> tuple[Candidate, ...]:
        """The persons most like `query`, by their faces of `model` in use."""
        vectors = {p.person_id: p.usable_vectors(model) for p in persons}
        return rank_persons(query, vectors, floor, top)

    def similarity_to(self, query: Vector, model: str, person_id: Any) -> float:
        """How like `query` the person's closest face of `model` in use is (verify)."""
        person = self.find(person_id if isinstance(person_id, str) else "", status=400)
        vectors = person.usable_vectors(model)
        if not vectors:
            raise ServiceError(
                404, "PersistedFaceNotFound", "No persisted face of the person is found."
            )
        return max(similarity(query, vector) for vector in vectors)


def _check_person_start(start: str | None) -> None:
    """Lists keyed by person id page from a person id."""
    if start is not None and not is_uuid(start):
        raise bad("'start' is not valid person ID.")
