"""The decisions of coalesced identify, as tables (no event loop, no I/O)."""

from __future__ import annotations

import math

import pytest

from facekit._coalesce_plan import (
    MAX_FACES,
    SplitPlan,
    assign,
    distinct_ids,
    fits,
    plan_after_error,
    window_for,
)
from facekit.distributed import RedisRateLimiter
from facekit.ratelimit import Limiter, RateLimiter, WaitEstimator, estimated_wait

A, B, C, D = (f"{n}0000000-0000-0000-0000-000000000000" for n in "abcd")


def ids(count: int) -> list[list[str]]:
    return [[f"{i:08d}-0000-0000-0000-000000000000"] for i in range(count)]


@pytest.mark.parametrize(
    ("configured", "expected_wait", "window"),
    [
        (0.005, 1.0, 0.005),  # the limiter makes it wait longer anyway: the whole window
        (0.005, 0.002, 0.002),  # never longer than the limiter's wait
        (0.005, 0.0, 0.0),  # an idle limiter: no wait at all
        (5.0, 0.0, 0.0),
        (0.005, None, 0.005),  # a limiter that cannot tell: the configured window
        (0.005, -1.0, 0.0),
        (0.005, math.inf, 0.005),
        (0.0, 3.0, 0.0),
    ],
)
def test_window_is_the_configured_one_but_never_longer_than_the_limiter_wait(
    configured: float, expected_wait: float | None, window: float
) -> None:
    assert window_for(configured, expected_wait) == window


def test_distinct_ids_keep_arrival_order_and_fold_case() -> None:
    assert distinct_ids([[A, B], [B.upper(), C], [A]]) == [A, B, C]


@pytest.mark.parametrize(
    ("batch", "joining", "expected"),
    [
        ([[A]] * 1, [B], True),
        (ids(9), [A], True),
        (ids(10), [A], False),
        # A face already in the batch costs nothing.
        (ids(10), ["00000003-0000-0000-0000-000000000000"], True),
        # A caller's several faces join whole or not at all.
        (ids(8), [A, B, C], False),
        (ids(7), [A, B, C], True),
    ],
)  # fmt: skip
def test_a_caller_fits_while_the_batch_stays_within_ten_distinct_faces(
    batch: list[list[str]], joining: list[str], expected: bool
) -> None:
    assert fits(batch, joining) is expected
    assert MAX_FACES == 10


def test_each_caller_gets_its_own_results_in_its_own_order() -> None:
    results = [(C, "c"), (A.upper(), "a"), (B, "b")]
    assert assign([[A], [C, B], [B], [D]], results) == [["a"], ["c", "b"], ["b"], None]


def test_a_reply_naming_a_face_twice_answers_nobody_who_sent_it() -> None:
    # Which of two results is the caller's cannot be told: malformed, not a guess.
    assert assign([[A], [B]], [(A, "first"), (B, "b"), (A.upper(), "second")]) == [None, ["b"]]


@pytest.mark.parametrize(
    ("callers", "status", "code", "message", "plan"),
    [
        # Not about one face: everyone gets it, as without coalescing.
        ([[A], [B], [C]], 400, "PersonGroupNotFound", "Person group is not found.",
         SplitPlan(fail=(0, 1, 2))),
        ([[A], [B]], 401, "401", "Access denied.", SplitPlan(fail=(0, 1))),
        ([[A], [B]], 429, None, "Rate limit is exceeded.", SplitPlan(fail=(0, 1))),
        ([[A], [B]], None, None, "", SplitPlan(fail=(0, 1))),  # no reply at all
        ([[A], [B]], 400, "PersonGroupNotTrained", "Person group not trained.",
         SplitPlan(fail=(0, 1))),
        ([[A], [B]], 400, "BadArgument", "Person group ID is invalid.", SplitPlan(fail=(0, 1))),
        # About one face, which the message names: that caller fails, the rest go again.
        ([[A], [B], [C]], 400, "FaceNotFound", f"Face {B} is not found.",
         SplitPlan(fail=(1,), resend=((0, 2),))),
        ([[A], [B, C], [D]], 400, "FaceNotFound", f"Face {C.upper()} is not found.",
         SplitPlan(fail=(1,), resend=((0, 2),))),
        # ... which it does not name: halve, down to single callers.
        ([[A], [B], [C]], 400, "FaceNotFound", "Face is not found.",
         SplitPlan(fail=(), resend=((0,), (1, 2)))),
        ([[A], [B], [C], [D]], 404, "FaceNotFound", "Face is not found.",
         SplitPlan(fail=(), resend=((0, 1), (2, 3)))),
        ([[A], [B]], 400, "BadArgument", "Face ID is invalid.",
         SplitPlan(fail=(), resend=((0,), (1,)))),
        ([[A], [B]], 400, "BadArgument", "'recognitionModel' is incompatible.",
         SplitPlan(fail=(), resend=((0,), (1,)))),
        # About the recognition model: often every face's, so each caller alone (what it
        # would have cost without coalescing), not halves (up to twice that).
        ([[A], [B], [C], [D]], 400, "BadArgument", "'recognitionModel' is incompatible.",
         SplitPlan(fail=(), resend=((0,), (1,), (2,), (3,)))),
        # A single caller gets its own answer.
        ([[A]], 400, "FaceNotFound", "Face is not found.", SplitPlan(fail=(0,))),
        ([[A, B]], 400, "FaceNotFound", f"Face {A} is not found.", SplitPlan(fail=(0,))),
        # Every caller named: nothing left to resend, so halve to find out.
        ([[A], [B]], 400, "FaceNotFound", f"Faces {A} and {B} are not found.",
         SplitPlan(fail=(), resend=((0,), (1,)))),
    ],
)  # fmt: skip
def test_a_refused_batch_fails_only_the_callers_the_error_is_about(
    callers: list[list[str]], status: int | None, code: str | None, message: str, plan: SplitPlan
) -> None:
    assert plan_after_error(callers, status, code, message) == plan


