"""FaceSession: the only module that touches aiohttp.

It builds URLs under the configured endpoint, attaches credentials (to that host only),
waits on the rate limiter, sends, retries, maps errors and decodes JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import io
import json as json_module  # `json` is also the name of the request-body parameter
import logging
import platform
import random
import time
import uuid
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, overload
from urllib.parse import quote

import aiohttp
import attrs
import cattrs
import yarl
from multidict import CIMultiDict, CIMultiDictProxy

from . import _retry
from ._options import (
    DEFAULT_MAX_RESPONSE_BYTES,
    CallOptions,
    SessionConfig,
    check_call_options,
)
from ._secrets import shorten
from ._version import __version__
from .auth import (
    KEY_HEADER,
    BearerTokenCache,
    CredentialTypeError,
    KeyCredential,
    TokenCredential,
)
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

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "CallOptions",
    "FaceSession",
    "RawResponse",
    "SessionConfig",
    "capture_responses",
]

logger = logging.getLogger("facekit")

T = TypeVar("T")

USER_AGENT = (
    f"facekit/{__version__} Python/{platform.python_version()} aiohttp/{aiohttp.__version__}"
)
CLIENT_REQUEST_ID = "x-ms-client-request-id"
_REQUEST_ID_HEADERS = ("apim-request-id", "x-ms-request-id", "request-id")
# An error body is read only for its code and message; real ones are well under 1 KB.
_ERROR_BODY_LIMIT = 64 * 1024
# Secrets shorter than this are not searched for in messages (they would mangle text).
_MIN_REDACTED_SECRET = 8
_REDACTED = "<redacted>"
#: The content codings facekit decodes itself (see `_read_body`).
_ACCEPT_ENCODING = "gzip, deflate"


@attrs.frozen(kw_only=True)
class RawResponse:
    """What came back over HTTP for one call (after retries)."""

    method: str
    url: str
    status: int
    # Left out of the repr: a body can be megabytes, and error reporters render the reprs
    # of a traceback's locals.
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=lambda body: f"<{len(body)} bytes>")
    request_id: str | None
    client_request_id: str
    attempts: int
    elapsed: float

    def json(self) -> Any:
        """The body as JSON; FaceResponseError if it is not JSON."""
        try:
            return json_module.loads(self.body.decode("utf-8")) if self.body.strip() else None
        except (UnicodeDecodeError, ValueError):
            problem = "is not JSON"
        except RecursionError:
            problem = "is JSON nested too deeply to decode"
        raise FaceResponseError(
            f"{self.method} {yarl.URL(self.url).path} answered a body that {problem}",
            status=self.status,
            request_id=self.request_id,
        )


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


_attempt_listener: contextvars.ContextVar[Callable[[], object] | None] = contextvars.ContextVar(
    "facekit_attempt_listener", default=None
)


@contextlib.contextmanager
def on_attempt(listener: Callable[[], object]) -> Iterator[None]:
    """Call `listener()` just before each attempt of the requests made in this context.

    An attempt starts after the rate limiter let it through, so a write that may land
    until "attempt start + timeout" can be recorded as such (bulk enrollment's journal).
    """
    token = _attempt_listener.set(listener)
    try:
        yield
    finally:
        _attempt_listener.reset(token)


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
            raise CredentialTypeError("credential", "must be a KeyCredential or a TokenCredential")
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
        shown = shorten(self._redact(str(location)))
        unusable = FaceResponseError(f"unusable Operation-Location {shown}")
        try:
            target = yarl.URL(location)
        except (TypeError, ValueError):
            # yarl refuses e.g. a backslash in the authority or an unclosed IPv6 bracket.
            raise unusable from None
        if not target.is_absolute():
            segments = target.path.lstrip("/").split("/")
            if any(segment in ("", ".", "..") for segment in segments):
                raise unusable
            return self.url_for(segments).with_query(target.query)
        if not target.host:
            raise unusable
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
        """The reply's JSON as `result`; FaceResponseError if it does not fit."""
        data = response.json()
        try:
            return structure(data, result)
        except (cattrs.BaseValidationError, ValueError, TypeError, RecursionError) as exc:
            details = "; ".join(_validation_messages(exc))
        # Raised outside the handler: the converter's frames hold the whole reply.
        del data
        raise FaceResponseError(
            f"{response.method} {yarl.URL(response.url).path} answered a body that does "
            f"not match {_type_name(result)}: {self._redact(details)[:1000]}",
            status=response.status,
            request_id=response.request_id,
        )

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
        """Send with rate limiting and retries; return the 2xx reply or raise FaceError.

        Every error is raised from this frame with no chained cause: aiohttp's exceptions
        carry the request headers (and so the key), and the credential headers live only
        in the frames of `_attempt` and below, which no raised error's traceback includes.
        """
        if not self.same_origin(url):
            raise FaceValidationError("url", "facekit sends credentials only to its endpoint")
        settings = check_call_options(options, self.config)
        policy = settings.retry
        timeout = aiohttp.ClientTimeout(
            total=settings.timeout, sock_connect=self.config.connect_timeout
        )
        client_request_id = str(uuid.uuid4())
        headers = self._base_headers(settings.headers, client_request_id)
        query = _query(params)
        body = to_wire(json) if json is not None and attrs.has(type(json)) else json
        started = time.monotonic()
        refreshed_token = False
        attempt = 0
        while True:
            attempt += 1
            await self.rate_limiter.acquire()
            listener = _attempt_listener.get()
            if listener is not None:
                listener()
            attempt_start = time.monotonic()
            outcome = await self._attempt(method, url, query, body, upload, headers, timeout)
            if isinstance(outcome, _Failure):
                if upload is not None and upload.error is not None:
                    # The image broke a limit mid-stream: the caller's mistake, not the
                    # network's. Raised afresh, without the writer task's frames.
                    raise upload.error.with_traceback(None)
                self._log_attempt(
                    method,
                    url,
                    f"failed ({outcome.reason})",
                    attempt_start,
                    attempt,
                    client_request_id,
                    None,
                )
                retry = (
                    outcome.kind is not None
                    and _retry.should_retry(failure=outcome.kind, idempotent=idempotent)
                    and (upload is None or upload.can_send)
                )
                delay = _retry.retry_delay(attempt, policy, None, self._rand) if retry else None
                if delay is not None:
                    self._log_retry(method, url, attempt, delay, outcome.reason)
                    await asyncio.sleep(delay)
                    continue
                raise outcome.to_error(
                    method,
                    url,
                    possibly_applied=outcome.kind is _retry.TransportFailure.AMBIGUOUS
                    and not idempotent,
                    client_request_id=client_request_id,
                )

            # A reply quoting the credential back (a debugging proxy, a hostile server) must
            # not carry it into request ids, error codes or captured headers.
            outcome = self._redact_reply(outcome)
            request_id = _request_id(outcome.headers)
            self._log_attempt(
                method,
                url,
                str(outcome.status),
                attempt_start,
                attempt,
                client_request_id,
                request_id,
            )
            status = outcome.status
            response = RawResponse(
                method=method,
                url=str(url),
                status=status,
                headers=outcome.headers,
                body=outcome.body,
                request_id=request_id,
                client_request_id=client_request_id,
                attempts=attempt,
                elapsed=time.monotonic() - started,
            )
            if 200 <= status < 300:
                if outcome.oversized:
                    raise FaceResponseError(
                        f"{method} {url.path} answered more than {self.config.max_response_bytes}"
                        " bytes (max_response_bytes); the rest was not read",
                        status=status,
                        request_id=request_id,
                    )
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
                outcome.headers,
                outcome.body,
                request_id=request_id,
                client_request_id=client_request_id,
                possibly_applied=(not idempotent and _retry.is_ambiguous(status=status)),
            )
            retry_after = getattr(error, "retry_after", None)
            if status == 429:
                self.rate_limiter.pause(_retry.gate_pause(retry_after, policy))
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
        base_headers: Mapping[str, str],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 - aiohttp's per-request timeout
    ) -> _Reply | _Failure:
        """One request; failures are returned as values, never raised, so that no
        exception holding aiohttp's request (and its headers) travels further up."""
        kwargs: dict[str, Any] = {}
        headers = _SecretHeaders(base_headers)
        headers.update(await self._auth_headers())
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
        headers: _SecretHeaders,
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 - aiohttp's per-request timeout
        kwargs: dict[str, Any],
    ) -> _Reply | _Failure:
        session = self._transport.get()
        try:
            # Not `async with`: its exit, like `reply.read()`, awaits aiohttp's body-writer
            # task, which aiohttp cancels itself once the reply is complete. A cancellation
            # of this task arriving during that await surfaces as the writer's own
            # CancelledError, which anyio's cancel scopes do not recognise as theirs and so
            # let escape. Releasing synchronously never awaits the writer.
            reply = await session.request(
                method,
                url,
                params=query,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                auto_decompress=False,
                **kwargs,
            )
            complete = False
            try:
                limit = self.config.max_response_bytes
                if not 200 <= reply.status < 300:
                    limit = min(limit, _ERROR_BODY_LIMIT)
                try:
                    body, complete = await _read_body(reply, limit)
                except _Undecodable:
                    if 200 <= reply.status < 300:
                        raise
                    # An error reply is told by its status; its body is not needed.
                    body = b""
                return _Reply(reply.status, _plain_headers(reply.headers), body, not complete)
            finally:
                if complete:
                    reply.release()
                else:
                    # Unread bytes remain (an early exit, a cap, an error): the connection
                    # cannot be reused.
                    reply.close()
        except aiohttp.ClientConnectorCertificateError as exc:
            return _Failure(None, self._describe(f"TLS certificate of {url.host} refused", exc))
        except aiohttp.ConnectionTimeoutError:
            return _Failure(_retry.TransportFailure.NOT_SENT, "connect timeout", timed_out=True)
        except aiohttp.ClientConnectorError as exc:
            reason = self._describe(f"cannot connect to {url.host}", exc)
            return _Failure(_retry.TransportFailure.NOT_SENT, reason)
        except TimeoutError:
            return _Failure(_retry.TransportFailure.AMBIGUOUS, "timed out", timed_out=True)
        except _Undecodable as exc:
            # The same reply again would fail the same way: no retry.
            return _Failure(None, f"unusable reply: {exc}", unusable_reply=True)
        except (aiohttp.ClientError, OSError) as exc:
            return _Failure(
                _retry.TransportFailure.AMBIGUOUS, self._describe("connection broke", exc)
            )
        except Exception as exc:
            # Whatever else aiohttp raises on a reply it cannot handle is still a broken
            # exchange for the caller, not a crash.
            return _Failure(
                _retry.TransportFailure.AMBIGUOUS, self._describe("the request failed", exc)
            )

    def _describe(self, what: str, exc: BaseException) -> str:
        """`what: Type: text` for an error message, with any secret cut out.

        Only str() is used: the repr of aiohttp's errors includes the request headers.
        A hostile reply can be echoed into the text (a status line made of the request),
        so the current key or token is removed from it as well.
        """
        # Redacted before it is cut short: a cut through the secret would leave half of it.
        text = self._redact(str(exc)).replace("\n", " ").strip()
        detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        if len(detail) > 300:
            detail = detail[:297] + "..."
        return f"{what}: {detail}"

    def _secrets(self) -> list[str]:
        if self._tokens is not None:
            token = self._tokens.cached()
            secrets = [token] if token else []
        else:
            assert isinstance(self.credential, KeyCredential)
            secrets = [self.credential.key]
        return [secret for secret in secrets if len(secret) >= _MIN_REDACTED_SECRET]

    def _redact(self, text: str) -> str:
        for secret in self._secrets():
            text = text.replace(secret, _REDACTED)
        return text

    def _redact_reply(self, reply: _Reply) -> _Reply:
        secrets = self._secrets()
        headers_quote = any(s in value for s in secrets for value in reply.headers.values())
        body_quotes = any(s.encode() in reply.body for s in secrets)
        if not (headers_quote or body_quotes):
            return reply
        headers: Mapping[str, str] = reply.headers
        if headers_quote:
            headers = _plain_headers(
                CIMultiDict((name, self._redact(value)) for name, value in reply.headers.items())
            )
        body = reply.body
        for secret in secrets:
            body = body.replace(secret.encode(), _REDACTED.encode())
        return attrs.evolve(reply, headers=headers, body=body)

    def _base_headers(self, extra: Mapping[str, str], client_request_id: str) -> dict[str, str]:
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": _ACCEPT_ENCODING,
        }
        headers.update(self.config.headers)
        headers.update(extra)
        headers.setdefault(CLIENT_REQUEST_ID, client_request_id)
        return headers

    async def _auth_headers(self) -> _SecretHeaders:
        if self._tokens is not None:
            return _SecretHeaders(Authorization=f"Bearer {await self._tokens.token()}")
        assert isinstance(self.credential, KeyCredential)
        return _SecretHeaders({KEY_HEADER: self.credential.key})

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


