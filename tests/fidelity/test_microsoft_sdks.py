"""Microsoft's own Face SDKs, unchanged, against the emulator.

Two SDKs are exercised, each only when it is installed (test-only dependencies, never
runtime ones):

* ``azure-cognitiveservices-vision-face`` 0.6.x: the msrest-based v1.0 SDK. It talks to
  ``{endpoint}/face/v1.0``, polls trainings through ``GET .../training`` and returns the
  snapshot ``Operation-Location`` only through ``raw=True`` (``ClientRawResponse.headers``).
* ``azure-ai-vision-face`` 1.0.0b2: the azure-core based SDK. It talks to
  ``{endpoint}/face/v1.2-preview.1`` and drives trainings as long-running operations
  (``operation-Location`` header polled by azure-core's ``LROBasePolling``), sync and async;
  its FaceSessionClient creates, reads, lists, audits and deletes liveness sessions, with a
  verify image sent as multipart/form-data. The device's attempts in between are played by
  the emulator's control call.

If one of these fails, the emulator deviates from the real service: fix the emulator, not
the test.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

import pytest

from facekit.emulator import (
    EmulatorSettings,
    FaceEmulator,
    SnapshotStore,
    group_photo,
    synthetic_face,
)

T = TypeVar("T")

PEOPLE = ("alice", "bob", "carol")
# Enrolled faces are variants 0 and 1; queries use other variants of the same people.
ENROLLED = (0, 1)
QUERY = 7
RECOGNITION = "recognition_04"
DETECTION = "detection_03"
POLL_INTERVAL = 0.02
DEADLINE = 15.0


@pytest.fixture
def emulator() -> Iterator[FaceEmulator]:
    settings = EmulatorSettings(
        training_queue_seconds=0.05, training_base_seconds=0.1, snapshot_base_seconds=0.2
    )
    with FaceEmulator(settings=settings, snapshot_store=SnapshotStore()).in_thread() as emu:
        yield emu


def wait_for(fetch: Callable[[], T], status: Callable[[T], Any]) -> T:
    """Poll `fetch` until its status is terminal; fail the test on "failed" or a timeout."""
    deadline = time.monotonic() + DEADLINE
    while True:
        result = fetch()
        current = str(getattr(status(result), "value", status(result))).lower()
        if current == "succeeded":
            return result
        assert current in ("notstarted", "nonstarted", "running"), f"status {current}: {result}"
        assert time.monotonic() < deadline, f"still {current} after {DEADLINE} s"
        time.sleep(POLL_INTERVAL)


def by_position(faces: list[Any], rectangle: Callable[[Any], Any]) -> list[Any]:
    """Detected faces of a group photo, left to right (its people stand in one row)."""
    return sorted(faces, key=lambda face: rectangle(face).left)


def versions_used(emulator: FaceEmulator) -> set[str]:
    """The API versions (path segment after /face/) of every request the emulator served."""
    return {request.version for request in emulator.log.requests}


def last_segment(location: str) -> str:
    """The trailing id of an Operation-Location / resourceLocation such as /operations/{id}."""
    return location.rstrip("/").rsplit("/", 1)[-1]


# -- azure-cognitiveservices-vision-face (v1.0, msrest) -----------------------------------------


def old_client(emulator: FaceEmulator) -> Any:
    face = pytest.importorskip("azure.cognitiveservices.vision.face")
    from msrest.authentication import CognitiveServicesCredentials

    return face.FaceClient(emulator.endpoint, CognitiveServicesCredentials(emulator.key))


def old_enroll_person_group(client: Any, group_id: str) -> dict[str, str]:
    """A trained person group of PEOPLE with two faces each; person id -> name."""
    client.person_group.create(group_id, name=group_id, recognition_model=RECOGNITION)
    names = {}
    for name in PEOPLE:
        person = client.person_group_person.create(group_id, name=name)
        names[person.person_id] = name
        for variant in ENROLLED:
            added = client.person_group_person.add_face_from_stream(
                group_id,
                person.person_id,
                io.BytesIO(synthetic_face(name, variant)),
                detection_model=DETECTION,
            )
            assert added.persisted_face_id
    client.person_group.train(group_id)
    wait_for(lambda: client.person_group.get_training_status(group_id), lambda s: s.status)
    return names


def old_detect(client: Any, image: bytes) -> list[Any]:
    faces: list[Any] = client.face.detect_with_stream(
        io.BytesIO(image),
        return_face_id=True,
        recognition_model=RECOGNITION,
        detection_model=DETECTION,
    )
    return faces


def old_identify_names(client: Any, names: dict[str, str], **target: str) -> list[str | None]:
    """Detect a group photo of PEOPLE and identify it; the name found for each face."""
    faces = by_position(
        old_detect(client, group_photo([(name, QUERY) for name in PEOPLE])),
        lambda face: face.face_rectangle,
    )
    assert len(faces) == len(PEOPLE)
    results = {r.face_id: r for r in client.face.identify([f.face_id for f in faces], **target)}
    found: list[str | None] = []
    for face in faces:
        candidates = results[face.face_id].candidates
        found.append(names.get(candidates[0].person_id) if candidates else None)
    return found


def test_old_sdk_person_group_train_identify_verify(emulator: FaceEmulator) -> None:
    """v1.0 SDK: enroll a person group, train it, identify a group photo, verify two faces."""
    client = old_client(emulator)
    names = old_enroll_person_group(client, "team")

    status = client.person_group.get_training_status("team")
    assert status.status == "succeeded"
    # msrest parsed the service's 7-fractional-digit timestamps into datetimes.
    assert isinstance(status.created, datetime)
    assert isinstance(status.last_action, datetime)
    assert status.last_action >= status.created
    group = client.person_group.get("team", return_recognition_model=True)
    assert (group.person_group_id, group.name, group.recognition_model) == (
        "team",
        "team",
        RECOGNITION,
    )
    persons = client.person_group_person.list("team")
    assert {p.name: len(p.persisted_face_ids) for p in persons} == dict.fromkeys(PEOPLE, 2)

    assert old_identify_names(client, names, person_group_id="team") == list(PEOPLE)

    alice_a, alice_b, bob = (
        old_detect(client, synthetic_face(name, variant))[0].face_id
        for name, variant in (("alice", 3), ("alice", 4), ("bob", 3))
    )
    same = client.face.verify_face_to_face(alice_a, alice_b)
    other = client.face.verify_face_to_face(alice_a, bob)
    assert same.is_identical
    assert not other.is_identical
    assert same.confidence > other.confidence
    assert versions_used(emulator) == {"v1.0"}


def test_old_sdk_find_similar_in_face_list(emulator: FaceEmulator) -> None:
    """v1.0 SDK: a face list filled from URLs, then find-similar against it."""
    client = old_client(emulator)
    client.face_list.create("celebs", name="celebs", recognition_model=RECOGNITION)
    persisted = {}
    for name in PEOPLE:
        added = client.face_list.add_face_from_url(
            "celebs", emulator.image_url(name, 0), detection_model=DETECTION
        )
        persisted[added.persisted_face_id] = name
    stored = client.face_list.get("celebs")
    assert {f.persisted_face_id for f in stored.persisted_faces} == set(persisted)

    for name in PEOPLE:
        query = old_detect(client, synthetic_face(name, QUERY))[0].face_id
        similar = client.face.find_similar(query, face_list_id="celebs")
        assert similar, f"nothing similar to {name}"
        assert persisted[similar[0].persisted_face_id] == name
        matches = client.face.find_similar(query, face_list_id="celebs", mode="matchFace")
        assert len(matches) == len(PEOPLE)
        assert persisted[matches[0].persisted_face_id] == name


def test_old_sdk_large_person_group(emulator: FaceEmulator) -> None:
    """v1.0 SDK: the large person group variants of create / enroll / train / identify."""
    client = old_client(emulator)
    client.large_person_group.create("crowd", name="crowd", recognition_model=RECOGNITION)
    names = {}
    for name in PEOPLE:
        person = client.large_person_group_person.create("crowd", name=name)
        names[person.person_id] = name
        for variant in ENROLLED:
            client.large_person_group_person.add_face_from_stream(
                "crowd",
                person.person_id,
                io.BytesIO(synthetic_face(name, variant)),
                detection_model=DETECTION,
            )
    client.large_person_group.train("crowd")
    status = wait_for(
        lambda: client.large_person_group.get_training_status("crowd"), lambda s: s.status
    )
    assert status.last_successful_training is not None

    assert old_identify_names(client, names, large_person_group_id="crowd") == list(PEOPLE)


def test_old_sdk_snapshot_take_and_apply(emulator: FaceEmulator) -> None:
    """v1.0 SDK: snapshot a trained person group, apply it elsewhere, identify against it."""
    client = old_client(emulator)
    old_enroll_person_group(client, "source")

    taken = client.snapshot.take(
        "PersonGroup", "source", [emulator.subscription_id], user_data="nightly", raw=True
    )
    take_location = taken.headers["Operation-Location"]
    assert "/operations/" in take_location
    take_status = wait_for(
        lambda: client.snapshot.get_operation_status(last_segment(take_location)),
        lambda s: s.status,
    )
    snapshot_id = last_segment(take_status.resource_location)
    snapshot = client.snapshot.get(snapshot_id)
    assert (snapshot.type, snapshot.user_data) == ("PersonGroup", "nightly")
    assert emulator.subscription_id in snapshot.apply_scope

    applied = client.snapshot.apply(snapshot_id, "restored", raw=True)
    apply_location = applied.headers["Operation-Location"]
    wait_for(
        lambda: client.snapshot.get_operation_status(last_segment(apply_location)),
        lambda s: s.status,
    )

    restored = client.person_group.get("restored", return_recognition_model=True)
    assert (restored.person_group_id, restored.recognition_model) == ("restored", RECOGNITION)
    # The snapshot carries the training: the restored group identifies without a re-train.
    names = {p.person_id: p.name for p in client.person_group_person.list("restored")}
    assert sorted(names.values()) == sorted(PEOPLE)
    assert old_identify_names(client, names, person_group_id="restored") == list(PEOPLE)


def test_old_sdk_error_is_api_error_exception(emulator: FaceEmulator) -> None:
    """v1.0 SDK: the service's error body becomes APIErrorException with its code."""
    face = pytest.importorskip("azure.cognitiveservices.vision.face")
    client = old_client(emulator)
    with pytest.raises(face.models.APIErrorException) as caught:
        client.person_group.get("nobody-home")
    assert caught.value.response.status_code == 404
    assert caught.value.error.error.code == "PersonGroupNotFound"
    assert "nobody-home" in caught.value.error.error.message


