"""Liveness sessions: the resource per API version, the verify image's upload, the flow end to end.

Unit tests send through the fake transport and read the multipart body back with the
standard library's MIME parser; end-to-end tests drive the emulator, whose control call
plays the end user's device with the session's own token.
"""

from __future__ import annotations

import inspect
import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from facekit import (
    BadRequestError,
    FaceClient,
    FaceValidationError,
    KeyCredential,
    NotFoundError,
    RetryPolicy,
)
from facekit.emulator import EmulatorSettings, FaceEmulator, group_photo, synthetic_face
from facekit.models import (
    LivenessAttemptStatus,
    LivenessDecision,
    LivenessSession,
    LivenessSessionStatus,
)

from .conftest import ENDPOINT, fake_client
from .fake_transport import FakeTransport, form_parts

V12 = f"{ENDPOINT}/face/v1.2"
PREVIEW = f"{ENDPOINT}/face/v1.2-preview.1"
V13 = f"{ENDPOINT}/face/v1.3-preview.1"
VERIFY_IMAGE = synthetic_face("ann", 1)
SESSION = {
    "sessionId": "b12e033e-bda7-4b83-a211-e721c661f30e",
    "authToken": "eyJhbGciOiJFUzI1NiIsIm-device-token",
    "status": "NotStarted",
    "modelVersion": "2024-11-15",
    "results": {"attempts": [], "verifyReferences": []},
}
CREATED = {"sessionId": SESSION["sessionId"], "authToken": SESSION["authToken"]}


def client(fake: FakeTransport, version: str = "v1.2") -> FaceClient:
    return fake_client(
        fake,
        version,
        retry_policy=RetryPolicy(max_retries=2, backoff_base=0.001, backoff_max=0.002),
    )


async def invoke(call: Any, face: FaceClient) -> None:
    """Call `call(face)`, awaiting what it returns when it is awaitable (pagers are not)."""
    result = call(face)
    if inspect.isawaitable(result):
        await result


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


# -- paths and bodies per version -------------------------------------------------------------


async def test_a_v1_2_session_is_created_at_the_ga_path_with_the_ga_names(
    fake: FakeTransport,
) -> None:
    fake.post(f"{V12}/detectLiveness-sessions", payload=SESSION)
    async with client(fake) as face:
        session = await face.liveness.create_session(
            liveness_operation_mode="PassiveActive",
            device_correlation_id="device-1",
            enable_session_image=True,
            liveness_model_version="2024-11-15",
            auth_token_time_to_live=60,
        )
    (sent,) = fake.requests
    assert sent.json == {
        "livenessOperationMode": "PassiveActive",
        "enableSessionImage": True,
        "livenessModelVersion": "2024-11-15",
        "deviceCorrelationId": "device-1",
        "authTokenTimeToLiveInSeconds": 60,
    }
    assert session.session_id == SESSION["sessionId"]
    assert session.status is LivenessSessionStatus.NOT_STARTED
    # The device's token is handed over, never shown.
    assert session.auth_token == SESSION["authToken"]
    assert SESSION["authToken"] not in repr(session)


async def test_the_preview_has_its_own_paths_and_model_field(fake: FakeTransport) -> None:
    fake.post(f"{PREVIEW}/detectLiveness/singleModal/sessions", payload=CREATED)
    async with client(fake, "v1.2-preview.1") as face:
        session = await face.liveness.create_session(
            liveness_model_version="2023-12-20-preview.06", send_results_to_client=True
        )
    assert fake.requests[0].json == {
        "livenessOperationMode": "Passive",
        "sendResultsToClient": True,
        "livenessSingleModalModel": "2023-12-20-preview.06",
    }
    assert (session.session_id, session.status) == (SESSION["sessionId"], None)


