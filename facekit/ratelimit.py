"""A fair client-side rate limiter with a gate that closes for everyone after a 429."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Protocol, runtime_checkable

import anyio

from .errors import FaceValidationError

__all__ = ["ArrivalLine", "Limiter", "RateLimiter", "WaitEstimator", "estimated_wait"]


@runtime_checkable
class Limiter(Protocol):
    """What a client needs of a rate limiter (RateLimiter here, RedisRateLimiter across hosts).

    `acquire()` is awaited before every attempt; `pause(seconds)` is called after a 429
    with the wait the service asked for, and must hold every caller back until then.
    """

    async def acquire(self) -> None:
        """Wait until this caller may send one request."""
        ...

    def pause(self, seconds: float) -> None:
        """Hold every caller back for `seconds` (the service answered 429)."""
        ...


@runtime_checkable
class WaitEstimator(Protocol):
    """A limiter that can tell how long an `acquire()` starting now would wait.

    Optional beyond `Limiter`: coalesced identify keeps a batch open no longer than this
    (a limiter without it: the configured window). An estimate that errs short is safe.
    """

    def expected_wait(self) -> float:
        """Seconds an `acquire()` starting now would wait; nothing is reserved."""
        ...


def estimated_wait(
    now: float,
    *,
    theoretical_arrival: float,
    tolerance: float,
    interval: float,
    gate_open_at: float,
    queued: int,
) -> float:
    """Seconds a caller arriving at `now` would wait for its slot (pure, reserves nothing).

    `queued` callers are in line ahead of it; the one at the head may already hold its
    slot (then the estimate is one interval short, which errs on the safe side).
    """
    arrival = max(theoretical_arrival, now, gate_open_at) + max(queued - 1, 0) * interval
    start = max(now, arrival - tolerance, gate_open_at)
    return start - now


def _event_loop_time() -> float:
    """anyio.current_time(), read straight from a running asyncio loop.

    Under asyncio both are the loop's time(), which a loop with a virtual clock (in
    tests) moves on its own; anyio first finds out which library runs (a few sniffing
    calls per request). Under another library, anyio answers.
    """
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:
        return anyio.current_time()


class ArrivalLine:
    """Callers in arrival order: only the one at the head goes on, then hands over.

    `async with line.turn():` waits until every caller that came earlier has left its
    turn; leaving (also by cancellation) lets the next one in.
    """

    def __init__(self) -> None:
        self._waiting: deque[anyio.Event] = deque()

    def __len__(self) -> int:
        """Callers in the line, the one holding its head included."""
        return len(self._waiting)

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold the head of the line for the body of the `async with`."""
        mine = anyio.Event()
        self._waiting.append(mine)
        try:
            if self._waiting[0] is not mine:
                await mine.wait()
            yield
        finally:
            # Also when cancelled: the next caller in line must not wait for us.
            first = self._waiting[0] is mine
            self._waiting.remove(mine)
            if first and self._waiting:
                self._waiting[0].set()


class RateLimiter:
    """Spaces requests to `rate` per second, first come first served, bursts up to `burst`.

    The decision is a pure generic cell rate algorithm (`reserve`, `pause`); `acquire` is a
    thin async wrapper that lines callers up in arrival order and lets only the first of the
    line reserve a slot. After a 429, `pause(seconds)` closes the gate: everyone waits until
    the service's Retry-After has passed, and the line keeps its order across the pause (a
    slot voided by the pause is taken again by the same caller, at the head). One limiter
    may be shared by any number of clients on one event loop.
    """

    #: Face S0 tier: 10 transactions per second.
    S0_RATE = 10.0
    #: Face F0 (free) tier: 20 transactions per minute.
    F0_RATE = 20.0 / 60.0

    def __init__(
        self,
        rate: float = S0_RATE,
        *,
        burst: int = 1,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if (
            isinstance(rate, bool)
            or not isinstance(rate, int | float)
            or not rate > 0
            or rate == float("inf")
        ):
            raise FaceValidationError("rate", "must be a positive, finite number per second")
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise FaceValidationError("burst", "must be an integer of at least 1")
        self._interval = 1.0 / rate
        self._tolerance = (burst - 1) * self._interval
        self._clock = clock or _event_loop_time
        self._theoretical_arrival = float("-inf")
        self._gate_open_at = float("-inf")
        self._line = ArrivalLine()
        self.rate = rate
        self.burst = burst

    @classmethod
    def for_tier(cls, tier: str) -> RateLimiter:
        """A limiter at the documented rate of a Face pricing tier ("F0" or "S0")."""
        rates = {"F0": cls.F0_RATE, "S0": cls.S0_RATE}
        rate = rates.get(tier.upper()) if isinstance(tier, str) else None
        if rate is None:
            raise FaceValidationError(
                "tier", f"unknown tier {tier!r}; expected one of {sorted(rates)}"
            )
        return cls(rate)

    def reserve(self, now: float) -> float:
        """Take the next slot; return how long after `now` it starts."""
        arrival = max(self._theoretical_arrival, now)
        start = max(now, arrival - self._tolerance)
        self._theoretical_arrival = arrival + self._interval
        return start - now

    def pause(self, seconds: float) -> None:
        """Close the gate for `seconds` (a 429's Retry-After); pauses every caller."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise FaceValidationError("seconds", "must be a number of seconds")
        if seconds != seconds:  # NaN: no wait was given
            return
        until = self._clock() + max(seconds, 0.0)
        if until > self._gate_open_at:
            self._gate_open_at = until
            # Slots reserved before the 429 are void; restart spacing when the gate opens.
            self._theoretical_arrival = max(self._theoretical_arrival, until)

    @property
    def paused_for(self) -> float:
        """Seconds until the gate opens (0 when open)."""
        return max(self._gate_open_at - self._clock(), 0.0)

    def expected_wait(self) -> float:
        """Seconds an `acquire()` starting now would wait (an estimate; nothing is reserved)."""
        return estimated_wait(
            self._clock(),
            theoretical_arrival=self._theoretical_arrival,
            tolerance=self._tolerance,
            interval=self._interval,
            gate_open_at=self._gate_open_at,
            queued=len(self._line),
        )

    def try_acquire(self) -> bool:
        """Take a slot that starts now if nobody is in line and the gate is open.

        A caller that gets one has nothing to wait for, so it need not line up or await;
        anyone already in line keeps its turn (False: await `acquire()` instead).
        """
        if self._line._waiting:
            return False
        now = self._clock()
        if self._gate_open_at > now:
            return False
        arrival = max(self._theoretical_arrival, now)
        if arrival - self._tolerance > now:
            return False
        self._theoretical_arrival = arrival + self._interval
        return True

    async def acquire(self) -> None:
        """Wait for the gate and for this caller's slot, in arrival order."""
        if self.try_acquire():
            return
        async with self._line.turn():
            while True:
                gate = self.paused_for
                if gate > 0:
                    await anyio.sleep(gate)
                    continue
                wait = self.reserve(self._clock())
                if wait > 0:
                    await anyio.sleep(wait)
                # A 429 seen by someone else while we slept voids our slot: we still hold
                # the head of the line, so we wait and reserve again before anyone else.
                if self.paused_for == 0:
                    return

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate:g}/s, burst={self.burst})"
