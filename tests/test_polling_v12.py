"""Trainings in v1.1 and later: the 202's operation-Location is followed, v1.0's polling kept.

tests/test_polling.py covers the poller family on v1.0 (GET .../training, stale statuses);
this module covers what v1.2 changes: the location (relative, absolute, foreign), the
operation's statuses, the fallbacks, and continuation tokens across versions.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from facekit import (
    FaceClient,
    FaceResponseError,
    FaceValidationError,
    KeyCredential,
    PollingPolicy,
    RetryPolicy,
    TrainingFailedError,
    TrainingPoller,
)
from facekit.emulator import EmulatorSettings, FaceEmulator, synthetic_face
from facekit.polling import decode_token

from .conftest import ENDPOINT, KEY, fake_client
from .fake_transport import Canned, FakeTransport

QUICK = PollingPolicy(initial=0.02, growth=1.5, maximum=0.1, jitter=0.0)
V12 = f"{ENDPOINT}/face/v1.2"
OPERATION_ID = "1b22ff44-1f3c-4b7b-9c3e-2f0c2b3d4e5f"
TRAINING_URL = f"{V12}/largepersongroups/fam/training"
TRAIN_URL = f"{V12}/largepersongroups/fam/train"
NOT_TRAINED = {"error": {"code": "LargePersonGroupNotTrained", "message": "not trained"}}
SUCCEEDED = {
    "status": "succeeded",
    "createdDateTime": "2024-03-05T11:07:29.698Z",
    "lastActionDateTime": "2024-03-05T11:07:31.698Z",
    "lastSuccessfulTrainingDateTime": "2024-03-05T11:07:31.698Z",
    "message": None,
}


def operation(status: str, message: str | None = None) -> dict[str, Any]:
    """v1.2's OperationResult, as the operation-Location answers it."""
    return {
        "operationId": OPERATION_ID,
        "status": status,
        "createdTime": "2024-03-05T11:07:29.698Z",
        "lastActionTime": "2024-03-05T11:07:30.698Z",
        "finishedTime": None,
        "message": message,
    }


@pytest.fixture
def emulator_settings() -> EmulatorSettings:
    """Trainings slow enough to be seen running."""
    return EmulatorSettings(
        training_queue_seconds=0.05, training_base_seconds=0.2, training_seconds_per_face=0.0
    )


@pytest.fixture
async def v12(fake: FakeTransport) -> AsyncIterator[FaceClient]:
    retry = RetryPolicy(max_retries=1, backoff_base=0.001, backoff_max=0.002)
    async with fake_client(fake, "v1.2", retry_policy=retry) as client:
        yield client


async def enrolled(face: FaceClient, group_id: str = "fam") -> None:
    await face.large_person_groups.create(group_id, name="Family")
    person = await face.large_person_groups.persons.create(group_id, name="ann")
    await face.large_person_groups.persons.add_face(
        group_id, person.person_id, synthetic_face("ann")
    )


def queued(fake: FakeTransport, location: str | None) -> None:
    """Never trained before; the train request answers 202 with `location`."""
    fake.get(TRAINING_URL, status=404, payload=NOT_TRAINED)
    headers = {} if location is None else {"operation-Location": location}
    fake.post(TRAIN_URL, status=202, headers=headers)


# -- against the emulator ------------------------------------------------------------------------


