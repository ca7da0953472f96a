"""facekit against the emulator on 127.0.0.1: every resource, end to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from facekit import (
    ConflictError,
    FaceClient,
    FaceConnectionError,
    KeyCredential,
    NotFoundError,
    PollingPolicy,
    RateLimiter,
    RetryPolicy,
)
from facekit.emulator import EmulatorSettings, FaceEmulator, SnapshotStore, group_photo
from facekit.emulator import synthetic_face as photo
from facekit.models import OperationStatus, RecognitionModelName, TrainingStatus

FAST = EmulatorSettings(
    training_queue_seconds=0.02,
    training_base_seconds=0.05,
    training_seconds_per_face=0.0,
    snapshot_base_seconds=0.05,
)
MODEL: RecognitionModelName = "recognition_04"


@pytest.fixture
def emulator_settings() -> EmulatorSettings:
    """Trainings and snapshots that take about 0.05 s."""
    return FAST


@pytest.fixture
def face_options() -> dict[str, Any]:
    """The client's default timeout, a lower rate and slower retries than the shared ones."""
    return {
        "rate_limiter": RateLimiter(1000, burst=100),
        "retry_policy": RetryPolicy(max_retries=3, backoff_base=0.01, backoff_max=0.05),
    }


async def until_done(read: Callable[[], Awaitable[Any]]) -> Any:
    """Poll a training or operation status until it leaves notstarted/running."""
    for _ in range(200):
        status = await read()
        if status.status in ("succeeded", "failed"):
            return status
        await asyncio.sleep(0.01)
    raise AssertionError("did not finish")


async def detect_ids(face: FaceClient, image: Any) -> list[str]:
    faces = await face.detect(image, return_face_id=True, recognition_model=MODEL)
    return [f.face_id for f in faces if f.face_id]


# -- face operations -----------------------------------------------------------------------


async def test_detect_from_bytes_path_url_and_stream(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    image = photo("ann", 1)
    file = tmp_path / "ann.png"
    file.write_bytes(image)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(image), 1000):
            yield image[start : start + 1000]

    sources: list[Any] = [image, file, emulator.image_url("ann", 1), chunks()]
    rectangles = []
    for source in sources:
        (found,) = await face.detect(source, return_face_id=True)
        rectangles.append(found.face_rectangle)
    assert len(set(rectangles)) == 1


async def test_detect_returns_landmarks_and_attributes(face: FaceClient) -> None:
    (found,) = await face.detect(
        photo("bea"),
        return_face_landmarks=True,
        return_face_attributes=[
            "headPose",
            "blur",
            "exposure",
            "noise",
            "occlusion",
            "accessories",
            "glasses",
            "qualityForRecognition",
        ],
        recognition_model=MODEL,
        return_recognition_model=True,
    )
    assert found.recognition_model == MODEL
    assert found.face_landmarks is not None
    assert found.face_landmarks.nose_tip is not None
    attributes = found.face_attributes
    assert attributes is not None
    assert attributes.head_pose is not None
    assert attributes.blur is not None
    assert attributes.quality_for_recognition is not None
    (masked,) = await face.detect(
        photo("bea"), detection_model="detection_03", return_face_attributes=["mask"]
    )
    assert masked.face_attributes is not None
    assert masked.face_attributes.mask is not None


async def test_detect_finds_every_face_of_a_group_photo(face: FaceClient) -> None:
    found = await face.detect(group_photo(["ann", "bob", "cid"]), return_face_id=True)
    assert len(found) == 3


async def test_verify_tells_same_and_different_people_apart(face: FaceClient) -> None:
    (ann1,) = await detect_ids(face, photo("ann", 1))
    (ann2,) = await detect_ids(face, photo("ann", 2))
    (bob,) = await detect_ids(face, photo("bob", 1))
    same = await face.verify_face_to_face(ann1, ann2)
    different = await face.verify_face_to_face(ann1, bob)
    assert same.is_identical
    assert not different.is_identical
    assert same.confidence > different.confidence


async def test_group_partitions_faces_by_person(face: FaceClient) -> None:
    ids = {}
    for name, variant in [("ann", 1), ("ann", 2), ("bob", 1), ("bob", 2), ("cid", 1)]:
        (ids[(name, variant)],) = await detect_ids(face, photo(name, variant))
    result = await face.group(list(ids.values()))
    groups = sorted(sorted(g) for g in result.groups)
    assert groups == sorted(sorted([ids[(n, 1)], ids[(n, 2)]]) for n in ("ann", "bob"))
    assert result.messy_group == [ids[("cid", 1)]]


