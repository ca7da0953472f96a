"""Bulk enrollment against the emulator: concurrency, exactly once, failures, resumption."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from facekit import FaceClient, FaceError, KeyCredential, RateLimiter, RetryPolicy
from facekit.bulk import EnrollmentProgress, enroll_faces, enroll_people, people_from_folder
from facekit.emulator import EmulatorSettings, FaceEmulator, SnapshotStore, group_photo
from facekit.emulator import synthetic_face as photo

SETTINGS = EmulatorSettings(
    training_queue_seconds=0.01, training_base_seconds=0.05, training_seconds_per_face=0.0
)


@pytest.fixture
async def emulator() -> AsyncIterator[FaceEmulator]:
    async with FaceEmulator(settings=SETTINGS, snapshot_store=SnapshotStore(), seed=7) as emu:
        yield emu


def client_for(emulator: FaceEmulator) -> FaceClient:
    return FaceClient(
        emulator.endpoint,
        KeyCredential(emulator.key),
        rate_limiter=RateLimiter(2000, burst=100),
        retry_policy=RetryPolicy(max_retries=3, backoff_base=0.005, backoff_max=0.02),
    )


@pytest.fixture
async def face(emulator: FaceEmulator) -> AsyncIterator[FaceClient]:
    async with client_for(emulator) as client:
        yield client


def family(root: Path, people: int = 6, per_person: int = 3) -> Path:
    for p in range(people):
        folder = root / f"person-{p:02d}"
        folder.mkdir(parents=True)
        for v in range(per_person):
            (folder / f"{v}.png").write_bytes(photo(f"person-{p:02d}", v))
    return root


async def faces_on_service(face: FaceClient, group_id: str, large: bool = True) -> dict[str, int]:
    resource = face.large_person_groups if large else face.person_groups
    return {p.name or "": len(p.persisted_face_ids) async for p in resource.persons.list(group_id)}


async def test_a_folder_is_enrolled_concurrently_each_face_once(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    root = family(tmp_path / "photos")
    seen: list[EnrollmentProgress] = []
    report = await enroll_people(
        face, "fam", root, large=True, concurrency=4, train=True, progress=seen.append
    )
    assert (report.persons_created, report.faces_added, report.failures) == (6, 18, [])
    assert report.training is not None
    assert report.training.status == "succeeded"
    assert report.ok
    assert await faces_on_service(face, "fam") == {f"person-{p:02d}": 3 for p in range(6)}
    assert seen[-1].images_done == 18
    assert seen[-1].fraction == 1.0
    assert [s.images_done for s in seen] == sorted(s.images_done for s in seen)
    # Persons ran in parallel: more than one person had requests in flight at once.
    assert emulator.log.count("LargePersonGroupPerson_AddFace*") == 18


async def test_a_mapping_of_bytes_paths_and_urls(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    file = tmp_path / "ann.png"
    file.write_bytes(photo("ann", 1))
    report = await enroll_people(
        face, "team", {"ann": [file, photo("ann", 2)], "bob": [emulator.image_url("bob", 1)]}
    )
    assert (report.persons_created, report.faces_added) == (2, 3)
    assert await faces_on_service(face, "team", large=False) == {"ann": 2, "bob": 1}


async def test_every_unusable_image_is_reported_with_the_services_reason(
    face: FaceClient, tmp_path: Path
) -> None:
    folder = tmp_path / "photos" / "ann"
    folder.mkdir(parents=True)
    (folder / "good.png").write_bytes(photo("ann"))
    (folder / "text.jpg").write_bytes(b"this is not an image " * 100)
    (folder / "nobody.png").write_bytes(group_photo([]))
    (folder / "two.png").write_bytes(group_photo(["ann", "bob"]))
    (folder / "tiny.png").write_bytes(b"\x89PNG" + b"\0" * 100)
    report = await enroll_people(face, "g", tmp_path / "photos")
    assert report.faces_added == 1
    reasons = {Path(f.image).name: (f.code, f.reason) for f in report.failures}
    assert set(reasons) == {"text.jpg", "nobody.png", "two.png", "tiny.png"}
    assert reasons["text.jpg"][0] == "InvalidImage"
    assert "no face" in reasons["nobody.png"][1]
    assert "more than 1 face" in reasons["two.png"][1]
    assert "1 KB" in reasons["tiny.png"][1]
    assert not report.ok


async def test_resets_after_commit_never_duplicate_a_face(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    emulator.inject("LargePersonGroupPerson_AddFace*", reset="after", probability=0.3, times=None)
    report = await enroll_people(face, "fam", family(tmp_path / "p"), large=True, concurrency=3)
    assert report.failures == []
    assert report.faces_reconciled > 0
    assert await faces_on_service(face, "fam") == {f"person-{p:02d}": 3 for p in range(6)}


async def test_resets_before_the_service_handles_the_add_are_retried(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    emulator.inject("LargePersonGroupPerson_AddFace*", reset="before", probability=0.5, times=7)
    report = await enroll_people(face, "fam", family(tmp_path / "p"), large=True)
    assert report.failures == []
    assert await faces_on_service(face, "fam") == {f"person-{p:02d}": 3 for p in range(6)}


async def test_an_ambiguous_person_create_creates_the_person_once(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    emulator.inject("LargePersonGroupPerson_Create", reset="after", times=2)
    report = await enroll_people(face, "fam", family(tmp_path / "p", people=3), large=True)
    assert report.failures == []
    assert await faces_on_service(face, "fam") == {f"person-{p:02d}": 3 for p in range(3)}


async def test_concurrent_operation_conflicts_are_retried(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    emulator.inject(
        "PersonGroupPerson_AddFace*", status=409, code="ConcurrentOperationConflict", times=6
    )
    report = await enroll_people(face, "g", family(tmp_path / "p", people=2))
    assert report.failures == []
    assert report.faces_added == 6


async def test_an_interrupted_enrollment_resumes_from_its_journal_exactly_once(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    root = family(tmp_path / "p", people=8, per_person=4)
    journal = tmp_path / "enroll.journal"
    # Slow adds keep requests in flight, so the cancel lands mid-request.
    emulator.inject("LargePersonGroupPerson_AddFace*", latency=0.02, times=None)
    halfway = asyncio.Event()

    def progress(p: EnrollmentProgress) -> None:
        if p.images_done >= 10:
            halfway.set()

    run = asyncio.create_task(
        enroll_people(
            face, "fam", root, large=True, journal=journal, concurrency=4, progress=progress
        )
    )
    await halfway.wait()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    partial = await faces_on_service(face, "fam")
    assert 0 < sum(partial.values()) < 32
    emulator.faults.clear()
    report = await enroll_people(face, "fam", root, large=True, journal=journal, concurrency=4)
    assert report.failures == []
    assert report.faces_added + report.faces_already_enrolled + report.faces_reconciled == 32
    assert report.faces_already_enrolled >= 10
    assert await faces_on_service(face, "fam") == {f"person-{p:02d}": 4 for p in range(8)}


CRASHING_RUN = textwrap.dedent(
    """
    import asyncio, sys
    from facekit import FaceClient, KeyCredential, RateLimiter
    from facekit.bulk import enroll_people

    async def main():
        endpoint, key, root, journal = sys.argv[1:5]
        async with FaceClient(endpoint, KeyCredential(key), rate_limiter=RateLimiter(200)) as f:
            def progress(p):
                print("done", p.images_done, flush=True)
            await enroll_people(f, "fam", root, large=True, journal=journal, concurrency=4,
                                progress=progress)

    asyncio.run(main())
    """
)


async def test_a_killed_process_leaves_a_journal_that_finishes_the_job(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    root = family(tmp_path / "p", people=8, per_person=4)
    journal = tmp_path / "crash.journal"
    emulator.inject("LargePersonGroupPerson_AddFace*", latency=0.02, times=None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CRASHING_RUN,
        emulator.endpoint,
        emulator.key,
        str(root),
        str(journal),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    while True:
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        if not line or int(line.split()[1]) >= 8:
            break
    os.kill(process.pid, signal.SIGKILL)
    await process.communicate()
    emulator.faults.clear()
    report = await enroll_people(face, "fam", root, large=True, journal=journal)
    assert report.failures == []
    assert await faces_on_service(face, "fam") == {f"person-{p:02d}": 4 for p in range(8)}


async def test_a_journal_of_another_group_is_refused(face: FaceClient, tmp_path: Path) -> None:
    journal = tmp_path / "j"
    await enroll_people(face, "one", {"ann": [photo("ann")]}, journal=journal)
    with pytest.raises(FaceError, match="belongs to"):
        await enroll_people(face, "two", {"ann": [photo("ann")]}, journal=journal)


@pytest.mark.parametrize("large", [False, True])
async def test_faces_go_into_a_face_list_exactly_once(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path, large: bool
) -> None:
    images = [photo(f"star-{i}") for i in range(8)]
    operation = "LargeFaceList_AddFace*" if large else "FaceList_AddFace*"
    emulator.inject(operation, reset="after", probability=0.4, times=None)
    report = await enroll_faces(
        face, "stars", images, large=large, train=large, journal=tmp_path / "list.journal"
    )
    assert report.failures == []
    assert report.faces_reconciled > 0
    if large:
        stored = [f async for f in face.large_face_lists.list_faces("stars")]
        assert report.training is not None
    else:
        stored = (await face.face_lists.get("stars")).persisted_faces
    assert len(stored) == 8
    assert len({f.user_data for f in stored}) == 8


def test_people_from_folder_reads_the_layout(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "empty").mkdir()
    (tmp_path / "b" / "2.JPG").write_bytes(b"x")
    (tmp_path / "b" / "1.png").write_bytes(b"x")
    (tmp_path / "b" / "notes.txt").write_text("x")
    (tmp_path / "a" / "1.bmp").write_bytes(b"x")
    layout = people_from_folder(tmp_path)
    assert list(layout) == ["a", "b"]
    assert [p.name for p in layout["b"]] == ["1.png", "2.JPG"]
