"""facekit's PersonDirectory against the emulator: pollers, recognition, versions, tokens.

Every client here names its API version (the directory is in v1.0-preview, v1.1-preview.1
and v1.2-preview.1; identify and verify against it also in v1.2).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from facekit import (
    DirectoryOperationPoller,
    FaceAdditionPoller,
    FaceClient,
    FaceError,
    FaceResponseError,
    FaceTimeoutError,
    FaceValidationError,
    KeyCredential,
    OperationFailedError,
    PersonCreationPoller,
    PollingPolicy,
)
from facekit.emulator import EmulatorSettings, FaceEmulator, synthetic_face
from facekit.models import OperationResult, RecognitionModelName
from facekit.polling import decode_token

from .conftest import ENDPOINT, FAST_RETRY, KEY, quick_client_options
from .fake_transport import Canned, FakeTransport, Sent

QUICK = PollingPolicy(initial=0.02, growth=1.5, maximum=0.1, jitter=0.0)
MODEL: RecognitionModelName = "recognition_04"
DIRECTORY_VERSIONS = ["v1.0-preview", "v1.1-preview.1", "v1.2-preview.1"]


@pytest.fixture
def emulator_settings() -> EmulatorSettings:
    """Directory operations slow enough to be seen queued and running."""
    return EmulatorSettings(directory_operation_seconds=0.06, training_queue_seconds=0.02)


@pytest.fixture(params=DIRECTORY_VERSIONS)
async def face(request: pytest.FixtureRequest, emulator: FaceEmulator) -> AsyncIterator[FaceClient]:
    """A client of the emulator in each version that has the directory."""
    async with FaceClient(
        emulator.endpoint,
        KeyCredential(emulator.key),
        api_version=request.param,
        **quick_client_options(),
    ) as client:
        yield client


def client_of(emulator: FaceEmulator, version: str) -> FaceClient:
    return FaceClient(
        emulator.endpoint,
        KeyCredential(emulator.key),
        api_version=version,
        **quick_client_options(),
    )


async def enrolled(face: FaceClient, name: str, *variants: int) -> str:
    """A usable person with faces (in use) of `name`; its person id."""
    pd = face.person_directory
    creating = await pd.begin_create_person(name=name, user_data=f"{name} data", polling=QUICK)
    adds = [
        await pd.begin_add_face(
            creating.person_id, synthetic_face(name, v), recognition_model=MODEL, polling=QUICK
        )
        for v in variants
    ]
    await asyncio.gather(creating, *adds)
    return creating.person_id


async def query(face: FaceClient, name: str, variant: int = 7) -> str:
    (found,) = await face.detect(
        synthetic_face(name, variant), return_face_id=True, recognition_model=MODEL
    )
    assert found.face_id is not None
    return found.face_id


# -- a person and a face, awaited -------------------------------------------------------------


async def test_a_person_and_its_face_are_created_and_awaited_in_a_few_lines(
    face: FaceClient,
) -> None:
    pd = face.person_directory
    creating = await pd.begin_create_person(name="Ann", polling=QUICK)
    adding = await pd.begin_add_face(
        creating.person_id, synthetic_face("ann", 1), recognition_model=MODEL, polling=QUICK
    )
    person_id, face_id = await asyncio.gather(creating, adding)
    assert (person_id, face_id) == (creating.person_id, adding.persisted_face_id)
    assert creating.status is not None
    assert adding.status is not None
    assert str(creating.status.status) == str(adding.status.status) == "succeeded"
    faces = await pd.list_faces(person_id, recognition_model=MODEL)
    assert faces.persisted_face_ids == [face_id]
    (result,) = await face.identify([await query(face, "ann")], person_ids=[person_id])
    assert [c.person_id for c in result.candidates] == [person_id]


async def test_identify_and_verify_reach_a_group_the_directory_and_a_person(
    face: FaceClient,
) -> None:
    pd = face.person_directory
    ann, bob = await asyncio.gather(enrolled(face, "ann", 1, 2), enrolled(face, "bob", 1))
    await (
        await pd.begin_create_dynamic_person_group(
            "team", name="Team", add_person_ids=[ann], polling=QUICK
        )
    )
    bobs_face = await query(face, "bob")
    (in_team,) = await face.identify([bobs_face], dynamic_person_group_id="team")
    assert in_team.candidates == []
    (everywhere,) = await face.identify([bobs_face], person_ids=["*"])
    assert [c.person_id for c in everywhere.candidates] == [bob]
    await (await pd.begin_update_dynamic_person_group("team", add_person_ids=[bob], polling=QUICK))
    (in_team,) = await face.identify([bobs_face], dynamic_person_group_id="team")
    assert [c.person_id for c in in_team.candidates] == [bob]
    same = await face.verify_face_to_person(bobs_face, bob, person_directory=True)
    other = await face.verify_face_to_person(bobs_face, ann, person_directory=True)
    assert (same.is_identical, other.is_identical) == (True, False)


async def test_groups_persons_and_references_are_listed_with_async_for(face: FaceClient) -> None:
    pd = face.person_directory
    ids = []
    for name in ("a", "b", "c", "d", "e"):
        ids.append((await pd.begin_create_person(name=name)).person_id)
    assert sorted([p.person_id async for p in pd.list_persons(top=2)]) == sorted(ids)
    await pd.create_dynamic_person_group("g1", name="G1")
    await pd.create_dynamic_person_group("g2", name="G2", user_data="second")
    for group in ("g1", "g2"):
        await (await pd.begin_update_dynamic_person_group(group, add_person_ids=ids, polling=QUICK))
    members = [p async for p in pd.list_dynamic_person_group_persons("g1", top=2)]
    assert members == sorted(ids)
    assert [g async for g in pd.list_dynamic_person_group_references(ids[0], top=1)] == ["g1", "g2"]
    groups = [g async for g in pd.list_dynamic_person_groups(top=1)]
    assert [(g.dynamic_person_group_id, g.user_data) for g in groups] == [
        ("g1", None),
        ("g2", "second"),
    ]


async def test_name_changes_return_once_in_effect(face: FaceClient) -> None:
    pd = face.person_directory
    await pd.create_dynamic_person_group("team", name="Team")
    # v1.0-preview answers every group update with an operation: it is awaited here.
    await pd.update_dynamic_person_group("team", name="Renamed", polling=QUICK)
    assert (await pd.get_dynamic_person_group("team")).name == "Renamed"
    person_id = (await pd.begin_create_person(name="ann")).person_id
    await pd.update_person(person_id, user_data="changed")
    assert (await pd.get_person(person_id)).user_data == "changed"


async def test_deleting_a_person_takes_it_out_of_its_groups(face: FaceClient) -> None:
    pd = face.person_directory
    ann = await enrolled(face, "ann", 1)
    await (
        await pd.begin_create_dynamic_person_group(
            "team", name="T", add_person_ids=[ann], polling=QUICK
        )
    )
    deleting = await pd.begin_delete_person(ann, polling=QUICK)
    assert deleting.purpose == "delete_person"
    await deleting
    assert deleting.done()
    assert [p async for p in pd.list_dynamic_person_group_persons("team")] == []
    with pytest.raises(FaceError, match=r"PersonNotFound|not found"):
        await pd.get_person(ann)


async def test_a_face_is_deleted_and_a_group_too(face: FaceClient) -> None:
    pd = face.person_directory
    ann = await enrolled(face, "ann", 1, 2)
    (first, second) = (await pd.list_faces(ann, recognition_model=MODEL)).persisted_face_ids
    await (await pd.begin_delete_face(ann, first, recognition_model=MODEL, polling=QUICK))
    assert (await pd.list_faces(ann, recognition_model=MODEL)).persisted_face_ids == [second]
    await pd.update_face(ann, second, recognition_model=MODEL, user_data="kept")
    assert (await pd.get_face(ann, second, recognition_model=MODEL)).user_data == "kept"
    await pd.create_dynamic_person_group("gone", name="G")
    await (await pd.begin_delete_dynamic_person_group("gone", polling=QUICK))
    assert [g async for g in pd.list_dynamic_person_groups()] == []


async def test_an_operation_that_fails_raises_with_the_services_message(
    face: FaceClient,
) -> None:
    pd = face.person_directory
    ann = await enrolled(face, "ann", 1)
    await pd.begin_delete_person(ann, polling=QUICK)
    # Accepted before the deletion took effect, the add runs after it and fails.
    adding = await pd.begin_add_face(
        ann, synthetic_face("ann", 2), recognition_model=MODEL, polling=QUICK
    )
    with pytest.raises(OperationFailedError, match=ann) as caught:
        await adding
    assert caught.value.status is adding.status


# -- the poller: result(timeout=), status, refresh, async for, shared loop, cancel ---------------


async def test_status_refresh_iteration_and_timeout(face: FaceClient) -> None:
    pd = face.person_directory
    creating = await pd.begin_create_person(name="ann", polling=QUICK)
    assert creating.status is None
    assert not creating.done()
    with pytest.raises(FaceTimeoutError, match="goes on"):
        await creating.result(timeout=0.01)
    first = await creating.refresh()
    assert first is not None
    polls = creating.polls
    seen = [str(status.status) async for status in creating]
    assert seen[-1] == "succeeded"
    assert seen[0] in ("notstarted", "running")
    assert creating.polls > polls
    assert await creating.result(timeout=5) == creating.person_id
    if face.api_version != "v1.0-preview":
        assert isinstance(creating.status, OperationResult)
        assert creating.operation_id == creating.status.operation_id
        assert creating.resource_location == (
            f"{face.endpoint}/face/{face.api_version}/persons/{creating.person_id}"
        )


async def test_many_tasks_awaiting_one_poller_share_its_polling(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    creating = await face.person_directory.begin_create_person(name="ann", polling=QUICK)
    emulator.log.clear()
    results = await asyncio.gather(*(creating.result() for _ in range(8)))
    assert set(results) == {creating.person_id}
    assert emulator.log.count("Snapshot_GetOperationStatus") == creating.polls


async def test_cancelling_an_awaiting_task_stops_polling_but_not_the_operation(
    face: FaceClient,
) -> None:
    pd = face.person_directory
    creating = await pd.begin_create_person(name="ann", polling=QUICK)
    waiting = asyncio.ensure_future(creating.result())
    await asyncio.sleep(0.03)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.sleep(0.1)
    # The creation went on: the person is usable (a face added now is recognised).
    adding = await pd.begin_add_face(
        creating.person_id, synthetic_face("ann", 1), recognition_model=MODEL, polling=QUICK
    )
    await adding
    (result,) = await face.identify([await query(face, "ann")], person_ids=["*"])
    assert [c.person_id for c in result.candidates] == [creating.person_id]


async def test_a_transient_error_while_polling_does_not_fail_the_poller(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    creating = await face.person_directory.begin_create_person(name="ann", polling=QUICK)
    emulator.inject("Snapshot_GetOperationStatus", status=503, times=2)
    emulator.inject("Snapshot_GetOperationStatus", status=429, retry_after=0.05, times=1)
    assert await creating == creating.person_id


async def test_a_relative_operation_location_is_polled_under_the_api_path(
    emulator: FaceEmulator,
) -> None:
    async with client_of(emulator, "v1.0-preview") as face:
        creating = await face.person_directory.begin_create_person(name="ann", polling=QUICK)
        assert creating.location is not None
        assert creating.location.startswith("/operations/")
        assert str(creating.url) == f"{emulator.endpoint}/face/v1.0-preview{creating.location}"
        await creating
    polled = [r for r in emulator.log.requests if r.operation == "Snapshot_GetOperationStatus"]
    assert polled
    assert {r.version for r in polled} == {"v1.0-preview"}


# -- continuation tokens ---------------------------------------------------------------------


async def test_a_token_holds_what_resumes_it_and_no_secret(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    adding = await face.person_directory.begin_add_face(
        (await face.person_directory.begin_create_person(name="ann")).person_id,
        synthetic_face("ann", 1),
        recognition_model=MODEL,
    )
    token = adding.continuation_token()
    assert emulator.key not in token
    data = decode_token(token)
    assert (data["kind"], data["purpose"], data["value"]) == (
        "directory",
        "add_face",
        adding.persisted_face_id,
    )
    async with client_of(emulator, face.api_version) as other:
        resumed = other.person_directory.resume(token, polling=QUICK)
        assert isinstance(resumed, FaceAdditionPoller)
        assert resumed.persisted_face_id == adding.persisted_face_id
        assert resumed.location == adding.location
        assert await resumed == adding.persisted_face_id
        assert isinstance(other.resume_poller(token), FaceAdditionPoller)


async def test_a_done_at_once_poller_resumes_done_without_a_request(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    created = await face.person_directory.begin_create_dynamic_person_group("g", name="G")
    if face.api_version == "v1.0-preview":
        await created
    token = created.continuation_token()
    emulator.log.clear()
    resumed = face.resume_poller(token)
    assert isinstance(resumed, DirectoryOperationPoller)
    assert await resumed is None
    if created.location is None:
        assert resumed.done()
        assert emulator.log.count() == 0


RESUME_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from facekit import FaceClient, KeyCredential, PollingPolicy

    async def main():
        endpoint, key, version, token = sys.argv[1:5]
        async with FaceClient(endpoint, KeyCredential(key), api_version=version) as face:
            poller = face.resume_poller(token, polling=PollingPolicy(initial=0.05, maximum=0.2))
            person_id = await poller.result(timeout=20)
            print("RESULT", type(poller).__name__, person_id, poller.person_id)

    asyncio.run(main())
    """
)