async def test_a_version_without_liveness_refuses_before_sending(fake: FakeTransport) -> None:
    async with client(fake, "v1.0") as face:
        with pytest.raises(FaceValidationError) as caught:
            await face.liveness.create_session()
        with pytest.raises(FaceValidationError, match=r"not in Face API v1\.0; it is in v1\.2"):
            await face.liveness.detect_from_session_image("img")
    assert caught.value.parameter == "api_version"
    assert "v1.1-preview.1, v1.2-preview.1, v1.2, v1.3-preview.1" in str(caught.value)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("call", "names"),
    [
        (lambda f: f.liveness.list_sessions(), "v1.1-preview.1, v1.2-preview.1"),
        (
            lambda f: f.liveness.list_with_verify_session_audit_entries("s"),
            "v1.1-preview.1, v1.2-preview.1",
        ),
        (lambda f: f.liveness.get_settings(), "v1.3-preview.1"),
        (lambda f: f.liveness.get_client_assets_access_token(), "v1.3-preview.1"),
        (lambda f: f.liveness.create_session(send_results_to_client=True), "previews"),
        (lambda f: f.liveness.create_session(number_of_client_attempts_allowed=2), "v1.3"),
        (lambda f: f.liveness.create_session(expected_client_ip_address="1.2.3.4"), "v1.3"),
    ],
)
async def test_what_v1_2_lacks_is_refused_naming_who_has_it(
    fake: FakeTransport, call: Any, names: str
) -> None:
    async with client(fake) as face:
        with pytest.raises(FaceValidationError, match=re.escape(names)):
            await invoke(call, face)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("options", "parameter"),
    [
        ({"liveness_operation_mode": "Sneaky"}, "liveness_operation_mode"),
        ({"auth_token_time_to_live": 59}, "auth_token_time_to_live"),
        ({"auth_token_time_to_live": 86401}, "auth_token_time_to_live"),
        ({"device_correlation_id": "d" * 65}, "device_correlation_id"),
        ({"enable_session_image": "yes"}, "enable_session_image"),
    ],
)
async def test_bad_session_options_are_refused_before_sending(
    fake: FakeTransport, options: dict[str, Any], parameter: str
) -> None:
    async with client(fake) as face:
        with pytest.raises(FaceValidationError) as caught:
            await face.liveness.create_session(**options)
    assert caught.value.parameter == parameter
    assert fake.requests == []


@pytest.mark.parametrize("session_id", ["", "  ", "a\nb", 7])
async def test_a_bad_session_id_is_refused(fake: FakeTransport, session_id: Any) -> None:
    async with client(fake) as face:
        with pytest.raises(FaceValidationError):
            await face.liveness.get_session_result(session_id)
    assert fake.requests == []


async def test_a_session_id_cannot_change_the_path(fake: FakeTransport) -> None:
    fake.get(re.compile(r".*"), payload=SESSION)
    async with client(fake) as face:
        await face.liveness.get_session_result("../../persongroups/x?y")
    assert fake.requests[0].url.raw_path == (
        "/face/v1.2/detectLiveness-sessions/..%2F..%2Fpersongroups%2Fx%3Fy"
    )


# -- the verify image, as multipart/form-data ------------------------------------------------------


@pytest.mark.parametrize("source", ["bytes", "path", "file", "async iterator"])
async def test_the_verify_image_goes_as_multipart_from_every_source(
    fake: FakeTransport, tmp_path: Path, source: str
) -> None:
    path = tmp_path / "ann.png"
    path.write_bytes(VERIFY_IMAGE)
    image: Any = {
        "bytes": VERIFY_IMAGE,
        "path": path,
        "file": io.BytesIO(VERIFY_IMAGE),
        "async iterator": chunks(VERIFY_IMAGE),
    }[source]
    fake.post(f"{V12}/detectLivenessWithVerify-sessions", payload=SESSION)
    async with client(fake) as face:
        session = await face.liveness.create_with_verify_session(
            image,
            device_correlation_id="device-1",
            verify_confidence_threshold=0.4,
            return_verify_image_hash=True,
        )
    (sent,) = fake.requests
    parts = form_parts(sent)
    assert parts == {
        "livenessOperationMode": (None, b"Passive"),
        "deviceCorrelationId": (None, b"device-1"),
        "returnVerifyImageHash": (None, b"true"),
        "verifyConfidenceThreshold": (None, b"0.4"),
        "verifyImage": ("verify-image", VERIFY_IMAGE),
    }
    assert sent.streamed
    if source == "async iterator":
        assert "Content-Length" not in sent.headers
    else:
        assert sent.headers["Content-Length"] == str(len(sent.data or b""))
    assert session.session_id == SESSION["sessionId"]


