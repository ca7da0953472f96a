"""Bulk enrollment: many persons and faces, concurrently, each on the service exactly once.

Into a person group or large person group (`enroll_people`), a face list or large face
list (`enroll_faces`), or the PersonDirectory with an optional dynamic person group
(`enroll_directory`).

The Face resource is the record. Every person and face facekit creates carries a tag in
its userData (from the person's name; from the owner and the image's content), and a
run looks at the service before it creates anything: run it again, on another machine,
with or without a journal, and what is there is found, not created twice.

After an unclear answer to a create or add (a timeout, a reset, a 5xx, an unreadable
reply) the write may still land. facekit looks for its tag at once; if it is not there,
it waits out a settle window (the request timeout by default) and looks again, and only
then sends it again. What is still unclear after a few rounds is reported as unsettled
and settled by the next run, which looks first. Extra copies that a very late landing
leaves behind are removed when they are seen.

The journal (sqlite) is a cache bound to the resource and the target: it saves lookups,
remembers failures and the time of writes still open. Transient failures (throttling,
5xx, an unreachable service) are retried within the run and stay pending for the next
one; permanent ones (a bad image, a quota) are reported and retried on request.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import partial
from typing import TypeVar

import yarl

from .. import _validation as check
from ..client import FaceClient
from ..errors import FaceError, FaceValidationError
from ..models.enums import DetectionModel, RecognitionModel
from ..models.names import DetectionModelName, RecognitionModelName
from ..polling import PollingPolicy, checked_policy
from ..resources import FaceLists, LargeFaceLists, LargePersonGroups, PersonGroups
from ..resources.person_directory import DIRECTORY_VERSIONS
from .engine import Engine, PersonEnrollment, Slot
from .journal import Journal, JournalBinding, JournalError, JournalMismatchError
from .plan import (
    IMAGE_SUFFIXES,
    TAG_PREFIX,
    BulkImage,
    EnrollmentPlan,
    KeyedImage,
    PlannedOwner,
    images_from_folder,
    people_from_folder,
    person_tag,
    plan_faces,
    plan_people,
    tag_for,
)
from .report import EnrollmentProgress, EnrollmentReport, ImageFailure, Tally
from .settle import SettlePolicy
from .steps import ensure_container, ensure_members, train_target
from .views import DirectoryPersons, GroupPersons, ListFaces

__all__ = [
    "IMAGE_SUFFIXES",
    "TAG_PREFIX",
    "BulkImage",
    "EnrollmentPlan",
    "EnrollmentProgress",
    "EnrollmentReport",
    "ImageFailure",
    "Journal",
    "JournalBinding",
    "JournalError",
    "JournalMismatchError",
    "KeyedImage",
    "SettlePolicy",
    "binding_for",
    "enroll_directory",
    "enroll_faces",
    "enroll_people",
    "images_from_folder",
    "people_from_folder",
    "plan_faces",
    "plan_people",
    "tag_for",
]

ProgressCallback = Callable[[EnrollmentProgress], object]
logger = logging.getLogger("facekit.bulk")
_REGIONAL_SUFFIX = ".api.cognitive.microsoft.com"
#: How bulk enrollment follows PersonDirectory writes, which mostly end within a second.
DIRECTORY_POLLING = PollingPolicy(initial=0.2, growth=1.5, maximum=5.0)
_Source = TypeVar("_Source")


def binding_for(face: FaceClient, collection: str, container_id: str) -> JournalBinding:
    """What a journal of an enrollment into this container with this client is bound to.

    A regional endpoint (`<region>.api.cognitive.microsoft.com`) is shared by every
    resource of the region, so it cannot tell two resources apart: use the resource's own
    endpoint (`https://<name>.cognitiveservices.azure.com`) with a journal.
    """
    url = yarl.URL(face.endpoint)
    endpoint = f"{url.scheme}://{(url.host or '').lower()}:{url.port}{url.path.rstrip('/')}"
    return JournalBinding(
        endpoint=endpoint, api_path=face.api_path, target=f"{collection}/{container_id}"
    )


def _open_journal(
    path: str | os.PathLike[str] | None, face: FaceClient, collection: str, container_id: str
) -> Journal:
    binding = binding_for(face, collection, container_id)
    host = binding.endpoint.split("://", 1)[-1].split(":", 1)[0]
    if path is not None and host.endswith(_REGIONAL_SUFFIX):
        logger.warning(
            "%s is a regional endpoint shared by every Face resource of the region: the "
            "journal cannot tell them apart; prefer the resource's own endpoint",
            host,
        )
    return Journal(path, binding)


def _check_common(
    concurrency: int,
    container_name: str | None,
    recognition_model: RecognitionModelName | RecognitionModel | None,
    detection_model: DetectionModelName | DetectionModel | None,
    settle: SettlePolicy | None,
    journal: object,
    progress: object,
) -> SettlePolicy:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise FaceValidationError("concurrency", "must be an integer >= 1")
    if journal is not None and not isinstance(journal, str | os.PathLike):
        raise FaceValidationError("journal", "must be a file path (str or os.PathLike) or None")
    if progress is not None and not callable(progress):
        raise FaceValidationError("progress", "must be a callable taking EnrollmentProgress")
    if container_name is not None:
        check.name("name", container_name)
    check.model_name("recognition_model", recognition_model)
    check.model_name("detection_model", detection_model)
    if settle is not None and not isinstance(settle, SettlePolicy):
        raise FaceValidationError("settle", "must be a SettlePolicy")
    return settle or SettlePolicy()


async def enroll_people(
    face: FaceClient,
    group_id: str,
    people: Mapping[str, Iterable[BulkImage]] | str | os.PathLike[str] | EnrollmentPlan,
    *,
    large: bool = False,
    journal: str | os.PathLike[str] | None = None,
    concurrency: int = 8,
    create: bool = True,
    group_name: str | None = None,
    recognition_model: RecognitionModelName | RecognitionModel | None = None,
    detection_model: DetectionModelName | DetectionModel | None = None,
    train: bool = False,
    retry_failed: bool = False,
    settle: SettlePolicy | None = None,
    progress: ProgressCallback | None = None,
) -> EnrollmentReport:
    """Enroll persons and their faces into a person group (`large=True`: a large one).

    `people` maps a person's name to images (paths, bytes or http(s) URLs), or is a
    folder laid out `root/<person>/<images>`, or a plan from `plan_people`. Everything
    (ids, names, files, the journal) is checked before the first request. Persons are
    found by their tag or created; `concurrency` persons are enrolled at a time. Each
    face lands once, whatever happened in earlier runs; `journal` (a file) makes reruns
    cheaper and remembers failures. `retry_failed` sends images again that the service
    refused in an earlier run. Returns the report; raises FaceError only when the run
    cannot start (bad input, the group unreachable).
    """
    policy = _check_common(
        concurrency, group_name, recognition_model, detection_model, settle, journal, progress
    )
    check.container_id("group_id", group_id)
    plan = people if isinstance(people, EnrollmentPlan) else await _plan(plan_people, people)
    resource = face.large_person_groups if large else face.person_groups

    async def work(engine: Engine) -> None:
        persons = PersonEnrollment(engine, GroupPersons(resource, group_id))
        async with engine.slot() as slot:
            await persons.prepare(slot)
        await engine.run_all(plan.owners, persons.handle)
        await persons.finish()

    return await _enroll(
        face,
        resource,
        "largepersongroups" if large else "persongroups",
        group_id,
        plan=plan,
        journal=journal,
        create=create,
        name=group_name,
        recognition_model=recognition_model,
        policy=policy,
        concurrency=concurrency,
        detection_model=detection_model,
        retry_failed=retry_failed,
        progress=progress,
        persons_total=len(plan.owners),
        train=train,
        work=work,
    )


async def enroll_faces(
    face: FaceClient,
    list_id: str,
    images: Iterable[BulkImage] | str | os.PathLike[str] | EnrollmentPlan,
    *,
    large: bool = False,
    journal: str | os.PathLike[str] | None = None,
    create: bool = True,
    list_name: str | None = None,
    recognition_model: RecognitionModelName | RecognitionModel | None = None,
    detection_model: DetectionModelName | DetectionModel | None = None,
    train: bool = False,
    retry_failed: bool = False,
    settle: SettlePolicy | None = None,
    progress: ProgressCallback | None = None,
) -> EnrollmentReport:
    """Add faces to a face list (`large=True`: a large face list), each exactly once.

    `images` are paths, bytes or http(s) URLs, or a folder of images, or a plan from
    `plan_faces`. The faces of one list go one after another, as the service serializes
    them; the exactly-once rule, the journal and the report are those of `enroll_people`.
    """
    policy = _check_common(
        1, list_name, recognition_model, detection_model, settle, journal, progress
    )
    check.container_id("list_id", list_id)
    if train and not large:
        raise FaceValidationError("train", "face lists need no training; only large ones do")
    if isinstance(images, EnrollmentPlan):
        plan = images
    else:
        plan = await _plan(partial(plan_faces, large=large), images)
    resource = face.large_face_lists if large else face.face_lists

    async def work(engine: Engine) -> None:
        view = ListFaces(resource, list_id)

        async def handle(slot: Slot, owner: PlannedOwner) -> None:
            await engine.enroll_owner(slot, owner, view)

        await engine.run_all(plan.owners, handle)

    return await _enroll(
        face,
        resource,
        "largefacelists" if large else "facelists",
        list_id,
        plan=plan,
        journal=journal,
        create=create,
        name=list_name,
        recognition_model=recognition_model,
        policy=policy,
        concurrency=1,
        detection_model=detection_model,
        retry_failed=retry_failed,
        progress=progress,
        persons_total=0,
        train=train,
        work=work,
    )


async def enroll_directory(
    face: FaceClient,
    people: Mapping[str, Iterable[BulkImage]] | str | os.PathLike[str] | EnrollmentPlan,
    *,
    recognition_model: RecognitionModelName | RecognitionModel,
    dynamic_person_group_id: str | None = None,
    group_name: str | None = None,
    create: bool = True,
    journal: str | os.PathLike[str] | None = None,
    concurrency: int = 8,
    detection_model: DetectionModelName | DetectionModel | None = None,
    retry_failed: bool = False,
    settle: SettlePolicy | None = None,
    polling: PollingPolicy | None = None,
    progress: ProgressCallback | None = None,
) -> EnrollmentReport:
    """Enroll persons and their faces into the PersonDirectory, each exactly once.

    `people` is as for `enroll_people`. A person is the directory's own, found by the tag
    of its name in its userData (whichever run or machine created it); its faces are
    added for `recognition_model`, each found by its tag in the face's userData before
    anything is sent. Creates and adds are long-running: each is followed until it
    succeeded, polled as `polling` says (default: from 0.2 s, growing to 5 s). With
    `dynamic_person_group_id` the group is made to reference every
    person enrolled (created first if missing and `create`); a rerun adds nobody twice.
    The client's API version must have the directory (v1.0-preview, v1.1-preview.1,
    v1.2-preview.1); nothing is sent otherwise.
    """
    if face.api_version not in DIRECTORY_VERSIONS:
        raise FaceValidationError(
            "api_version",
            f"the PersonDirectory is not in Face API {face.api_version}; it is in "
            f"{', '.join(DIRECTORY_VERSIONS)}",
        )
    model = check.model_name("recognition_model", recognition_model)
    if model is None:
        raise FaceValidationError("recognition_model", "is required (faces are per model)")
    policy = _check_common(
        concurrency, group_name, recognition_model, detection_model, settle, journal, progress
    )
    group_id = check.optional_container_id("dynamic_person_group_id", dynamic_person_group_id)
    follow = checked_policy(polling) or DIRECTORY_POLLING
    plan = people if isinstance(people, EnrollmentPlan) else await _plan(plan_people, people)
    directory = face.person_directory

    async def work(engine: Engine) -> None:
        persons = PersonEnrollment(engine, DirectoryPersons(directory, recognition_model, follow))
        async with engine.slot() as slot:
            await persons.prepare(slot)
        await engine.run_all(plan.owners, persons.handle)
        await persons.finish()
        if group_id is None:
            return
        enrolled = [
            found[0].person_id
            for owner in plan.owners
            if (found := persons.index.find(person_tag(owner.name)))
        ]
        try:
            engine.tally.group_members_added = await ensure_members(
                directory,
                group_id,
                enrolled,
                create=create,
                name=group_name,
                policy=policy,
                polling=follow,
            )
        except FaceError as error:
            engine.tally.group_error = str(error)

    return await _enroll(
        face,
        None,
        "persondirectory",
        model,
        plan=plan,
        journal=journal,
        create=create,
        name=None,
        recognition_model=recognition_model,
        policy=policy,
        concurrency=concurrency,
        detection_model=detection_model,
        retry_failed=retry_failed,
        progress=progress,
        persons_total=len(plan.owners),
        train=False,
        work=work,
    )


async def _enroll(
    face: FaceClient,
    resource: PersonGroups | LargePersonGroups | FaceLists | LargeFaceLists | None,
    collection: str,
    container_id: str,
    *,
    plan: EnrollmentPlan,
    journal: str | os.PathLike[str] | None,
    create: bool,
    name: str | None,
    recognition_model: RecognitionModelName | RecognitionModel | None,
    policy: SettlePolicy,
    concurrency: int,
    detection_model: DetectionModelName | DetectionModel | None,
    retry_failed: bool,
    progress: ProgressCallback | None,
    persons_total: int,
    train: bool,
    work: Callable[[Engine], Awaitable[None]],
) -> EnrollmentReport:
    """The frame of a run: the journal, the container, the work, the training, the report.

    `resource` None: no container to make (the PersonDirectory, bound to its model).
    """
    book = _open_journal(journal, face, collection, container_id)
    started = time.monotonic()
    try:
        if resource is not None:
            await ensure_container(
                resource,
                container_id,
                create=create,
                name=name,
                recognition_model=recognition_model,
                policy=policy,
            )
        tally = Tally(persons_total=persons_total, images_total=plan.images_total)
        engine = Engine.for_client(
            face,
            journal=book,
            policy=policy,
            tally=tally,
            concurrency=concurrency,
            detection_model=detection_model,
            retry_failed=retry_failed,
            progress=progress,
        )
        await work(engine)
        training, training_error = None, None
        if train and resource is not None and not isinstance(resource, FaceLists):
            training, training_error = await train_target(resource, container_id)
    finally:
        book.close()
    return tally.report(training, time.monotonic() - started, book.path, training_error)


async def _plan(make: Callable[[_Source], EnrollmentPlan], source: _Source) -> EnrollmentPlan:
    # Planning hashes every file: keep the event loop free meanwhile.
    return await asyncio.to_thread(make, source)