def test_bisecting_reaches_the_one_bad_caller_in_few_requests() -> None:
    """One bad face among ten, unnamed: the bad caller alone fails, in <= 2*log2(10)+1 sends."""
    callers = ids(10)
    bad = 6
    sent = 0
    failed: list[int] = []
    pending = [tuple(range(10))]
    while pending:
        group = pending.pop()
        sent += 1
        if bad not in group:
            continue
        subset = [callers[i] for i in group]
        plan = plan_after_error(subset, 400, "FaceNotFound", "Face is not found.")
        failed += [group[i] for i in plan.fail]
        pending += [tuple(group[i] for i in part) for part in plan.resend]
    assert failed == [bad]
    assert sent <= 1 + 2 * math.ceil(math.log2(10))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_expected_wait_reserves_nothing_and_follows_the_spacing() -> None:
    clock = Clock()
    limiter = RateLimiter(10, clock=clock)
    assert limiter.expected_wait() == 0.0
    assert limiter.reserve(clock.now) == 0.0
    assert limiter.expected_wait() == pytest.approx(0.1)
    assert limiter.expected_wait() == pytest.approx(0.1)  # asking again changes nothing
    assert limiter.reserve(clock.now) == pytest.approx(0.1)
    assert limiter.expected_wait() == pytest.approx(0.2)
    limiter.pause(3.0)
    assert limiter.expected_wait() == pytest.approx(3.0)
    clock.now += 5
    assert limiter.expected_wait() == 0.0


@pytest.mark.parametrize(
    ("queued", "tolerance", "gate", "wait"),
    [
        (0, 0.0, 0.0, 0.5),  # the slot after the last reserved one
        (1, 0.0, 0.0, 0.5),  # the head of the line may hold that slot already
        (3, 0.0, 0.0, 0.7),  # two more in line, each a slot ahead
        (3, 0.2, 0.0, 0.5),  # a burst lets some go sooner
        (0, 0.0, 2.0, 2.0),  # the gate closed after a 429
    ],
)
def test_estimated_wait_counts_the_callers_in_line(
    queued: int, tolerance: float, gate: float, wait: float
) -> None:
    got = estimated_wait(
        10.0,
        theoretical_arrival=10.5,
        tolerance=tolerance,
        interval=0.1,
        gate_open_at=10.0 + gate,
        queued=queued,
    )
    assert got == pytest.approx(wait)


async def test_the_redis_limiter_tells_a_lower_bound_without_asking_redis() -> None:
    limiter = RedisRateLimiter("redis://127.0.0.1:9/0", resource="https://x.example", rate=10)
    try:
        assert isinstance(limiter, Limiter)
        assert isinstance(limiter, WaitEstimator)
        assert limiter.expected_wait() == 0.0
        limiter.pause(2.0)
        assert 1.9 < limiter.expected_wait() <= 2.0
    finally:
        limiter._pending_pause_us = 0  # nothing to hand over: Redis is not there
        await limiter.aclose()
