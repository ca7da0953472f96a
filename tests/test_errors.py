"""How a non-2xx reply becomes a precise FaceAPIError, and what the exception keeps."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from multidict import CIMultiDict

import facekit
from facekit import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FaceAPIError,
    FaceClient,
    FaceError,
    ForbiddenError,
    LimitedAccessError,
    NotFoundError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
    UnsupportedMediaTypeError,
)
from facekit.errors import decode_error_body, error_from_response
from tests.conftest import BASE
from tests.fake_transport import FakeTransport


def body(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def service_error(code: str, message: str) -> bytes:
    return body({"error": {"code": code, "message": message}})


def gateway_error(status: int, message: str) -> bytes:
    return body({"error": {"statusCode": status, "message": message}})


# -- status families ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reply", "expected"),
    [
        pytest.param(
            400, service_error("BadArgument", "Invalid argument."), BadRequestError, id="400"
        ),
        pytest.param(
            401,
            service_error("401", "Access denied due to invalid subscription key."),
            AuthenticationError,
            id="401",
        ),
        pytest.param(
            403,
            service_error("UnsupportedFeature", "Feature is not supported."),
            LimitedAccessError,
            id="403-unsupported-feature",
        ),
        pytest.param(
            403,
            service_error("QuotaExceeded", "Person group number reached subscription level limit."),
            QuotaExceededError,
            id="403-quota-exceeded-code",
        ),
        pytest.param(
            403,
            gateway_error(403, "Out of call volume quota. Quota will be replenished in 2.12 days."),
            QuotaExceededError,
            id="403-gateway-call-volume-quota",
        ),
        pytest.param(
            404,
            service_error("PersonGroupNotFound", "Person group 'abc' is not found."),
            NotFoundError,
            id="404",
        ),
        pytest.param(
            409,
            service_error("PersonGroupExists", "Person group 'abc' already exists."),
            ConflictError,
            id="409",
        ),
        pytest.param(
            415,
            service_error("BadArgument", "Invalid Media Type."),
            UnsupportedMediaTypeError,
            id="415",
        ),
        pytest.param(
            429,
            gateway_error(429, "Rate limit is exceeded. Try again in 26 seconds."),
            RateLimitError,
            id="429",
        ),
        pytest.param(500, service_error("InternalServerError", "Oops."), ServerError, id="500"),
        pytest.param(503, b"Service Unavailable", ServerError, id="503"),
        pytest.param(418, service_error("Teapot", "I am a teapot."), FaceAPIError, id="418"),
    ],
)
def test_each_status_maps_to_its_error_class(
    status: int, reply: bytes, expected: type[FaceAPIError]
) -> None:
    error = error_from_response(status, {}, reply)
    assert type(error) is expected
    assert error.status == status


def test_quota_exceeded_is_a_forbidden_error() -> None:
    error = error_from_response(403, {}, service_error("QuotaExceeded", "Limit reached."))
    assert isinstance(error, ForbiddenError)


@pytest.mark.parametrize(
    "cls",
    sorted(
        {
            obj
            for obj in vars(facekit.errors).values()
            if isinstance(obj, type) and issubclass(obj, FaceAPIError)
        },
        key=lambda cls: cls.__name__,  # type: ignore[attr-defined]
    ),
    ids=lambda cls: cls.__name__,
)
def test_every_face_api_error_class_is_a_face_error(cls: type[FaceAPIError]) -> None:
    assert issubclass(cls, FaceError)


# -- 429 retry_after ------------------------------------------------------------------------


def test_rate_limit_error_takes_retry_after_from_the_header() -> None:
    error = error_from_response(
        429, {"Retry-After": "7"}, gateway_error(429, "Rate limit is exceeded.")
    )
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7.0


def test_rate_limit_error_takes_retry_after_from_the_message_text() -> None:
    error = error_from_response(
        429, {}, gateway_error(429, "Rate limit is exceeded. Try again in 26 seconds.")
    )
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 26.0


def test_rate_limit_error_without_any_hint_has_no_retry_after() -> None:
    error = error_from_response(429, {}, gateway_error(429, "Rate limit is exceeded."))
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None


# -- body shapes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "code", "message"),
    [
        pytest.param(
            service_error("PersonGroupNotFound", "Person group 'abc' is not found."),
            "PersonGroupNotFound",
            "Person group 'abc' is not found.",
            id="service-error-code-message",
        ),
        pytest.param(
            gateway_error(429, "Rate limit is exceeded. Try again in 26 seconds."),
            "429",
            "Rate limit is exceeded. Try again in 26 seconds.",
            id="gateway-error-statusCode-message",
        ),
        pytest.param(
            body({"code": "BadArgument", "message": "Invalid person ID."}),
            "BadArgument",
            "Invalid person ID.",
            id="bare-code-message",
        ),
        pytest.param(
            body({"error": "something broke"}), None, "something broke", id="error-is-a-string"
        ),
        pytest.param(b"<html>Bad Gateway</html>", None, "<html>Bad Gateway</html>", id="html"),
        pytest.param(b"  upstream timed out \n", None, "upstream timed out", id="plain-text"),
        pytest.param(b"", None, "", id="empty"),
    ],
)
def test_decode_error_body_shapes(reply: bytes, code: str | None, message: str) -> None:
    assert decode_error_body(reply, {}) == (code, message)


def test_decode_error_body_truncates_long_text_bodies() -> None:
    _, message = decode_error_body(b"x" * 5000, {})
    assert message == "x" * 500


def test_non_json_text_body_becomes_the_message() -> None:
    error = error_from_response(502, {}, b"Bad Gateway")
    assert isinstance(error, ServerError)
    assert error.code is None
    assert error.message == "Bad Gateway"


def test_empty_body_gives_a_message_naming_the_status() -> None:
    error = error_from_response(404, {}, b"")
    assert isinstance(error, NotFoundError)
    assert error.code is None
    assert error.message == "The service answered HTTP 404."


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not json", id="text"),
        pytest.param(
            body({"error": {"message": "Person group 'abc' is not found."}}), id="no-code"
        ),
    ],
)
def test_x_ms_error_code_header_is_used_when_the_body_has_no_code(reply: bytes) -> None:
    error = error_from_response(404, {"x-ms-error-code": "PersonGroupNotFound"}, reply)
    assert error.code == "PersonGroupNotFound"


def test_body_code_wins_over_x_ms_error_code_header() -> None:
    error = error_from_response(
        404,
        {"x-ms-error-code": "FromHeader"},
        service_error("PersonGroupNotFound", "Person group 'abc' is not found."),
    )
    assert error.code == "PersonGroupNotFound"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(CIMultiDict({"X-Ms-Error-Code": "PersonGroupNotFound"}), id="multidict"),
        pytest.param({"x-ms-error-code": "PersonGroupNotFound"}, id="dict-lower-case"),
        pytest.param({"X-Ms-Error-Code": "PersonGroupNotFound"}, id="dict-mixed-case"),
        pytest.param({"X-MS-ERROR-CODE": "PersonGroupNotFound"}, id="dict-upper-case"),
    ],
)
def test_x_ms_error_code_header_name_is_case_insensitive(headers: Any) -> None:
    # HTTP header names are case-insensitive; retry_after_seconds treats a plain dict that
    # way too, and error_from_response hands both functions the same mapping.
    error = error_from_response(404, headers, b"")
    assert error.code == "PersonGroupNotFound"


# -- what the exception keeps ---------------------------------------------------------------


def test_error_keeps_status_code_message_and_ids() -> None:
    error = error_from_response(
        404,
        {},
        service_error("PersonGroupNotFound", "Person group 'abc' is not found."),
        request_id="req-1",
        client_request_id="client-1",
    )
    assert error.status == 404
    assert error.code == "PersonGroupNotFound"
    assert error.message == "Person group 'abc' is not found."
    assert error.request_id == "req-1"
    assert error.client_request_id == "client-1"
    assert error.possibly_applied is False


def test_error_text_names_code_message_status_and_request_id() -> None:
    error = error_from_response(
        404,
        {},
        service_error("PersonGroupNotFound", "Person group 'abc' is not found."),
        request_id="req-1",
    )
    assert str(error) == (
        "(PersonGroupNotFound) Person group 'abc' is not found. [HTTP 404, request id req-1]"
    )


def test_possibly_applied_adds_a_sentence_that_the_request_may_have_taken_effect() -> None:
    error = error_from_response(
        500, {}, service_error("InternalServerError", "Oops."), possibly_applied=True
    )
    assert error.possibly_applied is True
    assert "may have taken effect" in str(error)


def test_without_possibly_applied_no_such_sentence() -> None:
    error = error_from_response(500, {}, service_error("InternalServerError", "Oops."))
    assert "may have taken effect" not in str(error)


# -- end to end through a client ------------------------------------------------------------


async def test_service_404_becomes_not_found_error_with_both_request_ids(
    client: FaceClient, fake: FakeTransport
) -> None:
    url = f"{BASE}/persongroups/abc"
    fake.get(
        url,
        status=404,
        payload={
            "error": {"code": "PersonGroupNotFound", "message": "Person group 'abc' is not found."}
        },
        headers={"apim-request-id": "6f1c2d3e-0000-4000-8000-000000000404"},
    )

    with pytest.raises(NotFoundError) as caught:
        await client.person_groups.get("abc")

    (sent,) = fake.sent("GET")
    assert str(sent.url) == url
    sent_client_request_id = sent.headers["x-ms-client-request-id"]
    error = caught.value
    assert error.status == 404
    assert error.code == "PersonGroupNotFound"
    assert error.message == "Person group 'abc' is not found."
    assert error.request_id == "6f1c2d3e-0000-4000-8000-000000000404"
    assert error.client_request_id == sent_client_request_id
    assert uuid.UUID(sent_client_request_id)


@pytest.mark.parametrize(
    "message",
    [
        "Access denied due to Virtual Network/Firewall rules.",
        "The feature is not supported without Limited Access approval.",
    ],
)
def test_a_403_that_is_not_about_quota_is_a_plain_forbidden_error(message: str) -> None:
    body = json.dumps({"error": {"code": "403", "message": message}}).encode()
    error = error_from_response(403, {}, body)
    assert type(error) is ForbiddenError
