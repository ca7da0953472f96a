"""The emulator's contract: statuses and error bodies as the Face service sends them.

Each test talks plain HTTP (aiohttp) to a FaceEmulator and checks one rule of
/work/shared/spec/NOTES.md (section 6 errors, section 7 limits, section 8 surprises) or of the
v1.0 spec: error codes and statuses, limits, paging, trainings and snapshot operations as time
passes (a fake clock, no sleeping), v1.0 / v1.0-preview / v1.2 spellings, injected faults, the
request log and the emulator's own control endpoints.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from facekit.emulator import (
    EmulatorSettings,
    FaceEmulator,
    SnapshotStore,
    group_photo,
    synthetic_face,
)

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
MISSING_ID = "2b9a1e5c-7d3f-4c1a-9e8b-0f6d5c4b3a21"
#: Small (2 KB) but valid synthetic picture, for the tests that add many faces.
SMALL_FACE = synthetic_face("quota", 0, size=96)


class Clock:
    """A clock the test moves by hand (epoch seconds)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def fast() -> EmulatorSettings:
    return EmulatorSettings(
        training_queue_seconds=0.05, training_base_seconds=0.1, snapshot_base_seconds=0.1
    )


@dataclass
class Reply:
    status: int
    headers: CIMultiDictProxy[str]
    raw: bytes

    @property
    def body(self) -> Any:
        return json.loads(self.raw) if self.raw else None