@pytest.mark.parametrize("version", ["v1.0-preview", "v1.2-preview.1"])
async def test_a_token_resumes_in_another_process(version: str, emulator: FaceEmulator) -> None:
    async with client_of(emulator, version) as face:
        creating = await face.person_directory.begin_create_person(name="ann")
        token = creating.continuation_token()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        RESUME_SCRIPT,
        emulator.endpoint,
        emulator.key,
        version,
        token,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    expected = f"RESULT PersonCreationPoller {creating.person_id} {creating.person_id}"
    assert expected in out.decode()


def _token(**fields: Any) -> str:
    data = {"v": 1, "endpoint": f"{ENDPOINT}/face/v1.2-preview.1", "kind": "directory", **fields}
    encoded = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"facekit-poller:1:{encoded}"


GOOD = {
    "purpose": "create_person",
    "location": "/operations/1",
    "value": "0" * 8 + "-0000-4000-8000-" + "0" * 12,
}


@pytest.mark.parametrize(
    "fields",
    [
        {**GOOD, "purpose": "take"},
        {**GOOD, "value": "not a person id"},
        {**GOOD, "value": None},
        {**GOOD, "location": None},
        {**GOOD, "location": 5},
        {**GOOD, "location": "https://collector.example.net/operations/1"},
        {**GOOD, "resource_location": ["x"]},
        {**GOOD, "purpose": "delete_person"},  # a deletion has no value
    ],
)
async def test_a_damaged_directory_token_is_refused_before_any_request(
    fields: dict[str, Any], fake: FakeTransport
) -> None:
    async with FaceClient(
        ENDPOINT, KeyCredential(KEY), api_version="v1.2-preview.1", transport=fake
    ) as face:
        assert isinstance(face.resume_poller(_token(**GOOD)), PersonCreationPoller)
        with pytest.raises(FaceValidationError, match="damaged"):
            face.resume_poller(_token(**fields))
    assert fake.requests == []


