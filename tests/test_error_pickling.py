"""Every facekit error survives pickling with its fields (Celery, RQ, process pools)."""

from __future__ import annotations

import concurrent.futures
import pickle
from datetime import UTC, datetime
from typing import Any

import pytest

import facekit.errors
from facekit.annotate import PicturesUnavailableError
from facekit.auth import CredentialTypeError
from facekit.bulk import JournalError, JournalMismatchError
from facekit.distributed import SharedLimitUnavailableError
from facekit.errors import (
    FaceAPIError,
    FaceConnectionError,
    FaceError,
    FaceResponseError,
    FaceTimeoutError,
    FaceValidationError,
    OperationFailedError,
    RateLimitError,
    TrainingFailedError,
    error_from_response,
)
from facekit.models import TrainingStatus
from facekit.models.enums import TrainingStatusType

API_FIELDS: dict[str, Any] = {
    "status": 404,
    "code": "PersonGroupNotFound",
    "message": "Person group 'x' is not found.",
    "request_id": "req-1",
    "client_request_id": "client-1",
    "possibly_applied": False,
}


def samples() -> list[FaceError]:
    """One instance of every FaceError class there is, with its fields set."""
    errors: list[FaceError] = [
        FaceError("plain"),
        FaceValidationError("top", "must be 1..1000"),
        CredentialTypeError("credential", "must be a KeyCredential"),
        FaceConnectionError("reset", possibly_applied=True, client_request_id="c-1"),
        FaceTimeoutError("timed out", possibly_applied=False, client_request_id="c-2"),
        FaceResponseError("not JSON", status=200, request_id="r-1"),
        RateLimitError(retry_after=26.0, **{**API_FIELDS, "status": 429, "code": "429"}),
        TrainingFailedError(
            "no persons",
            status=TrainingStatus(
                status=TrainingStatusType.FAILED,
                created_date_time=datetime(2026, 1, 1, tzinfo=UTC),
            ),
        ),
        OperationFailedError("target exists", status=None),
        JournalError("the journal j cannot be used"),
        JournalMismatchError("j belongs to another resource"),
        SharedLimitUnavailableError("Redis away", client_request_id=None),
        PicturesUnavailableError(),
    ]
    for status in (400, 401, 403, 404, 409, 415, 500, 503):
        body = b'{"error": {"code": "Some", "message": "said so"}}'
        errors.append(error_from_response(status, {}, body, request_id="r", possibly_applied=True))
    errors.append(
        error_from_response(403, {}, b'{"error": {"code": "QuotaExceeded", "message": "q"}}')
    )
    errors.append(
        error_from_response(403, {}, b'{"error": {"code": "UnsupportedFeature", "message": "u"}}')
    )
    errors.append(FaceAPIError(**API_FIELDS))
    return errors


def every_error_class() -> set[type[FaceError]]:
    found = {
        obj
        for obj in vars(facekit.errors).values()
        if isinstance(obj, type) and issubclass(obj, FaceError) and not obj.__name__.startswith("_")
    }
    return found | {
        CredentialTypeError,
        JournalError,
        JournalMismatchError,
        SharedLimitUnavailableError,
        PicturesUnavailableError,
    }


def test_the_samples_cover_every_error_class() -> None:
    assert every_error_class() <= {type(error) for error in samples()}


@pytest.mark.parametrize("error", samples(), ids=lambda e: type(e).__name__)
def test_an_error_round_trips_with_its_fields(error: FaceError) -> None:
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert str(again) == str(error)
    assert again.args == error.args
    assert vars(again) == vars(error)


def test_a_pickled_error_leaves_its_chained_cause_behind() -> None:
    try:
        try:
            raise KeyError("Ocp-Apim-Subscription-Key: secret")
        except KeyError as inner:
            raise FaceResponseError("bad reply") from inner
    except FaceResponseError as error:
        again = pickle.loads(pickle.dumps(error))
    assert again.__cause__ is None
    assert "secret" not in repr(vars(again))


def _raise_in_child(status: int) -> Any:
    raise error_from_response(status, {}, b'{"error": {"code": "Nope", "message": "no"}}')


def test_an_error_raised_in_a_process_pool_arrives_whole() -> None:
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        future = pool.submit(_raise_in_child, 404)
        with pytest.raises(facekit.errors.NotFoundError) as caught:
            future.result(timeout=60)
    assert (caught.value.status, caught.value.code, caught.value.message) == (404, "Nope", "no")