class Face:
    """Plain HTTP to one emulator, under /face/{version}."""

    def __init__(self, session: aiohttp.ClientSession, emu: FaceEmulator) -> None:
        self.session = session
        self.emu = emu

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        image: bytes | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        version: str = "v1.0",
        key: str | None = "",
        url: str | None = None,
    ) -> Reply:
        """`key`: "" sends the emulator's key, None sends no key, anything else that key."""
        sent = dict(headers or {})
        if key == "":
            sent["Ocp-Apim-Subscription-Key"] = self.emu.key
        elif key is not None:
            sent["Ocp-Apim-Subscription-Key"] = key
        kwargs: dict[str, Any] = {"params": params, "headers": sent}
        if image is not None:
            # aiohttp warns (an error here) about raw bytes over 1 MB; a file object is fine.
            kwargs["data"] = io.BytesIO(image) if len(image) > 1024 * 1024 else image
            sent.setdefault("Content-Type", "application/octet-stream")
        elif json_body is not None:
            kwargs["json"] = json_body
        target = url or f"{self.emu.endpoint}/face/{version}{path}"
        async with self.session.request(method, target, **kwargs) as response:
            return Reply(response.status, response.headers, await response.read())

    async def ok(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        reply = await self.call(method, path, **kwargs)
        assert reply.status == expect, (method, path, reply.status, reply.raw)
        return reply.body

    # -- shortcuts ----------------------------------------------------------------------------

    async def group(
        self, group_id: str, *, kind: str = "persongroups", model: str | None = None
    ) -> None:
        body: dict[str, Any] = {"name": f"{group_id} name"}
        if model is not None:
            body["recognitionModel"] = model
        await self.ok("PUT", f"/{kind}/{group_id}", json_body=body)

    async def person(self, group_id: str, name: str = "p", kind: str = "persongroups") -> str:
        body = await self.ok("POST", f"/{kind}/{group_id}/persons", json_body={"name": name})
        return str(body["personId"])

    async def add_face(self, group_id: str, person_id: str, image: bytes, **params: str) -> Reply:
        return await self.call(
            "POST",
            f"/persongroups/{group_id}/persons/{person_id}/persistedfaces",
            image=image,
            params=params or None,
        )

    async def enrolled(self, group_id: str, identity: str, variant: int = 1) -> str:
        """A new person of the group with one face of `identity`."""
        person_id = await self.person(group_id, identity)
        reply = await self.add_face(group_id, person_id, synthetic_face(identity, variant))
        assert reply.status == 200, reply.raw
        return person_id

    async def detect(self, identity: str, variant: int = 0, **params: str) -> str:
        (face,) = await self.ok(
            "POST",
            "/detect",
            image=synthetic_face(identity, variant),
            params={"returnFaceId": "true", **params},
        )
        return str(face["faceId"])

    async def identify(self, face_ids: list[str], group_id: str, **more: Any) -> Reply:
        return await self.call(
            "POST",
            "/identify",
            json_body={"faceIds": face_ids, "personGroupId": group_id, **more},
        )

    async def training(self, group_id: str, version: str = "v1.0") -> dict[str, Any]:
        return dict(await self.ok("GET", f"/persongroups/{group_id}/training", version=version))

    async def take(self, object_id: str, scope: list[str]) -> str:
        """Take a PersonGroup snapshot: the operation id of its Operation-Location."""
        reply = await self.call(
            "POST",
            "/snapshots",
            json_body={"type": "PersonGroup", "objectId": object_id, "applyScope": scope},
        )
        assert reply.status == 202, reply.raw
        location = reply.headers["Operation-Location"]
        assert re.fullmatch(f"/operations/{UUID}", location), location
        return location.removeprefix("/operations/")


@asynccontextmanager
async def emulator(
    settings: EmulatorSettings | None = None, clock: Clock | None = None
) -> AsyncIterator[Face]:
    emu = FaceEmulator(
        settings=settings or fast(),
        snapshot_store=SnapshotStore(),
        clock=clock if clock is not None else time.time,
    )
    async with emu, aiohttp.ClientSession() as session:
        yield Face(session, emu)


def assert_error(reply: Reply, status: int, code: str) -> str:
    """The service's error body {"error": {"code", "message"}}; returns the message."""
    assert reply.status == status, (reply.status, reply.raw)
    body = reply.body
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"], body
    return str(body["error"]["message"])


async def trained_group(face: Face, clock: Clock, group_id: str = "g", **kwargs: Any) -> str:
    """A group with alice enrolled, trained to the end (by moving the clock)."""
    await face.group(group_id, **kwargs)
    alice = await face.enrolled(group_id, "alice")
    await face.ok("POST", f"/persongroups/{group_id}/train", expect=202)
    clock.advance(10)
    assert (await face.training(group_id))["status"] == "succeeded"
    return alice


# -- 401 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "0" * 32], ids=["missing", "wrong"])
async def test_a_missing_or_wrong_key_gets_401_with_code_401(key: str | None) -> None:
    async with emulator() as face:
        reply = await face.call("GET", "/persongroups", key=key)
    message = assert_error(reply, 401, "401")
    assert "subscription key" in message


# -- not found, exists, training state ----------------------------------------------------------


async def test_a_missing_group_is_404_on_its_own_get_but_400_from_identify() -> None:
    async with emulator() as face:
        assert_error(await face.call("GET", "/persongroups/missing"), 404, "PersonGroupNotFound")
        face_id = await face.detect("alice")
        assert_error(await face.identify([face_id], "missing"), 400, "PersonGroupNotFound")


async def test_creating_a_group_twice_is_409_person_group_exists() -> None:
    async with emulator() as face:
        await face.group("g")
        reply = await face.call("PUT", "/persongroups/g", json_body={"name": "again"})
    assert_error(reply, 409, "PersonGroupExists")


async def test_training_twice_quickly_and_identify_during_the_first_training_are_409() -> None:
    clock = Clock()
    # The default (slower) training: 0.2 s queued, then at least 0.5 s running.
    async with emulator(EmulatorSettings(), clock) as face:
        await face.group("g")
        await face.enrolled("g", "alice")
        await face.ok("POST", "/persongroups/g/train", expect=202)
        again = await face.call("POST", "/persongroups/g/train")
        assert_error(again, 409, "PersonGroupTrainingNotFinished")
        face_id = await face.detect("alice")
        assert_error(await face.identify([face_id], "g"), 409, "PersonGroupTrainingNotFinished")
        clock.advance(0.3)  # running now
        assert (await face.training("g"))["status"] == "running"
        again = await face.call("POST", "/persongroups/g/train")
        assert_error(again, 409, "PersonGroupTrainingNotFinished")
        assert_error(await face.identify([face_id], "g"), 409, "PersonGroupTrainingNotFinished")


async def test_training_status_of_a_never_trained_group_is_404_not_trained() -> None:
    async with emulator() as face:
        await face.group("g")
        reply = await face.call("GET", "/persongroups/g/training")
    assert_error(reply, 404, "PersonGroupNotTrained")


async def test_identify_on_an_untrained_group_is_400_not_trained() -> None:
    async with emulator() as face:
        await face.group("g")
        await face.enrolled("g", "alice")
        reply = await face.identify([await face.detect("alice")], "g")
    assert_error(reply, 400, "PersonGroupNotTrained")


async def test_find_similar_on_an_untrained_large_face_list_is_400_not_trained() -> None:
    async with emulator() as face:
        await face.group("lfl", kind="largefacelists")
        await face.ok(
            "POST", "/largefacelists/lfl/persistedfaces", image=synthetic_face("alice", 1)
        )
        reply = await face.call(
            "POST",
            "/findsimilars",
            json_body={"faceId": await face.detect("alice"), "largeFaceListId": "lfl"},
        )
    assert_error(reply, 400, "LargeFaceListNotTrained")


# -- images -------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1023, 6 * 1024 * 1024 + 1], ids=["under-1KB", "over-6MB"])
async def test_an_image_under_1kb_or_over_6mb_is_400_invalid_image_size(size: int) -> None:
    image = synthetic_face("alice", 0, pad_to=size)[:size]
    async with emulator() as face:
        reply = await face.call("POST", "/detect", image=image)
    assert_error(reply, 400, "InvalidImageSize")


async def test_images_of_exactly_1kb_and_6mb_are_accepted() -> None:
    smallest = synthetic_face("alice", 0, size=16, pad_to=1024)
    largest = synthetic_face("alice", 0, pad_to=6 * 1024 * 1024)
    assert (len(smallest), len(largest)) == (1024, 6 * 1024 * 1024)
    async with emulator() as face:
        # The 16 px picture's face is below the 36 px minimum: no face, but no error.
        assert await face.ok("POST", "/detect", image=smallest) == []
        (found,) = await face.ok("POST", "/detect", image=largest)
    assert found["faceRectangle"]["width"] >= 36


async def test_undecodable_bytes_are_400_invalid_image_on_detect_and_add_face() -> None:
    junk = bytes((i * 7 + 3) % 256 for i in range(4096))
    async with emulator() as face:
        assert_error(await face.call("POST", "/detect", image=junk), 400, "InvalidImage")
        await face.group("g")
        person_id = await face.person("g")
        assert_error(await face.add_face("g", person_id, junk), 400, "InvalidImage")


async def test_adding_a_picture_without_a_face_is_400_invalid_image() -> None:
    async with emulator() as face:
        await face.group("g")
        person_id = await face.person("g")
        reply = await face.add_face("g", person_id, group_photo([]))
        assert_error(reply, 400, "InvalidImage")
        # Detect is not an error: it finds no face.
        assert await face.ok("POST", "/detect", image=group_photo([])) == []


async def test_adding_a_picture_of_two_faces_needs_a_target_face() -> None:
    photo = group_photo(["alice", "bob"])
    async with emulator() as face:
        await face.group("g")
        person_id = await face.person("g")
        assert_error(await face.add_face("g", person_id, photo), 400, "InvalidImage")
        (_, bob) = await face.ok("POST", "/detect", image=photo)
        rect = bob["faceRectangle"]
        target = f"{rect['left']},{rect['top']},{rect['width']},{rect['height']}"
        reply = await face.add_face("g", person_id, photo, targetFace=target)
        assert reply.status == 200, reply.raw


async def test_an_image_url_that_is_not_an_emulator_face_is_400_invalid_url() -> None:
    async with emulator() as face:
        reply = await face.call(
            "POST", "/detect", json_body={"url": "https://example.com/people/alice.jpg"}
        )
        assert_error(reply, 400, "InvalidURL")
        good = await face.call("POST", "/detect", json_body={"url": face.emu.image_url("alice")})
        assert good.status == 200


# -- bad arguments ------------------------------------------------------------------------------


@pytest.mark.parametrize("group_id", ["Upper", "with space", "x" * 65, "dot.ted"])
async def test_an_invalid_group_id_on_put_is_400_bad_argument(group_id: str) -> None:
    async with emulator() as face:
        reply = await face.call("PUT", f"/persongroups/{group_id}", json_body={"name": "n"})
    assert_error(reply, 400, "BadArgument")


async def test_a_name_of_129_characters_is_400_bad_argument_and_128_is_fine() -> None:
    async with emulator() as face:
        reply = await face.call("PUT", "/persongroups/g", json_body={"name": "n" * 129})
        assert_error(reply, 400, "BadArgument")
        await face.ok("PUT", "/persongroups/g", json_body={"name": "n" * 128})


async def test_identify_with_a_face_of_another_recognition_model_is_400_bad_argument() -> None:
    clock = Clock()
    async with emulator(clock=clock) as face:
        await trained_group(face, clock, model="recognition_01")
        face_id = await face.detect("alice", recognitionModel="recognition_04")
        reply = await face.identify([face_id], "g")
    assert_error(reply, 400, "BadArgument")


async def test_identify_with_11_face_ids_is_400_bad_argument() -> None:
    clock = Clock()
    async with emulator(clock=clock) as face:
        await trained_group(face, clock)
        face_ids = [await face.detect("alice", v) for v in range(11)]
        assert_error(await face.identify(face_ids, "g"), 400, "BadArgument")
        reply = await face.identify(face_ids[:10], "g")
        assert reply.status == 200, reply.raw


async def test_top_0_on_a_list_is_400_bad_argument() -> None:
    async with emulator() as face:
        await face.group("g")
        assert_error(
            await face.call("GET", "/persongroups", params={"top": "0"}), 400, "BadArgument"
        )
        assert_error(
            await face.call("GET", "/persongroups/g/persons", params={"top": "0"}),
            400,
            "BadArgument",
        )


async def test_a_text_plain_body_on_put_is_415() -> None:
    async with emulator() as face:
        reply = await face.call(
            "PUT",
            "/persongroups/g",
            image=b'{"name": "n"}',
            headers={"Content-Type": "text/plain"},
        )
    assert reply.status == 415
    error = reply.body["error"]
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)