async def test_a_snapshot_token_is_not_a_directory_one(face: FaceClient) -> None:
    from facekit.polling import OperationPoller

    token = OperationPoller(face._session, "/operations/x", purpose="take").continuation_token()
    with pytest.raises(FaceValidationError, match="not one of a PersonDirectory"):
        face.person_directory.resume(token)


# -- what the service may answer -------------------------------------------------------------------


@pytest.fixture
async def preview(fake: FakeTransport) -> AsyncIterator[FaceClient]:
    async with FaceClient(
        ENDPOINT,
        KeyCredential(KEY),
        api_version="v1.2-preview.1",
        retry_policy=FAST_RETRY,
        transport=fake,
    ) as face:
        yield face


PERSON = "85c0c630-c9c9-40f8-8a4e-f9ae4f926ea5"
BASE = f"{ENDPOINT}/face/v1.2-preview.1"


async def test_a_deletion_followed_on_another_host_is_refused_and_gets_no_key(
    preview: FaceClient, fake: FakeTransport
) -> None:
    foreign = "https://collector.example.net/face/v1.2-preview.1/operations/1"
    fake.delete(f"{BASE}/persons/{PERSON}", status=202, headers={"operation-Location": foreign})
    with pytest.raises(FaceResponseError, match=r"accepted the deletion.*collector\.example\.net"):
        await preview.person_directory.begin_delete_person(PERSON)
    assert [r.url.host for r in fake.requests] == ["westus.api.cognitive.microsoft.com"]