async def test_a_v1_2_training_is_followed_at_its_operation_location(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    assert face.api_version == "v1.2"
    await enrolled(face)
    poller = await face.large_person_groups.begin_train("fam", polling=QUICK)
    assert poller.location is not None
    assert poller.url is not None
    assert poller.url.path.startswith("/face/v1.2/operations/")
    status = await poller
    assert status.status == "succeeded"
    # The container's own status is the result: it has the last successful training's time.
    assert status.last_successful_training_date_time is not None
    operation_polls = [r for r in emulator.log.requests if "/operations/" in r.path]
    assert len(operation_polls) == poller.polls >= 2
    # .../training is read once before the train request and once at the end, never polled.
    assert emulator.log.count("LargePersonGroup_GetTrainingStatus") == 2


async def test_a_failed_v1_2_training_raises_with_the_services_message(face: FaceClient) -> None:
    await face.large_person_groups.create("empty", name="Empty")
    poller = await face.large_person_groups.begin_train("empty", polling=QUICK)
    with pytest.raises(TrainingFailedError, match="no person") as caught:
        await poller
    assert caught.value.status is poller.status
    assert poller.status is not None
    assert poller.status.status == "failed"


@pytest.mark.parametrize("version", ["v1.0", "v1.0-preview"])
async def test_v1_0_keeps_polling_the_training_status(
    emulator: FaceEmulator, face_options: dict[str, Any], version: str
) -> None:
    async with FaceClient(
        emulator.endpoint, KeyCredential(emulator.key), api_version=version, **face_options
    ) as face:
        await enrolled(face)
        poller = await face.large_person_groups.begin_train("fam", polling=QUICK)
        assert poller.location is None
        assert (await poller).status == "succeeded"
    assert not [r for r in emulator.log.requests if "/operations/" in r.path]
    assert emulator.log.count("LargePersonGroup_GetTrainingStatus") == 1 + poller.polls


@pytest.mark.parametrize(("made_on", "resumed_on"), [("v1.0", "v1.2"), ("v1.2", "v1.0")])
async def test_a_token_resumes_through_the_version_it_was_made_with(
    emulator: FaceEmulator, face_options: dict[str, Any], made_on: str, resumed_on: str
) -> None:
    # A worker that saved a token before the default version changed can still finish it.
    endpoint, key = emulator.endpoint, KeyCredential(emulator.key)
    async with FaceClient(endpoint, key, api_version=made_on, **face_options) as face:
        await enrolled(face)
        token = (await face.large_person_groups.begin_train("fam")).continuation_token()
    before = len(emulator.log.requests)
    async with FaceClient(endpoint, key, api_version=resumed_on, **face_options) as other:
        resumed = other.resume_poller(token, polling=QUICK)
        assert isinstance(resumed, TrainingPoller)
        assert (await resumed).status == "succeeded"
        assert resumed.continuation_token() == token
    assert {r.version for r in emulator.log.requests[before:]} == {made_on}


# -- where the location points -------------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        pytest.param(f"/operations/{OPERATION_ID}", id="relative"),
        pytest.param(f"{V12}/operations/{OPERATION_ID}", id="absolute"),
    ],
)
async def test_the_location_is_followed_relative_or_absolute(
    v12: FaceClient, fake: FakeTransport, location: str
) -> None:
    queued(fake, location)
    answers = iter([operation("notStarted"), operation("running"), operation("succeeded")])
    fake.get(
        f"{V12}/operations/{OPERATION_ID}",
        callback=lambda _: Canned(payload=next(answers)),
        repeat=True,
    )
    fake.get(TRAINING_URL, payload=SUCCEEDED)
    poller = await v12.large_person_groups.begin_train("fam", polling=QUICK)
    assert str(poller.url) == f"{V12}/operations/{OPERATION_ID}"
    seen = [status.status async for status in poller]
    assert seen == ["notstarted", "running", "succeeded"]
    assert (await poller).last_successful_training_date_time is not None
    # No Content-Type on the body-less train; the key only ever went to the endpoint.
    train = fake.sent("POST")[0]
    assert "Content-Type" not in train.headers
    assert {r.url.host for r in fake.requests} == {"westus.api.cognitive.microsoft.com"}


async def test_a_location_on_another_host_is_refused_and_gets_no_key(
    v12: FaceClient, fake: FakeTransport
) -> None:
    queued(fake, f"https://collector.example.net/face/v1.2/operations/{OPERATION_ID}")
    with pytest.raises(FaceResponseError, match=r"collector\.example\.net") as caught:
        await v12.large_person_groups.begin_train("fam")
    assert "was queued" in str(caught.value)
    assert all(r.url.host != "collector.example.net" for r in fake.requests)


async def test_without_a_location_the_status_is_polled(
    v12: FaceClient, fake: FakeTransport
) -> None:
    queued(fake, None)
    fake.get(TRAINING_URL, payload={**SUCCEEDED, "createdDateTime": "2099-01-01T00:00:00Z"})
    poller = await v12.large_person_groups.begin_train("fam", polling=QUICK)
    assert poller.location is None
    assert (await poller).status == "succeeded"


async def test_a_training_already_running_is_followed_at_its_status(
    v12: FaceClient, fake: FakeTransport
) -> None:
    running = {**SUCCEEDED, "status": "running", "lastSuccessfulTrainingDateTime": None}
    fake.get(TRAINING_URL, payload=running)
    fake.post(
        TRAIN_URL,
        status=409,
        payload={"error": {"code": "LargePersonGroupTrainingNotFinished", "message": "busy"}},
    )
    fake.get(TRAINING_URL, payload={**running, "lastActionDateTime": "2024-03-05T11:07:35Z"})
    fake.get(TRAINING_URL, payload=SUCCEEDED)
    poller = await v12.large_person_groups.begin_train("fam", polling=QUICK)
    assert poller.location is None
    assert (await poller).status == "succeeded"