async def test_find_similar_among_face_ids(face: FaceClient) -> None:
    (query,) = await detect_ids(face, photo("ann", 1))
    (twin,) = await detect_ids(face, photo("ann", 5))
    (other,) = await detect_ids(face, photo("bob", 1))
    similar = await face.find_similar(query, face_ids=[twin, other])
    assert [s.face_id for s in similar] == [twin]
    everything = await face.find_similar(query, face_ids=[twin, other], mode="matchFace")
    assert [s.face_id for s in everything] == [twin, other]


# -- person groups and large person groups ---------------------------------------------------


@pytest.fixture(params=["person_groups", "large_person_groups"])
def groups(request: pytest.FixtureRequest, face: FaceClient) -> Any:
    return getattr(face, request.param)


def group_kwargs(groups: Any, group_id: str) -> dict[str, Any]:
    key = "person_group_id" if type(groups).__name__ == "PersonGroups" else "large_person_group_id"
    return {key: group_id}


async def test_group_lifecycle_with_persons_and_faces(groups: Any) -> None:
    await groups.create("team", name="Team", user_data="v1", recognition_model=MODEL)
    with pytest.raises(ConflictError) as exists:
        await groups.create("team", name="Team")
    assert exists.value.code is not None
    assert exists.value.code.endswith("Exists")
    await groups.update("team", name="The team")
    got = await groups.get("team", return_recognition_model=True)
    assert (got.name, got.user_data, got.recognition_model) == ("The team", "v1", MODEL)

    person = await groups.persons.create("team", name="Ann", user_data="first")
    added = await groups.persons.add_face("team", person.person_id, photo("ann"), user_data="a")
    await groups.persons.update("team", person.person_id, name="Anna")
    await groups.persons.update_face(
        "team", person.person_id, added.persisted_face_id, user_data="b"
    )
    stored = await groups.persons.get_face("team", person.person_id, added.persisted_face_id)
    assert stored.user_data == "b"
    fetched = await groups.persons.get("team", person.person_id)
    assert (fetched.name, fetched.persisted_face_ids) == ("Anna", [added.persisted_face_id])

    await groups.persons.delete_face("team", person.person_id, added.persisted_face_id)
    assert (await groups.persons.get("team", person.person_id)).persisted_face_ids == []
    await groups.persons.delete("team", person.person_id)
    with pytest.raises(NotFoundError):
        await groups.persons.get("team", person.person_id)
    await groups.delete("team")
    with pytest.raises(NotFoundError) as missing:
        await groups.get("team")
    assert missing.value.code is not None
    assert missing.value.code.endswith("NotFound")


async def test_lists_page_through_every_group_and_person(groups: Any) -> None:
    for index in range(5):
        await groups.create(f"g{index}", name=f"Group {index}")
    ids = [
        g.person_group_id if hasattr(g, "person_group_id") else g.large_person_group_id
        async for g in groups.list(top=2)
    ]
    assert ids == [f"g{i}" for i in range(5)]
    created = [(await groups.persons.create("g0", name=f"p{i}")).person_id for i in range(5)]
    listed = await groups.persons.list("g0", top=2).collect()
    assert [p.person_id for p in listed] == sorted(created)


async def test_train_then_identify_each_person(groups: Any, face: FaceClient) -> None:
    await groups.create("family", name="Family", recognition_model=MODEL)
    people = {}
    for name in ("ann", "bob", "cid"):
        person = await groups.persons.create("family", name=name)
        people[person.person_id] = name
        for variant in (1, 2):
            await groups.persons.add_face("family", person.person_id, photo(name, variant))
    await groups.train("family")
    status: TrainingStatus = await until_done(lambda: groups.get_training_status("family"))
    assert status.status == "succeeded"

    ids = await detect_ids(face, group_photo([("bob", 7), ("zed", 1), ("ann", 8)]))
    results = await face.identify(ids, **group_kwargs(groups, "family"))
    named = sorted(people[r.candidates[0].person_id] for r in results if r.candidates)
    assert named == ["ann", "bob"]
    assert sum(1 for r in results if not r.candidates) == 1

    ann = next(pid for pid, name in people.items() if name == "ann")
    (probe,) = await detect_ids(face, photo("ann", 9))
    verdict = await face.verify_face_to_person(probe, ann, **group_kwargs(groups, "family"))
    assert verdict.is_identical


async def test_training_an_empty_group_fails_with_a_message(groups: Any) -> None:
    await groups.create("empty", name="Empty")
    await groups.train("empty")
    status = await until_done(lambda: groups.get_training_status("empty"))
    assert status.status == "failed"
    assert status.message


# -- face lists and large face lists ---------------------------------------------------------