class _SecretHeaders(dict[str, str]):
    """Request headers carrying a credential: a dict (as aiohttp wants) whose repr hides
    every value, so that a frame's rendered locals never show the key or token."""

    def __repr__(self) -> str:
        return f"<{len(self)} request headers: {', '.join(self)}>"


@attrs.frozen
class _Reply:
    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=lambda body: f"<{len(body)} bytes>")
    #: More than the size cap arrived; `body` holds the first bytes only.
    oversized: bool


@attrs.frozen
class _Failure:
    """An attempt that got no HTTP reply; `reason` is safe to show (no secret in it)."""

    #: None: not worth retrying (a refused certificate, an undecodable body).
    kind: _retry.TransportFailure | None
    reason: str
    timed_out: bool = False
    #: The reply arrived but cannot be used: a FaceResponseError, not a connection error.
    unusable_reply: bool = False

    def to_error(
        self, method: str, url: yarl.URL, *, possibly_applied: bool, client_request_id: str
    ) -> FaceError:
        if self.unusable_reply:
            return FaceResponseError(f"{method} {url.path}: {self.reason}")
        error = FaceTimeoutError if self.timed_out else FaceConnectionError
        return error(
            f"{method} {url.path}: {self.reason}",
            possibly_applied=possibly_applied,
            client_request_id=client_request_id,
        )