# -- quotas -------------------------------------------------------------------------------------


async def test_the_249th_face_of_one_person_is_403_quota_exceeded() -> None:
    async with emulator() as face:
        await face.group("g")
        person_id = await face.person("g")
        for _ in range(248):
            reply = await face.add_face("g", person_id, SMALL_FACE)
            assert reply.status == 200, reply.raw
        assert_error(await face.add_face("g", person_id, SMALL_FACE), 403, "QuotaExceeded")
        person = await face.ok("GET", f"/persongroups/g/persons/{person_id}")
    assert len(person["persistedFaceIds"]) == 248


async def test_the_1001st_face_of_a_face_list_is_403_quota_exceeded() -> None:
    async with emulator() as face:
        await face.group("fl", kind="facelists")
        for _ in range(1000):
            await face.ok("POST", "/facelists/fl/persistedfaces", image=SMALL_FACE)
        reply = await face.call("POST", "/facelists/fl/persistedfaces", image=SMALL_FACE)
        assert_error(reply, 403, "QuotaExceeded")
        listed = await face.ok("GET", "/facelists/fl")
    assert len(listed["persistedFaces"]) == 1000


# -- not found below a group --------------------------------------------------------------------


async def test_a_missing_person_is_404_person_not_found() -> None:
    async with emulator() as face:
        await face.group("g")
        reply = await face.call("GET", f"/persongroups/g/persons/{MISSING_ID}")
    assert_error(reply, 404, "PersonNotFound")


