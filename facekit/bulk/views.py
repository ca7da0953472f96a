"""What the service holds, as bulk enrollment sees it: persons and faces by their tags.

`PersonIndex` knows the persons of a group by tag (one paged scan, rescans shared by
every task that asks). A `FaceOwner` is where faces go (a person, a face list, a large
face list): it adds a face with its tag, looks up which tags it holds, and deletes an
extra copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Protocol

from ..errors import NotFoundError
from ..models import PersistedFace, Person
from ..resources import FaceLists, LargeFaceLists, LargePersonGroups, PersonGroups
from .plan import TAG_PREFIX, PlannedImage

__all__ = ["FaceOwner", "ListFaces", "PersonFaces", "PersonIndex"]

#: {tag: [persisted face ids]} of the facekit-tagged faces an owner holds.
TagMap = dict[str, list[str]]


class PersonIndex:
    """The group's facekit-tagged persons by tag; rescans are shared.

    `refresh(not_before)` returns once a scan that started at or after `not_before`
    (time.monotonic()) has completed, starting one only if none did: many tasks that
    need a fresh view after an unclear create share one scan.
    """

    def __init__(self, groups: PersonGroups | LargePersonGroups, group_id: str) -> None:
        self._persons = groups.persons
        self._group_id = group_id
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
            async for person in self._persons.list(self._group_id):
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
            await self._persons.delete(self._group_id, person_id)


class FaceOwner(Protocol):
    """Where faces go: one person, or one (large) face list."""

    #: The owner's name in the plan and the journal ("" for a list).
    name: str

    async def add(self, image: PlannedImage, detection_model: str | None) -> str:
        """Add the image's face with its tag; returns the persisted face id."""
        ...

    async def lookup(self) -> TagMap:
        """The facekit tags this owner holds now, with their face ids."""
        ...

    async def delete(self, face_id: str) -> None:
        """Remove one face (an extra copy); a face already gone is not an error."""
        ...


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

    async def add(self, image: PlannedImage, detection_model: str | None) -> str:
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
        tags: TagMap = {}
        for face_id in face_ids:
            tag = self._known.get(face_id)
            if tag is None:
                try:
                    stored = await self._persons.get_face(self._group_id, self.person_id, face_id)
                except NotFoundError:
                    continue  # deleted since the person was read
                tag = stored.user_data or ""
                self._known[face_id] = tag
            if tag.startswith(TAG_PREFIX):
                tags.setdefault(tag, []).append(face_id)
        return tags

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

    async def add(self, image: PlannedImage, detection_model: str | None) -> str:
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
