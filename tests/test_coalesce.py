"""Coalesced identify over a fake transport: packing, splitting, cancelling, closing."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from typing import Any

import pytest

from facekit import BadRequestError, FaceClient, FaceError, FaceValidationError, KeyCredential
from facekit import RateLimiter as FaceRateLimiter
from facekit.coalesce import BatchReport, CoalesceSettings

from .conftest import ENDPOINT, FAST_RETRY, KEY
from .fake_transport import Canned, FakeTransport, Sent

IDENTIFY = re.compile(r".*/identify$")


def person_of(face_id: str) -> str:
    """The person the fake service says a face shows (derived from the face id)."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, face_id.lower()))


def face_ids(count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)]


class FakeFace:
    """Answers identify like the service: each face's person, FaceNotFound for `unknown`."""

    def __init__(self, unknown: frozenset[str] = frozenset(), *, name_faces: bool = False):
        self.unknown = unknown
        self.name_faces = name_faces

    def __call__(self, sent: Sent) -> Canned:
        ids = sent.json["faceIds"]
        bad = [f for f in ids if f in self.unknown]
        if bad:
            message = f"Face {bad[0]} is not found." if self.name_faces else "Face is not found."
            return Canned(
                status=400, payload={"error": {"code": "FaceNotFound", "message": message}}
            )
        return Canned(
            payload=[
                {"faceId": f, "candidates": [{"personId": person_of(f), "confidence": 0.9}]}
                for f in reversed(ids)  # the reply's order is not the request's
            ]
        )


class BusyLimiter:
    """A limiter that lets everything through at once but says a request would wait `wait`.

    With it the window alone decides when a batch leaves; `gate` holds every acquire.
    """

    def __init__(self, wait: float = 1.0) -> None:
        self.wait = wait
        self.gate = asyncio.Event()
        self.gate.set()

    async def acquire(self) -> None:
        await self.gate.wait()

    def pause(self, seconds: float) -> None:
        pass

    def expected_wait(self) -> float:
        return self.wait


def make_client(fake: FakeTransport, limiter: Any = None, **options: Any) -> FaceClient:
    return FaceClient(
        ENDPOINT,
        KeyCredential(KEY),
        api_version="v1.2",
        transport=fake,
        retry_policy=FAST_RETRY,
        rate_limiter=limiter or BusyLimiter(),
        **options,
    )


def identify_requests(fake: FakeTransport) -> list[list[str]]:
    return [sent.json["faceIds"] for sent in fake.sent("POST") if IDENTIFY.match(str(sent.url))]


@pytest.fixture
def fake() -> FakeTransport:
    transport = FakeTransport()
    transport.post(IDENTIFY, callback=FakeFace(), repeat=True)
    return transport


def call(face: FaceClient, face_id: str) -> asyncio.Task[Any]:
    return asyncio.create_task(face.identify([face_id], person_group_id="g"))


def own_face(results: Any, face_id: str) -> bool:
    (result,) = results
    return bool(result.face_id == face_id and result.candidates[0].person_id == person_of(face_id))


async def test_without_the_option_every_call_is_a_request(fake: FakeTransport) -> None:
    ids = face_ids(20)
    async with make_client(fake) as face:
        results = await asyncio.gather(*(face.identify([f], person_group_id="g") for f in ids))
    assert all(own_face(r, f) for r, f in zip(results, ids, strict=True))
    assert sorted(map(tuple, identify_requests(fake))) == sorted((f,) for f in ids)


async def test_a_hundred_callers_share_ten_requests_and_each_gets_its_own_face(
    fake: FakeTransport,
) -> None:
    reports: list[BatchReport] = []
    ids = face_ids(100)
    settings = CoalesceSettings(window=0.05, on_batch=reports.append)
    async with make_client(fake, coalesce_identify=settings) as face:
        results = await asyncio.gather(*(face.identify([f], person_group_id="g") for f in ids))
    assert all(own_face(r, f) for r, f in zip(results, ids, strict=True))
    sent = identify_requests(fake)
    assert [len(batch) for batch in sent] == [10] * 10
    assert sorted(f for batch in sent for f in batch) == sorted(ids)
    assert [(r.faces, r.callers) for r in reports] == [(10, 10)] * 10
    # Full batches leave at once: nobody waited for the window.
    assert max(w for r in reports for w in r.waits) < 0.04


async def test_per_call_option_overrides_the_client(fake: FakeTransport) -> None:
    ids = face_ids(4)
    async with make_client(fake) as face:
        await asyncio.gather(*(face.identify([f], person_group_id="g", coalesce=True) for f in ids))
    async with make_client(fake, coalesce_identify=0.05) as face:
        await asyncio.gather(
            *(face.identify([f], person_group_id="g", coalesce=False) for f in ids)
        )
    assert [len(batch) for batch in identify_requests(fake)] == [4, 1, 1, 1, 1]