async def test_a_missing_persisted_face_is_404_persisted_face_not_found() -> None:
    async with emulator() as face:
        await face.group("g")
        person_id = await face.enrolled("g", "alice")
        reply = await face.call(
            "GET", f"/persongroups/g/persons/{person_id}/persistedfaces/{MISSING_ID}"
        )
    assert_error(reply, 404, "PersistedFaceNotFound")


# -- concurrency and rate limit -----------------------------------------------------------------


async def test_two_overlapping_adds_to_one_person_conflict_409() -> None:
    async with emulator(EmulatorSettings(write_seconds=0.3)) as face:
        await face.group("g")
        person_id = await face.person("g")
        first, second = await asyncio.gather(
            face.add_face("g", person_id, synthetic_face("alice", 0)),
            face.add_face("g", person_id, synthetic_face("alice", 1)),
        )
        replies = sorted([first, second], key=lambda r: r.status)
        assert replies[0].status == 200, replies[0].raw
        message = assert_error(replies[1], 409, "ConcurrentOperationConflict")
        assert "conflict" in message
        person = await face.ok("GET", f"/persongroups/g/persons/{person_id}")
    assert len(person["persistedFaceIds"]) == 1


async def test_the_rate_limit_answers_429_with_retry_after_and_the_gateway_body() -> None:
    async with emulator(EmulatorSettings(rate_limit=2)) as face:
        replies = [await face.call("GET", "/persongroups") for _ in range(3)]
    assert [r.status for r in replies[:2]] == [200, 200]
    limited = replies[2]
    assert limited.status == 429
    seconds = int(limited.headers["Retry-After"])
    assert seconds >= 1
    assert limited.body == {
        "error": {
            "statusCode": 429,
            "message": f"Rate limit is exceeded. Try again in {seconds} seconds.",
        }
    }


