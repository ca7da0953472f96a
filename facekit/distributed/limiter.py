"""RedisRateLimiter: one Face resource's rate, shared by every process that talks to it.

The decision is the generic cell rate algorithm (the one redis-cell implements), run as
one Lua script so that reserving a slot is atomic across processes and hosts, on Redis's
own clock. A second key holds the gate: a 429 seen by any process closes it for all of
them until the service's Retry-After has passed, and slots reserved before it are void.
"""

from __future__ import annotations

import hashlib
import logging
import math
from typing import Any

import anyio
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from .._closing import AsyncClosing
from ..errors import FaceConnectionError, FaceValidationError
from ..ratelimit import ArrivalLine, Limiter

__all__ = ["RedisRateLimiter", "SharedLimitUnavailableError"]

logger = logging.getLogger("facekit.distributed")

# KEYS[1]: theoretical arrival time (µs, Redis clock); KEYS[2]: gate open time (µs).
# ARGV[1]: interval µs; ARGV[2]: tolerance µs (burst); ARGV[3]: pause µs to apply (0: none);
# ARGV[4]: "reserve" or "check".
# Returns {granted, wait µs}: granted 1 = a slot starting after `wait`; 0 = the gate is
# closed for `wait` more (nothing reserved).
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local pause = tonumber(ARGV[3])
local gate = tonumber(redis.call('GET', KEYS[2]) or '0')
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if pause > 0 and now + pause > gate then
  gate = now + pause
  redis.call('SET', KEYS[2], string.format('%.0f', gate), 'PX', math.ceil(pause / 1000) + 1000)
  if tat < gate then
    tat = gate
    redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil(pause / 1000) + 1000)
  end
end
if gate > now then
  return {0, gate - now}
end
if ARGV[4] == 'check' then
  return {1, 0}
end
local arrival = math.max(tat, now)
local start = math.max(now, arrival - tolerance)
local new_tat = arrival + interval
redis.call('SET', KEYS[1], string.format('%.0f', new_tat),
           'PX', math.ceil((new_tat - now) / 1000) + 1000)
