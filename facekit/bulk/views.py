"""What the service holds, as bulk enrollment sees it: persons and faces by their tags.

A `PersonStore` is where persons live (a person group, a large one, the PersonDirectory):
it lists, creates and deletes them and gives the faces of each. `PersonIndex` knows a
store's persons by tag (one paged scan, rescans shared by every task that asks). A
`FaceOwner` is where faces go (a person, a face list, a large face list): it adds a face
with its tag, looks up which tags it holds, and deletes an extra copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Protocol

from ..errors import FaceError, NotFoundError
from ..models import PersistedFace, Person
from ..models.enums import DetectionModel, RecognitionModel
from ..models.names import DetectionModelName, RecognitionModelName
from ..polling import PollingPolicy
from ..resources import (
    FaceLists,
    LargeFaceLists,
    LargePersonGroups,
    PersonDirectory,
    PersonGroups,
)
from .plan import TAG_PREFIX, PlannedImage

__all__ = [
    "DirectoryFaces",
    "DirectoryPersons",
    "FaceOwner",
    "GroupPersons",
    "ListFaces",
    "PersonFaces",
    "PersonIndex",
    "PersonStore",
]

#: {tag: [persisted face ids]} of the facekit-tagged faces an owner holds.
TagMap = dict[str, list[str]]


class PersonIndex:
    """A store's facekit-tagged persons by tag; rescans are shared.

    `refresh(not_before)` returns once a scan that started at or after `not_before`
    (time.monotonic()) has completed, starting one only if none did: many tasks that
    need a fresh view after an unclear create share one scan.
    """

    def __init__(self, store: PersonStore) -> None:
        self._store = store
        self._by_tag: dict[str, list[Person]] = {}
        self._scanned_at = float("-inf")
        self._lock = asyncio.Lock()

    async def refresh(self, not_before: float) -> None:
        """Scan the group's persons unless a scan started at or after `not_before` ended."""
        async with self._lock:
            if self._scanned_at >= not_before:
                return
            started = time.monotonic()
            by_tag: dict[str, list[Person]] = {}
            seen: set[str] = set()
            async for person in self._store.scan():
                # A page that repeats a person (a cursor taken as inclusive) is one person.
                if person.person_id in seen:
                    continue
                seen.add(person.person_id)
                if person.user_data and person.user_data.startswith(TAG_PREFIX):
                    by_tag.setdefault(person.user_data, []).append(person)
            self._by_tag = by_tag
            self._scanned_at = started

    def find(self, tag: str) -> list[Person]:
        """The persons carrying `tag` in the latest scan (or added since)."""
        return list(self._by_tag.get(tag, ()))

    def add(self, tag: str, person: Person) -> None:
        """Record a person just created with `tag`."""
        self._by_tag.setdefault(tag, []).append(person)

    def discard(self, tag: str, person_id: str) -> None:
        """Forget a person with `tag` (one deleted)."""
        kept = [p for p in self._by_tag.get(tag, ()) if p.person_id != person_id]
        self._by_tag[tag] = kept

    def duplicated(self) -> dict[str, list[Person]]:
        """Tags carried by more than one person."""
        return {tag: persons for tag, persons in self._by_tag.items() if len(persons) > 1}

    async def delete(self, person_id: str) -> None:
        """Delete a person (an extra copy); one already gone is not an error."""
        with contextlib.suppress(NotFoundError):
            await self._store.delete(person_id)


class FaceOwner(Protocol):
    """Where faces go: one person, or one (large) face list."""

    #: The owner's name in the plan and the journal ("" for a list).
    name: str

    async def add(
        self, image: PlannedImage, detection_model: DetectionModelName | DetectionModel | None
    ) -> str:
        """Add the image's face with its tag; returns the persisted face id."""
        ...

    async def lookup(self) -> TagMap:
        """The facekit tags this owner holds now, with their face ids."""
        ...

    async def delete(self, face_id: str) -> None:
        """Remove one face (an extra copy); a face already gone is not an error."""
        ...


async def _tags_of(
    face_ids: Iterable[str],
    known: dict[str, str],
    user_data: Callable[[str], Awaitable[str | None]],
) -> TagMap:
    """The facekit tags of these faces, reading (and remembering in `known`) the unknown.

    A face deleted since it was listed is left out.
    """
    tags: TagMap = {}
    for face_id in face_ids:
        tag = known.get(face_id)
        if tag is None:
            try:
                tag = await user_data(face_id) or ""
            except NotFoundError:
                continue
            known[face_id] = tag
        if tag.startswith(TAG_PREFIX):
            tags.setdefault(tag, []).append(face_id)
    return tags