# -- face ids expire ----------------------------------------------------------------------------


async def test_face_ids_expire_after_their_time_to_live() -> None:
    clock = Clock()
    async with emulator(clock=clock) as face:
        alice = await trained_group(face, clock)
        query = await face.detect("alice", 0, faceIdTimeToLive="60")
        other = await face.detect("alice", 2)
        clock.advance(59)
        (result,) = (await face.identify([query], "g")).body
        assert result["candidates"][0]["personId"] == alice
        clock.advance(2)  # 61 s after detection
        assert_error(await face.identify([query], "g"), 400, "FaceNotFound")
        verify = await face.call("POST", "/verify", json_body={"faceId1": query, "faceId2": other})
        assert_error(verify, 404, "FaceNotFound")
        verify = await face.call(
            "POST",
            "/verify",
            json_body={"faceId": query, "personId": alice, "personGroupId": "g"},
        )
        assert_error(verify, 404, "FaceNotFound")
        # The one detected with the default time to live (86400 s) is still there.
        assert (await face.identify([other], "g")).status == 200


# -- lists --------------------------------------------------------------------------------------


async def test_lists_are_sorted_by_id_and_paged_by_exclusive_start_and_top() -> None:
    async with emulator() as face:
        for group_id in ("delta", "alpha", "charlie", "bravo"):
            await face.group(group_id)
        listed = await face.ok("GET", "/persongroups")
        assert [g["personGroupId"] for g in listed] == ["alpha", "bravo", "charlie", "delta"]
        page = await face.ok("GET", "/persongroups", params={"start": "bravo", "top": "1"})
        assert [g["personGroupId"] for g in page] == ["charlie"]
        page = await face.ok("GET", "/persongroups", params={"start": "b"})
        assert [g["personGroupId"] for g in page] == ["bravo", "charlie", "delta"]
        persons = sorted([await face.person("alpha", str(n)) for n in range(5)])
        listed = await face.ok("GET", "/persongroups/alpha/persons")
        assert [p["personId"] for p in listed] == persons
        page = await face.ok(
            "GET", "/persongroups/alpha/persons", params={"start": persons[1], "top": "2"}
        )
        assert [p["personId"] for p in page] == persons[2:4]


async def test_the_recognition_model_is_fixed_at_creation_and_returned_on_request() -> None:
    async with emulator() as face:
        await face.group("g", model="recognition_04")
        await face.group("d")
        plain = await face.ok("GET", "/persongroups/g")
        assert "recognitionModel" not in plain
        shown = await face.ok("GET", "/persongroups/g", params={"returnRecognitionModel": "true"})
        assert shown["recognitionModel"] == "recognition_04"
        await face.ok(
            "PATCH",
            "/persongroups/g",
            json_body={"name": "renamed", "recognitionModel": "recognition_01"},
        )
        shown = await face.ok("GET", "/persongroups/g", params={"returnRecognitionModel": "true"})
        assert (shown["name"], shown["recognitionModel"]) == ("renamed", "recognition_04")
        listed = await face.ok("GET", "/persongroups", params={"returnRecognitionModel": "true"})
        assert {g["personGroupId"]: g["recognitionModel"] for g in listed} == {
            "d": "recognition_01",
            "g": "recognition_04",
        }