async def test_a_202_with_nothing_to_follow_names_what_was_accepted(
    preview: FaceClient, fake: FakeTransport
) -> None:
    fake.post(f"{BASE}/persons", status=202, payload={"personId": PERSON})
    with pytest.raises(FaceResponseError, match=f"accepted person {PERSON}.*Operation-Location"):
        await preview.person_directory.begin_create_person(name="ann")


async def test_a_malformed_202_body_is_a_response_error(
    preview: FaceClient, fake: FakeTransport
) -> None:
    fake.post(
        f"{BASE}/persons",
        status=202,
        payload={"personId": 5},
        headers={"operation-Location": f"{BASE}/operations/1"},
    )
    with pytest.raises(FaceResponseError, match="CreatedDirectoryPerson"):
        await preview.person_directory.begin_create_person(name="ann")


async def test_a_cancelled_or_unknown_final_status_ends_the_poller(
    preview: FaceClient, fake: FakeTransport
) -> None:
    location = f"{BASE}/operations/1"
    fake.delete(f"{BASE}/persons/{PERSON}", status=202, headers={"operation-Location": location})
    fake.get(location, payload={"status": "canceled", "createdTime": "2024-03-05T11:08:20Z"})
    deleting = await preview.person_directory.begin_delete_person(PERSON, polling=QUICK)
    with pytest.raises(OperationFailedError, match="canceled"):
        await deleting
    fake.delete(f"{BASE}/persons/{PERSON}", status=202, headers={"operation-Location": location})
    fake.get(
        location,
        payload={"status": "paused", "createdTime": "2024-03-05T11:08:20Z"},
        repeat=True,
    )
    deleting = await preview.person_directory.begin_delete_person(PERSON, polling=QUICK)
    with pytest.raises(FaceResponseError, match="paused"):
        await deleting