class _Undecodable(Exception):
    """A reply body in a content coding facekit cannot (or will not) decode."""


class _Inflater:
    """Decodes a gzip or deflate body piece by piece, never producing more than asked."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        # 47 = 32 + 15: a zlib or a gzip header, detected; deflate bodies are often raw.
        self._zlib = zlib.decompressobj(47)
        self._started = False

    def feed(self, data: bytes, most: int) -> bytes:
        try:
            out = self._zlib.decompress(data, most)
        except zlib.error:
            if self._started or self._encoding != "deflate":
                raise _Undecodable(f"the {self._encoding} body is corrupt") from None
            self._zlib = zlib.decompressobj(-15)
            try:
                out = self._zlib.decompress(data, most)
            except zlib.error:
                raise _Undecodable("the deflate body is corrupt") from None
        self._started = True
        return out

    def finish(self) -> bytes:
        """Whatever the decoder still holds once the body has ended (usually nothing)."""
        try:
            return self._zlib.flush()
        except zlib.error:
            raise _Undecodable(f"the {self._encoding} body is corrupt") from None


def _inflater(headers: Mapping[str, str]) -> _Inflater | None:
    encoding = headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        return _Inflater("deflate" if encoding == "deflate" else "gzip")
    raise _Undecodable(f"unsupported Content-Encoding {shorten(encoding)}")


async def _read_body(reply: aiohttp.ClientResponse, limit: int) -> tuple[bytes, bool]:
    """Read and decode at most `limit` bytes; (body, complete). Nothing is read past it.

    A declared Content-Length over the limit is refused before reading; otherwise bytes
    are counted as they arrive, after decoding: a gzip body is inflated here, a piece at a
    time and never past the limit, so a huge, endless or compressed-bomb body costs at
    most about `limit` bytes of memory. (aiohttp's own decoding inflates whatever has
    arrived before any check could stop it.)
    """
    declared = reply.content_length
    if declared is not None and declared > limit:
        return b"", False
    inflater = _inflater(reply.headers)
    buffer = io.BytesIO()
    size = 0
    while True:
        data = await reply.content.readany()
        if not data:
            if inflater is None:
                return buffer.getvalue(), True
            data, inflater = inflater.finish(), None
        elif inflater is not None:
            # One byte more than the room left tells "over the limit" from "exactly at it".
            data = inflater.feed(data, limit - size + 1)
        size += len(data)
        if size > limit:
            buffer.write(data[: len(data) - (size - limit)])
            return buffer.getvalue(), False
        buffer.write(data)


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
