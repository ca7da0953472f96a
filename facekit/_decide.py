"""What follows each attempt of a request: one pure function, `decide`.

`FaceSession.send` does the I/O (limiter, transport, sleeping, raising); every rule about
what an attempt's outcome leads to lives here, tested as a table without an event loop:
return the reply, retry after a delay, close the rate limiter's gate after a 429, fetch a
new token after a 401, or raise (saying whether the request may have taken effect).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import attrs

from ._retry import (
    RetryPolicy,
    TransportFailure,
    gate_pause,
    is_ambiguous,
    retry_delay,
    should_retry,
)

__all__ = ["Act", "Decision", "Outcome", "Why", "decide"]


class Act(enum.Enum):
    """What the send loop does next."""

    #: Hand the 2xx reply to the caller.
    RETURN = "return"
    #: Try again after `Decision.delay` seconds (counts as a retry).
    RETRY = "retry"
    #: Forget the bearer token, fetch a new one and try again (not counted as a retry).
    REFRESH_TOKEN = "refresh_token"
    #: Raise the error `Decision.why` names.
    RAISE = "raise"


class Why(enum.Enum):
    """Why a request ends in an error (which error the session raises)."""

    #: The upload broke a limit mid-stream: the caller's own FaceValidationError.
    CALLER = "caller"
    #: No usable reply: a connection error, a timeout, a body that cannot be decoded.
    NO_REPLY = "no_reply"
    #: A 3xx: never followed, so that the credential never leaves the endpoint.
    REDIRECT = "redirect"
    #: A 2xx larger than max_response_bytes.
    OVERSIZED = "oversized"
    #: The service refused the request (4xx, 5xx): the FaceAPIError for its status.
    REFUSED = "refused"


@attrs.frozen(kw_only=True)
class Outcome:
    """What one attempt came to, as far as the decision needs it."""

    #: The reply's HTTP status; None when there is no usable reply.
    status: int | None = None
    #: Without a reply: NOT_SENT or AMBIGUOUS, or None when it is not worth retrying.
    failure: TransportFailure | None = None
    #: The service's error code of a non-2xx reply.
    code: str | None = None
    #: The wait the reply asked for (Retry-After, retry-after-ms, or its message).
    retry_after: float | None = None
    #: A 2xx whose body was larger than the size cap.
    oversized: bool = False
    #: Without a reply: the upload stream itself raised (too large, unreadable, not bytes).
    caller_fault: bool = False


@attrs.frozen(kw_only=True)
class Decision:
    """What to do after an attempt."""

    act: Act
    #: RETRY: seconds until the next attempt.
    delay: float = 0.0
    #: RETRY: whether this caller sleeps `delay` itself. After a 429 it does not: the
    #: limiter's gate, closed for `pause`, holds it (and everyone else) instead.
    sleep: bool = False
    #: Close the rate limiter's gate for every caller for this many seconds (a 429).
    pause: float | None = None
    #: RAISE: which error.
    why: Why | None = None
    #: RAISE: the request may have taken effect on the service.
    possibly_applied: bool = False


_RETURN = Decision(act=Act.RETURN)


def decide(
    attempt: int,
    outcome: Outcome,
    *,
    idempotent: bool,
    can_resend: bool,
    can_refresh_token: bool,
    policy: RetryPolicy,
    rand: Callable[[], float],
) -> Decision:
    """What follows attempt number `attempt` (1-based; token refreshes do not count).

    `can_resend`: the body can be sent again (no upload, a replayable one, or one not yet
    started). `can_refresh_token`: the credential is a token credential whose token was
    not yet refreshed during this request. `rand()` in [0, 1) jitters the backoff.

    The rules, in order:

    - No reply: the caller's own stream error is raised as it is. Otherwise retry what
      `should_retry` allows (a connection never made; a broken one only when idempotent),
      if the body can be resent and the policy has retries left; else raise, possibly
      applied when the connection broke on a non-idempotent request.
    - 2xx: return it, unless it was larger than the cap.
    - 3xx: raise; redirects are never followed.
    - 429: close the limiter's gate (`gate_pause`): for the wait asked if the policy
      accepts it, else briefly. Its Retry-After is the retry's delay, and the caller does
      not sleep it on top of the gate. Retry-After on other statuses is not used.
    - 401 with a token credential: refresh the token once per request and resend, if the
      body can be resent.
    - Other errors: retry what `should_retry` allows (429, 409 concurrent-operation
      conflicts, and 408/5xx when idempotent) while the body can be resent and the
      policy allows; else raise, possibly applied for a 408 or 5xx on a non-idempotent
      request.
    """
    status = outcome.status
    if status is None:
        return _after_no_reply(attempt, outcome, idempotent, can_resend, policy, rand)
    if 200 <= status < 300:
        return Decision(act=Act.RAISE, why=Why.OVERSIZED) if outcome.oversized else _RETURN
    if 300 <= status < 400:
        return Decision(act=Act.RAISE, why=Why.REDIRECT)
    retry_after = outcome.retry_after if status == 429 else None
    pause = gate_pause(retry_after, policy) if status == 429 else None
    if status == 401 and can_refresh_token and can_resend:
        # A token can be revoked before its expiry.
        return Decision(act=Act.REFRESH_TOKEN)
    retry = can_resend and should_retry(status=status, code=outcome.code, idempotent=idempotent)
    delay = retry_delay(attempt, policy, retry_after, rand) if retry else None
    if delay is not None:
        return Decision(act=Act.RETRY, delay=delay, sleep=status != 429, pause=pause)
    return Decision(
        act=Act.RAISE,
        why=Why.REFUSED,
        pause=pause,
        possibly_applied=not idempotent and is_ambiguous(status=status),
    )


def _after_no_reply(
    attempt: int,
    outcome: Outcome,
    idempotent: bool,
    can_resend: bool,
    policy: RetryPolicy,
    rand: Callable[[], float],
) -> Decision:
    if outcome.caller_fault:
        return Decision(act=Act.RAISE, why=Why.CALLER)
    failure = outcome.failure
    retry = (
        failure is not None and can_resend and should_retry(failure=failure, idempotent=idempotent)
    )
    delay = retry_delay(attempt, policy, None, rand) if retry else None
    if delay is not None:
        return Decision(act=Act.RETRY, delay=delay, sleep=True)
    return Decision(
        act=Act.RAISE,
        why=Why.NO_REPLY,
        possibly_applied=not idempotent and is_ambiguous(failure=failure),
    )
