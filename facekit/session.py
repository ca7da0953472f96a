"""FaceSession: the only module that touches aiohttp.

It builds URLs under the configured endpoint, attaches credentials (to that host only),
waits on the rate limiter, sends, retries, maps errors and decodes JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import ipaddress
import json as json_module  # `json` is also the name of the request-body parameter
import logging
import platform
import random
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypedDict, TypeVar, overload
from urllib.parse import quote

import aiohttp
import attrs
import cattrs
import yarl
from multidict import CIMultiDict, CIMultiDictProxy

from . import _retry
from ._version import __version__
from .auth import KEY_HEADER, BearerTokenCache, KeyCredential, TokenCredential
from .errors import (
    FaceConnectionError,
    FaceError,
    FaceResponseError,
    FaceTimeoutError,
    FaceValidationError,
    error_from_response,
)
from .images import ImageUpload
from .models._serde import structure, to_wire
from .ratelimit import RateLimiter

__all__ = ["CallOptions", "FaceSession", "RawResponse", "SessionConfig", "capture_responses"]

logger = logging.getLogger("facekit")

T = TypeVar("T")

USER_AGENT = (
    f"facekit/{__version__} Python/{platform.python_version()} aiohttp/{aiohttp.__version__}"
)
CLIENT_REQUEST_ID = "x-ms-client-request-id"
_REQUEST_ID_HEADERS = ("apim-request-id", "x-ms-request-id", "request-id")
_PROTECTED_HEADERS = frozenset({KEY_HEADER.lower(), "authorization", "host"})
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
# A 429 with no wait hint still closes the gate briefly so that callers do not stampede.
_DEFAULT_429_PAUSE = 1.0


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
class RawResponse:
    """What came back over HTTP for one call (after retries)."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    request_id: str | None
    client_request_id: str
    attempts: int
    elapsed: float

    def json(self) -> Any:
        """The body as JSON; FaceResponseError if it is not JSON."""
        try:
            return json_module.loads(self.body.decode("utf-8")) if self.body.strip() else None
        except (UnicodeDecodeError, ValueError):
            raise FaceResponseError(
                f"{self.method} {yarl.URL(self.url).path} answered a body that is not JSON",
                status=self.status,
                request_id=self.request_id,
            ) from None


_captured: contextvars.ContextVar[list[RawResponse] | None] = contextvars.ContextVar(
    "facekit_captured_responses", default=None
)


@contextlib.contextmanager
def capture_responses() -> Iterator[list[RawResponse]]:
    """Collect the RawResponse of every call made in this context (this task and its children)."""
    bucket: list[RawResponse] = []
    token = _captured.set(bucket)
    try:
        yield bucket
    finally:
        _captured.reset(token)


def normalize_endpoint(endpoint: str, *, allow_insecure_http: bool) -> yarl.URL:
    """Check and normalize a resource endpoint (https unless loopback or opted in)."""
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise FaceValidationError("endpoint", "must be a non-empty URL")
    url = yarl.URL(endpoint.strip())
    if url.scheme not in ("https", "http") or not url.host:
        raise FaceValidationError(
            "endpoint",
            "must be an absolute http(s) URL such as https://NAME.cognitiveservices.azure.com",
        )
    if url.user or url.password or url.query_string or url.fragment:
        raise FaceValidationError("endpoint", "must not carry credentials, a query or a fragment")
    if "/face/" in url.path.lower() + "/":
        raise FaceValidationError(
            "endpoint", "give the resource endpoint without /face/...; set api_path for the version"
        )
    if url.scheme == "http" and not (allow_insecure_http or is_loopback(url.host)):
        raise FaceValidationError(
            "endpoint",
            "https is required (the key would travel in clear text); "
            "http is allowed only for loopback hosts or with allow_insecure_http=True",
        )
    return url.with_path(url.path.rstrip("/"))


def check_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Extra headers from the caller; the credential and host headers are facekit's own."""
    for name in headers:
        if name.lower() in _PROTECTED_HEADERS:
            raise FaceValidationError(
                "headers", f"{name} is set by facekit from the credential and endpoint"
            )
    return dict(headers)


def normalize_api_path(api_path: str) -> str:
    if not isinstance(api_path, str) or not api_path.startswith("/"):
        raise FaceValidationError("api_path", "must start with '/', e.g. '/face/v1.0'")
    return "/" + api_path.strip("/")


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@attrs.frozen(kw_only=True)
class SessionConfig:
    """Settings a FaceSession (and its `with_options` copies) run with."""

    endpoint: yarl.URL
    api_path: str
    retry: _retry.RetryPolicy
    timeout: float
    connect_timeout: float
    headers: Mapping[str, str]
    max_connections: int