# -- training -----------------------------------------------------------------------------------


async def test_training_goes_notstarted_running_succeeded_as_time_passes() -> None:
    clock = Clock()
    async with emulator(clock=clock) as face:
        await face.group("g")
        await face.enrolled("g", "alice")
        reply = await face.call("POST", "/persongroups/g/train")
        assert (reply.status, reply.raw) == (202, b"")
        queued = await face.training("g")
        assert queued["status"] == "notstarted"
        assert queued["createdDateTime"]
        clock.advance(0.06)
        assert (await face.training("g"))["status"] == "running"
        clock.advance(1)
        done = await face.training("g")
        assert done["status"] == "succeeded"
        assert done["createdDateTime"] == queued["createdDateTime"]
        assert done["lastActionDateTime"]
        assert done["message"] is None


async def test_training_a_group_without_persons_fails_with_a_message() -> None:
    clock = Clock()
    async with emulator(clock=clock) as face:
        await face.group("g")
        await face.ok("POST", "/persongroups/g/train", expect=202)
        clock.advance(10)
        status = await face.training("g")
    assert status["status"] == "failed"
    assert isinstance(status["message"], str)
    assert status["message"]


async def test_right_after_a_second_train_the_previous_result_is_still_returned() -> None:
    clock = Clock()
    async with emulator(clock=clock) as face:
        await trained_group(face, clock)
        before = await face.training("g")
        await face.ok("POST", "/persongroups/g/train", expect=202)
        assert await face.training("g") == before
        clock.advance(0.06)
        running = await face.training("g")
        assert running["status"] == "running"
        assert running["createdDateTime"] != before["createdDateTime"]


async def test_identify_uses_what_the_last_successful_training_captured() -> None:
    clock = Clock()
    async with emulator(clock=clock) as face:
        alice = await trained_group(face, clock)
        bob = await face.enrolled("g", "bob")
        query = await face.detect("bob")
        (result,) = (await face.identify([query], "g")).body
        assert result["candidates"] == []
        await face.ok("POST", "/persongroups/g/train", expect=202)
        # Until the new training has finished, identify keeps the old result.
        (result,) = (await face.identify([query], "g")).body
        assert result["candidates"] == []
        clock.advance(10)
        (result,) = (await face.identify([query], "g")).body
        assert [c["personId"] for c in result["candidates"]] == [bob]
        (result,) = (await face.identify([await face.detect("alice")], "g")).body
        assert [c["personId"] for c in result["candidates"]] == [alice]


# -- snapshots ----------------------------------------------------------------------------------


async def test_snapshot_take_is_followed_at_its_operation_to_the_snapshot() -> None:
    clock = Clock()
    async with emulator(clock=clock) as face:
        await trained_group(face, clock)
        taken_at = clock.now
        operation_id = await face.take("g", [face.emu.subscription_id])
        first = await face.ok("GET", f"/operations/{operation_id}")
        assert first["status"] in ("notstarted", "running")
        assert first["createdTime"]
        clock.advance(0.06)
        assert (await face.ok("GET", f"/operations/{operation_id}"))["status"] in (
            "notstarted",
            "running",
        )
        clock.advance(10)
        done = await face.ok("GET", f"/operations/{operation_id}")
        assert done["status"] == "succeeded"
        assert done["message"] is None
        location = done["resourceLocation"]
        assert re.fullmatch(f"/snapshots/{UUID}", location), location
        snapshot = await face.ok("GET", location)
        assert snapshot["id"] == location.removeprefix("/snapshots/")
        assert snapshot["type"] == "PersonGroup"
        assert snapshot["applyScope"] == [face.emu.subscription_id]
        assert clock.now > taken_at


