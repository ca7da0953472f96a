"""What follows an attempt: `decide`, the one function behind FaceSession.send's loop.

A pure function, so the rules are a table here: no event loop, no network.
"""

from __future__ import annotations

import itertools

import pytest

from facekit import RetryPolicy
from facekit._decide import Act, Decision, Outcome, Why, decide
from facekit._retry import TransportFailure

NOT_SENT = TransportFailure.NOT_SENT
AMBIGUOUS = TransportFailure.AMBIGUOUS

POLICY = RetryPolicy(max_retries=3, backoff_base=0.5, backoff_max=10.0, max_retry_after=60.0)
#: Backoff before retry 1 with rand() == 0: half of the 0.5 s step.
BACKOFF_1 = 0.25


def _rand() -> float:
    return 0.0


def returned() -> Decision:
    return Decision(act=Act.RETURN)


def retried(delay: float, *, sleep: bool = True, pause: float | None = None) -> Decision:
    return Decision(act=Act.RETRY, delay=delay, sleep=sleep, pause=pause)


def raised(why: Why, *, applied: bool = False, pause: float | None = None) -> Decision:
    return Decision(act=Act.RAISE, why=why, possibly_applied=applied, pause=pause)


REFRESHED = Decision(act=Act.REFRESH_TOKEN)

# A request as most rows see it: first attempt, idempotent, body resendable, key credential.
BASE = {"attempt": 1, "idempotent": True, "can_resend": True, "can_refresh_token": False}

