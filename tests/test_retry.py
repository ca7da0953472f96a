"""Retry decisions: what is retried, how long facekit waits, and how it reads Retry-After.

Everything here is a pure function, so the tests need no event loop and no network.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from facekit import RetryPolicy
from facekit._retry import (
    TransportFailure,
    backoff_delay,
    gate_pause,
    is_ambiguous,
    retry_after_seconds,
    retry_delay,
    should_retry,
)

NOT_SENT = TransportFailure.NOT_SENT
AMBIGUOUS = TransportFailure.AMBIGUOUS

POLICY = RetryPolicy(max_retries=3, backoff_base=0.5, backoff_max=10.0, max_retry_after=60.0)


def frozen(value: float):
    return lambda: value


# -- should_retry ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "idempotent", "expected"),
    [
        # A connection that was never made cannot have changed anything: always safe.
        (NOT_SENT, True, True),
        (NOT_SENT, False, True),
        # A broken connection may have delivered the request: only idempotent calls retry.
        (AMBIGUOUS, True, True),
        (AMBIGUOUS, False, False),
    ],
    ids=["not-sent-idempotent", "not-sent-not-idempotent", "ambiguous-idempotent", "ambiguous-not"],
)
def test_should_retry_transport_failures(
    failure: TransportFailure, idempotent: bool, expected: bool
) -> None:
    assert should_retry(failure=failure, idempotent=idempotent) is expected


# (status, code, retried when idempotent, retried when not idempotent)
STATUS_TABLE = [
    (400, "BadArgument", False, False),
    (401, "401", False, False),
    (403, "QuotaExceeded", False, False),
    (404, "PersonGroupNotFound", False, False),
    (408, None, True, False),
    (409, "ConcurrentOperationConflict", True, True),
    (409, "PersonGroupExists", False, False),
    (409, None, False, False),
    (415, "BadArgument", False, False),
    (429, "429", True, True),
    (500, None, True, False),
    (501, None, False, False),
    (502, None, True, False),
    (503, None, True, False),
    (504, None, True, False),
    (505, None, False, False),
]


@pytest.mark.parametrize(
    ("status", "code", "idempotent", "expected"),
    [
        pytest.param(status, code, idempotent, expected, id=f"{status}-{code}-{label}")
        for status, code, when_idempotent, when_not in STATUS_TABLE
        for idempotent, expected, label in (
            (True, when_idempotent, "idempotent"),
            (False, when_not, "not-idempotent"),
        )
    ],
)
def test_should_retry_http_statuses(
    status: int, code: str | None, idempotent: bool, expected: bool
) -> None:
    assert should_retry(status=status, code=code, idempotent=idempotent) is expected


def test_should_retry_refuses_when_there_is_neither_status_nor_failure() -> None:
    assert should_retry(idempotent=True) is False


# -- is_ambiguous ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "failure", "expected"),
    [
        (None, NOT_SENT, False),
        (None, AMBIGUOUS, True),
        (408, None, True),
        (500, None, True),
        (502, None, True),
        (503, None, True),
        (504, None, True),
        (400, None, False),
        (404, None, False),
        (409, None, False),
        (429, None, False),
        (None, None, False),
        # The transport failure decides when both are given.
        (500, NOT_SENT, False),
    ],
)
def test_is_ambiguous(status: int | None, failure: TransportFailure | None, expected: bool) -> None:
    assert is_ambiguous(status=status, failure=failure) is expected


# -- backoff_delay --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempt", "rand", "expected"),
    [
        # Step 0.5 s: half kept, half jittered.
        (1, 0.0, 0.25),
        (1, 0.5, 0.375),
        (1, 0.999, 0.49975),
        # Step 1 s, 2 s, 4 s, 8 s.
        (2, 0.0, 0.5),
        (3, 0.0, 1.0),
        (4, 0.5, 3.0),
        (5, 0.999, 7.996),
        # Step capped at backoff_max = 10 s.
        (6, 0.0, 5.0),
        (6, 0.999, 9.995),
        (30, 0.5, 7.5),
    ],
)
def test_backoff_delay_exact_values(attempt: int, rand: float, expected: float) -> None:
    assert backoff_delay(attempt, POLICY, frozen(rand)) == pytest.approx(expected)


@pytest.mark.parametrize("rand", [0.0, 0.5, 0.999])
def test_backoff_delay_doubles_each_attempt_until_the_cap(rand: float) -> None:
    delays = [backoff_delay(attempt, POLICY, frozen(rand)) for attempt in range(1, 6)]
    for earlier, later in itertools.pairwise(delays):
        assert later == pytest.approx(2 * earlier)


@pytest.mark.parametrize("rand", [0.0, 0.5, 0.999])
def test_backoff_delay_never_exceeds_backoff_max(rand: float) -> None:
    delays = [backoff_delay(attempt, POLICY, frozen(rand)) for attempt in range(1, 40)]
    assert max(delays) <= POLICY.backoff_max
    assert delays[-1] == delays[-2]


def test_backoff_delay_stays_capped_for_very_high_attempt_numbers() -> None:
    # A policy may allow thousands of retries; the delay must stay at the cap, not overflow.
    policy = RetryPolicy(max_retries=5000, backoff_base=0.5, backoff_max=10.0)
    assert backoff_delay(2000, policy, frozen(0.0)) == pytest.approx(5.0)
    assert retry_delay(2000, policy, None, frozen(0.0)) == pytest.approx(5.0)


@pytest.mark.parametrize("attempt", range(1, 12))
def test_backoff_delay_keeps_half_the_step_so_it_is_never_zero(attempt: int) -> None:
    step = min(POLICY.backoff_max, POLICY.backoff_base * 2 ** (attempt - 1))
    assert backoff_delay(attempt, POLICY, frozen(0.0)) == pytest.approx(step / 2)
    assert backoff_delay(attempt, POLICY, frozen(0.0)) > 0


# -- retry_delay ----------------------------------------------------------------------------


@pytest.mark.parametrize(("attempt", "gives_up"), [(1, False), (3, False), (4, True), (10, True)])
def test_retry_delay_gives_none_past_max_retries(attempt: int, gives_up: bool) -> None:
    delay = retry_delay(attempt, POLICY, None, frozen(0.0))
    assert (delay is None) is gives_up


def test_retry_delay_with_zero_max_retries_never_retries() -> None:
    policy = RetryPolicy(max_retries=0)
    assert retry_delay(1, policy, None, frozen(0.0)) is None
    assert retry_delay(1, policy, 1.0, frozen(0.0)) is None


def test_retry_delay_without_retry_after_uses_backoff() -> None:
    assert retry_delay(2, POLICY, None, frozen(0.5)) == backoff_delay(2, POLICY, frozen(0.5))


@pytest.mark.parametrize("retry_after", [0.0, 0.1, 26.0, 60.0])
def test_retry_delay_retry_after_wins_over_backoff(retry_after: float) -> None:
    assert retry_delay(1, POLICY, retry_after, frozen(0.999)) == retry_after


def test_retry_delay_retry_after_beyond_max_retry_after_gives_none() -> None:
    assert retry_delay(1, POLICY, 60.001, frozen(0.0)) is None
    assert retry_delay(1, POLICY, 3600.0, frozen(0.0)) is None


def test_retry_delay_retry_after_still_obeys_max_retries() -> None:
    assert retry_delay(4, POLICY, 1.0, frozen(0.0)) is None


def test_retry_delay_negative_retry_after_clamps_to_zero() -> None:
    assert retry_delay(1, POLICY, -5.0, frozen(0.5)) == 0.0


# -- retry_after_seconds --------------------------------------------------------------------

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("headers", "message", "expected"),
    [
        pytest.param({"retry-after-ms": "1500"}, None, 1.5, id="retry-after-ms"),
        pytest.param({"x-ms-retry-after-ms": "250"}, None, 0.25, id="x-ms-retry-after-ms"),
        pytest.param({"Retry-After": "26"}, None, 26.0, id="seconds"),
        pytest.param({"Retry-After": "1.5"}, None, 1.5, id="fractional-seconds"),
        pytest.param({"Retry-After": "0"}, None, 0.0, id="zero-seconds"),
        pytest.param(
            {"Retry-After": "Wed, 01 Jan 2025 12:00:30 GMT"}, None, 30.0, id="http-date-future"
        ),
        pytest.param(
            {"Retry-After": "Wed, 01 Jan 2025 11:59:00 GMT"}, None, 0.0, id="http-date-past"
        ),
        pytest.param(
            {"Retry-After": "Wed, 01 Jan 2025 12:00:30 -0000"}, None, 30.0, id="http-date-naive"
        ),
        pytest.param({"Retry-After": "soon"}, None, None, id="invalid-word"),
        pytest.param({"Retry-After": "-3"}, None, None, id="invalid-negative"),
        pytest.param({"Retry-After": "nan"}, None, None, id="invalid-nan"),
        pytest.param({"Retry-After": "inf"}, None, None, id="invalid-inf"),
        pytest.param({"retry-after-ms": "nan"}, None, None, id="invalid-ms-nan"),
        pytest.param({"retry-after-ms": "-100"}, None, None, id="invalid-ms-negative"),
        pytest.param({"RETRY-AFTER": "7"}, None, 7.0, id="upper-case-name"),
        pytest.param({"Retry-After-Ms": "100"}, None, 0.1, id="mixed-case-ms-name"),
        pytest.param({"X-MS-Retry-After-MS": "400"}, None, 0.4, id="mixed-case-x-ms-name"),
        pytest.param(
            {"Retry-After": "26", "retry-after-ms": "500"}, None, 0.5, id="ms-beats-retry-after"
        ),
        pytest.param(
            {"Retry-After": "26", "x-ms-retry-after-ms": "500"},
            None,
            0.5,
            id="x-ms-ms-beats-retry-after",
        ),
        pytest.param(
            {"retry-after-ms": "soon", "Retry-After": "4"},
            None,
            4.0,
            id="invalid-ms-falls-back-to-retry-after",
        ),
        pytest.param(
            {}, "Rate limit is exceeded. Try again in 26 seconds.", 26.0, id="gateway-message"
        ),
        pytest.param(
            {}, "Rate limit is exceeded. Try again in 1 second.", 1.0, id="gateway-singular"
        ),
        pytest.param(
            {}, "Rate limit is exceeded. Try again in 500 milliseconds.", 0.5, id="message-ms"
        ),
        pytest.param({}, "Try again in 200 ms.", 0.2, id="message-ms-abbreviated"),
        pytest.param(
            {"Retry-After": "2"},
            "Rate limit is exceeded. Try again in 26 seconds.",
            2.0,
            id="header-beats-message",
        ),
        pytest.param(
            {"Retry-After": "soon"},
            "Rate limit is exceeded. Try again in 3 seconds.",
            3.0,
            id="invalid-header-falls-back-to-message",
        ),
        pytest.param({}, "Rate limit is exceeded.", None, id="message-without-wait"),
        pytest.param({"Content-Type": "application/json"}, None, None, id="nothing"),
        pytest.param({}, None, None, id="no-headers-no-message"),
    ],
)
def test_retry_after_seconds(headers: dict[str, str], message: str | None, expected: float) -> None:
    result = retry_after_seconds(headers, message, now=NOW)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


# -- how long a 429 closes the limiter's gate ----------------------------------------------


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        pytest.param(None, 1.0, id="no hint: a short pause against a stampede"),
        pytest.param(0.0, 0.0, id="zero"),
        pytest.param(26.0, 26.0, id="a wait the policy accepts: everyone waits it"),
        pytest.param(60.0, 60.0, id="exactly the cap"),
        pytest.param(61.0, 1.0, id="beyond the cap: the call fails, the others are not held"),
        pytest.param(1e305, 1.0, id="retry-after-ms 1e308"),
        pytest.param(float("nan"), 1.0, id="nan"),
        pytest.param(-5.0, 0.0, id="negative"),
    ],
)
def test_gate_pause_follows_the_same_rule_as_the_retry(
    retry_after: float | None, expected: float
) -> None:
    policy = RetryPolicy()
    assert gate_pause(retry_after, policy) == expected
    # Consistency: the gate is held for the full wait exactly when the call waits it too.
    if retry_after is not None and retry_after == retry_after and retry_after > 1.0:
        waits = retry_delay(1, policy, retry_after, lambda: 0.5) is not None
        assert (gate_pause(retry_after, policy) == retry_after) is waits


def test_gate_pause_never_exceeds_a_small_max_retry_after() -> None:
    policy = RetryPolicy(max_retry_after=0.2)
    assert gate_pause(None, policy) == 0.2
    assert gate_pause(30.0, policy) == 0.2
