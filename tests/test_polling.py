"""Pollers for trainings and snapshot operations, against the emulator."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from facekit import (
    FaceClient,
    FaceError,
    FaceResponseError,
    FaceTimeoutError,
    FaceValidationError,
    KeyCredential,
    OperationFailedError,
    PollingPolicy,
    RateLimiter,
    RetryPolicy,
    TrainingFailedError,
)
from facekit.emulator import EmulatorSettings, FaceEmulator, synthetic_face
from facekit.polling import UNKNOWN_STATUS_POLLS, OperationPoller, TrainingPoller, decode_token

from .conftest import BASE, ENDPOINT, KEY, UNIT_VERSION
from .fake_transport import FakeTransport

QUICK = PollingPolicy(initial=0.02, growth=1.5, maximum=0.1, jitter=0.0)
SETTINGS = EmulatorSettings(
    training_queue_seconds=0.1,
    training_base_seconds=0.3,
    training_seconds_per_face=0.0,
    snapshot_base_seconds=0.2,
)


@pytest.fixture
def emulator_settings() -> EmulatorSettings:
    """Trainings and snapshots slow enough to be seen running."""
    return SETTINGS


@pytest.fixture
def face_options() -> dict[str, Any]:
    """v1.0 (trainings followed at .../training; tests/test_polling_v12.py has the
    operation-Location of v1.2), the client's default timeout, a lower rate and one more
    retry than the shared ones."""
    return {
        "api_version": "v1.0",
        "rate_limiter": RateLimiter(500, burst=50),
        "retry_policy": RetryPolicy(max_retries=4, backoff_base=0.01, backoff_max=0.05),
    }


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
    fake: FakeTransport,
) -> None:
    fake.post(f"{BASE}/snapshots", status=202, headers={"Operation-Location": BASE + OPERATION})
    fake.get(BASE + OPERATION, payload=DONE)
    async with FaceClient(ENDPOINT, KeyCredential(KEY), transport=fake) as face:
        take = await face.snapshots.begin_take("FaceList", "l", [OPERATION[-36:]], polling=QUICK)
        assert await take == "e58b3f08-1e8b-4165-81df-aa9858f233dc"


async def test_an_operation_location_on_another_host_is_refused_and_gets_no_key(
    fake: FakeTransport,
) -> None:
    foreign = "https://collector.example.net" + OPERATION
    fake.post(f"{BASE}/snapshots", status=202, headers={"Operation-Location": foreign})
    async with FaceClient(ENDPOINT, KeyCredential(KEY), transport=fake) as face:
        with pytest.raises(FaceResponseError, match=r"collector\.example\.net"):
            await face.snapshots.begin_take("FaceList", "l", [OPERATION[-36:]])
    assert all(sent.url.host != "collector.example.net" for sent in fake.requests)


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


# -- statuses facekit does not know, Retry-After: 0, tokens from elsewhere ----------------------


def _operation(status: str) -> dict[str, Any]:
    return {"status": status, "createdTime": "2018-12-25T11:41:02Z"}


@pytest.fixture
async def fast_client(fake: FakeTransport) -> AsyncIterator[FaceClient]:
    async with FaceClient(
        ENDPOINT,
        KeyCredential(KEY),
        api_version=UNIT_VERSION,
        rate_limiter=RateLimiter(10_000, burst=10_000),
        retry_policy=RetryPolicy(max_retries=1, backoff_base=0.001, backoff_max=0.002),
        transport=fake,
    ) as client:
        yield client


def _polls(fake: FakeTransport) -> int:
    return len(fake.sent("GET"))


@pytest.mark.parametrize("word", ["cancelled", "Canceled"])
async def test_a_cancelled_operation_ends_the_poller_at_once(
    fast_client: FaceClient, fake: FakeTransport, word: str
) -> None:
    fake.get(BASE + OPERATION, payload=_operation(word), repeat=True)
    poller = OperationPoller(fast_client._session, OPERATION, purpose="take", policy=QUICK)

    with pytest.raises(OperationFailedError, match=word.lower()):
        await poller.result(timeout=5)

    assert poller.done()
    assert _polls(fake) == 1


async def test_a_cancelled_training_raises_training_failed(
    fast_client: FaceClient, fake: FakeTransport
) -> None:
    url = f"{BASE}/largepersongroups/fam/training"
    fake.get(url, payload={"status": "cancelled", "createdDateTime": "2020-01-01T00:00:00Z"})
    poller = TrainingPoller(fast_client._session, "largepersongroups", "fam", queued_at=None)

    with pytest.raises(TrainingFailedError, match="cancelled"):
        await poller.result(timeout=5)


async def test_an_unknown_status_ends_the_poller_after_a_bounded_number_of_polls(
    fast_client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(BASE + OPERATION, payload=_operation("paused"), repeat=True)
    poller = OperationPoller(fast_client._session, OPERATION, purpose="take", policy=QUICK)

    with pytest.raises(FaceResponseError, match="'paused'"):
        await poller.result(timeout=10)

    assert _polls(fake) == UNKNOWN_STATUS_POLLS
    assert not poller.done()


async def test_an_unknown_status_in_passing_does_not_end_the_poller(
    fast_client: FaceClient, fake: FakeTransport
) -> None:
    for _ in range(UNKNOWN_STATUS_POLLS - 1):
        fake.get(BASE + OPERATION, payload=_operation("queued"))
    fake.get(BASE + OPERATION, payload=_operation("running"))
    for _ in range(UNKNOWN_STATUS_POLLS - 1):
        fake.get(BASE + OPERATION, payload=_operation("queued"))
    fake.get(BASE + OPERATION, payload=DONE)
    poller = OperationPoller(fast_client._session, OPERATION, purpose="take", policy=QUICK)

    assert await poller.result(timeout=10) == "e58b3f08-1e8b-4165-81df-aa9858f233dc"


def test_retry_after_zero_is_floored_at_the_initial_interval() -> None:
    policy = PollingPolicy(initial=0.5, maximum=30.0)
    assert policy.delay(0, 0.0, lambda: 0.5) == 0.5
    assert policy.delay(3, 0.2, lambda: 0.5) == 0.5
    assert policy.delay(3, 7.0, lambda: 0.5) == 7.0
    assert policy.delay(3, 100.0, lambda: 0.5) == 30.0


async def test_retry_after_zero_does_not_make_the_poller_spin(
    fast_client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(
        BASE + OPERATION, payload=_operation("running"), headers={"Retry-After": "0"}, repeat=True
    )
    policy = PollingPolicy(initial=0.05, maximum=1.0, jitter=0.0)
    poller = OperationPoller(fast_client._session, OPERATION, purpose="take", policy=policy)

    with pytest.raises(FaceTimeoutError, match=r"did not finish within 0\.5 s"):
        await poller.result(timeout=0.5)

    # 0.5 s at one poll per 0.05 s at most; with no floor it was hundreds.
    assert _polls(fake) <= 0.5 / 0.05 + 1


async def test_a_request_timeout_while_polling_is_not_taken_for_the_pollers_own(
    fast_client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(BASE + OPERATION, exception=TimeoutError(), repeat=True)
    poller = OperationPoller(fast_client._session, OPERATION, purpose="take", policy=QUICK)

    with pytest.raises(FaceTimeoutError) as caught:
        await poller.result(timeout=30)

    assert "did not finish within" not in str(caught.value)
    assert "timed out" in str(caught.value)


@pytest.mark.parametrize("seconds", [float("nan"), -1, "5", True])
async def test_a_bad_result_timeout_is_a_validation_error(
    fast_client: FaceClient, fake: FakeTransport, seconds: Any
) -> None:
    poller = OperationPoller(fast_client._session, OPERATION, purpose="take", policy=QUICK)
    with pytest.raises(FaceValidationError):
        await poller.result(timeout=seconds)
    assert fake.requests == []


def _token(fields: dict[str, Any]) -> str:
    data = {"v": 1, "endpoint": BASE, **fields}
    payload = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"facekit-poller:1:{payload}"


TRAINING = {"kind": "training", "collection": "largepersongroups", "id": "fam"}


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(None, id="None"),
        pytest.param(5, id="int"),
        pytest.param(b"facekit-poller:1:e30", id="bytes"),
        pytest.param("facekit-poller:\u0661:e30", id="non-ascii digit"),
        pytest.param(_token({**TRAINING, "queued_at": "2024-01-01T00:00:00"}), id="naive time"),
        pytest.param(_token({**TRAINING, "queued_at": 5}), id="int time"),
        pytest.param(_token({**TRAINING, "collection": "facelists"}), id="untrainable"),
        pytest.param(_token({**TRAINING, "id": ".."}), id="dot-dot id"),
        pytest.param(_token({**TRAINING, "id": 7}), id="int id"),
        pytest.param(_token({**TRAINING, "previous": {"status": 1}}), id="bad previous"),
        pytest.param(_token({"kind": "operation", "purpose": "take"}), id="no location"),
        pytest.param(
            _token({"kind": "operation", "location": "http://h:p\\@h2/x", "purpose": "take"}),
            id="malformed location",
        ),
        pytest.param(
            _token({"kind": "operation", "location": OPERATION, "purpose": "steal"}),
            id="unknown purpose",
        ),
        pytest.param(
            "facekit-poller:1:" + base64.urlsafe_b64encode(b"[" * 100_000).decode(),
            id="deeply nested",
        ),
        pytest.param(_token({**TRAINING, "endpoint": 5}), id="int endpoint"),
    ],
)
async def test_a_damaged_or_foreign_token_is_a_validation_error_before_any_request(
    fast_client: FaceClient, fake: FakeTransport, token: Any
) -> None:
    with pytest.raises(FaceValidationError) as caught:
        fast_client.resume_poller(token)
    assert caught.value.parameter == "token"
    assert fake.requests == []


async def test_a_poller_cannot_be_built_with_a_naive_queued_at(fast_client: FaceClient) -> None:
    with pytest.raises(FaceValidationError, match="queued_at"):
        TrainingPoller(
            fast_client._session, "largepersongroups", "fam", queued_at=datetime(2024, 1, 1)
        )


@pytest.mark.parametrize(
    ("queued", "created"),
    [
        pytest.param("0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00Z", id="year 1"),
        pytest.param("9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59Z", id="year 9999"),
    ],
)
async def test_a_service_clock_at_the_ends_of_time_does_not_overflow(
    fast_client: FaceClient, fake: FakeTransport, queued: str, created: str
) -> None:
    fake.get(
        f"{BASE}/largepersongroups/fam/training",
        payload={"status": "succeeded", "createdDateTime": created},
        repeat=True,
    )
    poller = fast_client.resume_poller(_token({**TRAINING, "queued_at": queued}), polling=QUICK)
    status = await poller.result(timeout=5)
    assert status.created_date_time.year == int(created[:4])
