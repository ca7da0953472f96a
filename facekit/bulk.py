"""Bulk enrollment: many persons and faces, concurrently, exactly once.

Persons are enrolled in parallel (bounded by `concurrency`); the faces of one person, and
of one face list, go one after another, as the service serializes them. A journal (sqlite)
records the intent before each request and the outcome after it. Every face carries a tag
in its userData, so that an add whose outcome is unknown (a timeout or reset after sending,
or a crash) is settled by looking at what the service holds before anything is re-sent: an
interrupted enrollment run again with the same journal ends with every image enrolled once.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .client import FaceClient
from .errors import (
    ConflictError,
    FaceAPIError,
    FaceConnectionError,
    FaceError,
    FaceTimeoutError,
    FaceValidationError,
    NotFoundError,
    TrainingFailedError,
)
from .images import ImageInput
from .models import PersistedFace, TrainingStatus

__all__ = [
    "IMAGE_SUFFIXES",
    "EnrollmentProgress",
    "EnrollmentReport",
    "ImageFailure",
    "Journal",
    "enroll_faces",
    "enroll_people",
    "people_from_folder",
]

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp"})
TAG_PREFIX = "facekit:"
#: Extra tries for a 409 ConcurrentOperationConflict beyond the client's own retries.
CONFLICT_TRIES = 5
#: Sends of one image whose earlier sends were confirmed absent on the service. Resending
#: is safe then; the cap only stops a service that keeps dropping connections.
ADD_TRIES = 8


@attrs.frozen(kw_only=True)
class ImageFailure:
    """An image that could not be enrolled, with the service's (or facekit's) reason."""

    person: str | None
    image: str
    code: str | None
    reason: str


@attrs.frozen(kw_only=True)
class EnrollmentProgress:
    """Counts so far, passed to the `progress` callback after each image and person."""

    persons_total: int
    persons_done: int
    images_total: int
    images_done: int
    images_failed: int

    @property
    def fraction(self) -> float:
        return (
            (self.images_done + self.images_failed) / self.images_total
            if self.images_total
            else 1.0
        )


@attrs.frozen(kw_only=True)
class EnrollmentReport:
    """What an enrollment did; `failures` lists every image that was not enrolled."""

    persons_created: int
    persons_existing: int
    faces_added: int
    faces_already_enrolled: int
    faces_reconciled: int
    failures: list[ImageFailure]
    training: TrainingStatus | None
    elapsed: float

    @property
    def ok(self) -> bool:
        return not self.failures and (
            self.training is None or str(self.training.status) == "succeeded"
        )


def tag_for(*parts: str) -> str:
    """The userData tag that marks a face (or person) as this journal entry's."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]
    return TAG_PREFIX + digest


def image_key(image: ImageInput, root: Path | None = None) -> str:
    """A stable name of an image source for the journal."""
    if isinstance(image, os.PathLike):
        path = Path(image).resolve()
        if root is not None:
            try:
                return path.relative_to(root.resolve()).as_posix()
            except ValueError:
                pass
        return path.as_posix()
    if isinstance(image, (bytes, bytearray, memoryview)):
        return "sha256:" + hashlib.sha256(bytes(image)).hexdigest()
    if isinstance(image, str):
        return image
    raise FaceValidationError(
        "images", "bulk enrollment takes paths, bytes or URLs (sources it can read again)"
    )


def people_from_folder(root: str | os.PathLike[str]) -> dict[str, list[Path]]:
    """`root/<person>/<images>` as {person: [image paths]}, both sorted by name."""
    base = Path(root)
    if not base.is_dir():
        raise FaceValidationError("root", f"{base} is not a folder")
    people: dict[str, list[Path]] = {}
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if images:
            people[folder.name] = images
    return people


