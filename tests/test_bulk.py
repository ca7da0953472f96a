"""Bulk enrollment against the emulator: concurrency, exactly once, failures, resumption."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from facekit import FaceClient
from facekit.bulk import (
    EnrollmentProgress,
    EnrollmentReport,
    JournalMismatchError,
    SettlePolicy,
    enroll_faces,
    enroll_people,
    people_from_folder,
    tag_for,
)
from facekit.bulk.plan import person_tag
from facekit.emulator import FaceEmulator, group_photo
from facekit.emulator import synthetic_face as photo
from facekit.emulator.proxy import SlowCommitProxy
from facekit.errors import FaceValidationError

from .bulk_support import family
from .conftest import QUICK_EMULATOR, client_for

#: Settle windows short enough for tests; the rule is the same at any length.
FAST_SETTLE = SettlePolicy(window=0.3, backoff=0.02, backoff_max=0.1)


@pytest.fixture
def emulator_seed() -> int:
    """The faults these tests inject by probability draw from seed 7."""
    return 7


def expected(people: int = 6, per_person: int = 3) -> dict[str, int]:
    return {f"person-{p:02d}": per_person for p in range(people)}


async def faces_on_service(face: FaceClient, group_id: str, large: bool = True) -> dict[str, int]:
    """{person name: faces}; a second person of the same name fails the test."""
    resource = face.large_person_groups if large else face.person_groups
    counts: dict[str, int] = {}
    async for person in resource.persons.list(group_id):
        name = person.name or ""
        assert name not in counts, f"person {name} is on the service twice"
        counts[name] = len(person.persisted_face_ids)
    return counts


async def tags_on_service(face: FaceClient, group_id: str, large: bool = True) -> list[str]:
    """The userData of every face of every person (duplicates stay visible)."""
    resource = face.large_person_groups if large else face.person_groups
    tags = []
    async for person in resource.persons.list(group_id):
        for face_id in person.persisted_face_ids:
            stored = await resource.persons.get_face(group_id, person.person_id, face_id)
            tags.append(stored.user_data or "")
    return tags


def adds_up(report: EnrollmentReport) -> bool:
    counts = (report.faces_added, report.faces_found, report.faces_settled)
    return (
        all(c >= 0 for c in counts)
        and sum(counts) + len(report.failures) == report.images_total
        and report.persons_created + report.persons_found + report.persons_failed
        == report.persons_total
    )


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
    assert adds_up(report)
    assert await faces_on_service(face, "fam") == expected()
    assert seen[-1].images_done == 18
    assert seen[-1].fraction == 1.0
    assert [s.images_done for s in seen] == sorted(s.images_done for s in seen)
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


async def test_the_same_content_twice_for_one_person_is_one_image(
    face: FaceClient, tmp_path: Path
) -> None:
    first, copy = tmp_path / "a.png", tmp_path / "copy-of-a.png"
    first.write_bytes(photo("ann", 1))
    copy.write_bytes(photo("ann", 1))
    report = await enroll_people(face, "team", {"ann": [first, copy, photo("ann", 1)]})
    assert (report.images_total, report.faces_added) == (1, 1)
    assert await faces_on_service(face, "team", large=False) == {"ann": 1}


async def test_every_unusable_image_is_reported_with_the_services_reason(
    face: FaceClient, tmp_path: Path
) -> None:
    folder = tmp_path / "photos" / "ann"
    folder.mkdir(parents=True)
    (folder / "good.png").write_bytes(photo("ann"))
    (folder / "text.jpg").write_bytes(b"this is not an image " * 100)
    (folder / "nobody.png").write_bytes(group_photo([]))
    (folder / "two.png").write_bytes(group_photo(["ann", "bob"]))
    report = await enroll_people(face, "g", tmp_path / "photos")
    assert report.faces_added == 1
    reasons = {Path(f.image).name: (f.code, f.reason, f.kind) for f in report.failures}
    assert set(reasons) == {"text.jpg", "nobody.png", "two.png"}
    assert reasons["text.jpg"][0] == "InvalidImage"
    assert "no face" in reasons["nobody.png"][1]
    assert "more than 1 face" in reasons["two.png"][1]
    assert {kind for _code, _reason, kind in reasons.values()} == {"permanent"}
    assert report.failures_by_reason == {"InvalidImage": 3}
    assert report.faces_failed == 3
    assert adds_up(report)
    assert not report.ok


async def test_resets_after_commit_never_duplicate_a_face(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    emulator.inject("LargePersonGroupPerson_AddFace*", reset="after", probability=0.3, times=None)
    report = await enroll_people(
        face, "fam", family(tmp_path / "p"), large=True, concurrency=3, settle=FAST_SETTLE
    )
    assert report.failures == []
    assert report.faces_settled > 0
    assert report.faces_added + report.faces_settled == 18
    assert await faces_on_service(face, "fam") == expected()


async def test_a_5xx_after_the_add_was_committed_is_settled_not_resent(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    emulator.inject("LargePersonGroupPerson_AddFace*", status=500, commit=True, times=4)
    report = await enroll_people(
        face, "fam", family(tmp_path / "p", people=2), large=True, settle=FAST_SETTLE
    )
    assert (report.faces_settled, report.faces_added, report.failures) == (4, 2, [])
    assert await faces_on_service(face, "fam") == expected(2)


async def test_resets_before_the_service_handles_the_add_are_sent_again_after_the_window(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    emulator.inject("LargePersonGroupPerson_AddFace*", reset="before", probability=0.5, times=7)
    report = await enroll_people(
        face, "fam", family(tmp_path / "p"), large=True, settle=FAST_SETTLE
    )
    assert report.failures == []
    assert await faces_on_service(face, "fam") == expected()


async def test_a_commit_after_the_clients_timeout_is_never_sent_twice(
    emulator: FaceEmulator, tmp_path: Path
) -> None:
    """Case 1 of the issue: adds committed 1.5 timeouts after the client gave up."""
    async with (
        SlowCommitProxy(emulator.endpoint, delay=0.8, probability=0.25, seed=3) as proxy,
        client_for(proxy.endpoint, emulator.key, timeout=0.4) as face,
    ):
        report = await enroll_people(
            face,
            "fam",
            family(tmp_path / "p", people=8, per_person=5),
            large=True,
            concurrency=8,
            settle=SettlePolicy(window=0.8, backoff=0.02),
        )
        await proxy.drain()
        assert proxy.delayed >= 5
        tags = await tags_on_service(face, "fam")
    assert len(tags) == 40
    assert len(set(tags)) == 40
    assert report.failures == []
    assert report.faces_added + report.faces_settled == 40
    # Every late landing was found by a look after the window, none was sent again.
    assert report.faces_settled >= proxy.delayed
    assert report.duplicates_removed == 0


async def test_an_ambiguous_person_create_creates_the_person_once(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    emulator.inject("LargePersonGroupPerson_Create", reset="after", times=2)
    report = await enroll_people(
        face, "fam", family(tmp_path / "p", people=3), large=True, settle=FAST_SETTLE
    )
    assert report.failures == []
    assert report.persons_created == 3
    assert await faces_on_service(face, "fam") == expected(3)


async def test_a_person_create_that_did_not_land_is_sent_again_after_the_window(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    emulator.inject("LargePersonGroupPerson_Create", status=503, times=2)
    report = await enroll_people(
        face, "fam", family(tmp_path / "p", people=3), large=True, settle=FAST_SETTLE
    )
    assert (report.persons_created, report.failures) == (3, [])
    assert await faces_on_service(face, "fam") == expected(3)


async def test_concurrent_operation_conflicts_are_retried(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    emulator.inject(
        "PersonGroupPerson_AddFace*", status=409, code="ConcurrentOperationConflict", times=6
    )
    report = await enroll_people(face, "g", family(tmp_path / "p", people=2), settle=FAST_SETTLE)
    assert report.failures == []
    assert report.faces_added == 6


async def test_a_rerun_without_a_journal_finds_everyone_and_adds_nothing(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    """Case 2 of the issue: the second run doubled every person and face."""
    root = family(tmp_path / "p", people=5, per_person=3)
    first = await enroll_people(face, "g", root, large=True)
    assert (first.persons_created, first.faces_added) == (5, 15)
    adds = emulator.log.count("LargePersonGroupPerson_AddFace*")
    again = await enroll_people(face, "g", root, large=True)
    assert (again.persons_created, again.persons_found) == (0, 5)
    assert (again.faces_added, again.faces_found, again.failures) == (0, 15, [])
    assert emulator.log.count("LargePersonGroupPerson_AddFace*") == adds
    assert emulator.log.count("LargePersonGroupPerson_Create") == 5
    assert await faces_on_service(face, "g") == {f"person-{p:02d}": 3 for p in range(5)}


async def test_the_same_folder_on_another_machine_is_recognised(
    face: FaceClient, tmp_path: Path
) -> None:
    """Keys come from the content: another path, the same photos, no new faces."""
    here = family(tmp_path / "here", people=2)
    await enroll_people(face, "g", here)
    there = tmp_path / "elsewhere" / "copy"
    there.parent.mkdir()
    here.rename(there)
    for folder in there.iterdir():
        for image in folder.iterdir():
            image.rename(image.with_name("renamed-" + image.name))
    report = await enroll_people(face, "g", there)
    assert (report.faces_added, report.faces_found) == (0, 6)


async def test_a_journal_of_another_face_resource_is_refused_before_anything_is_sent(
    emulator: FaceEmulator, tmp_path: Path
) -> None:
    """Case 3 of the issue: the journal of resource A was believed on resource B."""
    journal = tmp_path / "j"
    root = family(tmp_path / "p", people=2)
    async with client_for(emulator.endpoint, emulator.key) as first:
        await enroll_people(first, "fam", root, large=True, journal=journal)
    async with FaceEmulator(settings=QUICK_EMULATOR) as other:
        async with client_for(other.endpoint, other.key) as second:
            with pytest.raises(JournalMismatchError, match=r"belongs to largepersongroups/fam at"):
                await enroll_people(second, "fam", root, large=True, journal=journal)
        assert other.log.count() == 0


async def test_a_journal_of_another_group_is_refused(face: FaceClient, tmp_path: Path) -> None:
    journal = tmp_path / "j"
    await enroll_people(face, "one", {"ann": [photo("ann")]}, journal=journal)
    with pytest.raises(JournalMismatchError, match="belongs to"):
        await enroll_people(face, "two", {"ann": [photo("ann")]}, journal=journal)


async def test_a_journal_is_revalidated_when_the_group_was_emptied(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    """Same resource and target, but the group was deleted and made again: add everything."""
    journal = tmp_path / "j"
    root = family(tmp_path / "p", people=3)
    await enroll_people(face, "fam", root, large=True, journal=journal)
    await face.large_person_groups.delete("fam")
    report = await enroll_people(face, "fam", root, large=True, journal=journal)
    assert (report.persons_created, report.faces_added, report.faces_found) == (3, 9, 0)
    assert await faces_on_service(face, "fam") == expected(3)


async def test_two_runs_cannot_share_one_journal_at_once(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    journal = tmp_path / "j"
    root = family(tmp_path / "p", people=4)
    emulator.inject("LargePersonGroupPerson_AddFace*", latency=0.05, times=None)
    running = asyncio.Event()
    first = asyncio.create_task(
        enroll_people(
            face, "fam", root, large=True, journal=journal, progress=lambda _p: running.set()
        )
    )
    await running.wait()
    with pytest.raises(JournalMismatchError, match="in use"):
        await enroll_people(face, "fam", root, large=True, journal=journal)
    assert (await first).faces_added == 12


async def test_throttling_leaves_an_image_pending_and_the_next_run_enrolls_it(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    """Case 4 of the issue: four 429s in a row made an image failed for good."""
    journal = tmp_path / "j"
    policy = SettlePolicy(window=0.3, max_not_applied=2, backoff=0.01)
    emulator.inject("PersonGroupPerson_AddFace*", status=429, retry_after=0.01, times=8)
    report = await enroll_people(face, "g", {"ann": [photo("ann")]}, journal=journal, settle=policy)
    (failure,) = report.failures
    assert (failure.kind, failure.code) == ("pending", "429")
    assert report.faces_pending == 1
    again = await enroll_people(face, "g", {"ann": [photo("ann")]}, journal=journal)
    assert (again.faces_added, again.failures) == (1, [])


async def test_server_errors_on_every_add_leave_images_unsettled_then_settle_next_run(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    journal = tmp_path / "j"
    policy = SettlePolicy(window=0.05, max_unknown=2, backoff=0.01)
    fault = emulator.inject("PersonGroupPerson_AddFace*", status=503, times=None)
    root = family(tmp_path / "p", people=2, per_person=2)
    report = await enroll_people(face, "g", root, journal=journal, settle=policy)
    assert [f.kind for f in report.failures] == ["unsettled"] * 4
    assert adds_up(report)
    emulator.faults.faults.remove(fault)
    again = await enroll_people(face, "g", root, journal=journal, settle=policy)
    assert (again.faces_added, again.failures) == (4, [])
    assert await faces_on_service(face, "g", large=False) == expected(2, 2)


async def test_a_failed_lookup_ends_one_image_not_the_run(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    """Case 5 of the issue: one failed lookup cancelled every worker."""
    root = family(tmp_path / "p", people=6)
    journal = tmp_path / "j"
    emulator.inject("PersonGroupPerson_AddFace*", reset="after", times=1)
    emulator.inject("PersonGroupPerson_Get", status=503, times=None)
    report = await enroll_people(face, "g", root, journal=journal, settle=FAST_SETTLE)
    assert report.faces_added == 17
    (failure,) = report.failures
    assert failure.kind == "unsettled"
    assert "look failed" in failure.reason
    emulator.faults.clear()
    again = await enroll_people(face, "g", root, journal=journal, settle=FAST_SETTLE)
    assert (again.faces_added, again.failures) == (0, [])
    assert again.faces_found + again.faces_settled == 18
    assert await faces_on_service(face, "g", large=False) == expected()


async def test_a_person_whose_faces_cannot_be_read_is_reported_and_others_finish(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    root = family(tmp_path / "p", people=4)
    await enroll_people(face, "g", {"person-00": [photo("somebody", 3)]})
    emulator.inject("PersonGroupPerson_GetFace", status=503, times=None)
    report = await enroll_people(face, "g", root, settle=FAST_SETTLE)
    assert report.faces_added == 9
    assert {(f.person, f.kind) for f in report.failures} == {("person-00", "pending")}
    assert len(report.failures) == 3
    assert adds_up(report)
    emulator.faults.clear()
    again = await enroll_people(face, "g", root)
    assert (again.faces_added, again.faces_found, again.failures) == (3, 9, [])


async def test_counts_add_up_and_are_never_negative_under_faults(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    """Case 6 of the issue: faces_already_enrolled was negative on fresh runs."""
    root = family(tmp_path / "p", people=6, per_person=4)
    emulator.inject("*_AddFace*", reset="after", probability=0.2, times=None)
    emulator.inject("*_AddFace*", status=500, commit=True, probability=0.1, times=None)
    emulator.inject("*_AddFace*", status=503, probability=0.1, times=None)
    journal = tmp_path / "j"
    reports = []
    for _ in range(3):
        report = await enroll_people(
            face, "g", root, large=True, journal=journal, settle=FAST_SETTLE
        )
        reports.append(report)
        assert adds_up(report), report
        if report.ok:
            break
    assert reports[-1].ok
    assert await faces_on_service(face, "g") == expected(6, 4)


async def test_nothing_is_sent_when_the_input_or_the_journal_is_wrong(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    """Case 7 of the issue: the group and a person were created before the checks."""
    good = photo("ann")
    tiny = tmp_path / "tiny.png"
    tiny.write_bytes(b"\x89PNG" + b"\0" * 100)
    folder = tmp_path / "a-folder.png"
    folder.mkdir()
    cases: list[tuple[dict[str, object], str]] = [
        ({"people": {"ann": [tmp_path / "missing.png"]}}, "missing.png: cannot be read"),
        ({"people": {"ann": [tiny]}}, "tiny.png: 104 bytes, outside 1 KB..6 MB"),
        ({"people": {"ann": [folder]}}, "not a regular file"),
        ({"people": {"x" * 129: [good]}}, "longer than 128"),
        ({"people": {"": [good]}}, "non-empty"),
        ({"people": {"ann": ["ftp://example.org/x.png"]}}, "http"),
        ({"people": {"ann": [good]}, "group_id": "Bad Id"}, "lower-case"),
        ({"people": {"ann": [good]}, "journal": tmp_path / "nope" / "j"}, "does not exist"),
        ({"people": {"ann": [good]}, "journal": tmp_path}, "is a folder"),
        ({"people": {"ann": [good] * 1 + [photo("ann", v) for v in range(1, 250)]}}, "248"),
        ({"people": {"ann": [good]}, "concurrency": 0}, "concurrency"),
        ({"people": {"ann": [good]}, "recognition_model": "recognition-4"}, "recognition"),
    ]
    for arguments, message in cases:
        people = arguments.pop("people")
        group_id = str(arguments.pop("group_id", "g"))
        with pytest.raises(FaceValidationError, match=message):
            await enroll_people(face, group_id, people, **arguments)  # type: ignore[arg-type]
    assert emulator.log.count() == 0


async def test_all_problems_are_listed_at_once(face: FaceClient, tmp_path: Path) -> None:
    images = [tmp_path / f"missing-{i}.png" for i in range(7)]
    with pytest.raises(FaceValidationError, match=r"7 problems.*missing-0.*and 2 more"):
        await enroll_people(face, "g", {"ann": images})


async def test_a_permanent_failure_is_skipped_until_failures_are_retried(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    journal = tmp_path / "j"
    people = {"ann": [photo("ann")]}
    emulator.inject("PersonGroupPerson_AddFace*", status=403, code="QuotaExceeded", times=1)
    first = await enroll_people(face, "g", people, journal=journal)
    assert [(f.kind, f.code) for f in first.failures] == [("permanent", "QuotaExceeded")]
    sent = emulator.log.count("PersonGroupPerson_AddFace*")
    second = await enroll_people(face, "g", people, journal=journal)
    assert [f.kind for f in second.failures] == ["permanent"]
    assert emulator.log.count("PersonGroupPerson_AddFace*") == sent
    third = await enroll_people(face, "g", people, journal=journal, retry_failed=True)
    assert (third.faces_added, third.failures) == (1, [])


async def test_extra_copies_left_by_an_earlier_run_are_removed(
    face: FaceClient, tmp_path: Path
) -> None:
    root = family(tmp_path / "p", people=2)
    await enroll_people(face, "g", root, large=True)
    persons = face.large_person_groups.persons
    # What a very late landing leaves: the same tag twice on a face, a person twice.
    (ann,) = [p async for p in persons.list("g") if p.name == "person-00"]
    image = root / "person-00" / "0.png"
    tag = tag_for("person-00", "sha256:" + hashlib.sha256(image.read_bytes()).hexdigest())
    assert tag in await tags_on_service(face, "g")
    await persons.add_face("g", ann.person_id, image, user_data=tag)
    await persons.create("g", name="person-01", user_data=person_tag("person-01"))
    report = await enroll_people(face, "g", root, large=True)
    assert report.duplicates_removed == 2
    assert (report.faces_found, report.faces_added) == (6, 0)
    assert await faces_on_service(face, "g") == expected(2)
    assert len(await tags_on_service(face, "g")) == 6


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
    assert report.faces_added + report.faces_found + report.faces_settled == 32
    assert report.faces_found >= 10
    assert await faces_on_service(face, "fam") == expected(8, 4)


CRASHING_RUN = textwrap.dedent(
    """
    import asyncio, sys
    from facekit import FaceClient, KeyCredential, RateLimiter
    from facekit.bulk import enroll_people

    async def main():
        endpoint, key, root, journal = sys.argv[1:5]
        async with FaceClient(endpoint, KeyCredential(key), rate_limiter=RateLimiter(200),
                              timeout=1.0) as f:
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
    assert adds_up(report)
    assert await faces_on_service(face, "fam") == expected(8, 4)


@pytest.mark.parametrize("large", [False, True])
async def test_faces_go_into_a_face_list_exactly_once(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path, large: bool
) -> None:
    images = [photo(f"star-{i}") for i in range(8)]
    operation = "LargeFaceList_AddFace*" if large else "FaceList_AddFace*"
    emulator.inject(operation, reset="after", probability=0.4, times=None)
    report = await enroll_faces(
        face,
        "stars",
        images,
        large=large,
        train=large,
        journal=tmp_path / "list.journal",
        settle=FAST_SETTLE,
    )
    assert report.failures == []
    assert report.faces_settled > 0
    if large:
        stored = [f async for f in face.large_face_lists.list_faces("stars")]
        assert report.training is not None
    else:
        stored = (await face.face_lists.get("stars")).persisted_faces
    assert len(stored) == 8
    assert len({f.user_data for f in stored}) == 8
    again = await enroll_faces(face, "stars", images, large=large)
    assert (again.faces_found, again.faces_added) == (8, 0)


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
