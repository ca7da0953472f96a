"""RateLimiter: slot arithmetic, and its behaviour against a real loopback HTTP server."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from facekit import (
    FaceClient,
    FaceValidationError,
    KeyCredential,
    RateLimiter,
    RateLimitError,
    RetryPolicy,
)
from tests.conftest import KEY, UNIT_VERSION

#: Header a test sets so that the server can tell its callers apart.
CALLER = "x-test-caller"

RATE = 20.0
INTERVAL = 1 / RATE
#: Slack for loopback latency and timer jitter when comparing server arrival times.
JITTER = 0.025

GATE_POLICY = RetryPolicy(max_retries=3, backoff_base=0.001, backoff_max=0.004, max_retry_after=2)


@pytest.fixture(autouse=True)
def _no_collector_pause() -> Iterator[None]:
    """Timing tests: collect first and freeze what exists, so that a full collection of
    the objects earlier tests left (tens of ms in a long suite) cannot land between two
    requests whose spacing is measured to 25 ms."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class Clock:
    """A settable clock for the limiter's gate."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- slot arithmetic ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("burst", "schedule"),
    [
        pytest.param(
            1,
            # (now, expected wait): 10/s means one slot every 0.1 s.
            [(0.0, 0.0), (0.0, 0.1), (0.0, 0.2), (0.25, 0.05), (1.0, 0.0), (1.0, 0.1)],
            id="burst-1",
        ),
        pytest.param(
            3,
            # Three slots at once, then one every 0.1 s; a long idle refills only three.
            [
                (0.0, 0.0),
                (0.0, 0.0),
                (0.0, 0.0),
                (0.0, 0.1),
                (0.0, 0.2),
                (10.0, 0.0),
                (10.0, 0.0),
                (10.0, 0.0),
                (10.0, 0.1),
            ],
            id="burst-3",
        ),
    ],
)
def test_reserve_spaces_slots(burst: int, schedule: list[tuple[float, float]]) -> None:
    limiter = RateLimiter(10, burst=burst, clock=Clock())
    waits = [limiter.reserve(now) for now, _ in schedule]
    assert waits == pytest.approx([wait for _, wait in schedule])


def test_pause_pushes_later_reservations_past_the_pause() -> None:
    clock = Clock(10.0)
    limiter = RateLimiter(10, clock=clock)
    limiter.pause(2.0)
    assert limiter.paused_for == pytest.approx(2.0)
    assert limiter.reserve(10.0) == pytest.approx(2.0)
    assert limiter.reserve(10.0) == pytest.approx(2.1)


def test_pause_voids_slots_reserved_before_it() -> None:
    clock = Clock(10.0)
    limiter = RateLimiter(10, clock=clock)
    assert limiter.reserve(10.0) == 0.0
    assert limiter.reserve(10.0) == pytest.approx(0.1)
    limiter.pause(1.0)
    assert limiter.reserve(10.0) == pytest.approx(1.0)


def test_paused_for_counts_down_with_the_clock() -> None:
    clock = Clock(10.0)
    limiter = RateLimiter(10, clock=clock)
    limiter.pause(2.0)
    clock.now = 11.5
    assert limiter.paused_for == pytest.approx(0.5)
    clock.now = 12.5
    assert limiter.paused_for == 0.0


def test_a_shorter_pause_does_not_shorten_a_longer_one() -> None:
    clock = Clock(10.0)
    limiter = RateLimiter(10, clock=clock)
    limiter.pause(5.0)
    limiter.pause(1.0)
    assert limiter.paused_for == pytest.approx(5.0)


def test_a_negative_pause_does_not_close_the_gate() -> None:
    limiter = RateLimiter(10, clock=Clock(10.0))
    limiter.pause(-3.0)
    assert limiter.paused_for == 0.0
    assert limiter.reserve(10.0) == 0.0


@pytest.mark.parametrize(
    ("tier", "rate"),
    [("S0", 10.0), ("F0", 20.0 / 60.0), ("s0", 10.0), ("f0", 20.0 / 60.0)],
)
def test_for_tier_uses_the_documented_rate(tier: str, rate: float) -> None:
    limiter = RateLimiter.for_tier(tier)
    assert limiter.rate == pytest.approx(rate)
    assert limiter.burst == 1


def test_for_tier_refuses_an_unknown_tier() -> None:
    with pytest.raises(ValueError, match="unknown tier"):
        RateLimiter.for_tier("S1")


@pytest.mark.parametrize("rate", [0, -1, -0.5, float("nan")])
def test_invalid_rate_raises_value_error(rate: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(rate)


@pytest.mark.parametrize("burst", [0, -1])
def test_invalid_burst_raises_value_error(burst: int) -> None:
    with pytest.raises(ValueError, match="burst"):
        RateLimiter(10, burst=burst)


# -- against a real loopback server ---------------------------------------------------------


@dataclass
class Arrival:
    at: float
    caller: str | None
    status: int


@dataclass
class FakeFaceService:
    """GET /face/v1.0/persongroups/{id}: scripted replies first, then 200 with the group."""

    endpoint: str = ""
    arrivals: list[Arrival] = field(default_factory=list)
    scripted: list[tuple[int, dict[str, str], Any]] = field(default_factory=list)

    async def get_person_group(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        group_id = request.match_info["group"]
        if self.scripted:
            status, headers, payload = self.scripted.pop(0)
        else:
            status, headers, payload = 200, {}, {"personGroupId": group_id, "name": "G"}
        self.arrivals.append(Arrival(at, request.headers.get(CALLER), status))
        return web.json_response(payload, status=status, headers=headers)


@pytest.fixture
async def service() -> AsyncIterator[FakeFaceService]:
    fake = FakeFaceService()
    app = web.Application()
    app.router.add_get("/face/v1.0/persongroups/{group}", fake.get_person_group)
    async with TestServer(app, host="127.0.0.1", port=0) as server:
        fake.endpoint = f"http://127.0.0.1:{server.port}"
        yield fake


def face_client(
    service: FakeFaceService, limiter: RateLimiter, policy: RetryPolicy = GATE_POLICY
) -> FaceClient:
    return FaceClient(
        service.endpoint,
        KeyCredential(KEY),
        api_version=UNIT_VERSION,
        rate_limiter=limiter,
        retry_policy=policy,
    )


def assert_rate_at_most(times: list[float], interval: float) -> None:
    """Any k consecutive gaps together last at least k intervals (less jitter)."""
    times = sorted(times)
    for i, earlier in enumerate(times):
        for j in range(i + 1, len(times)):
            assert times[j] - earlier >= (j - i) * interval - JITTER, (
                f"requests {i} and {j} arrived {times[j] - earlier:.3f} s apart, "
                f"faster than {1 / interval:g}/s"
            )


async def test_concurrent_calls_stay_within_the_rate(service: FakeFaceService) -> None:
    async with face_client(service, RateLimiter(RATE)) as face:
        groups = await asyncio.gather(*(face.person_groups.get("g") for _ in range(10)))

    assert [group.person_group_id for group in groups] == ["g"] * 10
    assert len(service.arrivals) == 10
    assert_rate_at_most([arrival.at for arrival in service.arrivals], INTERVAL)


async def test_waiting_callers_are_served_first_come_first_served(
    service: FakeFaceService,
) -> None:
    completed: list[str] = []

    async def caller(face: FaceClient, name: str) -> None:
        await face.person_groups.get("g", headers={CALLER: name})
        completed.append(name)

    names = [f"caller-{i}" for i in range(8)]
    async with face_client(service, RateLimiter(RATE)) as face:
        tasks = []
        for name in names:
            tasks.append(asyncio.create_task(caller(face, name)))
            await asyncio.sleep(0.002)  # a known arrival order, far below the 50 ms spacing
        await asyncio.gather(*tasks)

    assert [arrival.caller for arrival in service.arrivals] == names
    assert completed == names


async def test_a_429_closes_the_gate_for_every_caller(service: FakeFaceService) -> None:
    service.scripted.append(
        (
            429,
            {"Retry-After": "1"},
            {
                "error": {
                    "statusCode": 429,
                    "message": "Rate limit is exceeded. Try again in 1 seconds.",
                }
            },
        )
    )
    names = [f"caller-{i}" for i in range(5)]

    async with face_client(service, RateLimiter(RATE)) as face:
        groups = await asyncio.gather(
            *(face.person_groups.get("g", headers={CALLER: name}) for name in names)
        )

    # Every call eventually succeeded.
    assert [group.person_group_id for group in groups] == ["g"] * 5
    first, *rest = service.arrivals
    assert first.status == 429
    assert [arrival.status for arrival in rest] == [200] * 5
    # Nobody reached the server while the gate was closed.
    assert min(arrival.at for arrival in rest) - first.at >= 1.0 - 0.02
    # The refused call was retried and the others were each sent once.
    callers = [arrival.caller for arrival in service.arrivals]
    assert callers.count(first.caller) == 2
    assert sorted(callers[1:], key=str) == names
    # After the gate opens the spacing holds again.
    assert_rate_at_most([arrival.at for arrival in rest], INTERVAL)


async def test_a_429_beyond_max_retry_after_surfaces_at_once(service: FakeFaceService) -> None:
    service.scripted.append(
        (
            429,
            {"Retry-After": "30"},
            {
                "error": {
                    "statusCode": 429,
                    "message": "Rate limit is exceeded. Try again in 30 seconds.",
                }
            },
        )
    )

    async with face_client(service, RateLimiter(RATE)) as face:
        started = time.monotonic()
        with pytest.raises(RateLimitError) as caught:
            await face.person_groups.get("g")
        elapsed = time.monotonic() - started

    assert caught.value.retry_after == 30.0
    assert caught.value.status == 429
    assert elapsed < 0.5
    assert len(service.arrivals) == 1


async def test_one_limiter_shared_by_two_clients_limits_their_combined_rate(
    service: FakeFaceService,
) -> None:
    shared = RateLimiter(RATE)
    async with face_client(service, shared) as first, face_client(service, shared) as second:
        await asyncio.gather(
            *(first.person_groups.get("g", headers={CALLER: "first"}) for _ in range(4)),
            *(second.person_groups.get("g", headers={CALLER: "second"}) for _ in range(4)),
        )

    callers = [arrival.caller for arrival in service.arrivals]
    assert callers.count("first") == 4
    assert callers.count("second") == 4
    assert_rate_at_most([arrival.at for arrival in service.arrivals], INTERVAL)


# -- arrival order across a 429 pause -----------------------------------------------------


async def line_up(
    callers: int, rate: float, *, pause: float = 0.0, every: int | None = None
) -> tuple[list[int], float]:
    """`callers` arrive at once on one limiter; returns the order they were let through and
    the longest wait. With `every`, the limiter is paused for `pause` s (as a 429 does)
    each time another `every` callers have passed. Also used by benchmarks/hostile.py."""
    limiter = RateLimiter(rate)
    released: list[int] = []
    waits: list[float] = []

    async def caller(index: int) -> None:
        arrived = time.monotonic()
        await limiter.acquire()
        waits.append(time.monotonic() - arrived)
        released.append(index)
        if every and len(released) % every == 0 and len(released) < callers:
            limiter.pause(pause)

    async with asyncio.TaskGroup() as group:
        for index in range(callers):
            group.create_task(caller(index))
    return released, max(waits)


async def test_waiting_callers_keep_their_arrival_order_across_a_pause() -> None:
    callers, pause = 30, 0.3
    plain_order, plain_wait = await line_up(callers, RATE)
    # One pause, once the first half has passed.
    paused_order, paused_wait = await line_up(callers, RATE, pause=pause, every=15)

    assert plain_order == list(range(callers))
    # Before the fix, callers whose slot fell inside the pause went to the back of the line.
    assert paused_order == list(range(callers))
    # The same load with one pause costs the longest waiter the pause, no more (the old
    # behaviour cost it the pause plus one interval for every caller sent to the back).
    assert plain_wait == pytest.approx((callers - 1) * INTERVAL, abs=JITTER * 2)
    assert paused_wait <= plain_wait + pause + 2 * INTERVAL


async def test_a_cancelled_waiter_does_not_hold_up_the_line() -> None:
    limiter = RateLimiter(RATE)
    await limiter.acquire()
    stuck = asyncio.create_task(limiter.acquire())
    after = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    stuck.cancel()
    started = time.monotonic()
    await after
    assert time.monotonic() - started < 3 * INTERVAL
    with pytest.raises(asyncio.CancelledError):
        await stuck
    assert not limiter._line


@pytest.mark.parametrize("seconds", ["1", None, True])
def test_a_pause_that_is_not_a_number_is_a_validation_error(seconds: object) -> None:
    limiter = RateLimiter(10, clock=Clock(10.0))
    with pytest.raises(FaceValidationError):
        limiter.pause(seconds)  # type: ignore[arg-type]
    assert limiter.paused_for == 0.0


def test_a_nan_pause_does_not_close_the_gate() -> None:
    limiter = RateLimiter(10, clock=Clock(10.0))
    limiter.pause(float("nan"))
    assert limiter.paused_for == 0.0


def test_a_slot_free_now_is_taken_without_lining_up() -> None:
    clock = Clock(10.0)
    limiter = RateLimiter(10, burst=2, clock=clock)
    assert limiter.try_acquire()
    assert limiter.try_acquire()
    # The burst is spent: the next slot starts 0.1 s later, so it is not taken now.
    assert not limiter.try_acquire()
    assert limiter.reserve(10.0) == pytest.approx(0.1)
    clock.now = 10.5
    assert limiter.try_acquire()


def test_no_slot_is_taken_now_while_the_gate_is_closed() -> None:
    clock = Clock(10.0)
    limiter = RateLimiter(10, clock=clock)
    limiter.pause(1.0)
    assert not limiter.try_acquire()
    clock.now = 11.0
    assert limiter.try_acquire()


async def test_a_caller_arriving_as_the_gate_opens_goes_behind_the_one_waiting() -> None:
    # The gate opens (on the limiter's clock) while an earlier caller still sleeps on it: a
    # newcomer finding a free slot must still not overtake that caller.
    clock = Clock(10.0)
    limiter = RateLimiter(1000, clock=clock)
    limiter.pause(0.05)
    order: list[str] = []

    async def caller(name: str) -> None:
        await limiter.acquire()
        order.append(name)

    first = asyncio.create_task(caller("first"))
    await asyncio.sleep(0)
    assert len(limiter._line) == 1
    clock.now = 10.06
    second = asyncio.create_task(caller("second"))
    await asyncio.gather(first, second)
    assert order == ["first", "second"]
    assert not limiter._line


async def test_the_default_clock_is_the_event_loops_time_as_anyio_tells_it() -> None:
    import anyio

    limiter = RateLimiter(10)
    before = anyio.current_time()
    now = limiter._clock()
    after = asyncio.get_running_loop().time()
    assert before <= now <= after
    limiter.pause(5.0)
    assert 4.9 < limiter.paused_for <= 5.0


def test_the_default_clock_outside_an_event_loop_fails_as_anyios_does() -> None:
    import anyio

    limiter = RateLimiter(10)
    with pytest.raises(RuntimeError) as anyios:
        anyio.current_time()
    with pytest.raises(type(anyios.value)):
        limiter._clock()


async def test_the_default_clock_follows_a_loop_whose_time_is_virtual() -> None:
    # A test harness may run the loop on a virtual clock: the limiter must space slots
    # in that time, not in the machine's.
    loop = asyncio.get_running_loop()
    limiter = RateLimiter(10)
    real_time = loop.time
    loop.time = lambda: real_time() + 5_000.0  # type: ignore[method-assign]
    try:
        assert limiter._clock() >= 5_000.0 + real_time() - 1.0
        assert limiter.try_acquire()
        assert not limiter.try_acquire()  # the next slot is 0.1 s away in loop time
    finally:
        del loop.time