async def test_the_preview_sends_its_parameters_as_one_json_part(fake: FakeTransport) -> None:
    fake.post(
        f"{PREVIEW}/detectLivenessWithVerify/singleModal/sessions",
        payload={
            **CREATED,
            "verifyImage": {"faceRectangle": _RECT, "qualityForRecognition": "high"},
        },
    )
    async with client(fake, "v1.2-preview.1") as face:
        session = await face.liveness.create_with_verify_session(
            VERIFY_IMAGE, auth_token_time_to_live=120
        )
    parts = form_parts(fake.requests[0])
    assert set(parts) == {"Parameters", "VerifyImage"}
    assert json.loads(parts["Parameters"][1]) == {
        "livenessOperationMode": "Passive",
        "authTokenTimeToLiveInSeconds": 120,
    }
    assert parts["VerifyImage"] == ("verify-image", VERIFY_IMAGE)
    assert session.verify_image is not None
    assert session.verify_image.face_rectangle.width == _RECT["width"]


async def test_the_preview_can_leave_the_image_to_the_device(fake: FakeTransport) -> None:
    fake.post(f"{PREVIEW}/detectLivenessWithVerify/singleModal/sessions", payload=CREATED)
    async with client(fake, "v1.2-preview.1") as face:
        await face.liveness.create_with_verify_session(None)
    (sent,) = fake.requests
    assert sent.json == {"livenessOperationMode": "Passive"}
    assert sent.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (None, "takes the verify image at creation"),
        ("https://example.org/ann.jpg", "not a URL"),
        (b"tiny", "at least 1 KB"),
        (b"x" * (6 * 1024 * 1024 + 1), "at most 6 MB"),
    ],
)
async def test_a_verify_image_v1_2_cannot_take_is_refused_before_sending(
    fake: FakeTransport, image: Any, message: str
) -> None:
    async with client(fake) as face:
        with pytest.raises(FaceValidationError, match=message) as caught:
            await face.liveness.create_with_verify_session(image)
    assert caught.value.parameter in ("verify_image", "image")
    assert fake.requests == []


async def test_a_streamed_verify_image_over_6_mb_stops_mid_upload(fake: FakeTransport) -> None:
    # The framing around the image does not count against the image's 6 MB.
    async with client(fake) as face:
        with pytest.raises(FaceValidationError, match="larger than 6 MB"):
            await face.liveness.create_with_verify_session(
                chunks(b"x" * (6 * 1024 * 1024 + 1), 65536)
            )
    (sent,) = fake.requests
    assert sent.data is not None
    assert len(sent.data) < 6 * 1024 * 1024 + 1024


async def test_a_throttled_creation_sends_the_same_form_again(fake: FakeTransport) -> None:
    fake.post(
        f"{V12}/detectLivenessWithVerify-sessions",
        status=429,
        payload={"error": {"statusCode": 429, "message": "Rate limit is exceeded."}},
        headers={"Retry-After": "0"},
    )
    fake.post(f"{V12}/detectLivenessWithVerify-sessions", payload=SESSION)
    async with client(fake) as face:
        await face.liveness.create_with_verify_session(VERIFY_IMAGE)
    first, second = fake.requests
    assert (
        form_parts(first)["verifyImage"]
        == form_parts(second)["verifyImage"]
        == (
            "verify-image",
            VERIFY_IMAGE,
        )
    )


async def test_a_503_on_creation_is_not_resent(fake: FakeTransport) -> None:
    # A second session would be a second token: creation is never blindly retried.
    fake.post(f"{V12}/detectLiveness-sessions", status=503, payload={})
    async with client(fake) as face:
        with pytest.raises(Exception, match="may have taken effect"):
            await face.liveness.create_session()
    assert len(fake.requests) == 1


# -- lists, images, settings ---------------------------------------------------------------------


def _entry(entry_id: int) -> dict[str, Any]:
    return {
        "id": entry_id,
        "sessionId": "s",
        "requestId": "r",
        "clientRequestId": "c",
        "receivedDateTime": "2024-03-05T11:07:29.698Z",
        "request": {"url": "/x", "method": "POST", "contentType": "multipart/form-data"},
        "response": {"body": {}, "statusCode": 200, "latencyInMilliseconds": 10},
        "digest": "D",
    }