async def test_applying_a_snapshot_to_an_existing_id_fails_with_a_message() -> None:
    clock = Clock()
    async with emulator(clock=clock) as face:
        await trained_group(face, clock)
        snapshot_id = await _snapshot(face, clock, "g")
        await face.group("taken")
        reply = await face.call(
            "POST",
            f"/snapshots/{snapshot_id}/apply",
            json_body={"objectId": "taken", "mode": "CreateNew"},
        )
        assert reply.status == 202, reply.raw
        location = reply.headers["Operation-Location"]
        assert re.fullmatch(f"/operations/{UUID}", location), location
        clock.advance(10)
        status = await face.ok("GET", location)
    assert status["status"] == "failed"
    assert isinstance(status["message"], str)
    assert status["message"]


async def test_applying_a_snapshot_creates_the_object_with_its_training_result() -> None:
    clock = Clock()
    async with emulator(clock=clock) as face:
        alice = await trained_group(face, clock)
        snapshot_id = await _snapshot(face, clock, "g")
        reply = await face.call(
            "POST", f"/snapshots/{snapshot_id}/apply", json_body={"objectId": "copy"}
        )
        assert reply.status == 202, reply.raw
        clock.advance(10)
        status = await face.ok("GET", reply.headers["Operation-Location"])
        assert status["status"] == "succeeded", status
        assert status["resourceLocation"]
        copy = await face.ok("GET", "/persongroups/copy")
        assert copy["personGroupId"] == "copy"
        (result,) = (await face.identify([await face.detect("alice")], "copy")).body
    assert [c["personId"] for c in result["candidates"]] == [alice]


async def test_a_snapshot_expires_48_hours_after_it_was_taken() -> None:
    clock = Clock()
    async with emulator(clock=clock) as face:
        await trained_group(face, clock)
        snapshot_id = await _snapshot(face, clock, "g")
        clock.advance(47 * 3600)
        await face.ok("GET", f"/snapshots/{snapshot_id}")
        clock.advance(3600)
        reply = await face.call("GET", f"/snapshots/{snapshot_id}")
    assert reply.status == 404


async def _snapshot(face: Face, clock: Clock, group_id: str) -> str:
    operation_id = await face.take(group_id, [face.emu.subscription_id])
    clock.advance(10)
    status = await face.ok("GET", f"/operations/{operation_id}")
    assert status["status"] == "succeeded", status
    return str(status["resourceLocation"]).removeprefix("/snapshots/")


async def test_v1_0_spells_notstarted_and_v1_0_preview_spells_notstarted_camel_case() -> None:
    clock = Clock()
    async with emulator(clock=clock) as face:
        await trained_group(face, clock)
        operation_id = await face.take("g", [face.emu.subscription_id])
        stable = await face.ok("GET", f"/operations/{operation_id}")
        preview = await face.ok("GET", f"/operations/{operation_id}", version="v1.0-preview")
    assert stable["status"] == "notstarted"
    assert preview["status"] == "notStarted"


async def test_v1_0_preview_training_status_spells_notstarted_as_v1_0_does() -> None:
    # TrainingStatus is the same in both v1.0 and v1.0-preview specs: prose "notstarted"
    # (enum literally "nonstarted"); only v1.1+ TrainingResult uses "notStarted" (NOTES 4.4).
    clock = Clock()
    async with emulator(clock=clock) as face:
        await face.group("g")
        await face.enrolled("g", "alice")
        await face.ok("POST", "/persongroups/g/train", expect=202)
        stable = await face.training("g")
        preview = await face.training("g", version="v1.0-preview")
    assert stable["status"] == "notstarted"
    assert preview["status"] == "notstarted"


async def test_v1_2_train_answers_202_with_an_absolute_operation_location() -> None:
    clock = Clock()
    async with emulator(clock=clock) as face:
        await face.group("g")
        await face.enrolled("g", "alice")
        reply = await face.call("POST", "/persongroups/g/train", version="v1.2")
        assert reply.status == 202, reply.raw
        assert "operation-Location" in reply.headers
        location = reply.headers["operation-Location"]
        base = f"{face.emu.endpoint}/face/v1.2/operations/"
        assert re.fullmatch(re.escape(base) + UUID, location), location
        pending = await face.call("GET", "", url=location)
        assert pending.status == 200
        assert pending.body["status"] in ("notStarted", "running")
        clock.advance(10)
        done = (await face.call("GET", "", url=location)).body
    assert done["status"] == "succeeded"
    assert done["operationId"] == location.removeprefix(base)
    assert {"operationId", "status", "createdTime", "lastActionTime"} <= set(done)
    assert "resourceLocation" not in done