class _Transport:
    """The shared aiohttp session; created lazily inside the event loop, closed once."""

    def __init__(self, session: aiohttp.ClientSession | None, max_connections: int) -> None:
        self._session = session
        self._owned = session is None
        self._max_connections = max_connections
        self.closed = False

    def get(self) -> aiohttp.ClientSession:
        if self.closed:
            raise FaceError("the client is closed")
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def close(self) -> None:
        self.closed = True
        session, self._session = self._session, None
        if session is not None and self._owned:
            await session.close()


class FaceSession:
    """Sends Face API requests under one endpoint with retries, rate limiting and auth."""

    def __init__(
        self,
        config: SessionConfig,
        credential: KeyCredential | TokenCredential,
        *,
        rate_limiter: RateLimiter,
        session: aiohttp.ClientSession | None = None,
        transport: _Transport | None = None,
        token_cache: BearerTokenCache | None = None,
        rand: Any = None,
    ) -> None:
        self.config = config
        self.credential = credential
        self.rate_limiter = rate_limiter
        self._transport = transport or _Transport(session, config.max_connections)
        if isinstance(credential, KeyCredential):
            self._tokens = None
        elif isinstance(credential, TokenCredential):
            self._tokens = token_cache or BearerTokenCache(credential)
        else:
            raise TypeError("credential must be a KeyCredential or a TokenCredential")
        self._rand = rand or random.random
        self.base_url = config.endpoint.with_path(
            config.endpoint.path.rstrip("/") + config.api_path
        )

    def copy(self, config: SessionConfig, rate_limiter: RateLimiter | None = None) -> FaceSession:
        """A session with other settings sharing this one's connection pool and token cache."""
        return FaceSession(
            config,
            self.credential,
            rate_limiter=rate_limiter or self.rate_limiter,
            transport=self._transport,
            token_cache=self._tokens,
            rand=self._rand,
        )

    @property
    def closed(self) -> bool:
        return self._transport.closed

    async def close(self) -> None:
        await self._transport.close()

    # -- URLs ---------------------------------------------------------------------------

    def url_for(self, path: Sequence[str]) -> yarl.URL:
        """The URL of a path under the API base; each segment is escaped on its own."""
        for segment in path:
            if segment in ("", ".", ".."):
                raise FaceValidationError("path", f"invalid path segment {segment!r}")
        # Each segment is escaped whole, so '/', '?' or '#' in an id can never change the path.
        return self.base_url.joinpath(*(quote(s, safe="") for s in path), encoded=True)

    def resolve_location(self, location: str) -> yarl.URL:
        """Resolve an Operation-Location under the API base; refuse other hosts.

        A relative location ("/operations/{id}") means a path under the API base path,
        as the Face service uses it.
        """
        target = yarl.URL(location)
        if not target.is_absolute():
            relative = target.path.lstrip("/")
            if not relative or ".." in relative.split("/"):
                raise FaceResponseError(f"unusable Operation-Location {location!r}")
            return self.url_for(relative.split("/")).with_query(target.query)
        if not self.same_origin(target):
            raise FaceResponseError(
                f"Operation-Location points to {target.host}, not the configured endpoint "
                f"{self.base_url.host}; refusing to follow it with credentials"
            )
        return target

    def same_origin(self, url: yarl.URL) -> bool:
        base = self.base_url
        return (
            url.scheme == base.scheme
            and (url.host or "").lower() == (base.host or "").lower()
            and url.port == base.port
        )

    # -- sending ------------------------------------------------------------------------

    @overload
    async def call(
        self,
        method: str,
        path: Sequence[str],
        *,
        result: type[T],
        params: Mapping[str, Any] | None = ...,
        json: Any = ...,
        upload: ImageUpload | None = ...,
        idempotent: bool,
        options: CallOptions | None = ...,
    ) -> T: ...

    @overload
    async def call(
        self,
        method: str,
        path: Sequence[str],
        *,
        result: None = ...,
        params: Mapping[str, Any] | None = ...,
        json: Any = ...,
        upload: ImageUpload | None = ...,
        idempotent: bool,
        options: CallOptions | None = ...,
    ) -> None: ...

    async def call(
        self,
        method: str,
        path: Sequence[str],
        *,
        result: Any = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        upload: ImageUpload | None = None,
        idempotent: bool,
        options: CallOptions | None = None,
    ) -> Any:
        """Send one operation and parse its JSON reply into `result` (None: no body)."""
        response = await self.send(
            method,
            self.url_for(path),
            params=params,
            json=json,
            upload=upload,
            idempotent=idempotent,
            options=options,
        )
        if result is None:
            return None
        return self.parse(response, result)

    def parse(self, response: RawResponse, result: type[T]) -> T:
        data = response.json()
        try:
            return structure(data, result)
        except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
            details = "; ".join(_validation_messages(exc))
            raise FaceResponseError(
                f"{response.method} {yarl.URL(response.url).path} answered a body that does "
                f"not match {_type_name(result)}: {details}",
                status=response.status,
                request_id=response.request_id,
            ) from None

    async def send(
        self,
        method: str,
        url: yarl.URL,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        upload: ImageUpload | None = None,
        idempotent: bool,
        options: CallOptions | None = None,
    ) -> RawResponse:
        """Send with rate limiting and retries; return the 2xx reply or raise FaceError."""
        if not self.same_origin(url):
            raise FaceValidationError("url", "facekit sends credentials only to its endpoint")
        options = options or {}
        unknown = set(options) - _CALL_OPTIONS
        if unknown:
            # Typed callers cannot get here; untyped ones must not see an option ignored.
            raise FaceValidationError(
                ", ".join(sorted(unknown)),
                f"unknown option; per-call options are {', '.join(sorted(_CALL_OPTIONS))}",
            )
        policy = self.config.retry
        if "max_retries" in options:
            retries = options["max_retries"]
            if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
                raise FaceValidationError("max_retries", "must be an integer >= 0")
            policy = attrs.evolve(policy, max_retries=retries)
        if "timeout" in options:
            seconds = options["timeout"]
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
                raise FaceValidationError("timeout", "must be a positive number of seconds")
        timeout = aiohttp.ClientTimeout(
            total=options.get("timeout", self.config.timeout),
            sock_connect=self.config.connect_timeout,
        )
        client_request_id = str(uuid.uuid4())
        headers = self._base_headers(options.get("headers"), client_request_id)
        query = _query(params)
        body = to_wire(json) if json is not None and attrs.has(type(json)) else json
        started = time.monotonic()
        refreshed_token = False
        attempt = 0
        while True:
            attempt += 1
            await self.rate_limiter.acquire()
            request_headers = dict(headers)
            request_headers.update(await self._auth_headers())
            attempt_start = time.monotonic()
            try:
                status, reply_headers, reply_body = await self._attempt(
                    method, url, query, body, upload, request_headers, timeout
                )
            except _AttemptFailed as failed:
                if upload is not None and upload.error is not None:
                    raise upload.error from None
                retry = _retry.should_retry(failure=failed.kind, idempotent=idempotent) and (
                    upload is None or upload.can_send
                )
                delay = _retry.retry_delay(attempt, policy, None, self._rand) if retry else None
                self._log_attempt(
                    method,
                    url,
                    f"failed ({failed.reason})",
                    attempt_start,
                    attempt,
                    client_request_id,
                    None,
                )
                if delay is not None:
                    self._log_retry(method, url, attempt, delay, failed.reason)
                    await asyncio.sleep(delay)
                    continue
                raise failed.to_error(
                    method,
                    url,
                    possibly_applied=failed.kind is _retry.TransportFailure.AMBIGUOUS
                    and not idempotent,
                    client_request_id=client_request_id,
                ) from failed.__cause__

            request_id = _request_id(reply_headers)
            self._log_attempt(
                method, url, str(status), attempt_start, attempt, client_request_id, request_id
            )
            response = RawResponse(
                method=method,
                url=str(url),
                status=status,
                headers=reply_headers,
                body=reply_body,
                request_id=request_id,
                client_request_id=client_request_id,
                attempts=attempt,
                elapsed=time.monotonic() - started,
            )
            if 200 <= status < 300:
                self._capture(response)
                return response
            if 300 <= status < 400:
                raise FaceResponseError(
                    f"{method} {url.path} answered a redirect (HTTP {status}); facekit does "
                    "not follow redirects, so credentials never leave the endpoint",
                    status=status,
                    request_id=request_id,
                )

            error = error_from_response(
                status,
                reply_headers,
                reply_body,
                request_id=request_id,
                client_request_id=client_request_id,
                possibly_applied=(not idempotent and _retry.is_ambiguous(status=status)),
            )
            retry_after = getattr(error, "retry_after", None)
            if status == 429:
                pause = retry_after if retry_after is not None else _DEFAULT_429_PAUSE
                self.rate_limiter.pause(min(pause, policy.max_retry_after))
            if status == 401 and self._tokens is not None and not refreshed_token:
                # A token can be revoked before its expiry: fetch a new one once.
                refreshed_token = True
                self._tokens.invalidate()
                attempt -= 1
                continue
            retry = _retry.should_retry(status=status, code=error.code, idempotent=idempotent)
            if upload is not None and not upload.can_send:
                retry = False
            delay = _retry.retry_delay(attempt, policy, retry_after, self._rand) if retry else None
            if delay is not None:
                self._log_retry(method, url, attempt, delay, f"HTTP {status} {error.code or ''}")
                # Ambiguous 429s already closed the limiter's gate for everyone.
                if status != 429:
                    await asyncio.sleep(delay)
                continue
            self._capture(response)
            raise error

    async def _attempt(
        self,
        method: str,
        url: yarl.URL,
        query: list[tuple[str, str]],
        body: Any,
        upload: ImageUpload | None,
        headers: dict[str, str],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 - aiohttp's per-request timeout
    ) -> tuple[int, Mapping[str, str], bytes]:
        kwargs: dict[str, Any] = {}
        stream = upload.chunks() if upload is not None else None
        if upload is not None:
            headers["Content-Type"] = "application/octet-stream"
            if upload.size is not None:
                headers["Content-Length"] = str(upload.size)
            kwargs["data"] = stream
        elif body is not None:
            kwargs["json"] = body
        try:
            return await self._exchange(method, url, query, headers, timeout, kwargs)
        finally:
            # A stream aiohttp left unfinished is closed now rather than by the garbage
            # collector; one its writer task is still inside is closed by that task.
            if stream is not None and not getattr(stream, "ag_running", False):
                await stream.aclose()

    async def _exchange(
        self,
        method: str,
        url: yarl.URL,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 - aiohttp's per-request timeout
        kwargs: dict[str, Any],
    ) -> tuple[int, Mapping[str, str], bytes]:
        session = self._transport.get()
        try:
            async with session.request(
                method,
                url,
                params=query,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                **kwargs,
            ) as reply:
                data = await reply.read()
                return reply.status, _plain_headers(reply.headers), data
        except aiohttp.ClientConnectorCertificateError as exc:
            raise FaceConnectionError(f"TLS certificate of {url.host} refused: {exc}") from None
        except aiohttp.ConnectionTimeoutError as exc:
            raise _AttemptFailed(
                _retry.TransportFailure.NOT_SENT, "connect timeout", exc, timed_out=True
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            raise _AttemptFailed(
                _retry.TransportFailure.NOT_SENT, f"cannot connect to {url.host}", exc
            ) from exc
        except TimeoutError as exc:
            raise _AttemptFailed(
                _retry.TransportFailure.AMBIGUOUS, "timed out", exc, timed_out=True
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise _AttemptFailed(
                _retry.TransportFailure.AMBIGUOUS, f"connection broke: {type(exc).__name__}", exc
            ) from exc

    def _base_headers(
        self, extra: Mapping[str, str] | None, client_request_id: str
    ) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        headers.update(self.config.headers)
        headers.update(check_headers(extra or {}))
        headers.setdefault(CLIENT_REQUEST_ID, client_request_id)
        return headers

    async def _auth_headers(self) -> dict[str, str]:
        if self._tokens is not None:
            return {"Authorization": f"Bearer {await self._tokens.token()}"}
        assert isinstance(self.credential, KeyCredential)
        return {KEY_HEADER: self.credential.key}

    def _capture(self, response: RawResponse) -> None:
        bucket = _captured.get()
        if bucket is not None:
            bucket.append(response)

    def _log_attempt(
        self,
        method: str,
        url: yarl.URL,
        outcome: str,
        start: float,
        attempt: int,
        client_request_id: str,
        request_id: str | None,
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s in %.0f ms (attempt %d, client request id %s, request id %s)",
                method,
                url.path,
                outcome,
                (time.monotonic() - start) * 1000,
                attempt,
                client_request_id,
                request_id or "-",
            )

    def _log_retry(
        self, method: str, url: yarl.URL, attempt: int, delay: float, reason: str
    ) -> None:
        logger.info(
            "retrying %s %s after %s: retry %d in %.2f s",
            method,
            url.path,
            reason.strip(),
            attempt,
            delay,
        )

    def __repr__(self) -> str:
        return f"FaceSession(base_url={str(self.base_url)!r})"


class _AttemptFailed(Exception):
    def __init__(
        self,
        kind: _retry.TransportFailure,
        reason: str,
        cause: BaseException,
        *,
        timed_out: bool = False,
    ) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.timed_out = timed_out
        self.__cause__ = cause

    def to_error(
        self, method: str, url: yarl.URL, *, possibly_applied: bool, client_request_id: str
    ) -> FaceError:
        error = FaceTimeoutError if self.timed_out else FaceConnectionError
        return error(
            f"{method} {url.path}: {self.reason}",
            possibly_applied=possibly_applied,
            client_request_id=client_request_id,
        )


def _query(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    query: list[tuple[str, str]] = []
    for name, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            query.append((name, "true" if value else "false"))
        else:
            query.append((name, str(value)))
    return query


def _plain_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    # A detached, read-only, case-insensitive copy that outlives the aiohttp response.
    return CIMultiDictProxy(CIMultiDict(headers))


def _request_id(headers: Mapping[str, str]) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


def _validation_messages(exc: BaseException) -> list[str]:
    if isinstance(exc, cattrs.BaseValidationError):
        return list(cattrs.transform_error(exc))
    return [str(exc)]


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("facekit.models.", "")