async def test_audit_entries_page_by_number_not_by_string(fake: FakeTransport) -> None:
    # Ids 8, 9 | 10, 11 | 12: as strings "10" < "9", which would stop the walk.
    base = f"{PREVIEW}/detectLiveness/singleModal/sessions/s/audit"
    fake.get(f"{base}?top=2", payload=[_entry(8), _entry(9)])
    fake.get(f"{base}?start=9&top=2", payload=[_entry(10), _entry(11)])
    fake.get(f"{base}?start=11&top=2", payload=[_entry(12)])
    async with client(fake, "v1.2-preview.1") as face:
        entries = await face.liveness.list_session_audit_entries("s", top=2).collect()
    assert [entry.id for entry in entries] == [8, 9, 10, 11, 12]


@pytest.mark.parametrize("start", ["abc", "-1", True, 1.5])
async def test_an_audit_cursor_must_be_an_entry_id(fake: FakeTransport, start: Any) -> None:
    async with client(fake, "v1.2-preview.1") as face:
        with pytest.raises(FaceValidationError) as caught:
            face.liveness.list_session_audit_entries("s", start=start)
    assert caught.value.parameter == "start"


async def test_a_session_image_is_fetched_as_bytes(fake: FakeTransport) -> None:
    fake.get(
        f"{V12}/sessionImages/img-1",
        body=VERIFY_IMAGE,
        headers={"Content-Type": "application/octet-stream"},
    )
    fake.get(f"{PREVIEW}/session/sessionImages/img-1", body=b"preview")
    async with client(fake) as face:
        assert await face.liveness.get_session_image("img-1") == VERIFY_IMAGE
        preview = face.with_options(api_version="v1.2-preview.1")
        assert await preview.liveness.get_session_image("img-1") == b"preview"
    assert fake.requests[0].headers["Accept"] == "application/octet-stream"


async def test_detect_from_a_session_image_sends_its_id(fake: FakeTransport) -> None:
    fake.post(re.compile(r".*/face/v1\.2/detect\?.*"), payload=[])
    async with client(fake) as face:
        await face.liveness.detect_from_session_image(
            "img-1", return_face_id=False, detection_model="detection_03"
        )
    (sent,) = fake.requests
    assert sent.json == {"sessionImageId": "img-1"}
    assert dict(sent.url.query) == {"returnFaceId": "false", "detectionModel": "detection_03"}


async def test_v1_3_settings_and_the_client_assets_token(fake: FakeTransport) -> None:
    fake.get(f"{V13}/settings", payload={"livenessAbuseMonitoring": {"enabled": False}})
    fake.patch(f"{V13}/settings", payload={"name": "liveness-abuse-monitoring", "enabled": True})
    secret = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9-assets"
    fake.get(
        f"{V13}/settings/getClientAssetsAccessToken",
        payload={
            "expiry": "2025-07-03T15:30:00.000Z",
            "accessToken": secret,
            "base64AccessToken": "ZXk=",
        },
    )
    async with client(fake, "v1.3-preview.1") as face:
        assert (await face.liveness.get_settings()).abuse_monitoring_enabled is False
        updated = await face.liveness.update_settings(abuse_monitoring_enabled=True)
        assert updated.abuse_monitoring_enabled is True
        token = await face.liveness.get_client_assets_access_token()
    assert fake.requests[1].json == {"enabled": True}
    assert token.access_token == secret
    assert secret not in repr(token)
    assert token.expiry.year == 2025


# -- end to end, against the emulator ------------------------------------------------------------


@pytest.fixture
def emulator_settings() -> EmulatorSettings:
    return EmulatorSettings(
        training_queue_seconds=0.01, training_base_seconds=0.05, training_seconds_per_face=0.0
    )


