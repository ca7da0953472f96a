"""The facekit exception hierarchy and the one function that maps a reply to an error."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from ._retry_after import retry_after_seconds

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "FaceAPIError",
    "FaceConnectionError",
    "FaceError",
    "FaceResponseError",
    "FaceTimeoutError",
    "FaceValidationError",
    "ForbiddenError",
    "LimitedAccessError",
    "NotFoundError",
    "OperationFailedError",
    "QuotaExceededError",
    "RateLimitError",
    "ServerError",
    "TrainingFailedError",
    "UnsupportedMediaTypeError",
    "error_from_response",
]

_AMBIGUOUS_NOTE = (
    " The request may have taken effect on the service; it was not retried because "
    "the operation is not idempotent."
)


class FaceError(Exception):
    """Base class of every error facekit raises.

    Every facekit error pickles with its fields (Celery, RQ and process pools send errors
    between processes): it is rebuilt from its message and attributes, not by calling its
    constructor again. Chained causes are left behind, as for any pickled exception.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class FaceValidationError(FaceError, ValueError):
    """An argument broke a documented limit; nothing was sent."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


class _TransportError(FaceError):
    def __init__(
        self,
        message: str,
        *,
        possibly_applied: bool = False,
        client_request_id: str | None = None,
    ) -> None:
        if client_request_id:
            message += f" [client request id {client_request_id}]"
        super().__init__(message + (_AMBIGUOUS_NOTE if possibly_applied else ""))
        self.possibly_applied = possibly_applied
        self.client_request_id = client_request_id


class FaceConnectionError(_TransportError):
    """The service could not be reached, or the connection broke mid-request."""


class FaceTimeoutError(_TransportError, TimeoutError):
    """A request (or a wait) ran out of time."""


class FaceResponseError(FaceError):
    """The service answered with something facekit cannot interpret."""

    def __init__(
        self, message: str, *, status: int | None = None, request_id: str | None = None
    ) -> None:
        suffix = _describe(status, request_id)
        super().__init__(f"{message}{suffix}")
        self.status = status
        self.request_id = request_id


class FaceAPIError(FaceError):
    """The service refused the request; `code` is the service's own error code."""

    #: What to do about it, after the service's own message (a subclass may say).
    _hint: ClassVar[str] = ""

    def __init__(
        self,
        *,
        status: int,
        code: str | None,
        message: str,
        request_id: str | None = None,
        client_request_id: str | None = None,
        possibly_applied: bool = False,
    ) -> None:
        head = f"({code}) {message}" if code else message
        if self._hint:
            head = f"{head.rstrip()} {self._hint}"
        text = head + _describe(status, request_id)
        if possibly_applied:
            text += _AMBIGUOUS_NOTE
        super().__init__(text)
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.client_request_id = client_request_id
        self.possibly_applied = possibly_applied


class BadRequestError(FaceAPIError):
    """HTTP 400: the service rejected an argument or the image."""


class AuthenticationError(FaceAPIError):
    """HTTP 401: missing or wrong key, expired token, or wrong regional endpoint."""


class ForbiddenError(FaceAPIError):
    """HTTP 403: a feature needs approval or is retired, or a quota is reached."""


#: Where Microsoft takes applications for the Limited Access features of Face.
LIMITED_ACCESS_FORM = "https://aka.ms/facerecognition"


class LimitedAccessError(ForbiddenError):
    """HTTP 403 UnsupportedFeature: the resource lacks approval for what was asked.

    Face ids (`return_face_id`, which the service turns on by default), identify, verify,
    find similar and group need Limited Access approval; the retired or limited attributes
    (age, gender, emotion, smile, facial hair, hair, makeup) need it too, or are gone.
    """

    _hint = (
        "This Face resource is not approved for it: apply for Limited Access at "
        f"{LIMITED_ACCESS_FORM} (an approved ISV's customers pass limited_access_token=). "
        "Without approval, detect with return_face_id=False and leave out the retired "
        "attributes."
    )


