"""Settings and per-call options, checked: each option has one check, here.

`FaceClient` checks its settings with these functions when it is built or copied;
`check_call_options` checks the keyword options of one call, once, before anything is
sent. All of them are pure and raise FaceValidationError naming the option.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from typing import Any, TypedDict

import attrs
import yarl

from ._retry import RetryPolicy
from ._secrets import SecretText, shorten
from ._versions import DEFAULT_API_VERSION, check_api_version, version_of_api_path
from .auth import KEY_HEADER
from .errors import FaceValidationError

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "LIMITED_ACCESS_HEADER",
    "CallOptions",
    "CallSettings",
    "SessionConfig",
    "check_call_options",
    "check_headers",
    "check_max_response_bytes",
    "check_max_retries",
    "check_retry_policy",
    "check_seconds",
    "is_loopback",
    "normalize_endpoint",
    "resolve_api_version",
    "secret_access_token",
]

#: The default cap on a reply body. The largest legitimate Face reply is a page of 1,000
#: persons (top=1000), each with 248 persisted face ids (~9.7 KB), a 128-character name and
#: 16,384 characters of userData: about 26 MB as plain ASCII, and about 109 MB if every
#: character of userData and name needs a six-byte \uXXXX escape. 128 MiB covers that with
#: room to spare; pages of large-face-list faces (1,000 x 1 KB userData, at most ~6.2 MB)
#: and detect (100 faces with landmarks and attributes, well under 1 MB) are far smaller.
DEFAULT_MAX_RESPONSE_BYTES = 128 * 1024 * 1024
#: The header an approved ISV's Limited Access token travels in (`limited_access_token=`).
LIMITED_ACCESS_HEADER = "LimitedAccessToken"

# Credentials and host are facekit's; the framing headers are the HTTP library's (a wrong
# length would desynchronize the connection).
_PROTECTED_HEADERS = frozenset(
    {
        KEY_HEADER.lower(),
        "authorization",
        "host",
        "content-length",
        "transfer-encoding",
        # facekit decodes replies itself, under its size cap, in the codings it asks for.
        "accept-encoding",
        # A secret: set with limited_access_token=, which keeps it out of reprs and errors.
        LIMITED_ACCESS_HEADER.lower(),
    }
)
# RFC 9110 token characters: a header name with anything else (space, colon, CR, LF) could
# smuggle a header past the check above or split the request.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_VALUE_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class CallOptions(TypedDict, total=False):
    """Per-call overrides every operation accepts as keyword arguments."""

    #: Seconds for one attempt (connect, send, read), replacing the client's timeout.
    timeout: float
    #: Extra request headers; credential headers cannot be overridden this way.
    headers: Mapping[str, str]
    #: Retries after the first attempt, replacing the client's `max_retries`.
    max_retries: int


_CALL_OPTIONS = frozenset(CallOptions.__annotations__)


@attrs.frozen(kw_only=True)
class SessionConfig:
    """Settings a FaceSession (and its `with_options` copies) run with."""

    endpoint: yarl.URL
    #: The Face API version requests go to (checked by facekit._versions).
    api_version: str
    retry: RetryPolicy
    timeout: float
    connect_timeout: float
    headers: Mapping[str, str]
    max_connections: int
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    #: Sent as the LimitedAccessToken header; a secret, so never shown.
    limited_access_token: str | None = attrs.field(default=None, repr=False)

    @property
    def api_path(self) -> str:
        """The path requests go under, e.g. "/face/v1.0"."""
        return f"/face/{self.api_version}"


@attrs.frozen(kw_only=True)
class CallSettings:
    """What one call runs with: the session's settings with its per-call options applied."""

    retry: RetryPolicy
    timeout: float
    #: The caller's extra headers for this call, checked (the session's own come first).
    headers: Mapping[str, str]


def check_call_options(options: Any, config: SessionConfig) -> CallSettings:
    """Check one call's options (None: none) and apply them over `config`."""
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise FaceValidationError("options", "must be a mapping of per-call options")
    unknown = set(options) - _CALL_OPTIONS
    if unknown:
        # Typed callers cannot get here; untyped ones must not see an option ignored.
        raise FaceValidationError(
            ", ".join(sorted(map(str, unknown))),
            f"unknown option; per-call options are {', '.join(sorted(_CALL_OPTIONS))}",
        )
    retry = config.retry
    if "max_retries" in options:
        retry = attrs.evolve(retry, max_retries=check_max_retries(options["max_retries"]))
    timeout = config.timeout
    if "timeout" in options:
        timeout = check_seconds("timeout", options["timeout"])
    headers = options.get("headers")
    return CallSettings(
        retry=retry, timeout=timeout, headers=check_headers({} if headers is None else headers)
    )