async def attempt(
    emulator: FaceEmulator, session: Any, expect: int = 200, **body: Any
) -> dict[str, Any]:
    """The device's attempt, through the emulator's control call, with the session's token."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{emulator.endpoint}/_emulator/liveness/{session.session_id}/attempt",
            json=body,
            headers={"Authorization": f"Bearer {session.auth_token}"},
        ) as reply,
    ):
        assert reply.status == expect, await reply.text()
        answer: dict[str, Any] = await reply.json()
        return answer


async def test_a_v1_2_liveness_with_verify_flow_end_to_end(
    face: FaceClient, emulator: FaceEmulator, tmp_path: Path
) -> None:
    # An app server enrolled ann earlier; the end user proves to be ann, alive, on the device.
    assert face.api_version == "v1.2"
    await face.large_person_groups.create("staff", name="Staff", recognition_model="recognition_04")
    for name in ("ann", "bob"):
        person = await face.large_person_groups.persons.create("staff", name=name)
        await face.large_person_groups.persons.add_face(
            "staff", person.person_id, synthetic_face(name, 2)
        )
    await (await face.large_person_groups.begin_train("staff"))
    reference = tmp_path / "id-card.png"
    reference.write_bytes(synthetic_face("ann", 3))

    session = await face.liveness.create_with_verify_session(
        reference, enable_session_image=True, device_correlation_id="phone-7"
    )
    assert session.status is LivenessSessionStatus.NOT_STARTED
    (ref,) = session.results.verify_references
    assert ref.face_rectangle.width > 0

    outcome = await attempt(emulator, session, live=True, identity="ann", variant=5)
    assert outcome["isIdentical"] is True

    result = await face.liveness.get_with_verify_session_result(session.session_id)
    assert result.status is LivenessSessionStatus.SUCCEEDED
    assert result.decision is LivenessDecision.REAL_FACE
    assert result.verify_result is not None
    assert result.verify_result.is_identical
    latest = result.results.latest
    assert latest is not None
    assert latest.attempt_status is LivenessAttemptStatus.SUCCEEDED
    assert latest.result is not None
    image_id = latest.result.session_image_id
    assert image_id is not None
    assert (await face.liveness.get_session_image(image_id)).startswith(b"\x89PNG")

    faces = await face.liveness.detect_from_session_image(
        image_id, recognition_model="recognition_04"
    )
    (who,) = await face.identify([faces[0].face_id or ""], large_person_group_id="staff")
    person = await face.large_person_groups.persons.get("staff", who.candidates[0].person_id)
    assert person.name == "ann"

    await face.liveness.delete_with_verify_session(session.session_id)
    with pytest.raises(NotFoundError) as caught:
        await face.liveness.get_with_verify_session_result(session.session_id)
    assert caught.value.code == "SessionNotFound"
    # The deleted session's token no longer works on the device.
    await attempt(emulator, session, expect=404)


async def test_a_spoof_and_a_stranger_are_told_apart(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    spoofed = await face.liveness.create_session()
    await attempt(emulator, spoofed, live=False)
    assert (await face.liveness.get_session_result(spoofed.session_id)).decision is (
        LivenessDecision.SPOOF_FACE
    )
    checked = await face.liveness.create_with_verify_session(VERIFY_IMAGE)
    await attempt(emulator, checked, identity="bob")
    result = await face.liveness.get_with_verify_session_result(checked.session_id)
    assert result.decision is LivenessDecision.REAL_FACE
    assert result.verify_result is not None
    assert not result.verify_result.is_identical


async def test_a_failed_attempt_then_a_good_one_are_both_kept(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    session = await face.liveness.create_session()
    await attempt(emulator, session, error={"code": "FaceWithMaskDetected", "message": "Mask."})
    await attempt(emulator, session, live=True)
    result = await face.liveness.get_session_result(session.session_id)
    second, first = result.results.attempts
    assert (second.attempt_id, first.attempt_id) == (2, 1)
    assert first.error is not None
    assert first.error.code == "FaceWithMaskDetected"
    assert second.result is not None
    assert result.results.latest is second
    # The session has its result: the device cannot try again.
    await attempt(emulator, session, expect=409)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (group_photo([("ann", 1), ("bob", 1)]), "more than 1 face"),
        (bytes(synthetic_face("ann", 1, size=64)), "No face"),
    ],
)
async def test_a_verify_image_without_exactly_one_face_is_a_400(
    face: FaceClient, image: bytes, message: str
) -> None:
    with pytest.raises(BadRequestError, match=message) as caught:
        await face.liveness.create_with_verify_session(image)
    assert caught.value.code == "InvalidImage"


async def test_a_token_expires_with_its_time_to_live() -> None:
    now = [1_700_000_000.0]
    async with (
        FaceEmulator(clock=lambda: now[0]) as emulator,
        FaceClient(emulator.endpoint, KeyCredential(emulator.key)) as face,
    ):
        session = await face.liveness.create_session(auth_token_time_to_live=60)
        now[0] += 61
        answer = await attempt(emulator, session, expect=401)
        assert answer["error"]["code"] == "TokenExpired"
        wrong = LivenessSession(session_id=session.session_id, auth_token="eyJnot-the-token")
        now[0] -= 30
        await attempt(emulator, wrong, expect=401)
        await attempt(emulator, session, live=True)


async def test_the_emulator_refuses_bad_session_options_as_the_service(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    base = f"{emulator.endpoint}/face/v1.2/detectLiveness-sessions"
    headers = {"Ocp-Apim-Subscription-Key": emulator.key}
    cases = [
        ({"livenessOperationMode": "Sneaky"}, "InvalidLivenessOperationMode"),
        (
            {"livenessOperationMode": "Passive", "authTokenTimeToLiveInSeconds": 10},
            "InvalidTokenLifetime",
        ),
        (
            {"livenessOperationMode": "Passive", "deviceCorrelationId": "d" * 65},
            "InvalidDeviceCorrelationId",
        ),
    ]
    async with aiohttp.ClientSession(headers=headers) as http:
        for body, code in cases:
            async with http.post(base, json=body) as reply:
                assert reply.status == 400
                assert (await reply.json())["error"]["code"] == code
        # The preview's paths are not v1.2's, and v1.0 has no liveness at all.
        for path in (
            "/face/v1.2/detectLiveness/singleModal/sessions",
            "/face/v1.0/detectLiveness-sessions",
        ):
            async with http.post(
                emulator.endpoint + path, json={"livenessOperationMode": "Passive"}
            ) as reply:
                assert reply.status == 404


async def test_the_preview_lists_sessions_and_audits_attempts(
    emulator: FaceEmulator, face_options: dict[str, Any]
) -> None:
    async with FaceClient(
        emulator.endpoint, KeyCredential(emulator.key), api_version="v1.2-preview.1", **face_options
    ) as face:
        made = [await face.liveness.create_session(device_correlation_id=f"d{i}") for i in range(3)]
        mask = {"code": "FaceWithMaskDetected", "message": "Mask detected."}
        await attempt(emulator, made[0], error=mask)
        await attempt(emulator, made[0], error=mask)
        await attempt(emulator, made[0], live=True)
        listed = await face.liveness.list_sessions(top=2).collect()
        assert [item.session_id for item in listed] == sorted(s.session_id for s in made)
        entries = await face.liveness.list_session_audit_entries(
            made[0].session_id, top=1
        ).collect()
        assert len(entries) == 3
        assert entries[-1].response.body.liveness_decision is LivenessDecision.REAL_FACE
        result = await face.liveness.get_session_result(made[0].session_id)
        assert result.status is LivenessSessionStatus.RESULT_AVAILABLE
        assert result.decision is LivenessDecision.REAL_FACE
        assert result.session_expired is False


async def test_v1_3_settings_round_trip_on_the_emulator(
    emulator: FaceEmulator, face_options: dict[str, Any]
) -> None:
    async with FaceClient(
        emulator.endpoint, KeyCredential(emulator.key), api_version="v1.3-preview.1", **face_options
    ) as face:
        assert (await face.liveness.get_settings()).abuse_monitoring_enabled is False
        await face.liveness.update_settings(abuse_monitoring_enabled=True)
        assert (await face.liveness.get_settings()).abuse_monitoring_enabled is True
        session = await face.liveness.create_session(number_of_client_attempts_allowed=1)
        assert session.is_abuse_monitoring_enabled is True
        await attempt(emulator, session, error={"code": "FaceWithMaskDetected", "message": "m"})
        # One attempt allowed: the session failed.
        assert (await face.liveness.get_session_result(session.session_id)).status is (
            LivenessSessionStatus.FAILED
        )
        assert (await face.liveness.get_client_assets_access_token()).access_token


_RECT = {"width": 78, "height": 78, "left": 394, "top": 54}


@pytest.mark.parametrize("source", ["file", "async iterator"])
async def test_a_streamed_verify_image_reaches_the_service_whole(
    face: FaceClient, emulator: FaceEmulator, source: str
) -> None:
    # On the wire through aiohttp: a seekable file with a Content-Length, an async
    # iterator chunked; the emulator reads the form back and finds the face in the image.
    image: Any = io.BytesIO(VERIFY_IMAGE) if source == "file" else chunks(VERIFY_IMAGE, 777)
    session = await face.liveness.create_with_verify_session(image)
    (reference,) = session.results.verify_references
    stored = emulator.account.liveness.find("verify", session.session_id).reference
    assert stored is not None
    assert stored.face.identity == "ann"
    assert reference.face_rectangle.width == stored.face.rect.width