# -- azure-ai-vision-face (v1.2-preview.1, azure-core) ------------------------------------------


def new_clients(emulator: FaceEmulator) -> tuple[Any, Any]:
    sdk = pytest.importorskip("azure.ai.vision.face")
    from azure.core.credentials import AzureKeyCredential

    credential = AzureKeyCredential(emulator.key)
    return (
        sdk.FaceClient(emulator.endpoint, credential),
        sdk.FaceAdministrationClient(emulator.endpoint, credential),
    )


def new_detect(face_client: Any, image: bytes) -> list[Any]:
    faces: list[Any] = face_client.detect(
        image,
        detection_model=DETECTION,
        recognition_model=RECOGNITION,
        return_face_id=True,
    )
    return faces


def test_new_sdk_large_person_group_identify(emulator: FaceEmulator) -> None:
    """v1.2 SDK: enroll, begin_train (LRO on operation-Location), status, detect, identify."""
    face_client, admin = new_clients(emulator)
    with face_client, admin:
        groups = admin.large_person_group
        groups.create("crowd", name="crowd", recognition_model=RECOGNITION)
        names = {}
        for name in PEOPLE:
            person = groups.create_person("crowd", name=name, user_data=f"{name}'s data")
            names[person.person_id] = name
            for variant in ENROLLED:
                added = groups.add_face(
                    "crowd",
                    person.person_id,
                    synthetic_face(name, variant),
                    detection_model=DETECTION,
                )
                assert added.persisted_face_id
        assert {p.name for p in groups.get_persons("crowd")} == set(PEOPLE)

        poller = groups.begin_train("crowd", polling_interval=POLL_INTERVAL)
        assert poller.result(timeout=DEADLINE) is None
        assert poller.status().lower() == "succeeded"
        status = groups.get_training_status("crowd")
        assert status.status == "succeeded"
        assert status.last_successful_training_date_time is not None

        faces = by_position(
            new_detect(face_client, group_photo([(name, QUERY) for name in PEOPLE])),
            lambda face: face.face_rectangle,
        )
        assert len(faces) == len(PEOPLE)
        results = face_client.identify_from_large_person_group(
            face_ids=[f.face_id for f in faces], large_person_group_id="crowd"
        )
        by_face = {r.face_id: r.candidates for r in results}
        assert [names[by_face[f.face_id][0].person_id] for f in faces] == list(PEOPLE)

        alice = next(pid for pid, name in names.items() if name == "alice")
        verdict = face_client.verify_from_large_person_group(
            face_id=faces[0].face_id, large_person_group_id="crowd", person_id=alice
        )
        assert verdict.is_identical

    # The SDK's default API version, and the training polled through operation-Location.
    assert versions_used(emulator) == {"v1.2-preview.1"}
    polled = [r.path for r in emulator.log.requests if "/operations/" in r.path]
    assert polled
    assert all(path.startswith("/face/v1.2-preview.1/operations/") for path in polled)


