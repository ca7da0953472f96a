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
    LimitedAccessError,
    NotFoundError,
    OperationFailedError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
    TrainingFailedError,
    UnsupportedMediaTypeError,
)
from .images import ImageInput, ProgressCallback
from .paging import AsyncPager
from .polling import (
    DirectoryOperationPoller,
    FaceAdditionPoller,
    OperationPoller,
    PersonCreationPoller,
    Poller,
    PollingPolicy,
    TrainingPoller,
)
from .ratelimit import Limiter, RateLimiter
from .session import CallOptions, RawResponse

__all__ = [
    "AccessToken",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "CallOptions",
    "ConflictError",
    "DirectoryOperationPoller",
    "FaceAPIError",
    "FaceAdditionPoller",
    "FaceClient",
    "FaceConnectionError",
    "FaceError",
    "FaceResponseError",
    "FaceTimeoutError",
    "FaceValidationError",
    "ForbiddenError",
    "ImageInput",
    "KeyCredential",
    "LimitedAccessError",
    "Limiter",
    "NotFoundError",
    "OperationFailedError",
    "OperationPoller",
    "PersonCreationPoller",
    "Poller",
    "PollingPolicy",
    "ProgressCallback",
    "QuotaExceededError",
    "RateLimitError",
    "RateLimiter",
    "RawResponse",
    "RetryPolicy",
    "ServerError",
    "TokenCredential",
    "TrainingFailedError",
    "TrainingPoller",
    "UnsupportedMediaTypeError",
    "__version__",
]
