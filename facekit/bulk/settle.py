"""Pure decisions of bulk enrollment: what an outcome means and what to do next.

A write that failed is one of three things. *Rejected*: the service refused the image or
the request for a reason that sending it again cannot change (a bad image, a quota).
*Not applied*: the service provably did nothing (a 429, a refused connection, a 409
conflict), so it may be sent again at once or after a pause. *Unknown*: the request left
and no clear answer came back (a timeout, a reset, a 5xx, an unreadable 2xx), so the write
may still land. An unknown outcome is settled by looking for the write's tag on the
service; the write is sent again only when a look made after the settle window found
nothing.

Everything here is a plain function of its arguments (no clock, no I/O): the engine passes
the time in and carries out the decision.
"""

from __future__ import annotations

import enum
import math

import attrs

from ..errors import (
    AuthenticationError,
    ConflictError,
    FaceAPIError,
    FaceConnectionError,
    FaceError,
    FaceTimeoutError,
    FaceValidationError,
    NotFoundError,
    QuotaExceededError,
    RateLimitError,
)

__all__ = [
    "Action",
    "Decision",
    "Outcome",
    "SettlePolicy",
    "after_failure",
    "after_look",
    "after_look_failure",
    "backoff",
    "classify",
    "settle_deadline",
]


class Outcome(enum.Enum):
    """What a failed write means for the service's state."""

    #: Refused for good: resending the same image cannot succeed.
    REJECTED = "rejected"
    #: Provably not applied and worth trying again (429, refused connection, conflict).
    NOT_APPLIED = "not_applied"
    #: The owner (person, list) is gone: nothing of it can be enrolled in this run.
    OWNER_GONE = "owner_gone"
    #: May have been applied: look on the service before sending again.
    UNKNOWN = "unknown"


class Action(enum.Enum):
    """What the engine does next with one image (or person)."""

    #: Send the write again after `Decision.delay` seconds.
    RESEND = "resend"
    #: Look for the tag on the service after `Decision.delay` seconds.
    LOOK = "look"
    #: Record a permanent failure; a later run skips it unless told to retry failures.
    FAIL = "fail"
    #: Record a transient failure; the next run tries it again by itself.
    PEND = "pend"
    #: Record an outcome still unknown; the next run settles it by looking first.
    UNSETTLED = "unsettled"
    #: The write is on the service.
    SETTLED = "settled"


@attrs.frozen
class Decision:
    """What to do next with one write (`action`), after how many seconds (`delay`)."""

    action: Action
    delay: float = 0.0