def test_new_sdk_failed_training_fails_the_poller(emulator: FaceEmulator) -> None:
    """v1.2 SDK: training an empty group ends "failed"; the LRO poller raises with its message."""
    pytest.importorskip("azure.ai.vision.face")
    from azure.core.exceptions import HttpResponseError

    _, admin = new_clients(emulator)
    with admin:
        admin.large_person_group.create("empty", name="empty")
        poller = admin.large_person_group.begin_train("empty", polling_interval=POLL_INTERVAL)
        with pytest.raises(HttpResponseError, match="no person"):
            poller.result(timeout=DEADLINE)
        assert poller.status().lower() == "failed"
        status = admin.large_person_group.get_training_status("empty")
        assert status.status == "failed"
        assert "no person" in status.message


def test_new_sdk_large_face_list_find_similar(emulator: FaceEmulator) -> None:
    """v1.2 SDK: a large face list from bytes and URLs, trained, then find-similar."""
    face_client, admin = new_clients(emulator)
    with face_client, admin:
        lists = admin.large_face_list
        lists.create("gallery", name="gallery", recognition_model=RECOGNITION)
        persisted = {}
        for name in PEOPLE:
            persisted[
                lists.add_face(
                    "gallery", synthetic_face(name, 0), detection_model=DETECTION
                ).persisted_face_id
            ] = name
            persisted[
                lists.add_face_from_url(
                    "gallery", url=emulator.image_url(name, 1), detection_model=DETECTION
                ).persisted_face_id
            ] = name
        assert {f.persisted_face_id for f in lists.get_faces("gallery")} == set(persisted)

        lists.begin_train("gallery", polling_interval=POLL_INTERVAL).result(timeout=DEADLINE)
        assert lists.get_training_status("gallery").status == "succeeded"

        for name in PEOPLE:
            # Detect from a URL (JSON body) this time; the emulator resolves its own URLs.
            query = face_client.detect_from_url(
                url=emulator.image_url(name, QUERY),
                detection_model=DETECTION,
                recognition_model=RECOGNITION,
                return_face_id=True,
            )[0].face_id
            similar = face_client.find_similar_from_large_face_list(
                face_id=query, large_face_list_id="gallery"
            )
            assert [persisted[s.persisted_face_id] for s in similar] == [name, name]


