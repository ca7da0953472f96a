"""Pollers for trainings and snapshot operations, against the emulator."""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator

import pytest
from aioresponses import aioresponses

from facekit import (
    FaceClient,
    FaceError,
    FaceResponseError,
    FaceTimeoutError,
    KeyCredential,
    OperationFailedError,
    PollingPolicy,
    RateLimiter,
    RetryPolicy,
    TrainingFailedError,
)
from facekit.emulator import EmulatorSettings, FaceEmulator, SnapshotStore, synthetic_face
from facekit.polling import OperationPoller, decode_token

from .conftest import BASE, ENDPOINT, KEY

QUICK = PollingPolicy(initial=0.02, growth=1.5, maximum=0.1, jitter=0.0)
SETTINGS = EmulatorSettings(
    training_queue_seconds=0.1,
    training_base_seconds=0.3,
    training_seconds_per_face=0.0,
    snapshot_base_seconds=0.2,
)


@pytest.fixture
async def emulator() -> AsyncIterator[FaceEmulator]:
    async with FaceEmulator(settings=SETTINGS, snapshot_store=SnapshotStore()) as emu:
        yield emu


@pytest.fixture
async def face(emulator: FaceEmulator) -> AsyncIterator[FaceClient]:
    async with FaceClient(
        emulator.endpoint,
        KeyCredential(emulator.key),
        rate_limiter=RateLimiter(500, burst=50),
        retry_policy=RetryPolicy(max_retries=4, backoff_base=0.01, backoff_max=0.05),
    ) as client:
        yield client


async def enrolled(face: FaceClient, group_id: str = "fam", people: int = 1) -> None:
    await face.large_person_groups.create(group_id, name="Family")
    for index in range(people):
        person = await face.large_person_groups.persons.create(group_id, name=f"p{index}")
        await face.large_person_groups.persons.add_face(
            group_id, person.person_id, synthetic_face(f"p{index}")
        )


def training_end(emulator: FaceEmulator, group_id: str) -> float:
    for (_, cid), container in emulator.account.containers.items():
        if cid == group_id and container.training is not None:
            return container.training.ends_at
    raise AssertionError("no training")


# -- trainings -----------------------------------------------------------------------------