# -- versions and validation -------------------------------------------------------------------


async def test_a_version_without_the_directory_refuses_before_sending(
    emulator: FaceEmulator,
) -> None:
    for version in ("v1.0", "v1.2"):
        async with client_of(emulator, version) as face:
            pd = face.person_directory
            with pytest.raises(
                FaceValidationError, match=r"v1\.0-preview, v1\.1-preview\.1, v1\.2-preview\.1"
            ):
                await pd.begin_create_person(name="ann")
            with pytest.raises(
                FaceValidationError, match=r"v1\.0-preview, v1\.1-preview\.1, v1\.2-preview\.1"
            ):
                await pd.list_faces(PERSON, recognition_model=MODEL)
            with pytest.raises(FaceValidationError, match=r"in v1\.0-preview"):
                await pd.create_dynamic_person_group("g", name="G")
    async with client_of(emulator, "v1.0") as face:
        with pytest.raises(FaceValidationError, match=r"PersonDirectory is not in Face API v1\.0"):
            await face.identify([PERSON], person_ids=["*"])
        with pytest.raises(FaceValidationError, match=r"PersonDirectory is not in Face API v1\.0"):
            await face.verify_face_to_person(PERSON, PERSON, person_directory=True)
    assert emulator.log.count() == 0


async def test_v1_2_identifies_against_persons_a_preview_made(emulator: FaceEmulator) -> None:
    async with client_of(emulator, "v1.2-preview.1") as maker:
        ann = await enrolled(maker, "ann", 1)
        ga = maker.with_options(api_version="v1.2")
        (result,) = await ga.identify([await query(ga, "ann")], person_ids=[ann])
        assert [c.person_id for c in result.candidates] == [ann]
        verdict = await ga.verify_face_to_person(await query(ga, "ann"), ann, person_directory=True)
        assert verdict.is_identical


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({"person_ids": [PERSON] * 31}, r"1\.\.30"),
        ({"person_ids": []}, r"1\.\.30"),
        ({"person_ids": ["*", PERSON]}, "stands alone"),
        ({"person_ids": "*"}, "list of UUIDs"),
        ({"person_ids": ["nope"]}, "UUID"),
        ({"dynamic_person_group_id": "Team!"}, "lower-case"),
        ({"dynamic_person_group_id": "t", "person_ids": ["*"]}, "exactly one"),
        ({"person_group_id": "g", "person_ids": ["*"]}, "exactly one"),
        ({}, "exactly one"),
    ],
)
async def test_identify_targets_are_checked_before_sending(
    target: dict[str, Any], message: str, preview: FaceClient, fake: FakeTransport
) -> None:
    with pytest.raises(FaceValidationError, match=message):
        await preview.identify([PERSON], **target)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda pd: pd.begin_create_person(name=""), "non-empty"),
        (lambda pd: pd.begin_create_person(name="a", user_data="x" * 16385), "16384"),
        (lambda pd: pd.get_person("nope"), "UUID"),
        (lambda pd: pd.list_faces(PERSON, recognition_model="recognition-4"), "model name"),
        (
            lambda pd: pd.begin_add_face(
                PERSON, synthetic_face("a"), recognition_model=MODEL, user_data="x" * 1025
            ),
            "1024",
        ),
        (lambda pd: pd.begin_add_face(PERSON, b"tiny", recognition_model=MODEL), "1 KB"),
        (lambda pd: pd.begin_update_dynamic_person_group("g"), "give persons"),
        (lambda pd: pd.begin_update_dynamic_person_group("g", add_person_ids=["x"]), "UUID"),
        (lambda pd: pd.begin_create_dynamic_person_group("g", name="G", add_person_ids=[]), "1"),
        (lambda pd: pd.update_dynamic_person_group("g"), "give name"),
        (lambda pd: pd.list_persons(top=0).page(), r"1\.\.1000"),
        (lambda pd: pd.begin_delete_person(PERSON, polling="fast"), "PollingPolicy"),
    ],
)
async def test_directory_input_is_checked_before_sending(
    call: Any, message: str, preview: FaceClient, fake: FakeTransport
) -> None:
    with pytest.raises(FaceValidationError, match=message):
        await call(preview.person_directory)
    assert fake.requests == []