@pytest.mark.parametrize("word", ["failed", "cancelled"])
async def test_an_operation_that_ends_badly_fails_the_poller(
    v12: FaceClient, fake: FakeTransport, word: str
) -> None:
    queued(fake, f"/operations/{OPERATION_ID}")
    fake.get(f"{V12}/operations/{OPERATION_ID}", payload=operation(word, "no person"))
    poller = await v12.large_person_groups.begin_train("fam", polling=QUICK)
    with pytest.raises(TrainingFailedError, match="no person"):
        await poller
    # Nothing more was read once the operation had ended.
    assert len(fake.sent("GET")) == 2


async def test_a_location_answering_a_training_status_is_taken_as_it_is(
    v12: FaceClient, fake: FakeTransport
) -> None:
    # The spec calls the location "an instance of TrainingResult": either shape is read.
    queued(fake, "/largepersongroups/fam/training")
    fake.get(TRAINING_URL, payload={**SUCCEEDED, "status": "notStarted"})
    fake.get(TRAINING_URL, payload=SUCCEEDED)
    poller = await v12.large_person_groups.begin_train("fam", polling=QUICK)
    status = await poller
    assert status.status == "succeeded"
    assert len(fake.sent("GET")) == 3


async def test_a_location_the_service_forgot_falls_back_to_the_training_status(
    v12: FaceClient, fake: FakeTransport
) -> None:
    # Operation URLs expire after 48 hours: a poller resumed later reads the container.
    queued(fake, f"/operations/{OPERATION_ID}")
    fake.get(
        f"{V12}/operations/{OPERATION_ID}",
        status=404,
        payload={"error": {"code": "OperationNotFound", "message": "gone"}},
    )
    fake.get(TRAINING_URL, payload={**SUCCEEDED, "createdDateTime": "2099-01-01T00:00:00Z"})
    poller = await v12.large_person_groups.begin_train("fam", polling=QUICK)
    assert (await poller).status == "succeeded"
    assert [r.url.path for r in fake.sent("GET")][-2:] == [
        f"/face/v1.2/operations/{OPERATION_ID}",
        "/face/v1.2/largepersongroups/fam/training",
    ]
    assert (poller.url, poller.location) == (None, None)
    assert decode_token(poller.continuation_token())["location"] is None


async def test_a_malformed_operation_reply_is_a_response_error(
    v12: FaceClient, fake: FakeTransport
) -> None:
    queued(fake, f"/operations/{OPERATION_ID}")
    fake.get(f"{V12}/operations/{OPERATION_ID}", payload={"status": 5})
    poller = await v12.large_person_groups.begin_train("fam", polling=QUICK)
    with pytest.raises(FaceResponseError):
        await poller


# -- tokens --------------------------------------------------------------------------------------


async def test_the_token_carries_the_location_and_no_secret(
    v12: FaceClient, fake: FakeTransport
) -> None:
    queued(fake, f"/operations/{OPERATION_ID}")
    poller = await v12.large_person_groups.begin_train("fam")
    token = poller.continuation_token()
    assert token.startswith("facekit-poller:1:")
    assert KEY not in token
    data = decode_token(token)
    assert (data["kind"], data["location"], data["endpoint"]) == (
        "training",
        f"/operations/{OPERATION_ID}",
        V12,
    )
    fake.get(f"{V12}/operations/{OPERATION_ID}", payload=operation("succeeded"))
    fake.get(TRAINING_URL, payload=SUCCEEDED)
    resumed = v12.resume_poller(token, polling=QUICK)
    assert (await resumed).status == "succeeded"


@pytest.mark.parametrize(
    "location",
    [
        pytest.param("https://collector.example.net/operations/x", id="foreign host"),
        pytest.param(5, id="not a str"),
        pytest.param("/operations/../../x", id="dot-dot"),
    ],
)
async def test_a_token_with_an_unusable_location_is_refused_before_any_request(
    v12: FaceClient, fake: FakeTransport, location: object
) -> None:
    data = {
        "v": 1,
        "endpoint": V12,
        "kind": "training",
        "collection": "largepersongroups",
        "id": "fam",
        "location": location,
    }
    payload = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    with pytest.raises(FaceValidationError) as caught:
        v12.resume_poller(f"facekit-poller:1:{payload}")
    assert caught.value.parameter == "token"
    assert fake.requests == []