async def test_face_list_lifecycle_and_find_similar(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await face.face_lists.create("stars", name="Stars", recognition_model=MODEL)
    ann = await face.face_lists.add_face("stars", photo("ann"), user_data="ann")
    bob = await face.face_lists.add_face("stars", emulator.image_url("bob"))
    await face.face_lists.update("stars", user_data="famous")
    got = await face.face_lists.get("stars")
    assert [f.persisted_face_id for f in got.persisted_faces] == [
        ann.persisted_face_id,
        bob.persisted_face_id,
    ]
    assert [x.face_list_id for x in await face.face_lists.list()] == ["stars"]
    (query,) = await detect_ids(face, photo("ann", 3))
    similar = await face.find_similar(query, face_list_id="stars")
    assert [s.persisted_face_id for s in similar] == [ann.persisted_face_id]
    await face.face_lists.delete_face("stars", bob.persisted_face_id)
    assert len((await face.face_lists.get("stars")).persisted_faces) == 1
    await face.face_lists.delete("stars")


async def test_large_face_list_lifecycle_training_and_find_similar(face: FaceClient) -> None:
    lists = face.large_face_lists
    await lists.create("archive", name="Archive", recognition_model=MODEL)
    added = [await lists.add_face("archive", photo(n)) for n in ("ann", "bob", "cid")]
    faces = await lists.list_faces("archive", top=2).collect()
    assert sorted(f.persisted_face_id for f in faces) == sorted(a.persisted_face_id for a in added)
    await lists.update_face("archive", added[0].persisted_face_id, user_data="ann")
    assert (await lists.get_face("archive", added[0].persisted_face_id)).user_data == "ann"
    await lists.train("archive")
    assert (await until_done(lambda: lists.get_training_status("archive"))).status == "succeeded"
    (query,) = await detect_ids(face, photo("bob", 4))
    similar = await face.find_similar(query, large_face_list_id="archive")
    assert [s.persisted_face_id for s in similar] == [added[1].persisted_face_id]
    await lists.delete_face("archive", added[2].persisted_face_id)
    assert [x.large_face_list_id async for x in lists.list()] == ["archive"]
    await lists.delete("archive")


# -- snapshots -------------------------------------------------------------------------------


async def test_snapshot_take_apply_and_identify_without_retraining(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    groups = face.large_person_groups
    await groups.create("source", name="Source", recognition_model=MODEL)
    ann = await groups.persons.create("source", name="ann")
    await groups.persons.add_face("source", ann.person_id, photo("ann"))
    await groups.train("source")
    await until_done(lambda: groups.get_training_status("source"))

    take = await face.snapshots.take(
        "LargePersonGroup", "source", [emulator.subscription_id], user_data="backup"
    )
    assert take.location == f"/operations/{take.operation_id}"
    taken: OperationStatus = await until_done(
        lambda: face.snapshots.get_operation_status(take.operation_id)
    )
    assert taken.snapshot_id is not None
    snapshot = await face.snapshots.get(taken.snapshot_id)
    assert (snapshot.type, snapshot.user_data) == ("LargePersonGroup", "backup")
    assert [s.id for s in await face.snapshots.list(type="LargePersonGroup")] == [snapshot.id]
    await face.snapshots.update(snapshot.id, user_data="kept")

    apply = await face.snapshots.apply(snapshot.id, "copy")
    applied = await until_done(lambda: face.snapshots.get_operation_status(apply.operation_id))
    assert applied.resource_location == "/largepersongroups/copy"
    (probe,) = await detect_ids(face, photo("ann", 4))
    (result,) = await face.identify([probe], large_person_group_id="copy")
    assert result.candidates[0].person_id == ann.person_id

    again = await face.snapshots.apply(snapshot.id, "copy")
    failed = await until_done(lambda: face.snapshots.get_operation_status(again.operation_id))
    assert failed.status == "failed"
    assert failed.message
    await face.snapshots.delete(snapshot.id)
    assert await face.snapshots.list() == []


# -- retries and faults against the service --------------------------------------------------


async def test_a_transient_503_is_retried(face: FaceClient, emulator: FaceEmulator) -> None:
    await face.person_groups.create("g", name="G")
    emulator.inject("PersonGroup_Get", status=503, times=2)
    assert (await face.person_groups.get("g")).name == "G"
    assert emulator.log.count("PersonGroup_Get") == 3


async def test_a_truncated_reply_to_a_read_is_retried(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await face.person_groups.create("g", name="G")
    emulator.inject("PersonGroup_Get", body="truncated")
    assert (await face.person_groups.get("g")).name == "G"


async def test_a_reset_after_commit_is_reported_as_possibly_applied(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await face.person_groups.create("g", name="G")
    person = await face.person_groups.persons.create("g", name="Ann")
    emulator.inject("PersonGroupPerson_AddFace*", reset="after")
    with pytest.raises(FaceConnectionError) as caught:
        await face.person_groups.persons.add_face("g", person.person_id, photo("ann"))
    assert caught.value.possibly_applied
    # Not retried blindly: the face is there exactly once.
    assert (
        len((await face.person_groups.persons.get("g", person.person_id)).persisted_face_ids) == 1
    )
    assert emulator.log.count("PersonGroupPerson_AddFace*") == 1


async def test_a_reset_before_the_request_is_handled_is_retried_for_reads(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await face.person_groups.create("g", name="G")
    emulator.inject("PersonGroup_Get", reset="before")
    assert (await face.person_groups.get("g")).name == "G"


async def test_the_client_limiter_keeps_a_rate_limited_service_from_answering_429() -> None:
    settings = EmulatorSettings(rate_limit=20)
    async with FaceEmulator(settings=settings, snapshot_store=SnapshotStore()) as emu:
        async with FaceClient(
            emu.endpoint, KeyCredential(emu.key), rate_limiter=RateLimiter(18)
        ) as client:
            await client.person_groups.create("g", name="G")
            await asyncio.gather(*(client.person_groups.get("g") for _ in range(30)))
        assert emu.log.count(status=429) == 0


async def test_429s_from_the_service_are_absorbed_by_retries() -> None:
    settings = EmulatorSettings(rate_limit=10)
    async with FaceEmulator(settings=settings, snapshot_store=SnapshotStore()) as emu:
        async with FaceClient(
            emu.endpoint,
            KeyCredential(emu.key),
            rate_limiter=RateLimiter(1000, burst=1000),
            retry_policy=RetryPolicy(max_retries=10),
        ) as client:
            await client.person_groups.create("g", name="G")
            results = await asyncio.gather(*(client.person_groups.get("g") for _ in range(15)))
        assert len(results) == 15
        assert emu.log.count(status=429) > 0


async def test_the_preview_api_path_works(emulator: FaceEmulator) -> None:
    async with FaceClient(
        emulator.endpoint, KeyCredential(emulator.key), api_path="/face/v1.0-preview"
    ) as client:
        await client.large_person_groups.create("p", name="Preview")
        await client.large_person_groups.persons.create("p", name="Ann")
        await client.large_person_groups.train("p")
        first = await client.large_person_groups.get_training_status("p")
        assert first.status in ("notstarted", "running", "succeeded")


async def test_a_snapshot_is_visible_to_its_owner_and_its_apply_scope_only(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    store = emulator.account.snapshot_store
    async with (
        FaceEmulator(snapshot_store=store) as allowed,
        FaceEmulator(snapshot_store=store) as stranger,
    ):
        await face.face_lists.create("l", name="L")
        snapshot_id = await (
            await face.snapshots.begin_take(
                "FaceList",
                "l",
                [allowed.subscription_id],
                polling=PollingPolicy(initial=0.02, maximum=0.05),
            )
        )
        async with (
            FaceClient(allowed.endpoint, KeyCredential(allowed.key)) as in_scope,
            FaceClient(stranger.endpoint, KeyCredential(stranger.key)) as out_of_scope,
        ):
            assert (await in_scope.snapshots.get(snapshot_id)).id == snapshot_id
            with pytest.raises(NotFoundError):
                await out_of_scope.snapshots.get(snapshot_id)
        assert (await face.snapshots.get(snapshot_id)).id == snapshot_id


async def test_an_upload_abandoned_midway_is_logged_and_leaves_nothing(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await face.person_groups.create("g", name="G")
    person = await face.person_groups.persons.create("g", name="Ann")
    image = photo("ann")

    async def stalling() -> AsyncIterator[bytes]:
        yield image[:1024]
        await asyncio.sleep(30)
        yield image[1024:]

    upload = asyncio.create_task(
        face.person_groups.persons.add_face("g", person.person_id, stalling())
    )
    await asyncio.sleep(0.2)
    upload.cancel()
    with pytest.raises(asyncio.CancelledError):
        await upload
    for _ in range(50):
        if emulator.log.count("PersonGroupPerson_AddFace*", status=499):
            break
        await asyncio.sleep(0.02)
    assert emulator.log.count("PersonGroupPerson_AddFace*", status=499) == 1
    assert (await face.person_groups.persons.get("g", person.person_id)).persisted_face_ids == []


async def test_a_seeded_group_is_ready_for_identify(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    ids = emulator.seed_group("seeded", {"ann": [1, 2], "bob": [1]}, large=True)
    assert emulator.log.requests == []
    (probe,) = await detect_ids(face, photo("ann", 7))
    (result,) = await face.identify([probe], large_person_group_id="seeded")
    assert result.candidates[0].person_id == ids["ann"]
    status = await face.large_person_groups.get_training_status("seeded")
    assert status.status == "succeeded"