# (description, outcome, what differs from BASE, the decision)
TABLE: list[tuple[str, Outcome, dict[str, object], Decision]] = [
    # -- no reply ------------------------------------------------------------------------
    ("never connected: retried", Outcome(failure=NOT_SENT), {}, retried(BACKOFF_1)),
    (
        "never connected, not idempotent: still retried (nothing reached the service)",
        Outcome(failure=NOT_SENT),
        {"idempotent": False},
        retried(BACKOFF_1),
    ),
    ("connection broke, idempotent: retried", Outcome(failure=AMBIGUOUS), {}, retried(BACKOFF_1)),
    (
        "connection broke, not idempotent: raised, may have taken effect",
        Outcome(failure=AMBIGUOUS),
        {"idempotent": False},
        raised(Why.NO_REPLY, applied=True),
    ),
    (
        "connection broke on the last attempt: raised; idempotent, so harmless",
        Outcome(failure=AMBIGUOUS),
        {"attempt": 4},
        raised(Why.NO_REPLY),
    ),
    (
        "never connected on the last attempt, not idempotent: nothing was applied",
        Outcome(failure=NOT_SENT),
        {"attempt": 4, "idempotent": False},
        raised(Why.NO_REPLY),
    ),
    (
        "backoff grows with the attempt",
        Outcome(failure=NOT_SENT),
        {"attempt": 3},
        retried(1.0),
    ),
    (
        "not worth retrying (refused certificate, undecodable body)",
        Outcome(failure=None),
        {},
        raised(Why.NO_REPLY),
    ),
    (
        "a stream already sent cannot be sent again",
        Outcome(failure=AMBIGUOUS),
        {"can_resend": False},
        raised(Why.NO_REPLY),
    ),
    (
        "the upload stream raised: the caller's error, not the network's",
        Outcome(failure=AMBIGUOUS, caller_fault=True),
        {"idempotent": False},
        raised(Why.CALLER),
    ),
    (
        "the upload stream raised, even where a retry was allowed",
        Outcome(failure=NOT_SENT, caller_fault=True),
        {},
        raised(Why.CALLER),
    ),
    # -- 2xx and 3xx ---------------------------------------------------------------------
    ("200: returned", Outcome(status=200), {}, returned()),
    ("202: returned", Outcome(status=202), {"idempotent": False}, returned()),
    ("204: returned", Outcome(status=204), {}, returned()),
    (
        "200 over the size cap: raised, not retried (it would be as large again)",
        Outcome(status=200, oversized=True),
        {},
        raised(Why.OVERSIZED),
    ),
    ("302: never followed", Outcome(status=302), {}, raised(Why.REDIRECT)),
    ("301: never followed", Outcome(status=301), {}, raised(Why.REDIRECT)),
    ("307: never followed", Outcome(status=307), {"idempotent": False}, raised(Why.REDIRECT)),
    # -- refusals ------------------------------------------------------------------------
    ("404: raised", Outcome(status=404, code="PersonGroupNotFound"), {}, raised(Why.REFUSED)),
    ("400: raised", Outcome(status=400, code="BadArgument"), {}, raised(Why.REFUSED)),
    ("500, idempotent: retried after backoff", Outcome(status=500), {}, retried(BACKOFF_1)),
    (
        "500, not idempotent: raised, may have taken effect",
        Outcome(status=500),
        {"idempotent": False},
        raised(Why.REFUSED, applied=True),
    ),
    (
        "500 on the last attempt, idempotent",
        Outcome(status=500),
        {"attempt": 4},
        raised(Why.REFUSED),
    ),
    (
        "503's Retry-After is not used: backoff as for any 5xx",
        Outcome(status=503, retry_after=30.0),
        {},
        retried(BACKOFF_1),
    ),
    ("501: never retried", Outcome(status=501), {}, raised(Why.REFUSED)),
    ("999: a 5xx-like status", Outcome(status=999), {}, retried(BACKOFF_1)),
    ("408, idempotent: retried", Outcome(status=408), {}, retried(BACKOFF_1)),
    (
        "408, not idempotent: raised, may have taken effect",
        Outcome(status=408),
        {"idempotent": False},
        raised(Why.REFUSED, applied=True),
    ),
    (
        "500 with an upload that cannot be resent",
        Outcome(status=500),
        {"can_resend": False},
        raised(Why.REFUSED),
    ),
    (
        "409 concurrent-operation conflict: retried even when not idempotent",
        Outcome(status=409, code="ConcurrentOperationConflict"),
        {"idempotent": False},
        retried(BACKOFF_1),
    ),
    (
        "409 that already exists: raised",
        Outcome(status=409, code="PersonGroupExists"),
        {},
        raised(Why.REFUSED),
    ),
    ("101: not a reply facekit can use", Outcome(status=101), {}, raised(Why.REFUSED)),
    # -- 429 -----------------------------------------------------------------------------
    (
        "429 asking 2 s: the gate closes 2 s and the retry waits in it, not in a sleep",
        Outcome(status=429, retry_after=2.0),
        {"idempotent": False},
        retried(2.0, sleep=False, pause=2.0),
    ),
    (
        "429 without a wait: a short pause against a stampede, backoff as the delay",
        Outcome(status=429),
        {},
        retried(BACKOFF_1, sleep=False, pause=1.0),
    ),
    (
        "429 asking an hour: raised at once, and the gate closes briefly only",
        Outcome(status=429, retry_after=3600.0),
        {},
        raised(Why.REFUSED, pause=1.0),
    ),
    (
        "429 on the last attempt: raised, the gate still closes for the wait",
        Outcome(status=429, retry_after=2.0),
        {"attempt": 4},
        raised(Why.REFUSED, pause=2.0),
    ),
    (
        "429 with an upload that cannot be resent: raised, the gate still closes",
        Outcome(status=429, retry_after=2.0),
        {"can_resend": False},
        raised(Why.REFUSED, pause=2.0),
    ),
    (
        "429 asking 0 s",
        Outcome(status=429, retry_after=0.0),
        {},
        retried(0.0, sleep=False, pause=0.0),
    ),
    # -- 401 -----------------------------------------------------------------------------
    (
        "401 with a token credential: refresh it and send again",
        Outcome(status=401, code="401"),
        {"can_refresh_token": True},
        REFRESHED,
    ),
    (
        "401 with a token credential, not idempotent: a 401 took no effect",
        Outcome(status=401, code="401"),
        {"can_refresh_token": True, "idempotent": False},
        REFRESHED,
    ),
    (
        "401 after the refresh (or with a key): raised",
        Outcome(status=401, code="401"),
        {},
        raised(Why.REFUSED),
    ),
    (
        "401 with a token credential but an upload that cannot be resent: raised",
        Outcome(status=401, code="401"),
        {"can_refresh_token": True, "can_resend": False},
        raised(Why.REFUSED),
    ),
    (
        "403 with a token credential: no refresh (the token was accepted)",
        Outcome(status=403, code="QuotaExceeded"),
        {"can_refresh_token": True},
        raised(Why.REFUSED),
    ),
]