def test_new_sdk_error_carries_service_code(emulator: FaceEmulator) -> None:
    """v1.2 SDK: a missing group is ResourceNotFoundError carrying the service's code."""
    pytest.importorskip("azure.ai.vision.face")
    from azure.core.exceptions import ResourceNotFoundError

    _, admin = new_clients(emulator)
    with admin, pytest.raises(ResourceNotFoundError) as caught:
        admin.large_person_group.get("nobody-home")
    assert caught.value.status_code == 404
    assert caught.value.error is not None
    assert caught.value.error.code == "LargePersonGroupNotFound"


async def test_new_sdk_async_clients(emulator: FaceEmulator) -> None:
    """v1.2 SDK, asyncio flavour: enroll, train via AsyncLROPoller, identify."""
    pytest.importorskip("azure.ai.vision.face")
    from azure.ai.vision.face.aio import FaceAdministrationClient, FaceClient
    from azure.core.credentials import AzureKeyCredential

    credential = AzureKeyCredential(emulator.key)
    async with (
        FaceClient(emulator.endpoint, credential) as face_client,
        FaceAdministrationClient(emulator.endpoint, credential) as admin,
    ):
        groups = admin.large_person_group
        await groups.create("crowd", name="crowd", recognition_model=RECOGNITION)
        names = {}
        for name in PEOPLE:
            person = await groups.create_person("crowd", name=name)
            names[person.person_id] = name
            await groups.add_face(
                "crowd", person.person_id, synthetic_face(name, 0), detection_model=DETECTION
            )
        poller = await groups.begin_train("crowd", polling_interval=POLL_INTERVAL)
        await poller.result()
        assert (await groups.get_training_status("crowd")).status == "succeeded"

        faces = by_position(
            await face_client.detect(
                group_photo([(name, QUERY) for name in PEOPLE]),
                detection_model=DETECTION,
                recognition_model=RECOGNITION,
                return_face_id=True,
            ),
            lambda face: face.face_rectangle,
        )
        results = await face_client.identify_from_large_person_group(
            face_ids=[f.face_id for f in faces], large_person_group_id="crowd"
        )
        by_face = {r.face_id: r.candidates for r in results}
        assert [names[by_face[f.face_id][0].person_id] for f in faces] == list(PEOPLE)