class PersonStore(Protocol):
    """Where persons live: a (large) person group, or the PersonDirectory."""

    def scan(self) -> AsyncIterator[Person]:
        """Every person, in pages."""
        ...

    async def get(self, person_id: str) -> Person:
        """One person (NotFoundError if it is gone)."""
        ...

    async def create(self, name: str, tag: str) -> Person:
        """Create a person carrying `tag`; returns it once it can take faces."""
        ...

    async def delete(self, person_id: str) -> None:
        """Delete a person."""
        ...

    def faces(
        self, person_id: str, *, name: str, known: dict[str, str], face_ids: list[str] | None
    ) -> FaceOwner:
        """The faces of one person (`face_ids`: its face ids, if just read)."""
        ...


class GroupPersons:
    """The persons of a person group or large person group."""

    def __init__(self, groups: PersonGroups | LargePersonGroups, group_id: str) -> None:
        self.groups = groups
        self.group_id = group_id

    def scan(self) -> AsyncIterator[Person]:
        """Every person of the group, in pages."""
        return self.groups.persons.list(self.group_id).__aiter__()

    async def get(self, person_id: str) -> Person:
        """One person of the group."""
        return await self.groups.persons.get(self.group_id, person_id)

    async def create(self, name: str, tag: str) -> Person:
        """Create a person carrying `tag` (it can take faces at once)."""
        return await self.groups.persons.create(self.group_id, name=name, user_data=tag)

    async def delete(self, person_id: str) -> None:
        """Delete a person of the group."""
        await self.groups.persons.delete(self.group_id, person_id)

    def faces(
        self, person_id: str, *, name: str, known: dict[str, str], face_ids: list[str] | None
    ) -> PersonFaces:
        """The faces of one person of the group."""
        return PersonFaces(
            self.groups, self.group_id, person_id, name=name, known=known, face_ids=face_ids
        )


class PersonFaces:
    """The faces of one person of a (large) person group.

    The service lists a person's face ids but not their tags: a lookup reads the tag of
    each face id it has not seen (`known` is seeded from the journal and grows with each
    add), so a rerun with a journal costs one request per person.
    """

    def __init__(
        self,
        groups: PersonGroups | LargePersonGroups,
        group_id: str,
        person_id: str,
        *,
        name: str,
        known: dict[str, str],
        face_ids: list[str] | None = None,
    ) -> None:
        self.name = name
        self._persons = groups.persons
        self._group_id = group_id
        self.person_id = person_id
        self._known = dict(known)
        self._face_ids = face_ids

    async def add(
        self, image: PlannedImage, detection_model: DetectionModelName | DetectionModel | None
    ) -> str:
        """Add the image's face with its tag; returns the persisted face id."""
        face: PersistedFace = await self._persons.add_face(
            self._group_id,
            self.person_id,
            image.source,
            user_data=image.tag,
            detection_model=detection_model,
        )
        self._known[face.persisted_face_id] = image.tag
        return face.persisted_face_id

    async def lookup(self) -> TagMap:
        """The facekit tags the person's faces carry now, with their face ids."""
        face_ids, self._face_ids = self._face_ids, None
        if face_ids is None:
            person = await self._persons.get(self._group_id, self.person_id)
            face_ids = person.persisted_face_ids

        async def user_data(face_id: str) -> str | None:
            stored = await self._persons.get_face(self._group_id, self.person_id, face_id)
            return stored.user_data

        return await _tags_of(face_ids, self._known, user_data)

    async def delete(self, face_id: str) -> None:
        """Remove one face (an extra copy); a face already gone is not an error."""
        with contextlib.suppress(NotFoundError):
            await self._persons.delete_face(self._group_id, self.person_id, face_id)
        self._known.pop(face_id, None)


class ListFaces:
    """The faces of a face list or a large face list (their tags come with the listing)."""

    def __init__(self, lists: FaceLists | LargeFaceLists, list_id: str) -> None:
        self.name = ""
        self._lists = lists
        self._list_id = list_id

    async def add(
        self, image: PlannedImage, detection_model: DetectionModelName | DetectionModel | None
    ) -> str:
        """Add the image's face with its tag; returns the persisted face id."""
        face: PersistedFace = await self._lists.add_face(
            self._list_id, image.source, user_data=image.tag, detection_model=detection_model
        )
        return face.persisted_face_id

    async def lookup(self) -> TagMap:
        """The facekit tags the list's faces carry now, with their face ids."""
        if isinstance(self._lists, LargeFaceLists):
            stored = [face async for face in self._lists.list_faces(self._list_id)]
        else:
            stored = (await self._lists.get(self._list_id)).persisted_faces
        tags: TagMap = {}
        for face in stored:
            if face.user_data and face.user_data.startswith(TAG_PREFIX):
                tags.setdefault(face.user_data, []).append(face.persisted_face_id)
        return tags

    async def delete(self, face_id: str) -> None:
        """Remove one face (an extra copy); a face already gone is not an error."""
        with contextlib.suppress(NotFoundError):
            await self._lists.delete_face(self._list_id, face_id)