def images_from_folder(root: str | os.PathLike[str]) -> list[Path]:
    base = Path(root)
    if not base.is_dir():
        raise FaceValidationError("root", f"{base} is not a folder")
    return sorted(p for p in base.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


_FaceRow = tuple[str, str, str | None, str | None, str | None]


class Journal:
    """Durable record of an enrollment into one group or list (sqlite3, WAL)."""

    def __init__(self, path: str | os.PathLike[str] | None, target: str) -> None:
        self.path = ":memory:" if path is None else os.fspath(path)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS persons (
                person TEXT PRIMARY KEY, tag TEXT NOT NULL, person_id TEXT,
                state TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS faces (
                person TEXT NOT NULL, image TEXT NOT NULL, tag TEXT NOT NULL,
                state TEXT NOT NULL, persisted_face_id TEXT, code TEXT, reason TEXT,
                PRIMARY KEY (person, image));
            """
        )
        row = self._db.execute("SELECT value FROM meta WHERE key = 'target'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('target', ?)", (target,))
        elif row[0] != target:
            self._db.close()
            raise FaceError(f"the journal {self.path} belongs to {row[0]}, not to {target}")

    def close(self) -> None:
        self._db.close()

    # persons: state "intent" (create sent, outcome unknown) or "done"
    def person(self, person: str) -> tuple[str, str | None, str] | None:
        row = self._db.execute(
            "SELECT tag, person_id, state FROM persons WHERE person = ?", (person,)
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def person_intent(self, person: str, tag: str) -> None:
        self._db.execute(
            "INSERT INTO persons VALUES (?, ?, NULL, 'intent') "
            "ON CONFLICT(person) DO UPDATE SET state = 'intent'",
            (person, tag),
        )

    def person_done(self, person: str, person_id: str) -> None:
        self._db.execute(
            "UPDATE persons SET person_id = ?, state = 'done' WHERE person = ?", (person_id, person)
        )

    # faces: state "intent", "done" or "failed"
    def face(self, person: str, image: str) -> _FaceRow | None:
        row = self._db.execute(
            "SELECT tag, state, persisted_face_id, code, reason FROM faces "
            "WHERE person = ? AND image = ?",
            (person, image),
        ).fetchone()
        return (row[0], row[1], row[2], row[3], row[4]) if row else None

    def face_intent(self, person: str, image: str, tag: str) -> None:
        self._db.execute(
            "INSERT INTO faces VALUES (?, ?, ?, 'intent', NULL, NULL, NULL) "
            "ON CONFLICT(person, image) DO UPDATE SET state = 'intent'",
            (person, image, tag),
        )

    def face_done(self, person: str, image: str, persisted_face_id: str) -> None:
        self._db.execute(
            "UPDATE faces SET state = 'done', persisted_face_id = ? WHERE person = ? AND image = ?",
            (persisted_face_id, person, image),
        )

    def face_failed(self, person: str, image: str, code: str | None, reason: str) -> None:
        self._db.execute(
            "UPDATE faces SET state = 'failed', code = ?, reason = ? "
            "WHERE person = ? AND image = ?",
            (code, reason, person, image),
        )

    def known_face_ids(self, person: str) -> set[str]:
        rows = self._db.execute(
            "SELECT persisted_face_id FROM faces WHERE person = ? AND state = 'done'", (person,)
        )
        return {row[0] for row in rows if row[0]}


@attrs.define
class _Tally:
    persons_total: int = 0
    persons_done: int = 0
    persons_created: int = 0
    persons_existing: int = 0
    images_total: int = 0
    added: int = 0
    already: int = 0
    reconciled: int = 0
    failures: list[ImageFailure] = attrs.field(factory=list)

    def progress(self) -> EnrollmentProgress:
        return EnrollmentProgress(
            persons_total=self.persons_total,
            persons_done=self.persons_done,
            images_total=self.images_total,
            images_done=self.added + self.already,
            images_failed=len(self.failures),
        )


def _ambiguous(error: BaseException) -> bool:
    return isinstance(error, (FaceConnectionError, FaceTimeoutError, FaceAPIError)) and bool(
        getattr(error, "possibly_applied", False)
    )


def _conflict(error: BaseException) -> bool:
    return isinstance(error, ConflictError) and error.code == "ConcurrentOperationConflict"


class _FaceTarget:
    """Where faces go: a person of a (large) person group, or a (large) face list.

    `faces_with_tags(known)` maps the facekit tags of the faces the service holds (other
    than the `known` persisted face ids) to their persisted face ids.
    """

    def __init__(
        self,
        add: Callable[..., Awaitable[PersistedFace]],
        faces_with_tags: Callable[[set[str]], Awaitable[dict[str, str]]],
    ) -> None:
        self.add = add
        self.faces_with_tags = faces_with_tags


class _Enrollment:
    def __init__(
        self,
        journal: Journal,
        tally: _Tally,
        *,
        detection_model: str | None,
        progress: Callable[[EnrollmentProgress], object] | None,
        retry_failed: bool,
    ) -> None:
        self.journal = journal
        self.tally = tally
        self.detection_model = detection_model
        self.progress = progress
        self.retry_failed = retry_failed

    def report_progress(self) -> None:
        if self.progress is not None:
            self.progress(self.tally.progress())

    async def enroll_images(
        self, owner: str, target: _FaceTarget, images: Sequence[tuple[str, ImageInput]]
    ) -> None:
        """Add one owner's images one after another, each exactly once."""
        pending: list[tuple[str, ImageInput, str]] = []
        unsettled = False
        for key, source in images:
            row = self.journal.face(owner, key)
            if row is not None and row[1] == "done":
                self.tally.already += 1
                self.report_progress()
                continue
            if row is not None and row[1] == "failed" and not self.retry_failed:
                self._fail(owner, key, row[3], row[4] or "failed before")
                continue
            unsettled = unsettled or (row is not None and row[1] == "intent")
            pending.append((key, source, row[0] if row else tag_for(owner, key)))
        on_service: dict[str, str] = {}
        if unsettled:
            # A previous run stopped with requests in flight: see what the service kept.
            on_service = await self._tags_on_service(owner, target)
        for key, source, tag in pending:
            if tag in on_service:
                self.journal.face_done(owner, key, on_service[tag])
                self.tally.reconciled += 1
                self.tally.already += 1
                self.report_progress()
                continue
            await self._add(owner, target, key, source, tag)

    async def _add(
        self, owner: str, target: _FaceTarget, key: str, source: ImageInput, tag: str
    ) -> None:
        conflicts = unknowns = 0
        while unknowns < ADD_TRIES:
            self.journal.face_intent(owner, key, tag)
            try:
                face: PersistedFace = await target.add(
                    source, user_data=tag, detection_model=self.detection_model
                )
            except Exception as error:
                if _conflict(error) and conflicts < CONFLICT_TRIES:
                    conflicts += 1
                    await asyncio.sleep(0.05 * 2**conflicts)
                    continue
                if _ambiguous(error):
                    # Did it land? Look for our tag before sending the image again.
                    unknowns += 1
                    found = (await self._tags_on_service(owner, target)).get(tag)
                    if found is not None:
                        self.journal.face_done(owner, key, found)
                        self.tally.reconciled += 1
                        self.tally.added += 1
                        self.report_progress()
                        return
                    await asyncio.sleep(min(0.05 * 2**unknowns, 2.0))
                    continue
                if isinstance(error, (FaceAPIError, FaceValidationError)):
                    code = getattr(error, "code", None) or type(error).__name__
                    reason = getattr(error, "message", None) or str(error)
                    self.journal.face_failed(owner, key, code, reason)
                    self._fail(owner, key, code, reason)
                    return
                raise
            self.journal.face_done(owner, key, face.persisted_face_id)
            self.tally.added += 1
            self.report_progress()
            return
        reason = "the service kept failing ambiguously; not retried further"
        self.journal.face_failed(owner, key, None, reason)
        self._fail(owner, key, None, reason)

    async def _tags_on_service(self, owner: str, target: _FaceTarget) -> dict[str, str]:
        known = self.journal.known_face_ids(owner)
        tags: dict[str, str] = await target.faces_with_tags(known)
        return tags

    def _fail(self, owner: str, key: str, code: str | None, reason: str) -> None:
        self.tally.failures.append(
            ImageFailure(person=owner or None, image=key, code=code, reason=reason)
        )
        self.report_progress()


async def _ensure_container(
    resource: Any,
    container_id: str,
    *,
    create: bool,
    name: str | None,
    recognition_model: str | None,
) -> None:
    try:
        await resource.get(container_id)
        return
    except NotFoundError:
        if not create:
            raise
    try:
        await resource.create(
            container_id, name=name or container_id, recognition_model=recognition_model
        )
    except ConflictError as error:
        # Created meanwhile, or by an earlier attempt whose answer was lost.
        if not (error.code or "").endswith("Exists"):
            raise


async def _train(resource: Any, container_id: str) -> TrainingStatus:
    poller = await resource.begin_train(container_id)
    try:
        status: TrainingStatus = await poller
    except TrainingFailedError as failure:
        # A failed training is part of the report, not a crash of the enrollment.
        if not isinstance(failure.status, TrainingStatus):
            raise
        return failure.status
    return status


async def enroll_people(
    face: FaceClient,
    group_id: str,
    people: Mapping[str, Iterable[ImageInput]] | str | os.PathLike[str],
    *,
    large: bool = False,
    journal: str | os.PathLike[str] | None = None,
    concurrency: int = 8,
    create: bool = True,
    group_name: str | None = None,
    recognition_model: str | None = None,
    detection_model: str | None = None,
    train: bool = False,
    retry_failed: bool = False,
    progress: Callable[[EnrollmentProgress], object] | None = None,
) -> EnrollmentReport:
    """Enroll persons and their faces into a person group (or, `large=True`, a large one).

    `people` maps a person's name to image sources (paths, bytes or URLs), or is a folder
    laid out `root/<person>/<images>`. Persons are created as needed; different persons
    are enrolled in parallel, `concurrency` at a time. With a `journal` file, an interrupted
    run started again finishes the job with no duplicates and nothing missing.
    """
    if concurrency < 1:
        raise FaceValidationError("concurrency", "must be at least 1")
    root: Path | None = None
    plan: Mapping[str, Iterable[ImageInput]]
    if isinstance(people, (str, os.PathLike)):
        root = Path(people)
        plan = people_from_folder(root)
    else:
        plan = people
    resource = face.large_person_groups if large else face.person_groups
    collection = "largepersongroups" if large else "persongroups"
    started = time.monotonic()
    await _ensure_container(
        resource, group_id, create=create, name=group_name, recognition_model=recognition_model
    )
    book = Journal(journal, f"{collection}/{group_id}")
    tally = _Tally()
    keyed = {
        person: [(image_key(source, root), source) for source in sources]
        for person, sources in plan.items()
    }
    tally.persons_total = len(keyed)
    tally.images_total = sum(len(images) for images in keyed.values())
    work = _Enrollment(
        book, tally, detection_model=detection_model, progress=progress, retry_failed=retry_failed
    )
    queue: asyncio.Queue[str] = asyncio.Queue()
    for person in keyed:
        queue.put_nowait(person)

    async def worker() -> None:
        while True:
            try:
                person = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            person_id = await _ensure_person(resource, group_id, person, book, tally)
            await work.enroll_images(
                person, _person_target(resource, group_id, person_id), keyed[person]
            )
            tally.persons_done += 1
            work.report_progress()

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(concurrency, max(len(keyed), 1))):
                group.create_task(worker())
        training = await _train(resource, group_id) if train else None
    except BaseExceptionGroup as errors:
        # Surface the first real error, not the group that wraps it.
        raise errors.exceptions[0] from None
    finally:
        book.close()
    return _report(tally, training, started)


def _report(tally: _Tally, training: TrainingStatus | None, started: float) -> EnrollmentReport:
    return EnrollmentReport(
        persons_created=tally.persons_created,
        persons_existing=tally.persons_existing,
        faces_added=tally.added,
        faces_already_enrolled=tally.already - tally.reconciled,
        faces_reconciled=tally.reconciled,
        failures=list(tally.failures),
        training=training,
        elapsed=time.monotonic() - started,
    )


async def _ensure_person(
    resource: Any, group_id: str, person: str, book: Journal, tally: _Tally
) -> str:
    """The person's id, creating the person exactly once."""
    row = book.person(person)
    if row is not None and row[2] == "done" and row[1]:
        tally.persons_existing += 1
        return row[1]
    tag = row[0] if row is not None else tag_for("person", person)
    if row is not None:
        found = await _person_with_tag(resource, group_id, tag)
        if found is not None:
            book.person_done(person, found)
            tally.persons_existing += 1
            return found
    for _ in range(ADD_TRIES):
        book.person_intent(person, tag)
        try:
            created = await resource.persons.create(group_id, name=person[:128], user_data=tag)
        except Exception as error:
            if not _ambiguous(error):
                raise
            found = await _person_with_tag(resource, group_id, tag)
            if found is None:
                continue
            person_id: str = found
        else:
            person_id = created.person_id
        book.person_done(person, person_id)
        tally.persons_created += 1
        return person_id
    raise FaceError(f"could not create person {person!r}: the service kept failing ambiguously")


async def _person_with_tag(resource: Any, group_id: str, tag: str) -> str | None:
    async for candidate in resource.persons.list(group_id):
        if candidate.user_data == tag:
            return str(candidate.person_id)
    return None


def _person_target(resource: Any, group_id: str, person_id: str) -> _FaceTarget:
    persons = resource.persons

    async def add(source: ImageInput, **kwargs: Any) -> PersistedFace:
        face: PersistedFace = await persons.add_face(group_id, person_id, source, **kwargs)
        return face

    async def faces_with_tags(known: set[str]) -> dict[str, str]:
        # One GET for the face ids, then one per face the journal does not know yet.
        person = await persons.get(group_id, person_id)
        tags: dict[str, str] = {}
        for face_id in person.persisted_face_ids:
            if face_id in known:
                continue
            stored = await persons.get_face(group_id, person_id, face_id)
            if stored.user_data and stored.user_data.startswith(TAG_PREFIX):
                tags[stored.user_data] = face_id
        return tags

    return _FaceTarget(add, faces_with_tags)


async def enroll_faces(
    face: FaceClient,
    list_id: str,
    images: Iterable[ImageInput] | str | os.PathLike[str],
    *,
    large: bool = False,
    journal: str | os.PathLike[str] | None = None,
    create: bool = True,
    list_name: str | None = None,
    recognition_model: str | None = None,
    detection_model: str | None = None,
    train: bool = False,
    retry_failed: bool = False,
    progress: Callable[[EnrollmentProgress], object] | None = None,
) -> EnrollmentReport:
    """Add faces to a face list (or, `large=True`, a large face list), each exactly once.

    `images` are paths, bytes or URLs, or a folder of images. Faces of one list go one
    after another, as the service serializes them.
    """
    root: Path | None = None
    sources: list[ImageInput]
    if isinstance(images, (str, os.PathLike)):
        root = Path(images)
        sources = list(images_from_folder(root))
    else:
        sources = list(images)
    resource = face.large_face_lists if large else face.face_lists
    collection = "largefacelists" if large else "facelists"
    if train and not large:
        raise FaceValidationError("train", "face lists need no training; only large ones do")
    started = time.monotonic()
    await _ensure_container(
        resource, list_id, create=create, name=list_name, recognition_model=recognition_model
    )
    book = Journal(journal, f"{collection}/{list_id}")
    tally = _Tally(images_total=len(sources))
    work = _Enrollment(
        book, tally, detection_model=detection_model, progress=progress, retry_failed=retry_failed
    )

    async def add(source: ImageInput, **kwargs: Any) -> PersistedFace:
        added: PersistedFace = await resource.add_face(list_id, source, **kwargs)
        return added

    async def faces_with_tags(known: set[str]) -> dict[str, str]:
        if large:
            stored = [f async for f in face.large_face_lists.list_faces(list_id)]
        else:
            stored = (await face.face_lists.get(list_id)).persisted_faces
        return {
            f.user_data: f.persisted_face_id
            for f in stored
            if f.user_data
            and f.user_data.startswith(TAG_PREFIX)
            and f.persisted_face_id not in known
        }

    try:
        await work.enroll_images(
            "", _FaceTarget(add, faces_with_tags), [(image_key(s, root), s) for s in sources]
        )
        training = await _train(resource, list_id) if train else None
    finally:
        book.close()
    return _report(tally, training, started)