class QuotaExceededError(ForbiddenError):
    """HTTP 403 for a quota: resource count limit or the gateway's call-volume quota."""


class NotFoundError(FaceAPIError):
    """HTTP 404: the group, list, person, face or snapshot does not exist."""


class ConflictError(FaceAPIError):
    """HTTP 409: already exists, training not finished, or a concurrent operation."""


class UnsupportedMediaTypeError(FaceAPIError):
    """HTTP 415: the content type was refused."""


class RateLimitError(FaceAPIError):
    """HTTP 429: over the rate limit; `retry_after` is the wait the service asked for."""

    def __init__(self, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retry_after = retry_after


class ServerError(FaceAPIError):
    """HTTP 5xx: the service failed."""


class TrainingFailedError(FaceError):
    """A training ended "failed"; `message` is the service's reason, `status` the last status."""

    def __init__(self, message: str, *, status: Any = None) -> None:
        super().__init__(f"training failed: {message}")
        self.message = message
        self.status = status


class OperationFailedError(FaceError):
    """A snapshot take/apply operation ended "failed"; `status` is its OperationStatus."""

    def __init__(self, message: str, *, status: Any = None) -> None:
        super().__init__(f"operation failed: {message}")
        self.message = message
        self.status = status


_BY_STATUS: dict[int, type[FaceAPIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    415: UnsupportedMediaTypeError,
    429: RateLimitError,
}


def _describe(status: int | None, request_id: str | None) -> str:
    parts = []
    if status is not None:
        parts.append(f"HTTP {status}")
    if request_id:
        parts.append(f"request id {request_id}")
    return f" [{', '.join(parts)}]" if parts else ""


def decode_error_body(body: bytes, headers: Mapping[str, str]) -> tuple[str | None, str]:
    """Return (code, message) from either error body shape, or from raw text.

    Shapes: the service's `{"error": {"code", "message"}}`, the gateway's
    `{"error": {"statusCode": 429, "message"}}` and the bare `{"code", "message"}`.
    JSON nested too deeply to decode gives no message (the caller says "HTTP <status>").
    """
    header_code = next((v for k, v in headers.items() if k.lower() == "x-ms-error-code"), None)
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data: Any = json.loads(text) if text else None
    except ValueError:
        data = None
    except RecursionError:
        return header_code, ""
    if isinstance(data, dict):
        inner = data.get("error", data)
        if isinstance(inner, dict):
            code = inner.get("code", inner.get("statusCode"))
            message = inner.get("message")
            return (
                str(code) if code is not None else header_code,
                str(message) if message is not None else "",
            )
        if isinstance(inner, str):
            return header_code, inner
    return header_code, text[:500]


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    request_id: str | None = None,
    client_request_id: str | None = None,
    possibly_applied: bool = False,
) -> FaceAPIError:
    """Build the precise FaceAPIError subclass for a non-2xx reply."""
    code, message = decode_error_body(body, headers)
    if not message:
        message = f"The service answered HTTP {status}."
    common: dict[str, Any] = {
        "status": status,
        "code": code,
        "message": message,
        "request_id": request_id,
        "client_request_id": client_request_id,
        "possibly_applied": possibly_applied,
    }
    if status == 429:
        return RateLimitError(retry_after=retry_after_seconds(headers, message), **common)
    if status == 403 and code == "UnsupportedFeature":
        return LimitedAccessError(**common)
    if status == 403 and _is_quota(code, message):
        return QuotaExceededError(**common)
    if status >= 500:
        return ServerError(**common)
    return _BY_STATUS.get(status, FaceAPIError)(**common)


def _is_quota(code: str | None, message: str) -> bool:
    # The gateway's call-volume quota has no code of its own (statusCode 403), so its
    # message tells it apart from other 403s such as firewall or Limited Access refusals.
    return code == "QuotaExceeded" or "quota" in message.lower()


def _rebuild(cls: type[FaceError], args: tuple[Any, ...], state: dict[str, Any]) -> FaceError:
    """Unpickle a facekit error: its message and fields, without calling its __init__."""
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error
