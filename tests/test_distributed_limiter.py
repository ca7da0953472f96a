"""RedisRateLimiter on a real redis-server: shared rate, shared 429 pause, outages."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from facekit import FaceClient, FaceConnectionError, KeyCredential, RateLimiter
from facekit.distributed import RedisRateLimiter, SharedLimitUnavailableError
from facekit.emulator import EmulatorSettings, FaceEmulator
from facekit.errors import FaceValidationError

from .redis_server import RedisServer, free_port, running_redis


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture
async def limiter_pair(redis: RedisServer) -> AsyncIterator[tuple[RedisRateLimiter, ...]]:
    resource = f"https://test-{time.monotonic_ns()}.cognitiveservices.azure.com"
    one = RedisRateLimiter(redis.url, resource=resource, rate=20)
    two = RedisRateLimiter(redis.url, resource=resource, rate=20)
    async with one, two:
        yield one, two


async def test_two_limiters_of_one_resource_share_its_rate(
    limiter_pair: tuple[RedisRateLimiter, RedisRateLimiter],
) -> None:
    one, two = limiter_pair
    stamps: list[float] = []

    async def take(limiter: RedisRateLimiter, count: int) -> None:
        for _ in range(count):
            await limiter.acquire()
            stamps.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(take(one, 10), take(two, 10))
    elapsed = time.monotonic() - started
    # 20 slots at 20/s, one limiter's rate shared by two: ~0.95 s, not ~0.45 s.
    assert elapsed >= 19 / 20 * 0.9
    gaps = [b - a for a, b in zip(sorted(stamps), sorted(stamps)[1:], strict=False)]
    assert min(gaps) > 0.5 / 20


async def test_resources_are_namespaced(redis: RedisServer) -> None:
    async with (
        RedisRateLimiter(redis.url, resource="https://a.example", rate=5) as a,
        RedisRateLimiter(redis.url, resource="https://b.example", rate=5) as b,
    ):
        started = time.monotonic()
        await asyncio.gather(*(x.acquire() for x in (a, b, a, b)))
        # Two per resource at 5/s: 0.2 s, not the 0.6 s four slots of one resource take.
        assert time.monotonic() - started < 0.45


async def test_a_429_seen_by_one_pauses_the_other(
    limiter_pair: tuple[RedisRateLimiter, RedisRateLimiter],
) -> None:
    one, two = limiter_pair
    await one.acquire()
    one.pause(0.6)
    # The pause reaches Redis with `one`'s next call (the retry after a 429 makes one).
    waiting = asyncio.create_task(one.acquire())
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await two.acquire()
    assert time.monotonic() - started >= 0.45
    await waiting


async def test_a_slot_reserved_before_a_pause_is_void(
    limiter_pair: tuple[RedisRateLimiter, RedisRateLimiter],
) -> None:
    one, two = limiter_pair
    for _ in range(5):
        await one.acquire()  # the next free slot is now 0.25 s ahead
    started = time.monotonic()
    later = asyncio.create_task(two.acquire())
    await asyncio.sleep(0.05)
    one.pause(0.8)
    await one.acquire()  # carries the pause to Redis, then waits it out too
    await later
    assert time.monotonic() - started >= 0.7


async def test_burst_lets_that_many_through_at_once(redis: RedisServer) -> None:
    async with RedisRateLimiter(redis.url, resource="https://burst.example", rate=2, burst=4) as b:
        started = time.monotonic()
        for _ in range(4):
            await b.acquire()
        assert time.monotonic() - started < 0.3
        await b.acquire()
        assert time.monotonic() - started >= 0.35


async def test_callers_of_one_process_keep_their_order(redis: RedisServer) -> None:
    order: list[int] = []
    async with RedisRateLimiter(redis.url, resource="https://order.example", rate=50) as limiter:

        async def caller(n: int) -> None:
            await limiter.acquire()
            order.append(n)

        tasks = []
        for n in range(12):
            tasks.append(asyncio.create_task(caller(n)))
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)
    assert order == list(range(12))


async def test_an_unreachable_redis_is_a_face_error_and_nothing_is_sent() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    async with FaceEmulator() as emu:
        limiter = RedisRateLimiter(url, resource=emu.endpoint, timeout=0.5)
        async with (
            limiter,
            FaceClient(emu.endpoint, KeyCredential(emu.key), rate_limiter=limiter) as face,
        ):
            with pytest.raises(SharedLimitUnavailableError, match="cannot be reached") as caught:
                await face.person_groups.list().collect()
        assert isinstance(caught.value, FaceConnectionError)
        assert "nothing was sent" in str(caught.value)
        assert emu.log.count() == 0


async def test_a_fallback_limiter_carries_on_while_redis_is_away() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    fallback = RateLimiter(5)
    async with RedisRateLimiter(
        url, resource="https://x.example", fallback=fallback, timeout=0.5
    ) as limiter:
        started = time.monotonic()
        for _ in range(3):
            await limiter.acquire()
        # The fallback's own pace: 5/s.
        assert time.monotonic() - started >= 0.35


async def test_the_limit_holds_again_when_redis_comes_back() -> None:
    server = RedisServer()
    server.start()
    try:
        async with RedisRateLimiter(
            server.url, resource="https://back.example", rate=50
        ) as limiter:
            await limiter.acquire()
            server.stop()
            with pytest.raises(SharedLimitUnavailableError):
                await limiter.acquire()
            server.start()
            await limiter.acquire()
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"redis": "http://localhost:6379"}, "redis://"),
        ({"redis": 42}, "redis"),
        ({"rate": 0}, "rate"),
        ({"rate": float("inf")}, "rate"),
        ({"burst": 0}, "burst"),
        ({"resource": ""}, "resource"),
        ({"fallback": "local"}, "fallback"),
    ],
)
def test_bad_arguments_are_refused(arguments: dict[str, object], message: str) -> None:
    settings: dict[str, object] = {"redis": "redis://127.0.0.1:1/0", "resource": "https://r"}
    settings.update(arguments)
    redis_url = settings.pop("redis")
    with pytest.raises(FaceValidationError, match=message):
        RedisRateLimiter(redis_url, **settings)  # type: ignore[arg-type]


PROCESS = textwrap.dedent(
    """
    import asyncio, sys, time
    from facekit import FaceClient, KeyCredential, RateLimiter
    from facekit.errors import RateLimitError

    async def main():
        endpoint, key, redis_url, shared, seconds = sys.argv[1:6]
        if shared == "1":
            from facekit.distributed import RedisRateLimiter
            limiter = RedisRateLimiter(redis_url, resource=endpoint, rate=20)
        else:
            limiter = RateLimiter(20)
        async with FaceClient(endpoint, KeyCredential(key), rate_limiter=limiter,
                              max_retries=0) as face:
            end = time.monotonic() + float(seconds)
            ok = throttled = 0

            async def worker():
                nonlocal ok, throttled
                while time.monotonic() < end:
                    try:
                        await face.person_groups.list().collect()
                        ok += 1
                    except RateLimitError:
                        throttled += 1

            await asyncio.gather(*(worker() for _ in range(8)))
        if shared == "1":
            await limiter.aclose()
        print(ok, throttled)

    asyncio.run(main())
    """
)


@pytest.mark.parametrize("shared", [True, False])
async def test_two_processes_stay_at_the_resources_rate_together(
    redis: RedisServer, shared: bool
) -> None:
    async with FaceEmulator(settings=EmulatorSettings(rate_limit=22)) as emu:
        seconds = "3"
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                PROCESS,
                emu.endpoint,
                emu.key,
                redis.url,
                "1" if shared else "0",
                seconds,
                stdout=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        outputs = [await p.communicate() for p in processes]
        counts = [tuple(map(int, out.split())) for out, _err in outputs]
        answered = [r for r in emu.log.requests if r.operation == "PersonGroup_List"]
        emu_peak = emu.log.peak_rate(1.0, "PersonGroup_List")
    throttled = emu.log.count(status=429)
    if shared:
        # One shared 20/s under a service limit of 22/s: no 429 at all.
        assert throttled == 0, counts
        # Any second of the run, both processes together: at most the shared 20 (+1 for
        # where the window's edges fall).
        assert emu_peak <= 21, emu_peak
    else:
        # Each process alone at 20/s: together 40/s, and the service throttles (each
        # process then pauses for its Retry-After, so a few 429s are enough to show it).
        assert throttled >= 1, counts
    assert len(answered) > 30
