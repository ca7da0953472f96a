"""Bulk enrollment into the PersonDirectory: each person and each face once, by their tags.

The rule is the one of groups and lists: a person carries the tag of its name in its
userData, a face the tag of (person, image) in its own; a run looks before it creates, an
unclear answer is settled by looking again after a window. Creates and adds are
long-running here, and a poll that fails after the service accepted the write must settle
like an unclear answer, never be sent again blindly.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from facekit import FaceClient, FaceValidationError, KeyCredential, PollingPolicy
from facekit.bulk import EnrollmentProgress, SettlePolicy, enroll_directory
from facekit.bulk.plan import person_tag
from facekit.emulator import EmulatorSettings, FaceEmulator
from facekit.models import RecognitionModelName

from .bulk_support import family
from .conftest import quick_client_options

FAST_SETTLE = SettlePolicy(window=0.3, backoff=0.02, backoff_max=0.1)
QUICK = PollingPolicy(initial=0.01, growth=1.5, maximum=0.05, jitter=0.0)
MODEL: RecognitionModelName = "recognition_04"
VERSION = "v1.2-preview.1"


@pytest.fixture
def emulator_settings() -> EmulatorSettings:
    return EmulatorSettings(directory_operation_seconds=0.02, training_queue_seconds=0.005)


@pytest.fixture
def emulator_seed() -> int:
    """The faults these tests inject by probability draw from seed 11."""
    return 11


@pytest.fixture
async def face(emulator: FaceEmulator) -> AsyncIterator[FaceClient]:
    async with FaceClient(
        emulator.endpoint,
        KeyCredential(emulator.key),
        api_version=VERSION,
        **quick_client_options(),
    ) as client:
        yield client


async def directory_census(face: FaceClient, model: RecognitionModelName = MODEL) -> dict[str, Any]:
    """Persons by name, and every face tag of `model` (duplicates stay visible)."""
    pd = face.person_directory
    names: Counter[str] = Counter()
    person_tags: Counter[str] = Counter()
    face_tags: Counter[str] = Counter()
    async for person in pd.list_persons():
        names[person.name or ""] += 1
        person_tags[person.user_data or ""] += 1
        listed = await pd.list_faces(person.person_id, recognition_model=model)
        for face_id in listed.persisted_face_ids:
            stored = await pd.get_face(person.person_id, face_id, recognition_model=model)
            face_tags[stored.user_data or ""] += 1
    return {"names": names, "person_tags": person_tags, "face_tags": face_tags}


def exactly_once(census: dict[str, Any], people: int, faces: int) -> None:
    assert len(census["names"]) == people
    assert set(census["names"].values()) == {1}, census["names"]
    assert set(census["person_tags"].values()) == {1}
    assert sum(census["face_tags"].values()) == faces
    assert set(census["face_tags"].values()) == {1}, "a face is on the service twice"


async def test_a_folder_is_enrolled_once_into_the_directory_and_a_dynamic_group(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    root = family(tmp_path / "photos", people=4, per_person=3)
    seen: list[EnrollmentProgress] = []
    report = await enroll_directory(
        face,
        root,
        recognition_model=MODEL,
        polling=QUICK,
        dynamic_person_group_id="staff",
        group_name="Staff",
        concurrency=4,
        progress=seen.append,
    )
    assert (report.persons_created, report.faces_added, report.failures) == (4, 12, [])
    assert report.group_members_added == 4
    assert report.ok
    assert seen[-1].images_done == 12
    exactly_once(await directory_census(face), 4, 12)
    pd = face.person_directory
    members = [p async for p in pd.list_dynamic_person_group_persons("staff")]
    persons = [p async for p in pd.list_persons()]
    assert sorted(members) == sorted(p.person_id for p in persons)
    assert (await pd.get_dynamic_person_group("staff")).name == "Staff"
    # A person's tag is its name's, as in groups.
    assert {p.user_data for p in persons} == {person_tag(f"person-{i:02d}") for i in range(4)}
    # Enrolled faces are in use: a new picture of person-02 is identified in the group.
    (found,) = await face.detect(
        (root / "person-02" / "1.png").read_bytes(), return_face_id=True, recognition_model=MODEL
    )
    assert found.face_id is not None
    (result,) = await face.identify([found.face_id], dynamic_person_group_id="staff")
    (best,) = result.candidates[:1]
    assert (await pd.get_person(best.person_id)).name == "person-02"


async def test_a_rerun_finds_everything_and_sends_no_write(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    root = family(tmp_path / "photos", people=3, per_person=2)
    await enroll_directory(face, root, recognition_model=MODEL, dynamic_person_group_id="staff")
    emulator.log.clear()
    again = await enroll_directory(
        face, root, recognition_model=MODEL, dynamic_person_group_id="staff"
    )
    assert (again.persons_found, again.faces_found, again.faces_added) == (3, 6, 0)
    assert again.group_members_added == 0
    writes = [r for r in emulator.log.requests if r.method in ("POST", "PUT", "PATCH", "DELETE")]
    assert writes == []
    exactly_once(await directory_census(face), 3, 6)


async def test_resets_after_commit_never_duplicate_a_person_or_a_face(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    emulator.inject("PersonDirectory_AddPersonFace*", reset="after", probability=0.3, times=None)
    emulator.inject("PersonDirectory_CreatePerson", reset="after", times=2)
    report = await enroll_directory(
        face,
        family(tmp_path / "p", people=4, per_person=3),
        recognition_model=MODEL,
        polling=QUICK,
        concurrency=3,
        settle=FAST_SETTLE,
    )
    assert report.failures == []
    assert report.faces_settled > 0
    assert report.persons_created == 4
    assert report.faces_added + report.faces_settled == 12
    exactly_once(await directory_census(face), 4, 12)


async def test_a_5xx_after_commit_is_settled_not_resent(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    emulator.inject("PersonDirectory_AddPersonFace*", status=500, commit=True, times=3)
    report = await enroll_directory(
        face,
        family(tmp_path / "p", people=2),
        recognition_model=MODEL,
        settle=FAST_SETTLE,
        polling=QUICK,
    )
    assert (report.faces_settled, report.faces_added, report.failures) == (3, 3, [])
    exactly_once(await directory_census(face), 2, 6)


async def test_a_poll_that_keeps_failing_after_the_add_was_accepted_is_settled_by_its_tag(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    # The poller's requests are throttled past the client's retries. A 429 on the add itself
    # would mean "not applied, send again"; after the add was accepted it must not: a look
    # finds its tag.
    fault = emulator.inject(
        "Snapshot_GetOperationStatus", status=429, retry_after=0.01, times=4 * 3
    )
    report = await enroll_directory(
        face,
        family(tmp_path / "p", people=2),
        recognition_model=MODEL,
        settle=FAST_SETTLE,
        polling=QUICK,
    )
    assert fault.hits == 12  # three polls failed past the client's three retries each
    assert report.failures == []
    exactly_once(await directory_census(face), 2, 6)
    # Not one write was sent twice.
    assert emulator.log.count("PersonDirectory_CreatePerson", status=202) == 2
    assert emulator.log.count("PersonDirectory_AddPersonFace*", status=202) == 6


async def test_an_interrupted_run_resumes_from_its_journal_exactly_once(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    root = family(tmp_path / "p", people=6, per_person=3)
    journal = tmp_path / "directory.journal"
    emulator.inject("PersonDirectory_AddPersonFace*", latency=0.02, times=None)
    halfway = asyncio.Event()

    def progress(p: EnrollmentProgress) -> None:
        if p.images_done >= 6:
            halfway.set()

    run = asyncio.create_task(
        enroll_directory(
            face,
            root,
            recognition_model=MODEL,
            journal=journal,
            concurrency=3,
            progress=progress,
            polling=QUICK,
            settle=FAST_SETTLE,
        )
    )
    await halfway.wait()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    emulator.faults.clear()
    report = await enroll_directory(
        face,
        root,
        recognition_model=MODEL,
        journal=journal,
        concurrency=3,
        polling=QUICK,
        settle=FAST_SETTLE,
    )
    assert report.failures == []
    assert report.faces_found >= 6
    assert report.faces_added + report.faces_found + report.faces_settled == 18
    exactly_once(await directory_census(face), 6, 18)


async def test_faces_are_enrolled_once_per_recognition_model(
    face: FaceClient, tmp_path: Path
) -> None:
    root = family(tmp_path / "p", people=2, per_person=2)
    await enroll_directory(face, root, recognition_model=MODEL, polling=QUICK)
    other = await enroll_directory(face, root, recognition_model="recognition_03", polling=QUICK)
    # The same persons, a face set of their own for the other model.
    assert (other.persons_found, other.persons_created, other.faces_added) == (2, 0, 4)
    exactly_once(await directory_census(face, "recognition_03"), 2, 4)
    exactly_once(await directory_census(face, MODEL), 2, 4)


async def test_a_person_another_machine_created_is_found_not_created_again(
    face: FaceClient, tmp_path: Path
) -> None:
    creating = await face.person_directory.begin_create_person(
        name="person-00", user_data=person_tag("person-00"), polling=QUICK
    )
    await creating
    report = await enroll_directory(
        face, family(tmp_path / "p", people=2), recognition_model=MODEL, polling=QUICK
    )
    assert (report.persons_found, report.persons_created) == (1, 1)
    exactly_once(await directory_census(face), 2, 6)


async def test_an_extra_copy_of_a_person_is_removed_and_the_group_keeps_one(
    face: FaceClient, tmp_path: Path
) -> None:
    pd = face.person_directory
    for _ in range(2):  # as an earlier run whose answers were lost might leave them
        await (
            await pd.begin_create_person(
                name="person-00", user_data=person_tag("person-00"), polling=QUICK
            )
        )
    report = await enroll_directory(
        face,
        family(tmp_path / "p", people=1),
        recognition_model=MODEL,
        dynamic_person_group_id="g",
        polling=QUICK,
    )
    assert report.duplicates_removed == 1
    exactly_once(await directory_census(face), 1, 3)
    assert len([p async for p in pd.list_dynamic_person_group_persons("g")]) == 1


async def test_a_version_without_the_directory_is_refused_before_anything_is_sent(
    emulator: FaceEmulator, tmp_path: Path
) -> None:
    root = family(tmp_path / "p", people=1)
    for version in ("v1.0", "v1.2"):
        async with FaceClient(
            emulator.endpoint, KeyCredential(emulator.key), api_version=version
        ) as face:
            with pytest.raises(FaceValidationError, match=r"v1\.0-preview, v1\.1-preview\.1"):
                await enroll_directory(face, root, recognition_model=MODEL, polling=QUICK)
    assert emulator.log.count() == 0


async def test_bad_arguments_are_refused_before_anything_is_sent(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    root = family(tmp_path / "p", people=1)
    with pytest.raises(FaceValidationError, match="model name"):
        await enroll_directory(face, root, recognition_model="four")  # type: ignore[arg-type]
    with pytest.raises(FaceValidationError, match="lower-case"):
        await enroll_directory(face, root, recognition_model=MODEL, dynamic_person_group_id="G!")
    assert emulator.log.count() == 0


async def test_a_missing_group_is_not_created_unless_asked_and_the_report_says_why(
    face: FaceClient, tmp_path: Path
) -> None:
    report = await enroll_directory(
        face,
        family(tmp_path / "p", people=1),
        recognition_model=MODEL,
        polling=QUICK,
        dynamic_person_group_id="nowhere",
        create=False,
    )
    assert report.faces_added == 3
    assert report.group_error is not None
    assert "DynamicPersonGroupNotFound" in report.group_error
    assert not report.ok