class DirectoryPersons:
    """The persons of the PersonDirectory, with their faces of one recognition model.

    A create or an add is long-running: each returns once its operation succeeded (a
    person that can take faces, a face in use). If following the operation fails after
    the service accepted the write, the write is reported as of unknown outcome, so that
    bulk enrollment looks for its tag before ever sending it again.
    """

    def __init__(
        self,
        directory: PersonDirectory,
        recognition_model: RecognitionModelName | RecognitionModel,
        polling: PollingPolicy | None = None,
    ) -> None:
        self.directory = directory
        self.recognition_model = recognition_model
        self.polling = polling

    def scan(self) -> AsyncIterator[Person]:
        """Every person of the directory, in pages."""
        return self._persons()

    async def _persons(self) -> AsyncIterator[Person]:
        async for person in self.directory.list_persons():
            yield Person(person_id=person.person_id, name=person.name, user_data=person.user_data)

    async def get(self, person_id: str) -> Person:
        """One person of the directory."""
        person = await self.directory.get_person(person_id)
        return Person(person_id=person.person_id, name=person.name, user_data=person.user_data)

    async def create(self, name: str, tag: str) -> Person:
        """Create a person carrying `tag`; returns once its creation succeeded."""
        creating = await self.directory.begin_create_person(
            name=name, user_data=tag, polling=self.polling
        )
        await _followed(creating.result(), f"person {creating.person_id}")
        return Person(person_id=creating.person_id, name=name, user_data=tag)

    async def delete(self, person_id: str) -> None:
        """Delete a person (and its place in every dynamic group); returns once done."""
        deleting = await self.directory.begin_delete_person(person_id, polling=self.polling)
        await deleting

    def faces(
        self, person_id: str, *, name: str, known: dict[str, str], face_ids: list[str] | None
    ) -> DirectoryFaces:
        """The person's faces of this store's recognition model (looked up afresh)."""
        return DirectoryFaces(
            self.directory,
            person_id,
            self.recognition_model,
            name=name,
            known=known,
            polling=self.polling,
        )


class DirectoryFaces:
    """The faces of one directory person under one recognition model.

    As with a group's person, the listing has face ids only: a lookup reads the tag of
    each face it has not seen.
    """

    def __init__(
        self,
        directory: PersonDirectory,
        person_id: str,
        recognition_model: RecognitionModelName | RecognitionModel,
        *,
        name: str,
        known: dict[str, str],
        polling: PollingPolicy | None = None,
    ) -> None:
        self.name = name
        self._polling = polling
        self._directory = directory
        self.person_id = person_id
        self.recognition_model = recognition_model
        self._known = dict(known)

    async def add(
        self, image: PlannedImage, detection_model: DetectionModelName | DetectionModel | None
    ) -> str:
        """Add the image's face with its tag; returns its id once the face is in use."""
        adding = await self._directory.begin_add_face(
            self.person_id,
            image.source,
            recognition_model=self.recognition_model,
            user_data=image.tag,
            detection_model=detection_model,
            polling=self._polling,
        )
        self._known[adding.persisted_face_id] = image.tag
        await _followed(adding.result(), f"face {adding.persisted_face_id}")
        return adding.persisted_face_id

    async def lookup(self) -> TagMap:
        """The facekit tags the person's faces of this model carry now, with their ids."""
        model = self.recognition_model
        listed = await self._directory.list_faces(self.person_id, recognition_model=model)

        async def user_data(face_id: str) -> str | None:
            stored = await self._directory.get_face(
                self.person_id, face_id, recognition_model=model
            )
            return stored.user_data

        return await _tags_of(listed.persisted_face_ids, self._known, user_data)

    async def delete(self, face_id: str) -> None:
        """Remove one face (an extra copy); a face already gone is not an error."""
        with contextlib.suppress(NotFoundError):
            deleting = await self._directory.begin_delete_face(
                self.person_id,
                face_id,
                recognition_model=self.recognition_model,
                polling=self._polling,
            )
            await deleting
        self._known.pop(face_id, None)


async def _followed(outcome: Awaitable[object], what: str) -> None:
    """Wait for an accepted write's operation; any failure means its outcome is unknown.

    The write was accepted, so a failure to follow it (a poll that timed out, a failed
    operation) must not read as "not applied": it is raised as a plain FaceError, which
    bulk enrollment settles by looking for the tag.
    """
    try:
        await outcome
    except FaceError as error:
        raise FaceError(f"the service accepted {what}; following it failed: {error}") from None