async def test_awaiting_a_training_returns_its_final_status(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await enrolled(face)
    poller = await face.large_person_groups.begin_train("fam", polling=QUICK)
    status = await poller
    assert status.status == "succeeded"
    assert poller.done()
    assert poller.status == status
    # Returned within one polling interval of the service finishing.
    assert emulator.account.now() - training_end(emulator, "fam") < QUICK.maximum + 0.1


@pytest.mark.parametrize("resource", ["person_groups", "large_person_groups", "large_face_lists"])
async def test_every_trainable_resource_has_a_poller(face: FaceClient, resource: str) -> None:
    container = getattr(face, resource)
    await container.create("c", name="C")
    if resource == "large_face_lists":
        await container.add_face("c", synthetic_face("ann"))
    else:
        person = await container.persons.create("c", name="Ann")
        await container.persons.add_face("c", person.person_id, synthetic_face("ann"))
    poller = await container.begin_train("c", polling=QUICK)
    assert (await poller).status == "succeeded"


async def test_a_failed_training_raises_with_the_services_message(face: FaceClient) -> None:
    await face.large_person_groups.create("empty", name="Empty")
    poller = await face.large_person_groups.begin_train("empty", polling=QUICK)
    with pytest.raises(TrainingFailedError, match="no person") as caught:
        await poller
    assert caught.value.status is poller.status


async def test_the_previous_trainings_result_is_not_taken_for_the_new_one(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await enrolled(face)
    await (await face.large_person_groups.begin_train("fam", polling=QUICK))
    poller = await face.large_person_groups.begin_train("fam", polling=QUICK)
    # The service still shows the old "succeeded" until the new training starts.
    stale = await face.large_person_groups.get_training_status("fam")
    assert stale.status == "succeeded"
    assert stale == poller.previous
    status = await poller
    assert status.created_date_time > stale.created_date_time
    assert emulator.account.now() >= training_end(emulator, "fam")


async def test_a_training_already_running_is_attached_to(face: FaceClient) -> None:
    await enrolled(face)
    first = await face.large_person_groups.begin_train("fam", polling=QUICK)
    second = await face.large_person_groups.begin_train("fam", polling=QUICK)
    one, two = await asyncio.gather(first, second)
    assert one == two


async def test_status_iteration_yields_each_change(face: FaceClient) -> None:
    await enrolled(face)
    poller = await face.large_person_groups.begin_train("fam", polling=QUICK)
    seen = [status async for status in poller]
    assert seen[-1].status == "succeeded"
    assert "running" in [s.status for s in seen]
    assert all(before != after for before, after in itertools.pairwise(seen))
    assert seen[-1] is poller.status


async def test_refresh_polls_once_and_status_needs_no_io(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await enrolled(face)
    poller = await face.large_person_groups.begin_train("fam", polling=QUICK)
    assert poller.status is None
    before = emulator.log.count("LargePersonGroup_GetTrainingStatus")
    await poller.refresh()
    assert emulator.log.count("LargePersonGroup_GetTrainingStatus") == before + 1
    _ = poller.status, poller.done()
    assert emulator.log.count("LargePersonGroup_GetTrainingStatus") == before + 1


async def test_result_timeout_raises_and_leaves_the_poller_usable(face: FaceClient) -> None:
    await enrolled(face)
    poller = await face.large_person_groups.begin_train("fam", polling=QUICK)
    with pytest.raises(FaceTimeoutError):
        await poller.result(timeout=0.05)
    assert (await poller.result(timeout=5)).status == "succeeded"


async def test_transient_429_and_5xx_while_polling_do_not_fail_the_poller(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await enrolled(face)
    poller = await face.large_person_groups.begin_train("fam", polling=QUICK)
    emulator.inject("LargePersonGroup_GetTrainingStatus", status=503, times=2)
    emulator.inject("LargePersonGroup_GetTrainingStatus", status=429, retry_after=0, times=1)
    assert (await poller).status == "succeeded"
    assert emulator.log.count("LargePersonGroup_GetTrainingStatus", status=503) == 2
    assert emulator.log.count("LargePersonGroup_GetTrainingStatus", status=429) == 1


async def test_many_tasks_awaiting_one_poller_share_one_polling_loop(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await enrolled(face)
    poller = await face.large_person_groups.begin_train("fam", polling=QUICK)
    before = emulator.log.count("LargePersonGroup_GetTrainingStatus")
    results = await asyncio.gather(*(poller.result() for _ in range(20)))
    assert len({r.created_date_time for r in results}) == 1
    polls = emulator.log.count("LargePersonGroup_GetTrainingStatus") - before
    assert polls == poller.polls
    assert polls < 20


async def test_cancelling_an_awaiting_task_stops_polling_but_not_the_training(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await enrolled(face)
    poller = await face.large_person_groups.begin_train("fam", polling=QUICK)
    before_tasks = asyncio.all_tasks()
    waiter = asyncio.create_task(poller.result())
    await asyncio.sleep(0.05)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    polls = emulator.log.count("LargePersonGroup_GetTrainingStatus")
    await asyncio.sleep(0.2)
    assert emulator.log.count("LargePersonGroup_GetTrainingStatus") == polls
    assert asyncio.all_tasks() - before_tasks == set()
    # The service's training went on; a later await picks it up.
    assert (await poller).status == "succeeded"


async def test_a_waiting_task_takes_over_when_the_polling_task_is_cancelled(
    face: FaceClient,
) -> None:
    await enrolled(face)
    poller = await face.large_person_groups.begin_train("fam", polling=QUICK)
    leader = asyncio.create_task(poller.result())
    await asyncio.sleep(0.01)
    follower = asyncio.create_task(poller.result())
    await asyncio.sleep(0.03)
    leader.cancel()
    assert (await asyncio.wait_for(follower, 5)).status == "succeeded"


# -- snapshot operations ------------------------------------------------------------------------


async def test_take_returns_the_snapshot_id_and_apply_the_target_location(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await enrolled(face)
    await (await face.large_person_groups.begin_train("fam", polling=QUICK))
    take = await face.snapshots.begin_take(
        "LargePersonGroup", "fam", [emulator.subscription_id], polling=QUICK
    )
    snapshot_id = await take
    assert take.status is not None
    assert take.status.resource_location == f"/snapshots/{snapshot_id}"
    assert take.operation_id is not None
    apply = await face.snapshots.begin_apply(snapshot_id, "copy", polling=QUICK)
    assert await apply == "/largepersongroups/copy"
    assert (await face.large_person_groups.get("copy")).name == "Family"


async def test_a_failed_operation_raises_with_its_status(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await enrolled(face)
    snapshot_id = await (
        await face.snapshots.begin_take(
            "LargePersonGroup", "fam", [emulator.subscription_id], polling=QUICK
        )
    )
    apply = await face.snapshots.begin_apply(snapshot_id, "fam", polling=QUICK)
    with pytest.raises(OperationFailedError, match="already exists") as caught:
        await apply
    assert caught.value.status is apply.status


async def test_a_relative_operation_location_is_polled_under_the_api_path(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await enrolled(face)
    take = await face.snapshots.begin_take(
        "LargePersonGroup", "fam", [emulator.subscription_id], polling=QUICK
    )
    assert take.location.startswith("/operations/")
    assert str(take.url) == f"{emulator.endpoint}/face/v1.0{take.location}"
    await take
    paths = {r.path for r in emulator.log.requests if r.operation == "Snapshot_GetOperationStatus"}
    assert paths == {f"/face/v1.0{take.location}"}


OPERATION = "/operations/a63a3bdd-a1db-4d05-87b8-dbad6850062a"
DONE = {
    "status": "succeeded",
    "createdTime": "2018-12-25T11:41:02.2331413Z",
    "resourceLocation": "/snapshots/e58b3f08-1e8b-4165-81df-aa9858f233dc",
}


async def test_an_absolute_operation_location_on_the_endpoint_is_used_as_is(
    mocked: aioresponses,
) -> None:
    mocked.post(f"{BASE}/snapshots", status=202, headers={"Operation-Location": BASE + OPERATION})
    mocked.get(BASE + OPERATION, payload=DONE)
    async with FaceClient(ENDPOINT, KeyCredential(KEY)) as face:
        take = await face.snapshots.begin_take("FaceList", "l", [OPERATION[-36:]], polling=QUICK)
        assert await take == "e58b3f08-1e8b-4165-81df-aa9858f233dc"


async def test_an_operation_location_on_another_host_is_refused_and_gets_no_key(
    mocked: aioresponses,
) -> None:
    foreign = "https://collector.example.net" + OPERATION
    mocked.post(f"{BASE}/snapshots", status=202, headers={"Operation-Location": foreign})
    async with FaceClient(ENDPOINT, KeyCredential(KEY)) as face:
        with pytest.raises(FaceResponseError, match=r"collector\.example\.net"):
            await face.snapshots.begin_take("FaceList", "l", [OPERATION[-36:]])
    assert all(url.host != "collector.example.net" for _, url in mocked.requests)


# -- continuation tokens ----------------------------------------------------------------------


async def test_a_token_is_versioned_json_without_secrets(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await enrolled(face)
    poller = await face.large_person_groups.begin_train("fam", polling=QUICK)
    token = poller.continuation_token()
    assert token.startswith("facekit-poller:1:")
    assert emulator.key not in token
    data = decode_token(token)
    assert (data["v"], data["kind"], data["id"]) == (1, "training", "fam")
    json.dumps(data)


async def test_a_token_resumes_on_another_client_instance(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    await enrolled(face)
    take = await face.snapshots.begin_take("LargePersonGroup", "fam", [emulator.subscription_id])
    async with FaceClient(emulator.endpoint, KeyCredential(emulator.key)) as other:
        resumed = other.snapshots.resume(take.continuation_token(), polling=QUICK)
        assert isinstance(resumed, OperationPoller)
        snapshot_id = await resumed
        assert resumed.status is not None
        assert resumed.status.resource_location == f"/snapshots/{snapshot_id}"
        assert (await other.snapshots.get(snapshot_id)).type == "LargePersonGroup"


@pytest.mark.parametrize(
    "token", ["nonsense", "facekit-poller:9:e30", "facekit-poller:1:!!!", "facekit-poller:1:e30"]
)
async def test_a_bad_token_is_a_clear_error(face: FaceClient, token: str) -> None:
    with pytest.raises(FaceError):
        face.resume_poller(token)


async def test_a_token_for_another_endpoint_is_refused(face: FaceClient) -> None:
    async with FaceClient(ENDPOINT, KeyCredential(KEY)) as elsewhere:
        token = OperationPoller(elsewhere._session, OPERATION, purpose="take").continuation_token()
    with pytest.raises(FaceError, match="belongs to"):
        face.resume_poller(token)


RESUME_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from facekit import FaceClient, KeyCredential, PollingPolicy

    async def main():
        endpoint, key, token = sys.argv[1:4]
        async with FaceClient(endpoint, KeyCredential(key)) as face:
            poller = face.resume_poller(token, polling=PollingPolicy(initial=0.05, maximum=0.2))
            status = await poller.result(timeout=20)
            print("RESULT", status.status)

    asyncio.run(main())
    """
)


async def test_a_token_resumes_in_another_process(face: FaceClient, emulator: FaceEmulator) -> None:
    await enrolled(face)
    poller = await face.large_person_groups.begin_train("fam", polling=QUICK)
    token = poller.continuation_token()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        RESUME_SCRIPT,
        emulator.endpoint,
        emulator.key,
        token,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert "RESULT succeeded" in out.decode()