def _decide(outcome: Outcome, **changes: object) -> Decision:
    arguments = {**BASE, **changes}
    attempt = arguments.pop("attempt")
    assert isinstance(attempt, int)
    return decide(attempt, outcome, policy=POLICY, rand=_rand, **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("outcome", "changes", "expected"), [pytest.param(*row[1:], id=row[0]) for row in TABLE]
)
def test_the_decision_after_an_attempt(
    outcome: Outcome, changes: dict[str, object], expected: Decision
) -> None:
    assert _decide(outcome, **changes) == expected


# -- rules that hold across every case -----------------------------------------------------

OUTCOMES: list[Outcome] = [
    Outcome(failure=NOT_SENT),
    Outcome(failure=AMBIGUOUS),
    Outcome(failure=None),
    Outcome(failure=AMBIGUOUS, caller_fault=True),
    *(Outcome(status=status) for status in (200, 200, 302, 400, 401, 403, 404, 408, 500, 503)),
    Outcome(status=200, oversized=True),
    Outcome(status=409, code="ConcurrentOperationConflict"),
    Outcome(status=429),
    Outcome(status=429, retry_after=5.0),
    Outcome(status=429, retry_after=1e9),
]


def test_rules_that_hold_for_every_outcome() -> None:
    flags = [True, False]
    grid = itertools.product(OUTCOMES, [1, 2, 3, 4, 9], flags, flags, flags)
    for outcome, attempt, idempotent, resend, refresh in grid:
        case = f"{outcome}, attempt {attempt}, {idempotent=}, {resend=}, {refresh=}"
        decision = _decide(
            outcome,
            attempt=attempt,
            idempotent=idempotent,
            can_resend=resend,
            can_refresh_token=refresh,
        )
        if decision.act is Act.RETRY:
            assert attempt <= POLICY.max_retries, f"retried past max_retries: {case}"
            assert resend, f"retried a body that cannot be sent again: {case}"
            assert decision.delay >= 0, case
        if decision.act is Act.REFRESH_TOKEN:
            assert outcome.status == 401, case
            assert refresh, case
            assert resend, case
        # Only an attempt that may have reached the service on a non-idempotent call says so.
        if decision.possibly_applied:
            assert not idempotent, case
            assert decision.act is Act.RAISE, case
        # The limiter's gate closes after every 429, and only then; the caller then never
        # sleeps on top of it.
        assert (decision.pause is not None) == (outcome.status == 429), case
        if outcome.status == 429 and decision.act is Act.RETRY:
            assert not decision.sleep, case
        assert (decision.why is not None) == (decision.act is Act.RAISE), case
        # Only a 2xx within the cap is returned.
        returns = outcome.status in range(200, 300) and not outcome.oversized
        assert (decision.act is Act.RETURN) == returns, case


def test_a_429_retry_waits_exactly_as_long_as_the_gate_is_closed() -> None:
    for wait in (0.0, 0.5, 26.0, 60.0):
        decision = _decide(Outcome(status=429, retry_after=wait))
        assert decision.act is Act.RETRY
        assert decision.delay == decision.pause == wait


def test_every_2xx_reply_within_the_cap_is_returned_as_it_is_whatever_else_is_known() -> None:
    # FaceSession.send returns such a reply without asking `decide` (no summary is built
    # for it): this is the rule that shortcut stands on.
    for status, attempt, idempotent, can_resend, can_refresh_token in itertools.product(
        range(200, 300), (1, 2, 4, 9), (True, False), (True, False), (True, False)
    ):
        decision = decide(
            attempt,
            Outcome(status=status, code="Whatever", retry_after=3.0),
            idempotent=idempotent,
            can_resend=can_resend,
            can_refresh_token=can_refresh_token,
            policy=POLICY,
            rand=_rand,
        )
        assert decision == returned(), (status, attempt)
        assert decision.pause is None
