"""Decisions of coalesced identify, as pure functions (facekit.coalesce does the I/O).

How long a batch stays open, whether a caller fits a batch, which face ids one request
carries, who gets which result, and what to do when the service refuses a batch: give
the error to everyone, drop the callers the error names and resend the rest, or split
the batch in two and send each half.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TypeVar

import attrs

__all__ = [
    "MAX_FACES",
    "SplitPlan",
    "assign",
    "distinct_ids",
    "fits",
    "fold",
    "plan_after_error",
    "window_for",
]

#: Face ids one identify request takes (the service's limit).
MAX_FACES = 10

#: (status, code) of refusals that may be about one face of the batch rather than all.
_FACE_CODES = frozenset({(400, "FaceNotFound"), (404, "FaceNotFound")})
#: BadArgument is about one face only when its message says so (an invalid face id, a
#: face detected with another recognition model); otherwise it is about the request.
_FACE_WORDS = ("face id", "faceid", "recognitionmodel")

R = TypeVar("R")


def window_for(configured: float, expected_wait: float | None) -> float:
    """Seconds a new batch stays open for more callers.

    The configured window, but never longer than the wait the rate limiter expects for a
    request sent now (`expected_wait`; None when the limiter cannot tell), so that a
    caller never waits longer than it would have anyway; an idle limiter means no wait.
    """
    if expected_wait is None or not math.isfinite(expected_wait):
        return max(configured, 0.0)
    return max(min(configured, expected_wait), 0.0)


def fold(face_id: str) -> str:
    """A face id as compared: face ids are UUIDs, the same in either case."""
    return face_id.lower()


def distinct_ids(callers: Iterable[Sequence[str]]) -> list[str]:
    """The face ids of the callers in order of arrival, each once (case-insensitively)."""
    seen: set[str] = set()
    ids: list[str] = []
    for face_ids in callers:
        for face_id in face_ids:
            if fold(face_id) not in seen:
                seen.add(fold(face_id))
                ids.append(face_id)
    return ids


def fits(batch: Iterable[Sequence[str]], face_ids: Sequence[str], limit: int = MAX_FACES) -> bool:
    """Whether a caller's face ids join a batch without it passing `limit` distinct ids."""
    return len(distinct_ids([*batch, face_ids])) <= limit


def assign(
    callers: Sequence[Sequence[str]], results: Iterable[tuple[str, R]]
) -> list[list[R] | None]:
    """Each caller's results in the order of its face ids (None: the reply lacks one).

    `results` pairs each result with the face id it names; ids compare case-insensitively.
    A face id the reply answers twice counts as unanswered (the reply is malformed).
    """
    by_id: dict[str, R] = {}
    repeated: set[str] = set()
    for face_id, result in results:
        if fold(face_id) in by_id:
            # Two results for one face: which is the caller's cannot be told.
            repeated.add(fold(face_id))
        by_id.setdefault(fold(face_id), result)
    for face_id in repeated:
        del by_id[face_id]
    mapped: list[list[R] | None] = []
    for face_ids in callers:
        mine = [by_id.get(fold(face_id)) for face_id in face_ids]
        mapped.append(None if any(r is None for r in mine) else [r for r in mine if r is not None])
    return mapped


@attrs.frozen
class SplitPlan:
    """What follows a refused batch: callers (by index) that get the error, groups to resend."""

    fail: tuple[int, ...]
    resend: tuple[tuple[int, ...], ...] = ()


def _about_one_face(status: int | None, code: str | None, message: str) -> bool:
    if (status, code) in _FACE_CODES:
        return True
    if status == 400 and code == "BadArgument":
        text = message.lower()
        return any(word in text for word in _FACE_WORDS)
    return False


def plan_after_error(
    callers: Sequence[Sequence[str]], status: int | None, code: str | None, message: str
) -> SplitPlan:
    """Who gets a refused batch's error, and which callers are sent again.

    An error that is not about one face (a missing group, 401, 429 after the retries, a
    connection error) goes to every caller, as it would have without coalescing. One that
    may be about a single face (FaceNotFound: an expired or unknown face id; a BadArgument
    naming a face id or the recognition model) must not fail the others: when the message
    names the face ids of some callers, those get it and the rest are resent together;
    otherwise the batch is halved and each half sent again, down to single callers, who
    then get their own request's answer.
    """
    everyone = tuple(range(len(callers)))
    if len(callers) <= 1 or not _about_one_face(status, code, message):
        return SplitPlan(fail=everyone)
    text = message.lower()
    named = tuple(i for i, ids in enumerate(callers) if any(fold(f) in text for f in ids))
    if code == "FaceNotFound" and named and len(named) < len(callers):
        rest = tuple(i for i in everyone if i not in named)
        return SplitPlan(fail=named, resend=(rest,))
    if "recognitionmodel" in text:
        # Faces detected with another recognition model than the target's: often all of
        # them (one mistake of the caller's), so halving would cost up to twice the
        # requests; each caller alone costs what it would have without coalescing.
        return SplitPlan(fail=(), resend=tuple((i,) for i in everyone))
    half = len(callers) // 2
    return SplitPlan(fail=(), resend=(everyone[:half], everyone[half:]))