return {1, start - now}
"""


class SharedLimitUnavailableError(FaceConnectionError):
    """Redis, which holds the shared rate limit, could not be reached; nothing was sent."""


def _check_rate(rate: float, burst: int) -> None:
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not math.isfinite(rate):
        raise FaceValidationError("rate", "must be a positive, finite number per second")
    if not rate > 0:
        raise FaceValidationError("rate", "must be a positive, finite number per second")
    if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
        raise FaceValidationError("burst", "must be an integer of at least 1")


def resource_key(resource: str, prefix: str = "facekit:rate") -> str:
    """The Redis key stem of one Face resource (a hash tag keeps both keys in one slot)."""
    if not isinstance(resource, str) or not resource.strip():
        raise FaceValidationError("resource", "name the Face resource, e.g. its endpoint URL")
    normal = resource.strip().rstrip("/").lower()
    digest = hashlib.sha256(normal.encode()).hexdigest()[:20]
    return f"{prefix}:{{{digest}}}"


class RedisRateLimiter(AsyncClosing):
    """The RateLimiter interface (acquire, 429 pause, burst) with its state on Redis.

    `redis` is a URL (`redis://host:6379/0`, owned and closed by this limiter) or a
    `redis.asyncio.Redis` you own. `resource` names the Face resource (its endpoint URL):
    limiters with the same Redis and resource share one rate, others are independent.
    Give every process the resource's whole rate (S0: 10/s); together they keep it.

    If Redis cannot be reached, `acquire()` raises SharedLimitUnavailableError (a
    FaceConnectionError) and nothing is sent, unless a `fallback` limiter is given: then
    that local limiter is used until Redis answers again (choose a conservative rate,
    e.g. the resource's rate divided by the number of processes), with a warning logged.
    """

    def __init__(
        self,
        redis: str | aioredis.Redis,
        *,
        resource: str,
        rate: float = 10.0,
        burst: int = 1,
        fallback: Limiter | None = None,
        timeout: float = 2.0,
        prefix: str = "facekit:rate",
    ) -> None:
        _check_rate(rate, burst)
        if fallback is not None and not isinstance(fallback, Limiter):
            raise FaceValidationError("fallback", "must be a RateLimiter (or another Limiter)")
        if isinstance(redis, str):
            if not redis.startswith(("redis://", "rediss://", "unix://")):
                raise FaceValidationError(
                    "redis", "must be a redis://, rediss:// or unix:// URL, or a Redis client"
                )
            self._redis = aioredis.Redis.from_url(
                redis, socket_timeout=timeout, socket_connect_timeout=timeout
            )
            self._owned = True
        elif isinstance(redis, aioredis.Redis):
            self._redis = redis
            self._owned = False
        else:
            raise FaceValidationError("redis", "must be a redis:// URL or a redis.asyncio.Redis")
        stem = resource_key(resource, prefix)
        self._keys = [f"{stem}:tat", f"{stem}:gate"]
        self._script = self._redis.register_script(_SCRIPT)
        self._interval_us = round(1_000_000 / rate)
        self._tolerance_us = (burst - 1) * self._interval_us
        self._fallback = fallback
        self._line = ArrivalLine()
        self._local_gate = float("-inf")
        self._pending_pause_us = 0
        self._warned = False
        self.rate = rate
        self.burst = burst
        self.resource = resource

    async def _call(self, pause_us: int, mode: str) -> tuple[bool, float]:
        reply: Any = await self._script(
            keys=self._keys, args=[self._interval_us, self._tolerance_us, pause_us, mode]
        )
        granted, wait_us = int(reply[0]), int(reply[1])
        return granted == 1, max(wait_us, 0) / 1_000_000

    def pause(self, seconds: float) -> None:
        """Close the gate for `seconds` here at once, and for every process at the next call.

        The shared gate is written at the start of this limiter's next `acquire()` (the
        retry that follows a 429 makes one at once) or at `aclose()`, so no task is left
        running in the background.
        """
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise FaceValidationError("seconds", "must be a number of seconds")
        if seconds != seconds or seconds <= 0:
            return
        seconds = min(seconds, 3600.0)
        self._local_gate = max(self._local_gate, anyio.current_time() + seconds)
        self._pending_pause_us = max(self._pending_pause_us, round(seconds * 1_000_000))

    @property
    def paused_for(self) -> float:
        """Seconds until this process's gate opens (the shared one may close it longer)."""
        return max(self._local_gate - anyio.current_time(), 0.0)

    def expected_wait(self) -> float:
        """A lower bound of what an `acquire()` starting now would wait (nothing is asked).

        Only this process's state is known without asking Redis: its gate, and the
        callers in line here beyond a burst. Other processes can only make it longer.
        """
        ahead = max(len(self._line) + 1 - self.burst, 0)
        return self.paused_for + ahead * self._interval_us / 1_000_000

    async def acquire(self) -> None:
        """Wait for the shared gate and a shared slot; callers of this process in order."""
        async with self._line.turn():
            await self._acquire_head()

    async def _push_pause(self) -> None:
        """Hand a 429 pause seen here to every process (kept for later if Redis is away)."""
        pause_us = self._pending_pause_us
        if not pause_us:
            return
        try:
            await self._call(pause_us, "check")
        except (RedisError, OSError):
            return
        if self._pending_pause_us == pause_us:
            self._pending_pause_us = 0

    async def _acquire_head(self) -> None:
        while True:
            await self._push_pause()
            local = self.paused_for
            if local > 0:
                await anyio.sleep(local)
                continue
            try:
                granted, wait = await self._call(0, "reserve")
            except (RedisError, OSError) as exc:
                await self._unavailable(exc)
                return
            if self._warned:
                logger.warning("the shared rate limit on Redis answers again")
                self._warned = False
            if not granted:
                await anyio.sleep(wait)
                continue
            if wait <= 0:
                return
            await anyio.sleep(wait)
            # A 429 elsewhere while we slept voids our slot: check the gate once more.
            try:
                open_now, closed_for = await self._call(0, "check")
            except (RedisError, OSError) as exc:
                await self._unavailable(exc)
                return
            if open_now and self.paused_for == 0:
                return
            await anyio.sleep(closed_for)

    async def _unavailable(self, exc: BaseException) -> None:
        what = f"{type(exc).__name__}: {exc}"[:200]
        if self._fallback is None:
            raise SharedLimitUnavailableError(
                f"the shared rate limit on Redis cannot be reached ({what}); nothing was sent"
            ) from None
        if not self._warned:
            self._warned = True
            logger.warning(
                "the shared rate limit on Redis cannot be reached (%s); using the local "
                "fallback limiter until it answers",
                what,
            )
        await self._fallback.acquire()

    async def aclose(self) -> None:
        """Hand a pending 429 pause to Redis, then close the connection this limiter opened."""
        await self._push_pause()
        self._pending_pause_us = 0
        if self._owned:
            await self._redis.aclose()

    def __repr__(self) -> str:
        return f"RedisRateLimiter(resource={self.resource!r}, rate={self.rate:g}/s)"