# -- azure-ai-vision-face FaceSessionClient: liveness sessions (v1.2-preview.1) -----------------


def device_attempt(emulator: FaceEmulator, session_id: str, token: str, **body: Any) -> Any:
    """The end user's attempt on the device, through the emulator's control call."""
    request = urllib.request.Request(
        f"{emulator.endpoint}/_emulator/liveness/{session_id}/attempt",
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


def session_client(emulator: FaceEmulator) -> Any:
    sdk = pytest.importorskip("azure.ai.vision.face")
    from azure.core.credentials import AzureKeyCredential

    return sdk.FaceSessionClient(emulator.endpoint, AzureKeyCredential(emulator.key))


def test_new_sdk_liveness_session_create_result_list_audit_delete(emulator: FaceEmulator) -> None:
    """v1.2-preview.1 SDK: a liveness session through its whole life, sync."""
    sdk = pytest.importorskip("azure.ai.vision.face")
    from azure.core.exceptions import ResourceNotFoundError

    models = sdk.models
    with session_client(emulator) as sessions:
        created = sessions.create_liveness_session(
            models.CreateLivenessSessionContent(
                liveness_operation_mode="Passive",
                send_results_to_client=True,
                device_correlation_id="phone-1",
                auth_token_time_to_live_in_seconds=120,
                enable_session_image=True,
            )
        )
        assert created.session_id
        assert created.auth_token
        before = sessions.get_liveness_session_result(created.session_id)
        assert (before.status, before.session_expired) == ("NotStarted", False)
        assert before.auth_token_time_to_live_in_seconds == 120

        mask = {"code": "FaceWithMaskDetected", "message": "Mask detected on face image."}
        device_attempt(emulator, created.session_id, created.auth_token, error=mask)
        done = device_attempt(emulator, created.session_id, created.auth_token, live=True)
        result = sessions.get_liveness_session_result(created.session_id)
        assert result.status == "ResultAvailable"
        assert result.session_start_date_time is not None
        assert result.result.response.body["livenessDecision"] == "realface"
        assert result.result.session_image_id == done["sessionImageId"]
        image = b"".join(sessions.get_session_image(done["sessionImageId"]))
        assert image.startswith(b"\x89PNG")
        (found,) = sessions.detect_from_session_image(
            session_image_id=done["sessionImageId"],
            detection_model=DETECTION,
            recognition_model=RECOGNITION,
            return_face_id=True,
        )
        assert found.face_id
        assert found.face_rectangle.width > 0

        listed = sessions.get_liveness_sessions()
        assert [item.id for item in listed] == [created.session_id]
        assert listed[0].device_correlation_id == "phone-1"
        entries = sessions.get_liveness_session_audit_entries(created.session_id)
        assert [entry.id for entry in entries] == sorted(entry.id for entry in entries)
        assert [entry.response.status_code for entry in entries] == [400, 200]
        later = sessions.get_liveness_session_audit_entries(
            created.session_id, start=str(entries[0].id)
        )
        assert [entry.id for entry in later] == [entries[1].id]

        sessions.delete_liveness_session(created.session_id)
        with pytest.raises(ResourceNotFoundError) as caught:
            sessions.get_liveness_session_result(created.session_id)
        assert caught.value.error is not None
        assert caught.value.error.code == "SessionNotFound"
    assert versions_used(emulator) == {"v1.2-preview.1"}


def test_new_sdk_liveness_with_verify_image_multipart(emulator: FaceEmulator) -> None:
    """v1.2-preview.1 SDK: with-verify sessions, with a verify image (multipart) and without."""
    sdk = pytest.importorskip("azure.ai.vision.face")
    from azure.core.exceptions import HttpResponseError

    models = sdk.models
    content = models.CreateLivenessWithVerifySessionContent(
        liveness_operation_mode="Passive", device_correlation_id="phone-2"
    )
    with session_client(emulator) as sessions:
        created = sessions.create_liveness_with_verify_session(
            content, verify_image=synthetic_face("ann", 1)
        )
        assert created.verify_image.face_rectangle.width > 0
        assert created.verify_image.quality_for_recognition in ("low", "medium", "high")
        device_attempt(emulator, created.session_id, created.auth_token, identity="ann", variant=4)
        result = sessions.get_liveness_with_verify_session_result(created.session_id)
        assert result.status == "ResultAvailable"
        verify = result.result.response.body["verifyResult"]
        assert verify["isIdentical"] is True

        stranger = sessions.create_liveness_with_verify_session(
            content, verify_image=synthetic_face("ann", 1)
        )
        device_attempt(emulator, stranger.session_id, stranger.auth_token, identity="bob")
        other = sessions.get_liveness_with_verify_session_result(stranger.session_id)
        assert other.result.response.body["verifyResult"]["isIdentical"] is False

        # Without an image the SDK sends JSON: the device brings the image later.
        plain = sessions.create_liveness_with_verify_session(content, verify_image=None)
        assert plain.session_id

        listed = {item.id for item in sessions.get_liveness_with_verify_sessions()}
        assert listed == {created.session_id, stranger.session_id, plain.session_id}
        audit = sessions.get_liveness_with_verify_session_audit_entries(created.session_id)
        assert len(audit) == 1

        # A verify image without a face is refused as the service refuses it.
        blank = group_photo([])
        with pytest.raises(HttpResponseError) as caught:
            sessions.create_liveness_with_verify_session(content, verify_image=blank)
        assert caught.value.status_code == 400
        assert caught.value.error is not None
        assert caught.value.error.code == "InvalidImage"

        for session_id in listed:
            sessions.delete_liveness_with_verify_session(session_id)
        assert sessions.get_liveness_with_verify_sessions() == []
    assert versions_used(emulator) == {"v1.2-preview.1"}


async def test_new_sdk_async_session_client(emulator: FaceEmulator) -> None:
    """v1.2-preview.1 SDK, asyncio flavour: create, attempt, result, audit, delete."""
    sdk = pytest.importorskip("azure.ai.vision.face")
    from azure.ai.vision.face.aio import FaceSessionClient
    from azure.core.credentials import AzureKeyCredential

    models = sdk.models
    async with FaceSessionClient(emulator.endpoint, AzureKeyCredential(emulator.key)) as sessions:
        created = await sessions.create_liveness_session(
            models.CreateLivenessSessionContent(liveness_operation_mode="PassiveActive")
        )
        await asyncio.to_thread(
            device_attempt, emulator, created.session_id, created.auth_token, live=False
        )
        result = await sessions.get_liveness_session_result(created.session_id)
        assert result.result is not None
        assert result.result.response.body["livenessDecision"] == "spoofface"
        entries = await sessions.get_liveness_session_audit_entries(created.session_id)
        assert len(entries) == 1
        with_verify = await sessions.create_liveness_with_verify_session(
            models.CreateLivenessWithVerifySessionContent(liveness_operation_mode="Passive"),
            verify_image=synthetic_face("cid", 2),
        )
        await asyncio.to_thread(
            device_attempt, emulator, with_verify.session_id, with_verify.auth_token
        )
        verified = await sessions.get_liveness_with_verify_session_result(with_verify.session_id)
        assert verified.result is not None
        assert verified.result.response.body["verifyResult"]["isIdentical"] is True
        await sessions.delete_liveness_session(created.session_id)
        await sessions.delete_liveness_with_verify_session(with_verify.session_id)
        assert await sessions.get_liveness_sessions() == []
    assert versions_used(emulator) == {"v1.2-preview.1"}