async def test_one_unknown_face_among_ten_fails_only_its_caller(fake: FakeTransport) -> None:
    ids = face_ids(10)
    fake._routes.clear()
    fake.post(IDENTIFY, callback=FakeFace(frozenset({ids[6]})), repeat=True)
    async with make_client(fake, coalesce_identify=0.05) as face:
        results = await asyncio.gather(
            *(face.identify([f], person_group_id="g") for f in ids), return_exceptions=True
        )
    for index, (result, face_id) in enumerate(zip(results, ids, strict=True)):
        if index == 6:
            assert isinstance(result, BadRequestError)
            assert result.code == "FaceNotFound"
        else:
            assert not isinstance(result, BaseException)
            assert own_face(result, face_id)
    sent = identify_requests(fake)
    assert [ids[6]] in sent  # the bad face ends up alone
    assert len(sent) <= 9  # halving: 1 + 2 per level, 4 levels for 10 callers


async def test_a_face_the_error_names_fails_its_caller_and_the_rest_go_in_one_request(
    fake: FakeTransport,
) -> None:
    ids = face_ids(10)
    fake._routes.clear()
    fake.post(IDENTIFY, callback=FakeFace(frozenset({ids[2]}), name_faces=True), repeat=True)
    async with make_client(fake, coalesce_identify=0.05) as face:
        results = await asyncio.gather(
            *(face.identify([f], person_group_id="g") for f in ids), return_exceptions=True
        )
    assert [isinstance(r, BadRequestError) for r in results] == [i == 2 for i in range(10)]
    assert [len(batch) for batch in identify_requests(fake)] == [10, 9]


def _group_not_found() -> FakeTransport:
    """A transport answering every identify with 400 PersonGroupNotFound."""
    fake = FakeTransport()
    error = {"error": {"code": "PersonGroupNotFound", "message": "Person group is not found."}}
    fake.post(IDENTIFY, status=400, payload=error, repeat=True)
    return fake


async def test_an_error_about_the_whole_batch_reaches_every_caller_in_one_request() -> None:
    fake = _group_not_found()
    async with make_client(fake, coalesce_identify=0.05) as face:
        results = await asyncio.gather(
            *(face.identify([f], person_group_id="g") for f in face_ids(5)),
            return_exceptions=True,
        )
    assert all(isinstance(r, BadRequestError) and r.code == "PersonGroupNotFound" for r in results)
    assert len(identify_requests(fake)) == 1
    assert all(KEY not in str(r) and KEY not in repr(r) for r in results)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"person_group_id": "a"}, {"person_group_id": "b"}),
        ({"person_group_id": "a"}, {"large_person_group_id": "a"}),
        ({"person_group_id": "a"}, {"person_group_id": "a", "max_num_of_candidates_returned": 2}),
        ({"person_group_id": "a"}, {"person_group_id": "a", "confidence_threshold": 0.7}),
        ({"person_group_id": "a"}, {"person_group_id": "a", "headers": {"X-Tenant": "2"}}),
        ({"person_group_id": "a"}, {"person_group_id": "a", "timeout": 7.0}),
        ({"person_ids": [str(uuid.uuid4())]}, {"person_ids": [str(uuid.uuid4())]}),
    ],
)
async def test_callers_of_another_target_or_parameters_are_never_mixed_in(
    fake: FakeTransport, first: dict[str, Any], second: dict[str, Any]
) -> None:
    one, two = face_ids(5), face_ids(5)
    async with make_client(fake, coalesce_identify=0.05) as face:
        await asyncio.gather(
            *(face.identify([f], **first) for f in one),
            *(face.identify([f], **second) for f in two),
        )
    requests = [s for s in fake.sent("POST") if IDENTIFY.match(str(s.url))]
    assert len(requests) == 2
    for sent in requests:
        ids = set(sent.json["faceIds"])
        assert ids in (set(one), set(two))
        kwargs = first if ids == set(one) else second
        if "person_group_id" in kwargs:
            assert sent.json.get("personGroupId") == kwargs["person_group_id"]
        if "headers" in kwargs:
            assert sent.headers.get("X-Tenant") == "2"
        else:
            assert "X-Tenant" not in sent.headers
        if "timeout" in kwargs:
            assert sent.timeout == 7.0