def test_the_directory_versions_come_from_the_route_table() -> None:
    from facekit.resources.person_directory import (
        DIRECTORY_RECOGNITION_VERSIONS,
        DIRECTORY_VERSIONS,
    )

    assert DIRECTORY_VERSIONS == ("v1.0-preview", "v1.1-preview.1", "v1.2-preview.1")
    assert DIRECTORY_RECOGNITION_VERSIONS[3:] == ("v1.2", "v1.3-preview.1")
    assert DIRECTORY_RECOGNITION_VERSIONS[:3] == DIRECTORY_VERSIONS


async def test_the_poll_interval_grows_and_follows_retry_after_within_the_policy(
    preview: FaceClient, fake: FakeTransport
) -> None:
    location = f"{BASE}/operations/1"
    fake.delete(f"{BASE}/persons/{PERSON}", status=202, headers={"operation-Location": location})
    times: list[float] = []
    replies = iter(
        [
            ("running", {}),
            ("running", {}),
            ("running", {"Retry-After": "0"}),
            ("running", {"Retry-After": "30"}),
            ("succeeded", {}),
        ]
    )

    def answer(request: Sent) -> Canned:
        times.append(time.monotonic())
        status, headers = next(replies)
        return Canned(
            payload={"status": status, "createdTime": "2024-03-05T11:08:20Z"}, headers=headers
        )

    fake.add(location, "GET", callback=answer, repeat=True)
    policy = PollingPolicy(initial=0.05, growth=2.0, maximum=0.3, jitter=0.0)
    deleting = await preview.person_directory.begin_delete_person(PERSON, polling=policy)
    await deleting
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # 0.05 then 0.1 (growing); Retry-After: 0 is floored at 0.05; Retry-After: 30 capped at 0.3.
    expected = [0.05, 0.1, 0.05, 0.3]
    assert len(gaps) == len(expected)
    for gap, wanted in zip(gaps, expected, strict=True):
        assert wanted - 0.005 <= gap <= wanted + 0.1, (gaps, expected)


async def test_the_targets_an_error_names_are_those_of_the_clients_version(
    fake: FakeTransport,
) -> None:
    for version, parameter in [
        ("v1.0", "person_group_id/large_person_group_id"),
        ("v1.2", "person_group_id/large_person_group_id/dynamic_person_group_id/person_ids"),
    ]:
        async with FaceClient(
            ENDPOINT, KeyCredential(KEY), api_version=version, transport=fake
        ) as face:
            with pytest.raises(FaceValidationError) as caught:
                await face.identify([PERSON])
            assert caught.value.parameter == parameter
            with pytest.raises(FaceValidationError) as caught:
                await face.verify_face_to_person(PERSON, PERSON)
            assert caught.value.parameter.endswith(
                "person_directory" if version == "v1.2" else "large_person_group_id"
            )
    assert fake.requests == []