def normalize_endpoint(endpoint: str, *, allow_insecure_http: bool) -> yarl.URL:
    """Check and normalize a resource endpoint (https unless loopback or opted in)."""
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise FaceValidationError("endpoint", "must be a non-empty URL")
    try:
        url = yarl.URL(endpoint.strip())
    except ValueError as exc:
        raise FaceValidationError("endpoint", f"is not a valid URL: {exc}") from None
    if url.scheme not in ("https", "http") or not url.host:
        raise FaceValidationError(
            "endpoint",
            "must be an absolute http(s) URL such as https://NAME.cognitiveservices.azure.com",
        )
    if url.user or url.password or url.query_string or url.fragment:
        raise FaceValidationError("endpoint", "must not carry credentials, a query or a fragment")
    if "/face/" in url.path.lower() + "/":
        raise FaceValidationError(
            "endpoint", "give the resource endpoint without /face/...; set api_version instead"
        )
    if url.scheme == "http" and not (allow_insecure_http or is_loopback(url.host)):
        raise FaceValidationError(
            "endpoint",
            "https is required (the key would travel in clear text); "
            "http is allowed only for loopback hosts or with allow_insecure_http=True",
        )
    return url.with_path(url.path.rstrip("/"))


def resolve_api_version(api_version: str | None, api_path: str | None) -> str:
    """The version from `api_version`, or from the older `api_path` ("/face/v1.0")."""
    if api_path is not None:
        if not isinstance(api_path, str) or not api_path.startswith("/"):
            raise FaceValidationError("api_path", "must start with '/', e.g. '/face/v1.0'")
        from_path = version_of_api_path(api_path)
        if api_version is not None and check_api_version(api_version) != from_path:
            raise FaceValidationError(
                "api_path", f"names {from_path} but api_version is {api_version}; give one"
            )
        return from_path
    return check_api_version(DEFAULT_API_VERSION if api_version is None else api_version)


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (localhost or a loopback address)."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_headers(headers: Any) -> dict[str, str]:
    """Extra headers from the caller, checked: valid names and values, none of facekit's own.

    The credential, host and framing headers cannot be set this way, however spelt; a
    name that is not an HTTP token or a value with CR, LF or another control character is
    refused (it could add or split headers). Values are never quoted in the error: a
    caller's header may carry a secret of its own.
    """
    if not isinstance(headers, Mapping):
        raise FaceValidationError("headers", "must be a mapping of header names to values")
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str):
            raise FaceValidationError(
                "headers", f"header names must be str, got {type(name).__name__}"
            )
        if name.strip().lower() == LIMITED_ACCESS_HEADER.lower():
            raise FaceValidationError(
                "headers", f"{name.strip()} is a secret: pass it as limited_access_token="
            )
        if name.strip().lower() in _PROTECTED_HEADERS:
            raise FaceValidationError(
                "headers", f"{name.strip()} is set by facekit from the credential and endpoint"
            )
        if not _HEADER_NAME.fullmatch(name):
            raise FaceValidationError("headers", f"{shorten(name)} is not a valid header name")
        if not isinstance(value, str):
            raise FaceValidationError("headers", f"the value of {name} must be str")
        if _HEADER_VALUE_FORBIDDEN.search(value):
            raise FaceValidationError(
                "headers", f"the value of {name} contains CR, LF or another control character"
            )
        checked[name] = value
    return checked


def secret_access_token(value: Any) -> tuple[SecretText | None, str | None]:
    """A Limited Access token as a SecretText (None: no token), and what is wrong with it.

    It returns the problem rather than raising it, so that the caller can drop the token
    from its frame before raising: the token is a secret, and error reporters render
    frames' locals. A token with a problem comes back as None.
    """
    if value is None:
        return None, None
    if not isinstance(value, str) or not value.strip():
        return None, "must be a non-empty string or None"
    if _HEADER_VALUE_FORBIDDEN.search(value):
        return None, "contains CR, LF or another control character"
    return SecretText(value), None


def check_seconds(parameter: str, value: Any) -> float:
    """A timeout in seconds: a finite number above zero."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise FaceValidationError(parameter, "must be a positive, finite number of seconds")
    return float(value)


def check_max_retries(value: Any) -> int:
    """A retry count: an integer of at least 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FaceValidationError("max_retries", "must be an integer >= 0")
    return value


def check_retry_policy(value: Any) -> RetryPolicy:
    """A RetryPolicy (its fields were checked when it was built)."""
    if not isinstance(value, RetryPolicy):
        raise FaceValidationError("retry_policy", "must be a RetryPolicy")
    return value


def check_max_response_bytes(value: Any) -> int:
    """The reply-size cap: an integer of at least 1 KiB."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1024:
        raise FaceValidationError("max_response_bytes", "must be an integer >= 1024")
    return value