async def test_callers_with_several_faces_are_packed_whole(fake: FakeTransport) -> None:
    groups = [face_ids(4), face_ids(4), face_ids(4), face_ids(10)]
    async with make_client(fake, coalesce_identify=0.05) as face:
        results = await asyncio.gather(*(face.identify(g, person_group_id="g") for g in groups))
    for result, asked in zip(results, groups[:3], strict=False):
        assert [r.face_id for r in result] == asked  # its own faces, in its order
    # Ten faces fill a request alone: sent as they are, answered as the service answers.
    assert sorted(r.face_id for r in results[3]) == sorted(groups[3])
    for result in results:
        assert all(r.candidates[0].person_id == person_of(r.face_id) for r in result)
    sent = sorted(identify_requests(fake), key=len)
    assert [len(batch) for batch in sent] == [4, 8, 10]
    assert all(any(set(g) <= set(batch) for batch in sent) for g in groups)


async def test_an_idle_limiter_sends_at_once_whatever_the_window(fake: FakeTransport) -> None:
    async with make_client(
        fake, FaceRateLimiter(10), coalesce_identify=CoalesceSettings(window=5.0)
    ) as face:
        started = time.monotonic()
        (result,) = await face.identify(face_ids(1), person_group_id="g")
        assert time.monotonic() - started < 1.0
    assert result.candidates


async def test_the_window_never_outlasts_the_limiter_wait(fake: FakeTransport) -> None:
    reports: list[BatchReport] = []
    settings = CoalesceSettings(window=5.0, on_batch=reports.append)
    async with make_client(fake, BusyLimiter(wait=0.05), coalesce_identify=settings) as face:
        started = time.monotonic()
        await asyncio.gather(*(face.identify([f], person_group_id="g") for f in face_ids(3)))
        assert time.monotonic() - started < 1.0
    assert [r.callers for r in reports] == [3]
    assert all(0.04 <= w < 1.0 for w in reports[0].waits)


