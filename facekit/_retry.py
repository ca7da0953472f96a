"""Retry decisions as pure functions: what to retry, how long to wait, Retry-After parsing."""

from __future__ import annotations

import enum
from collections.abc import Callable

import attrs

from . import _validation as check
from ._retry_after import retry_after_seconds

__all__ = [
    "DEFAULT_429_PAUSE",
    "RetryPolicy",
    "TransportFailure",
    "backoff_delay",
    "gate_pause",
    "retry_after_seconds",
    "retry_delay",
    "should_retry",
]


class TransportFailure(enum.Enum):
    """How a request failed without an HTTP status."""

    #: The connection was never made (refused, DNS, connect timeout): nothing reached the service.
    NOT_SENT = "not_sent"
    #: The connection broke or timed out after the request started: it may have taken effect.
    AMBIGUOUS = "ambiguous"


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How often and how patiently facekit retries.

    `max_retries` counts retries after the first attempt. Backoff doubles from `backoff_base`
    up to `backoff_max` seconds with jitter; a Retry-After longer than `max_retry_after`
    surfaces the error instead of waiting.
    """

    max_retries: int = attrs.field(default=3, validator=check.count_field)
    backoff_base: float = attrs.field(default=0.5, validator=check.seconds_field)
    backoff_max: float = attrs.field(default=10.0, validator=check.seconds_field)
    #: May be inf: always wait as long as the service asks.
    max_retry_after: float = attrs.field(default=60.0, validator=check.wait_limit_field)


# 501 and 505 say the request can never succeed, so retrying them only wastes quota.
_NEVER_RETRY_5XX = frozenset({501, 505})
_CONFLICT_RETRY_CODES = frozenset({"ConcurrentOperationConflict"})


def should_retry(
    *,
    status: int | None = None,
    failure: TransportFailure | None = None,
    code: str | None = None,
    idempotent: bool,
) -> bool:
    """Whether a failed attempt may be tried again.

    Non-idempotent operations are retried only where the request provably did not take
    effect: a connection that was never made, a 429, or a 409 concurrent-operation conflict.
    """
    if failure is TransportFailure.NOT_SENT:
        return True
    if failure is TransportFailure.AMBIGUOUS:
        return idempotent
    if status is None:
        return False
    if status == 429:
        return True
    if status == 409:
        return code in _CONFLICT_RETRY_CODES
    if status == 408 or (status >= 500 and status not in _NEVER_RETRY_5XX):
        return idempotent
    return False


def is_ambiguous(*, status: int | None = None, failure: TransportFailure | None = None) -> bool:
    """Whether a failure leaves open that the request took effect on the service."""
    if failure is not None:
        return failure is TransportFailure.AMBIGUOUS
    return status is not None and (status == 408 or status >= 500)


def backoff_delay(attempt: int, policy: RetryPolicy, rand: Callable[[], float]) -> float:
    """Delay before retry number `attempt` (1-based): capped exponential, equal jitter.

    Half of the exponential step is kept so that retries never bunch at zero; the other half
    is spread by `rand()` in [0, 1) to decorrelate many clients.
    """
    # The exponent is bounded first: 2.0 ** 1024 overflows long before any cap applies.
    step = min(policy.backoff_max, policy.backoff_base * 2.0 ** min(attempt - 1, 64))
    return step / 2 + step / 2 * rand()


def retry_delay(
    attempt: int,
    policy: RetryPolicy,
    retry_after: float | None,
    rand: Callable[[], float],
) -> float | None:
    """Delay before retry `attempt`, or None when the policy says to give up.

    A server's Retry-After wins over backoff; one beyond `max_retry_after` ends retrying.
    """
    if attempt > policy.max_retries:
        return None
    if retry_after is not None:
        if retry_after > policy.max_retry_after:
            return None
        return max(retry_after, 0.0)
    return backoff_delay(attempt, policy, rand)


#: How long a 429 closes the rate limiter's gate when the service gave no usable wait:
#: long enough that waiting callers do not stampede the service.
DEFAULT_429_PAUSE = 1.0


def gate_pause(retry_after: float | None, policy: RetryPolicy) -> float:
    """How long a 429 closes the rate limiter's gate for every caller.

    The same rule as `retry_delay`: a wait the policy accepts (up to `max_retry_after`)
    pauses everyone for that wait, and the refused call retries after it. A longer wait
    fails the refused call at once, so it must not hold everyone else for it either: the
    gate then closes only for `DEFAULT_429_PAUSE` (or `max_retry_after`, if smaller), and
    every later call meets the service's answer itself, failing as fast.
    """
    if retry_after is None or retry_after != retry_after:
        return min(DEFAULT_429_PAUSE, policy.max_retry_after)
    if retry_after > policy.max_retry_after:
        return min(DEFAULT_429_PAUSE, policy.max_retry_after)
    return max(retry_after, 0.0)
