"""The settle rule of bulk enrollment, as pure decisions (no I/O, no clock)."""

from __future__ import annotations

import json

import pytest

from facekit.bulk.settle import (
    Action,
    Decision,
    Outcome,
    SettlePolicy,
    after_failure,
    after_look,
    after_look_failure,
    backoff,
    classify,
    settle_deadline,
)
from facekit.errors import (
    FaceConnectionError,
    FaceError,
    FaceResponseError,
    FaceTimeoutError,
    FaceValidationError,
    error_from_response,
)

POLICY = SettlePolicy(window=2.0, max_unknown=3, max_not_applied=4, backoff=0.5, backoff_max=4.0)


def api_error(
    status: int, code: str | None = None, message: str = "x", *, possibly_applied: bool = False
) -> FaceError:
    body = (
        {"error": {"code": code, "message": message}} if code else {"error": {"message": message}}
    )
    return error_from_response(
        status, {}, json.dumps(body).encode(), possibly_applied=possibly_applied
    )


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (api_error(400, "InvalidImage", "There is no face detected."), Outcome.REJECTED),
        (api_error(400, "InvalidImageSize"), Outcome.REJECTED),
        (api_error(400, "InvalidURL"), Outcome.REJECTED),
        (api_error(415, "BadArgument"), Outcome.REJECTED),
        (api_error(403, "QuotaExceeded", "Persisted face number reached limit."), Outcome.REJECTED),
        (api_error(403, "UnsupportedFeature"), Outcome.REJECTED),
        (api_error(403, None, "Out of call volume quota."), Outcome.NOT_APPLIED),
        (api_error(429, None, "Rate limit is exceeded."), Outcome.NOT_APPLIED),
        (api_error(409, "ConcurrentOperationConflict"), Outcome.NOT_APPLIED),
        (api_error(401, "401"), Outcome.NOT_APPLIED),
        (api_error(404, "PersonNotFound"), Outcome.OWNER_GONE),
        (api_error(404, "LargePersonGroupNotFound"), Outcome.OWNER_GONE),
        (api_error(500, "InternalServerError", possibly_applied=True), Outcome.UNKNOWN),
        (api_error(503, None, possibly_applied=True), Outcome.UNKNOWN),
        (api_error(408, None, possibly_applied=True), Outcome.UNKNOWN),
        (FaceConnectionError("reset", possibly_applied=True), Outcome.UNKNOWN),
        (FaceConnectionError("refused", possibly_applied=False), Outcome.NOT_APPLIED),
        (FaceTimeoutError("timed out", possibly_applied=True), Outcome.UNKNOWN),
        (FaceTimeoutError("connect timeout", possibly_applied=False), Outcome.NOT_APPLIED),
        (FaceResponseError("a 200 whose body was cut"), Outcome.UNKNOWN),
        (FaceValidationError("image", "cannot be read"), Outcome.REJECTED),
        (FaceError("anything else"), Outcome.UNKNOWN),
    ],
)
def test_what_a_failed_write_means(error: FaceError, outcome: Outcome) -> None:
    assert classify(error) is outcome


def test_only_facekit_errors_are_classified() -> None:
    with pytest.raises(TypeError):
        classify(KeyError("x"))


@pytest.mark.parametrize(
    ("outcome", "unknown", "not_applied", "decision"),
    [
        (Outcome.REJECTED, 0, 0, Decision(Action.FAIL)),
        (Outcome.OWNER_GONE, 0, 1, Decision(Action.PEND)),
        (Outcome.NOT_APPLIED, 0, 1, Decision(Action.RESEND, 0.5)),
        (Outcome.NOT_APPLIED, 0, 2, Decision(Action.RESEND, 1.0)),
        (Outcome.NOT_APPLIED, 0, 3, Decision(Action.RESEND, 2.0)),
        (Outcome.NOT_APPLIED, 0, 4, Decision(Action.PEND)),
        # An unknown outcome is looked at once, whatever came before.
        (Outcome.UNKNOWN, 1, 0, Decision(Action.LOOK)),
        (Outcome.UNKNOWN, 3, 2, Decision(Action.LOOK)),
    ],
)
def test_the_step_after_a_failure(
    outcome: Outcome, unknown: int, not_applied: int, decision: Decision
) -> None:
    assert after_failure(outcome, unknown=unknown, not_applied=not_applied, policy=POLICY) == (
        decision
    )


@pytest.mark.parametrize(
    ("found", "now", "deadline", "unknown", "decision"),
    [
        # Found: the write landed, whenever the look was made.
        (True, 10.0, 12.0, 1, Decision(Action.SETTLED)),
        (True, 20.0, 12.0, 3, Decision(Action.SETTLED)),
        # Not found inside the window proves nothing: look again when it ends.
        (False, 10.0, 12.0, 1, Decision(Action.LOOK, 2.0)),
        (False, 11.5, 12.0, 3, Decision(Action.LOOK, 0.5)),
        # Not found after the window: it did not land; send again, up to max_unknown.
        (False, 12.0, 12.0, 1, Decision(Action.RESEND)),
        (False, 13.0, 12.0, 2, Decision(Action.RESEND)),
        (False, 13.0, 12.0, 3, Decision(Action.UNSETTLED)),
    ],
)
def test_the_step_after_a_look(
    found: bool, now: float, deadline: float, unknown: int, decision: Decision
) -> None:
    assert (
        after_look(found=found, now=now, deadline=deadline, unknown=unknown, policy=POLICY)
        == decision
    )


def test_a_failing_look_is_retried_then_left_unsettled() -> None:
    decisions = [after_look_failure(failures=n, policy=SettlePolicy()) for n in range(1, 6)]
    assert [d.action for d in decisions] == [Action.LOOK] * 3 + [Action.UNSETTLED] * 2
    assert [d.delay for d in decisions[:3]] == [0.5, 1.0, 2.0]


def test_backoff_doubles_up_to_its_cap_and_never_overflows() -> None:
    assert [backoff(n, POLICY) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert backoff(10_000, POLICY) == 4.0


def test_the_window_runs_from_the_outcome_and_defaults_to_the_request_timeout() -> None:
    assert settle_deadline(100.0, 2.5) == 102.5
    assert SettlePolicy().window_for(60.0) == 60.0
    assert SettlePolicy(window=3).window_for(60.0) == 3.0
    assert SettlePolicy(window=0).window_for(60.0) == 0.0


@pytest.mark.parametrize("window", [-1.0, float("nan"), True, "5"])
def test_a_bad_window_is_refused(window: object) -> None:
    with pytest.raises(FaceValidationError, match="settle window"):
        SettlePolicy(window=window)  # type: ignore[arg-type]