# -- injected faults ----------------------------------------------------------------------------


async def test_an_injected_503_is_answered_once_then_the_real_reply() -> None:
    async with emulator() as face:
        await face.group("g")
        face.emu.inject("PersonGroup_Get", status=503, times=1)
        first = await face.call("GET", "/persongroups/g")
        second = await face.call("GET", "/persongroups/g")
    assert first.status == 503
    assert first.body["error"]["code"] == "503"
    assert second.status == 200
    assert second.body["personGroupId"] == "g"


async def test_a_reset_before_drops_the_connection_and_stores_nothing() -> None:
    async with emulator() as face:
        await face.group("g")
        person_id = await face.person("g")
        face.emu.inject("PersonGroupPerson_AddFace*", reset="before")
        with pytest.raises(aiohttp.ClientError):
            await face.add_face("g", person_id, synthetic_face("alice"))
        person = await face.ok("GET", f"/persongroups/g/persons/{person_id}")
    assert person["persistedFaceIds"] == []


async def test_a_reset_after_drops_the_connection_but_the_face_is_stored() -> None:
    async with emulator() as face:
        await face.group("g")
        person_id = await face.person("g")
        face.emu.inject("PersonGroupPerson_AddFace*", reset="after")
        with pytest.raises(aiohttp.ClientError):
            await face.add_face("g", person_id, synthetic_face("alice"))
        # The blind retry duplicates the face.
        retry = await face.add_face("g", person_id, synthetic_face("alice"))
        assert retry.status == 200
        person = await face.ok("GET", f"/persongroups/g/persons/{person_id}")
    assert len(person["persistedFaceIds"]) == 2


async def test_a_truncated_body_fails_to_read() -> None:
    async with emulator() as face:
        await face.group("g")
        face.emu.inject("PersonGroup_Get", body="truncated")
        with pytest.raises(aiohttp.ClientPayloadError):
            await face.call("GET", "/persongroups/g")
        assert (await face.call("GET", "/persongroups/g")).status == 200


async def test_a_not_json_body_keeps_the_status_but_is_not_json() -> None:
    async with emulator() as face:
        await face.group("g")
        face.emu.inject("PersonGroup_Get", body="not_json")
        reply = await face.call("GET", "/persongroups/g")
    assert reply.status == 200
    assert not reply.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.raw)


# -- the request log and the control endpoints --------------------------------------------------


async def test_the_request_log_counts_requests_by_operation_and_status() -> None:
    async with emulator() as face:
        await face.group("g")
        await face.call("GET", "/persongroups/g")
        await face.call("GET", "/persongroups/missing")
        await face.person("g")
        log = face.emu.log
        assert log.count("PersonGroup_*") == 3
        assert log.count("PersonGroup_Get") == 2
        assert log.count("PersonGroup_Get", status=404) == 1
        assert log.count() == 4
        assert log.counters() == {
            ("PersonGroup_Create", 200): 1,
            ("PersonGroup_Get", 200): 1,
            ("PersonGroup_Get", 404): 1,
            ("PersonGroupPerson_Create", 200): 1,
        }
        await face.call("POST", "/detect", image=synthetic_face("alice"))
        assert log.count("Face_DetectWithStream", status=200) == 1


async def test_post_emulator_reset_clears_the_data() -> None:
    async with emulator() as face:
        await face.group("g")
        reply = await face.call("POST", "", url=f"{face.emu.endpoint}/_emulator/reset", key=None)
        assert reply.status == 204
        assert_error(await face.call("GET", "/persongroups/g"), 404, "PersonGroupNotFound")
        assert await face.ok("GET", "/persongroups") == []


async def test_the_synthetic_face_png_is_served_without_a_key() -> None:
    async with emulator() as face:
        url = face.emu.image_url("alice smith", 3)
        assert url == f"{face.emu.endpoint}/_emulator/faces/alice%20smith/3.png"
        reply = await face.call("GET", "", url=url, key=None)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "image/png"
    assert reply.raw == synthetic_face("alice smith", 3)