@attrs.frozen(kw_only=True)
class SettlePolicy:
    """How bulk enrollment settles ambiguous writes and retries transient failures.

    `window`: seconds to wait after an unknown outcome before a look may conclude that
    the write did not land (None: the client's request timeout, the time the service was
    already given). `max_unknown`: sends of one image (or person) that may end unknown
    before it is left unsettled for the next run. `max_not_applied`: transient refusals
    of one image before it is left pending for the next run, with waits doubling from
    `backoff` up to `backoff_max`. `max_look_failures`: failed looks in a row before an
    unknown outcome is left unsettled.
    """

    window: float | None = attrs.field(default=None)
    max_unknown: int = attrs.field(default=4)
    max_not_applied: int = attrs.field(default=6)
    backoff: float = attrs.field(default=0.5)
    backoff_max: float = attrs.field(default=8.0)
    max_look_failures: int = attrs.field(default=4)

    @window.validator
    def _check_window(self, _attribute: object, value: float | None) -> None:
        if value is not None and not _seconds(value, allow_zero=True):
            raise FaceValidationError("settle window", "must be a finite number of seconds >= 0")

    @max_unknown.validator
    @max_not_applied.validator
    @max_look_failures.validator
    def _check_count(self, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise FaceValidationError(attribute.name, "must be an integer >= 1")

    @backoff.validator
    @backoff_max.validator
    def _check_backoff(self, attribute: attrs.Attribute[float], value: float) -> None:
        if not _seconds(value, allow_zero=False):
            raise FaceValidationError(attribute.name, "must be a finite number of seconds > 0")

    def window_for(self, request_timeout: float) -> float:
        """The settle window in force for a client whose requests time out after this."""
        return request_timeout if self.window is None else float(self.window)


def _seconds(value: object, *, allow_zero: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and (value >= 0 if allow_zero else value > 0)


def classify(error: BaseException) -> Outcome:
    """What a FaceError raised by a write says about the service's state."""
    if isinstance(error, FaceValidationError):
        return Outcome.REJECTED  # the image itself (unreadable, too large): nothing was sent
    if isinstance(error, (FaceConnectionError, FaceTimeoutError)):
        return Outcome.UNKNOWN if error.possibly_applied else Outcome.NOT_APPLIED
    if isinstance(error, (RateLimitError, ConflictError, AuthenticationError)):
        # 429 and 409 are refusals before anything changed; a 401 means a key being rotated.
        return Outcome.NOT_APPLIED
    if isinstance(error, QuotaExceededError):
        # A count limit ("QuotaExceeded") holds until faces are deleted; the gateway's
        # call-volume quota is replenished in time.
        return Outcome.REJECTED if error.code == "QuotaExceeded" else Outcome.NOT_APPLIED
    if isinstance(error, NotFoundError):
        return Outcome.OWNER_GONE
    if isinstance(error, FaceAPIError):
        if error.status == 408 or error.status >= 500:
            return Outcome.UNKNOWN
        return Outcome.REJECTED
    if isinstance(error, FaceError):
        # An unreadable 2xx (truncated, not JSON) or anything unforeseen: it may have landed.
        return Outcome.UNKNOWN
    raise TypeError(f"not a facekit error: {type(error).__name__}")


def backoff(count: int, policy: SettlePolicy) -> float:
    """Wait before the `count`-th resend (1-based) after transient refusals."""
    return float(min(policy.backoff_max, policy.backoff * 2.0 ** min(count - 1, 32)))


def after_failure(
    outcome: Outcome, *, unknown: int, not_applied: int, policy: SettlePolicy
) -> Decision:
    """The next step after a write failed with `outcome`.

    `unknown` and `not_applied` count this image's outcomes so far, this one included.
    An unknown outcome is first looked at once, at once: most often the write landed and
    the answer was lost, and a look settles it without waiting.
    """
    if outcome is Outcome.REJECTED:
        return Decision(Action.FAIL)
    if outcome is Outcome.OWNER_GONE:
        return Decision(Action.PEND)
    if outcome is Outcome.NOT_APPLIED:
        if not_applied >= policy.max_not_applied:
            return Decision(Action.PEND)
        return Decision(Action.RESEND, backoff(not_applied, policy))
    return Decision(Action.LOOK)


def after_look(
    *,
    found: bool,
    now: float,
    deadline: float,
    unknown: int,
    policy: SettlePolicy,
) -> Decision:
    """The next step after a look at the service following an unknown outcome.

    `deadline` is when the settle window of the last unknown outcome ends. Before it, a
    missing tag proves nothing (the write may still land): look again at the deadline.
    After it, a missing tag means the write did not land: send again, unless this image
    already ended unknown `max_unknown` times.
    """
    if found:
        return Decision(Action.SETTLED)
    if now < deadline:
        return Decision(Action.LOOK, deadline - now)
    if unknown >= policy.max_unknown:
        return Decision(Action.UNSETTLED)
    return Decision(Action.RESEND)


def after_look_failure(*, failures: int, policy: SettlePolicy) -> Decision:
    """The next step when a look itself failed (`failures` in a row, this one included)."""
    if failures >= policy.max_look_failures:
        return Decision(Action.UNSETTLED)
    return Decision(Action.LOOK, backoff(failures, policy))


def settle_deadline(outcome_at: float, window: float) -> float:
    """When the settle window of an unknown outcome observed at `outcome_at` ends.

    The window runs from the outcome, not from the send: a write that timed out has
    already had the request timeout, and the window gives it as long again to land.
    """
    return outcome_at + window