async def test_cancelling_one_caller_mid_flight_leaves_the_others_their_answers(
    fake: FakeTransport,
) -> None:
    limiter = BusyLimiter()
    ids = face_ids(10)
    async with make_client(fake, limiter, coalesce_identify=0.05) as face:
        limiter.gate.clear()  # the batch is held in the limiter: it has left the coalescer
        callers = [asyncio.create_task(face.identify([f], person_group_id="g")) for f in ids]
        await asyncio.sleep(0.1)
        callers[3].cancel()
        await asyncio.sleep(0.01)
        limiter.gate.set()
        results = await asyncio.gather(*callers, return_exceptions=True)
    assert isinstance(results[3], asyncio.CancelledError)
    assert all(own_face(r, f) for i, (r, f) in enumerate(zip(results, ids, strict=True)) if i != 3)
    assert len(identify_requests(fake)) == 1
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_a_caller_cancelled_before_its_batch_leaves_is_not_sent(fake: FakeTransport) -> None:
    ids = face_ids(3)
    async with make_client(fake, coalesce_identify=0.2) as face:
        callers = [asyncio.create_task(face.identify([f], person_group_id="g")) for f in ids]
        await asyncio.sleep(0.02)
        callers[0].cancel()
        results = await asyncio.gather(*callers, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    assert own_face(results[1], ids[1])
    assert own_face(results[2], ids[2])
    assert identify_requests(fake) == [ids[1:]]
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_closing_the_client_answers_every_waiter_with_a_face_error(
    fake: FakeTransport,
) -> None:
    limiter = BusyLimiter()
    face = make_client(fake, limiter, coalesce_identify=0.5)
    limiter.gate.clear()
    sent_batch = [call(face, f) for f in face_ids(10)]
    await asyncio.sleep(0.05)  # a full batch, held in the limiter
    in_window = [call(face, f) for f in face_ids(2)]
    await asyncio.sleep(0.01)  # a batch still open for company
    await face.aclose()
    results = await asyncio.gather(*sent_batch, *in_window, return_exceptions=True)
    assert all(type(r) is FaceError for r in results), results
    assert "closed" in str(results[0])
    with pytest.raises(FaceError, match="closed"):
        await face.identify(face_ids(1), person_group_id="g")
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert identify_requests(fake) == []


async def test_a_broken_metrics_hook_costs_no_answer(fake: FakeTransport) -> None:
    def hook(report: BatchReport) -> None:
        raise RuntimeError("metrics backend down")

    settings = CoalesceSettings(window=0.01, on_batch=hook)
    async with make_client(fake, coalesce_identify=settings) as face:
        ids = face_ids(2)
        results = await asyncio.gather(*(face.identify([f], person_group_id="g") for f in ids))
    assert all(own_face(r, f) for r, f in zip(results, ids, strict=True))


@pytest.mark.parametrize("value", ["yes", -1, 11.0, float("nan"), [0.1]])
def test_a_bad_coalesce_option_is_refused(value: Any) -> None:
    with pytest.raises(FaceValidationError, match="coalesce_identify"):
        make_client(FakeTransport(), coalesce_identify=value)


async def test_a_bad_per_call_option_is_refused_before_sending(fake: FakeTransport) -> None:
    async with make_client(fake, coalesce_identify=True) as face:
        with pytest.raises(FaceValidationError, match="coalesce"):
            await face.identify(face_ids(1), person_group_id="g", coalesce="yes")  # type: ignore[arg-type]
        with pytest.raises(FaceValidationError, match="timeout"):
            await face.identify(face_ids(1), person_group_id="g", timeout=-1)
    assert identify_requests(fake) == []


async def test_copies_made_with_options_coalesce_with_the_same_settings(
    fake: FakeTransport,
) -> None:
    ids = face_ids(3)
    async with make_client(fake, coalesce_identify=0.05) as face:
        copy = face.with_options(timeout=5.0)
        await asyncio.gather(*(copy.identify([f], person_group_id="g") for f in ids))
        await copy.aclose()
        assert not face._session.closed  # the copy closed its coalescer, not the connections
        (result,) = await face.identify(ids[:1], person_group_id="g")
    assert [len(batch) for batch in identify_requests(fake)] == [3, 1]
    assert own_face([result], ids[0])


class PlainLimiter:
    """A Limiter that cannot say how long a request would wait."""

    async def acquire(self) -> None:
        pass

    def pause(self, seconds: float) -> None:
        pass


async def test_a_limiter_that_cannot_tell_its_wait_gets_the_configured_window(
    fake: FakeTransport,
) -> None:
    reports: list[BatchReport] = []
    settings = CoalesceSettings(window=0.05, on_batch=reports.append)
    async with make_client(fake, PlainLimiter(), coalesce_identify=settings) as face:
        await asyncio.gather(*(face.identify([f], person_group_id="g") for f in face_ids(2)))
    assert [r.callers for r in reports] == [2]
    assert min(reports[0].waits) >= 0.04


async def test_each_caller_raises_an_error_of_its_own() -> None:
    fake = _group_not_found()
    async with make_client(fake, coalesce_identify=0.05) as face:
        results = await asyncio.gather(
            *(face.identify([f], person_group_id="g") for f in face_ids(3)),
            return_exceptions=True,
        )
    assert len({id(r) for r in results}) == 3
    assert {str(r) for r in results} == {str(results[0])}
    assert all(isinstance(r, BadRequestError) and r.__cause__ is None for r in results)


async def test_callers_of_one_face_get_their_own_results_named_as_they_sent_it(
    fake: FakeTransport,
) -> None:
    (face_id,) = face_ids(1)
    async with make_client(fake, coalesce_identify=0.05) as face:
        (mine,), (theirs,) = await asyncio.gather(
            face.identify([face_id.upper()], person_group_id="g"),
            face.identify([face_id], person_group_id="g"),
        )
    assert len(identify_requests(fake)) == 1
    assert (mine.face_id, theirs.face_id) == (face_id.upper(), face_id)
    assert mine is not theirs
    assert mine.candidates is not theirs.candidates
    mine.candidates.clear()  # what one caller does to its result is its own business
    assert theirs.candidates[0].person_id == person_of(face_id)


async def test_thousands_of_callers_of_one_face_share_one_request(fake: FakeTransport) -> None:
    # Each join costs O(10), not O(callers): 5,000 used to take seconds of loop time.
    (face_id,) = face_ids(1)
    async with make_client(fake, coalesce_identify=0.2) as face:
        results = await asyncio.gather(
            *(face.identify([face_id], person_group_id="g") for _ in range(5000))
        )
    assert all(own_face(r, face_id) for r in results)
    assert identify_requests(fake) == [[face_id]]


class BrokenEstimate(BusyLimiter):
    def expected_wait(self) -> float:
        raise RuntimeError("no estimate today")


async def test_a_limiter_whose_estimate_raises_costs_no_caller_its_answer(
    fake: FakeTransport, caplog: pytest.LogCaptureFixture
) -> None:
    ids = face_ids(3)
    async with make_client(fake, BrokenEstimate(), coalesce_identify=0.05) as face:
        first = await face.identify([ids[0]], person_group_id="g")
        rest = await asyncio.wait_for(
            asyncio.gather(*(face.identify([f], person_group_id="g") for f in ids[1:])), 5
        )
    assert own_face(first, ids[0])
    assert all(own_face(r, f) for r, f in zip(rest, ids[1:], strict=True))
    assert "expected_wait() raised" in caplog.text
