"""Coalesced identify against the emulator: real face ids from detect, real requests counted."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from facekit import BadRequestError, FaceClient, KeyCredential, RateLimiter
from facekit.coalesce import CoalesceSettings
from facekit.emulator import FaceEmulator, synthetic_face
from facekit.models import RecognitionModelName

from .conftest import QUICK_RETRY, client_for

MODEL: RecognitionModelName = "recognition_04"
PEOPLE = [f"person{i}" for i in range(10)]
GROUP = "crowd"


@pytest.fixture
async def probes(emulator: FaceEmulator) -> dict[str, str]:
    """Face id -> the person id it shows: 100 faces of 10 enrolled persons, from detect."""
    person_ids = emulator.seed_group(GROUP, {name: [0, 1] for name in PEOPLE}, large=True)
    async with client_for(emulator.endpoint, emulator.key) as face:

        async def probe(name: str, variant: int) -> tuple[str, str]:
            (found,) = await face.detect(synthetic_face(name, variant), recognition_model=MODEL)
            assert found.face_id is not None
            return found.face_id, person_ids[name]

        pairs = await asyncio.gather(
            *(probe(name, variant) for name in PEOPLE for variant in range(2, 12))
        )
    return dict(pairs)


def coalescing_client(emulator: FaceEmulator, rate: float) -> FaceClient:
    """A client whose limiter is busy enough (`rate` per second) for batches to fill."""
    return FaceClient(
        emulator.endpoint,
        KeyCredential(emulator.key),
        rate_limiter=RateLimiter(rate),
        retry_policy=QUICK_RETRY,
        coalesce_identify=CoalesceSettings(window=0.02),
    )


async def test_a_hundred_concurrent_callers_each_get_their_own_person(
    emulator: FaceEmulator, probes: dict[str, str]
) -> None:
    assert len(probes) == 100
    emulator.log.clear()
    async with coalescing_client(emulator, rate=20) as face:
        results = await asyncio.gather(
            *(face.identify([f], large_person_group_id=GROUP) for f in probes)
        )
    for face_id, (result,) in zip(probes, results, strict=True):
        assert result.face_id == face_id
        assert result.candidates[0].person_id == probes[face_id]
    # 100 faces in at most 10 faces a request; the first caller may go alone.
    assert emulator.log.count("Face_Identify") <= 12
    assert emulator.log.count("Face_Identify", status=200) == emulator.log.count("Face_Identify")


async def test_an_unknown_face_among_ten_fails_only_its_caller(
    emulator: FaceEmulator, probes: dict[str, str]
) -> None:
    known = list(probes)[:9]
    unknown = str(uuid.uuid4())
    asked = [*known[:4], unknown, *known[4:]]
    async with coalescing_client(emulator, rate=20) as face:
        # Keep the limiter busy, so that the window is not cut to nothing.
        await face.identify([known[0]], large_person_group_id=GROUP)
        emulator.log.clear()
        results = await asyncio.gather(
            *(face.identify([f], large_person_group_id=GROUP) for f in asked),
            return_exceptions=True,
        )
    for face_id, result in zip(asked, results, strict=True):
        if face_id == unknown:
            assert isinstance(result, BadRequestError)
            assert result.code == "FaceNotFound"
            assert emulator.key not in str(result)
        else:
            assert not isinstance(result, BaseException)
            assert result[0].candidates[0].person_id == probes[face_id]
    # The emulator names the face: one request of ten, then one of the nine others.
    assert emulator.log.count("Face_Identify") == 2


async def test_cancelled_callers_leave_no_task_and_the_rest_are_answered(
    emulator: FaceEmulator, probes: dict[str, str]
) -> None:
    emulator.inject("Face_Identify", latency=0.2, times=None)
    ids = list(probes)[:30]
    async with coalescing_client(emulator, rate=50) as face:
        callers = [
            asyncio.create_task(face.identify([f], large_person_group_id=GROUP)) for f in ids
        ]
        await asyncio.sleep(0.1)  # batches are out, waiting for the emulator's reply
        for caller in callers[::7]:
            caller.cancel()
        results = await asyncio.gather(*callers, return_exceptions=True)
    for index, (face_id, result) in enumerate(zip(ids, results, strict=True)):
        if index % 7 == 0:
            assert isinstance(result, asyncio.CancelledError)
        else:
            assert not isinstance(result, BaseException), result
            assert result[0].candidates[0].person_id == probes[face_id]
    # The emulator serves in this loop: its connection handlers aside, nothing is left.
    left = [
        task
        for task in asyncio.all_tasks()
        if task is not asyncio.current_task()
        and not task.get_coro().__qualname__.startswith("RequestHandler.")  # type: ignore[union-attr]
    ]
    assert left == []
