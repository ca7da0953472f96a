"""facekit: an async client for the Azure AI Face REST API."""

from ._retry import RetryPolicy
from ._version import __version__
from .auth import AccessToken, KeyCredential, TokenCredential
from .client import FaceClient
from .errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FaceAPIError,
    FaceConnectionError,
    FaceError,
    FaceResponseError,
    FaceTimeoutError,
    FaceValidationError,
    ForbiddenError,
    NotFoundError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
    UnsupportedMediaTypeError,
)
from .images import ImageInput, ProgressCallback
from .paging import AsyncPager
from .ratelimit import RateLimiter
from .session import CallOptions, RawResponse

__all__ = [
    "AccessToken",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "CallOptions",
    "ConflictError",
    "FaceAPIError",
    "FaceClient",
    "FaceConnectionError",
    "FaceError",
    "FaceResponseError",
    "FaceTimeoutError",
    "FaceValidationError",
    "ForbiddenError",
    "ImageInput",
    "KeyCredential",
    "NotFoundError",
    "ProgressCallback",
    "QuotaExceededError",
    "RateLimitError",
    "RateLimiter",
    "RawResponse",
    "RetryPolicy",
    "ServerError",
    "TokenCredential",
    "UnsupportedMediaTypeError",
    "__version__",
]
