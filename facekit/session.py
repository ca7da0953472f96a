"""FaceSession: one endpoint's requests, with credentials, rate limiting and retries.

It builds URLs under the configured endpoint, attaches the credential (to that host only),
waits on the rate limiter, hands each attempt to its Transport, and acts on what
`facekit._decide.decide` says follows it; then it maps errors and decodes JSON. It does no
HTTP itself: `AiohttpTransport` (the default) or another `Transport` does.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import json as json_module  # `json` is also the name of the request-body parameter
import logging
import os
import platform
import random
import struct
import time
from asyncio import get_running_loop
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload
from urllib.parse import quote

import attrs
import cattrs
import yarl
from multidict import CIMultiDict, CIMultiDictProxy

from ._aiohttp_transport import AIOHTTP_VERSION, AiohttpTransport
from ._decide import Act, Decision, Outcome, Why, decide
from ._options import (
    DEFAULT_MAX_RESPONSE_BYTES,
    LIMITED_ACCESS_HEADER,
    CallOptions,
    CallSettings,
    SessionConfig,
    check_call_options,
)
from ._retry_after import retry_after_seconds
from ._secrets import MIN_REDACTED_SECRET, REDACTED, SecretHeaders, redact, shorten
from ._version import __version__
from ._versions import api_path_of, require_route
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
    decode_error_body,
    error_from_response,
)
from .images import ImageUpload
from .models._serde import structure, to_wire
from .ratelimit import Limiter, RateLimiter
from .transport import (
    ACCEPT_ENCODING,
    NoReply,
    Transport,
    TransportReply,
    attempt_request,
)

if TYPE_CHECKING:
    import aiohttp

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "CallOptions",
    "FaceSession",
    "RawResponse",
    "SessionConfig",
    "capture_responses",
    "on_attempt",
]

logger = logging.getLogger("facekit")

T = TypeVar("T")

USER_AGENT = f"facekit/{__version__} Python/{platform.python_version()} aiohttp/{AIOHTTP_VERSION}"
CLIENT_REQUEST_ID = "x-ms-client-request-id"
#: How many URLs a session keeps built (a call repeated, a poll, a page of a list).
_URL_CACHE_SIZE = 512


@attrs.frozen(kw_only=True, slots=False)  # built per call: see TransportRequest
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
            return _json_of(self.body)
        except ValueError:
            problem = "is not JSON"
        except RecursionError:
            problem = "is JSON nested too deeply to decode"
        raise FaceResponseError(
            f"{self.method} {yarl.URL(self.url).path} answered a body that {problem}",
            status=self.status,
            request_id=self.request_id,
        )


def _json_of(body: bytes) -> Any:
    """The body as JSON (None if empty); ValueError if it is not JSON.

    RecursionError if it is nested too deeply to decode.
    """
    if not body:
        return None
    # isspace() before strip(): no copy of a body that is not all whitespace.
    if body.isspace():
        if body.strip(b" \t\n\r"):
            # Vertical tabs or form feeds: whitespace to Python, not to JSON.
            raise ValueError("not JSON whitespace")
        return None
    text = body.decode("utf-8")
    try:
        # json's own C scanner, without the two Python frames and whitespace matches
        # around it, for a body that starts with its value...
        value, end = _JSON_SCAN(text, 0)
    except StopIteration:
        # ...else (leading whitespace, or not JSON) the decoder says what it is.
        return _JSON_DECODER.decode(text)
    # Only JSON's own whitespace may follow (str.isspace() takes more).
    if end == len(text) or not text[end:].strip(" \t\n\r"):
        return value
    raise ValueError("more after the JSON value")


_JSON_DECODER = json_module.JSONDecoder()
#: What decoding a reply and structuring it raise when the reply does not fit.
_PARSE_ERRORS = (cattrs.BaseValidationError, ValueError, TypeError, RecursionError)
_JSON_SCAN: Callable[[str, int], tuple[Any, int]] = _JSON_DECODER.scan_once  # type: ignore[attr-defined]
#: `send`'s `result`: the RawResponse itself.
_RAW: Any = object()

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


class _Pool:
    """The transport a session and its copies share, and whether it was closed."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.closed = False
        #: The event loop of the first request: connections belong to it.
        self.loop: asyncio.AbstractEventLoop | None = None

    def adopt(self, loop: asyncio.AbstractEventLoop) -> None:
        """Take the loop of the first request; refuse any other one later (a clear error).

        A client's connections belong to the loop that opened them; reused from another
        (a second asyncio.run(), a thread with its own loop) they fail deep in aiohttp.
        """
        if self.loop is None:
            self.loop = loop
        elif loop is not self.loop:
            state = "is closed" if self.loop.is_closed() else "is another one"
            raise FaceError(
                f"this client was first used in an event loop that {state}: its connections "
                "belong there. Create a client in each event loop (async with FaceClient(...) "
                "inside the coroutine asyncio.run runs), or use facekit.sync.FaceClient from "
                "code without an event loop"
            )

    async def close(self) -> None:
        self.closed = True
        await self.transport.aclose()


# Not frozen: nothing changes a call once built, and a frozen attrs class costs an
# object.__setattr__ per field on every call. Built with positional arguments (one per
# call): matching ten keywords costs more than the rest of building it.
@attrs.define
class _Call:
    """One call, checked and ready to send: everything but the credential."""

    method: str
    url: yarl.URL
    query: list[tuple[str, str]]
    #: The headers of this call beyond the session's (which every call sends).
    headers: Mapping[str, str]
    #: The JSON body, encoded; an upload streams from `upload` instead.
    body: bytes | None = attrs.field(repr=lambda body: "None" if body is None else "<bytes>")
    upload: ImageUpload | None
    idempotent: bool
    settings: CallSettings
    client_request_id: str
    #: The URL's text, when known (`_route`).
    url_text: str | None


class FaceSession:
    """Sends Face API requests under one endpoint with retries, rate limiting and auth.

    Requests go through `transport`, or through an `AiohttpTransport` over `session` (a
    caller's aiohttp.ClientSession) or over a pool of its own.
    """

    def __init__(
        self,
        config: SessionConfig,
        credential: KeyCredential | TokenCredential,
        *,
        rate_limiter: Limiter,
        session: aiohttp.ClientSession | None = None,
        transport: Transport | None = None,
        token_cache: BearerTokenCache | None = None,
        rand: Any = None,
    ) -> None:
        if transport is None:
            transport = AiohttpTransport(session, max_connections=config.max_connections)
        elif session is not None:
            raise FaceValidationError("transport", "give a transport or a session, not both")
        elif not isinstance(transport, Transport):
            raise FaceValidationError("transport", "must have async send(request) and aclose()")
        self.config = config
        self.credential = credential
        self.rate_limiter = rate_limiter
        self._pool = _Pool(transport)
        if isinstance(credential, KeyCredential):
            self._tokens = None
        elif isinstance(credential, TokenCredential):
            self._tokens = token_cache or BearerTokenCache(credential)
        else:
            raise CredentialTypeError("credential", "must be a KeyCredential or a TokenCredential")
        self._rand = rand or random.random
        #: RateLimiter.try_acquire, when the limiter acquires exactly as RateLimiter does.
        self._try_acquire = _free_slot_taker(rate_limiter)
        self.base_url = self._base_for(config.api_version)
        base = self.base_url
        self._origin = (base.scheme, (base.host or "").lower(), base.port)
        # What every call of this session sends and runs with unless its options say
        # otherwise: built once (a copy with other settings is another session).
        self._headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
            **config.headers,
        }
        self._settings = CallSettings(retry=config.retry, timeout=config.timeout, headers={})
        #: The request id the client's own headers name for every call (rarely any).
        self._named_id = _header_value(config.headers, CLIENT_REQUEST_ID)
        #: URLs url_for built (checked against the version's routes) and their text, by
        #: method and path.
        self._urls: dict[tuple[str | None, ...], tuple[yarl.URL, str]] = {}

    def _base_for(self, version: str) -> yarl.URL:
        endpoint = self.config.endpoint
        return endpoint.with_path(endpoint.path.rstrip("/") + api_path_of(version))

    def copy(self, config: SessionConfig, rate_limiter: Limiter | None = None) -> FaceSession:
        """A session with other settings sharing this one's transport and token cache."""
        copy = FaceSession(
            config,
            self.credential,
            rate_limiter=rate_limiter or self.rate_limiter,
            transport=self._pool.transport,
            token_cache=self._tokens,
            rand=self._rand,
        )
        copy._pool = self._pool
        return copy

    def for_version(self, version: str) -> FaceSession:
        """This session, or a copy speaking another API version (same transport and limiter)."""
        if version == self.config.api_version:
            return self
        return self.copy(attrs.evolve(self.config, api_version=version))

    def base_for(self, version: str) -> yarl.URL:
        """The API base URL of `version` under this session's endpoint."""
        return self._base_for(version)

    @property
    def transport(self) -> Transport:
        """The transport requests go through (shared with copies)."""
        return self._pool.transport

    @property
    def closed(self) -> bool:
        """Whether `close()` was called on this session or the one it was copied from."""
        return self._pool.closed

    async def close(self) -> None:
        """Close the transport (for every copy); later calls raise FaceError."""
        await self._pool.close()

    # -- URLs ---------------------------------------------------------------------------

    def url_for(self, path: Sequence[str], *, method: str, version: str | None = None) -> yarl.URL:
        """The URL of `method /path` under the API base; each segment is escaped on its own.

        The route must exist in the API version (the client's, or `version` for the few
        operations that always go to one, such as snapshots): FaceValidationError before
        anything is sent, naming the versions that have it.
        """
        return self._route(path, method, version)[0]

    def _route(self, path: Sequence[str], method: str, version: str | None) -> tuple[yarl.URL, str]:
        """`url_for`'s URL and its text (a RawResponse's url), built once per route."""
        key = (method, version, *path)
        known = self._urls.get(key)
        if known is not None:
            return known
        for segment in path:
            if segment in ("", ".", ".."):
                raise FaceValidationError("path", f"invalid path segment {segment!r}")
        version = version or self.config.api_version
        require_route(version, method, path)
        base = self.base_url if version == self.config.api_version else self._base_for(version)
        # Each segment is escaped whole, so '/', '?' or '#' in an id can never change the path.
        url = base.joinpath(*(quote(s, safe="") for s in path), encoded=True)
        if len(self._urls) >= _URL_CACHE_SIZE:
            # Ids make most URLs unique: the cache keeps the recent ones, not all of them.
            self._urls.clear()
        # yarl builds the text anew on every str().
        known = self._urls[key] = (url, str(url))
        return known

    def resolve_location(self, location: str, *, version: str | None = None) -> yarl.URL:
        """Resolve an Operation-Location under the API base; refuse other hosts.

        A relative location ("/operations/{id}") means a path under the API base path of
        the client's version (or `version`, e.g. "v1.0" for snapshots), as the Face
        service uses it. The service named it, so it is not checked against the route
        table (v1.2 follows trainings at routes its spec leaves out).
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
            chosen = version or self.config.api_version
            base = self.base_url if chosen == self.config.api_version else self._base_for(chosen)
            escaped = (quote(segment, safe="") for segment in segments)
            return base.joinpath(*escaped, encoded=True).with_query(target.query)
        if not target.host:
            raise unusable
        if not self.same_origin(target):
            raise FaceResponseError(
                f"Operation-Location points to {target.host}, not the configured endpoint "
                f"{self.base_url.host}; refusing to follow it with credentials"
            )
        return target

    def same_origin(self, url: yarl.URL) -> bool:
        """Whether `url` has the endpoint's scheme, host and port (where the key may go)."""
        scheme, host, port = self._origin
        return url.scheme == scheme and url.port == port and (url.host or "").lower() == host

    # -- sending ------------------------------------------------------------------------

    @overload
    def call(
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
        version: str | None = ...,
    ) -> Coroutine[Any, Any, T]: ...

    @overload
    def call(
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
        version: str | None = ...,
    ) -> Coroutine[Any, Any, None]: ...

    def call(
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
        version: str | None = None,
    ) -> Coroutine[Any, Any, Any]:
        """Send one operation and parse its JSON reply into `result` (None: no body).

        `version` sends it to another API version than the client's (snapshots: v1.0).
        Await it at once: the call is checked now (a mistake raises here, before any
        request), and the coroutine returned is the send loop itself, one frame fewer
        than a coroutine of its own would cost on every call and every resumption.
        """
        url, url_text = self._route(path, method, version)
        # The URL is the endpoint's by construction: no origin check.
        prepared = self._prepare(method, url, params, json, upload, idempotent, options, url_text)
        return self._send(prepared, result)

    def parse(self, response: RawResponse, result: type[T]) -> T:
        """The reply's JSON as `result`; FaceResponseError if it does not fit."""
        data = response.json()
        try:
            return structure(data, result)
        except _PARSE_ERRORS as exc:
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

        What follows each attempt is `decide`'s verdict; this loop only acts on it. Every
        error is raised from this frame with no chained cause: the credential lives only
        in the frames of `_attempt` and below, which no raised error's traceback includes.
        """
        response: RawResponse = await self._send(
            self._prepare(method, url, params, json, upload, idempotent, options), _RAW
        )
        return response

    async def _send(self, call: _Call, result: Any) -> Any:
        """The loop of `send` and `call`: attempts until `decide` ends them.

        Returns the reply parsed into `result` (None: nothing; `_RAW`: the RawResponse).
        """
        pool = self._pool
        if get_running_loop() is not pool.loop:
            pool.adopt(get_running_loop())
        started = time.monotonic()
        refreshed_token = False
        attempt = 0
        try_acquire = self._try_acquire
        while True:
            attempt += 1
            # A free slot is taken without a coroutine (most calls of a lightly used client).
            if try_acquire is None or not try_acquire():
                await self.rate_limiter.acquire()
            listener = _attempt_listener.get()
            if listener is not None:
                listener()
            if pool.closed:
                raise FaceError("the client is closed")
            # The attempt's own clock only for the DEBUG line (nothing of it is built otherwise).
            debug = logger.isEnabledFor(logging.DEBUG)
            attempt_start = time.monotonic() if debug else 0.0
            outcome = await self._attempt(call)
            response = None
            # `decide` returns every 2xx reply within the cap as it is, whatever else it
            # knows (tests/test_decide.py holds it to that): such a reply needs no summary.
            final = False
            if isinstance(outcome, TransportReply):
                final = 200 <= outcome.status < 300 and not outcome.oversized
                if final and not (debug or result is _RAW or _captured.get() is not None):
                    # Nobody sees the RawResponse: none is built unless parsing fails
                    # (then `parse` builds the error from it).
                    if result is None:
                        return None
                    try:
                        return structure(_json_of(outcome.body), result)
                    except _PARSE_ERRORS:
                        pass
                response = self._response(call, outcome, attempt, started)
            if debug:
                self._log_attempt(call, outcome, response, attempt, attempt_start)
            if final and response is not None:
                return self._returned(response, result)
            summary = _summary(outcome, call.upload)
            decision = decide(
                attempt,
                summary,
                idempotent=call.idempotent,
                can_resend=call.upload is None or call.upload.can_send,
                can_refresh_token=self._tokens is not None and not refreshed_token,
                policy=call.settings.retry,
                rand=self._rand,
            )
            if decision.pause is not None:
                self.rate_limiter.pause(decision.pause)
            if decision.act is Act.RETURN and response is not None:
                return self._returned(response, result)
            if decision.act is Act.RETRY:
                self._log_retry(call, outcome, summary, attempt, decision.delay)
                if decision.sleep:
                    await asyncio.sleep(decision.delay)
            elif decision.act is Act.REFRESH_TOKEN and self._tokens is not None:
                refreshed_token = True
                self._tokens.invalidate()
                attempt -= 1
            else:
                raise self._error(call, outcome, response, decision)

    def _prepare(
        self,
        method: str,
        url: yarl.URL,
        params: Mapping[str, Any] | None,
        json: Any,
        upload: ImageUpload | None,
        idempotent: bool,
        options: CallOptions | None,
        url_text: str | None = None,
    ) -> _Call:
        """Check the call (its URL and options, once) and build what every attempt sends.

        `url_text` is given for the URLs `_route` built (the endpoint's by construction);
        any other URL is checked to be the endpoint's.
        """
        if url_text is None and not self.same_origin(url):
            raise FaceValidationError("url", "facekit sends credentials only to its endpoint")
        if options is None or (type(options) is dict and not options):
            settings = self._settings
        else:
            settings = check_call_options(options, self.config)
        # What this call sends beyond the session's own headers (added per attempt). A
        # request id the call or the client names is the one sent and reported; else a
        # fresh one.
        if settings.headers:
            headers = dict(settings.headers)
            client_request_id = _header_value(headers, CLIENT_REQUEST_ID) or self._named_id
        else:
            headers = {}
            client_request_id = self._named_id
        if client_request_id is None:
            client_request_id = headers[CLIENT_REQUEST_ID] = _new_request_id()
        body = None
        if upload is not None:
            headers["Content-Type"] = upload.content_type
            if upload.size is not None:
                headers["Content-Length"] = str(upload.size)
        elif json is not None:
            headers["Content-Type"] = "application/json"
            body = _json_body(json)
        return _Call(
            method,
            url,
            _query(params),
            headers,
            body,
            upload,
            idempotent,
            settings,
            client_request_id,
            url_text,
        )

    async def _attempt(self, call: _Call) -> TransportReply | NoReply:
        """One request through the transport, with the credential attached.

        The credential lives only in this frame and the transport's below it, and what
        is returned is scrubbed of it (a reply or an error text may quote it back).
        Failures come back as values, never raised, so that no exception holding the
        request travels further up.
        """
        if self._tokens is None:
            # A key needs no await: a coroutine per attempt saved.
            assert isinstance(self.credential, KeyCredential)
            name, value = KEY_HEADER, self.credential._key
            secret = value
        else:
            name, value, secret = await self._credential()
        headers = SecretHeaders(self._headers)
        headers.update(call.headers)
        headers[name] = value
        secrets: tuple[str, ...] = (secret,)
        limited_access = self.config.limited_access_token
        if limited_access is not None:
            # Added here, beside the credential, so that no repr of a call shows it.
            headers[LIMITED_ACCESS_HEADER] = limited_access
            secrets += (limited_access,)
        stream = call.upload.chunks() if call.upload is not None else None
        request = attempt_request(
            call.method,
            call.url,
            call.query,
            headers,
            call.body if stream is None else stream,
            call.settings.timeout,
            self.config.connect_timeout,
            self.config.max_response_bytes,
            secrets,
        )
        try:
            outcome = await self._pool.transport.send(request)
        finally:
            # A stream the transport left unfinished is closed now rather than by the
            # garbage collector; one a writer task is still inside is closed by that task.
            if stream is not None and not getattr(stream, "ag_running", False):
                await stream.aclose()
        return _scrub(outcome, request.secrets)

    async def _credential(self) -> tuple[str, str, str]:
        """The bearer token's header name and value, and the secret in it."""
        assert self._tokens is not None
        token = await self._tokens.token()
        return "Authorization", f"Bearer {token}", token

    def _returned(self, response: RawResponse, result: Any) -> Any:
        """What `_send` returns for a reply it accepts: captured, then parsed into `result`."""
        self._capture(response)
        if result is _RAW:
            return response
        return None if result is None else self.parse(response, result)

    def _response(
        self, call: _Call, reply: TransportReply, attempt: int, started: float
    ) -> RawResponse:
        headers = reply.headers
        return RawResponse(
            method=call.method,
            url=call.url_text or str(call.url),
            status=reply.status,
            headers=headers,
            body=reply.body,
            request_id=(
                headers.get("apim-request-id")
                or headers.get("x-ms-request-id")
                or headers.get("request-id")
                or None
            ),
            client_request_id=call.client_request_id,
            attempts=attempt,
            elapsed=time.monotonic() - started,
        )

    def _error(
        self,
        call: _Call,
        outcome: TransportReply | NoReply,
        response: RawResponse | None,
        decision: Decision,
    ) -> FaceError:
        """The error a RAISE decision names (returned, so that `send` raises it itself)."""
        where = f"{call.method} {call.url.path}"
        if decision.why is Why.CALLER and call.upload is not None and call.upload.error:
            # The image broke a limit mid-stream: the caller's mistake, not the network's.
            # Raised afresh, without the frames of the stream's writer.
            return call.upload.error.with_traceback(None)
        if isinstance(outcome, NoReply):
            if outcome.unusable_reply:
                return FaceResponseError(f"{where}: {outcome.reason}")
            error = FaceTimeoutError if outcome.timed_out else FaceConnectionError
            return error(
                f"{where}: {outcome.reason}",
                possibly_applied=decision.possibly_applied,
                client_request_id=call.client_request_id,
            )
        assert response is not None
        status, request_id = response.status, response.request_id
        if decision.why is Why.OVERSIZED or decision.why is Why.REDIRECT:
            problem = (
                f"more than {self.config.max_response_bytes} bytes (max_response_bytes); "
                "the rest was not read"
                if decision.why is Why.OVERSIZED
                else f"a redirect (HTTP {status}); facekit does not follow redirects, so "
                "credentials never leave the endpoint"
            )
            return FaceResponseError(
                f"{where} answered {problem}", status=status, request_id=request_id
            )
        self._capture(response)
        return error_from_response(
            status,
            response.headers,
            response.body,
            request_id=request_id,
            client_request_id=call.client_request_id,
            possibly_applied=decision.possibly_applied,
        )

    def _secrets(self) -> list[str]:
        secrets = (
            [] if self.config.limited_access_token is None else [self.config.limited_access_token]
        )
        if self._tokens is not None:
            token = self._tokens.cached()
            return [token, *secrets] if token else secrets
        assert isinstance(self.credential, KeyCredential)
        return [self.credential.key, *secrets]

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets())

    def _capture(self, response: RawResponse) -> None:
        bucket = _captured.get()
        if bucket is not None:
            bucket.append(response)

    def _log_attempt(
        self,
        call: _Call,
        outcome: TransportReply | NoReply,
        response: RawResponse | None,
        attempt: int,
        start: float,
    ) -> None:
        # Called only when DEBUG is on: nothing of the record is built otherwise.
        logger.debug(
            "%s %s -> %s in %.0f ms (attempt %d, client request id %s, request id %s)",
            call.method,
            call.url.path,
            f"failed ({outcome.reason})" if isinstance(outcome, NoReply) else outcome.status,
            (time.monotonic() - start) * 1000,
            attempt,
            call.client_request_id,
            (response.request_id if response is not None else None) or "-",
        )

    def _log_retry(
        self,
        call: _Call,
        outcome: TransportReply | NoReply,
        summary: Outcome,
        attempt: int,
        delay: float,
    ) -> None:
        if isinstance(outcome, NoReply):
            reason = outcome.reason
        else:
            reason = f"HTTP {outcome.status} {summary.code or ''}".strip()
        logger.info(
            "retrying %s %s after %s: retry %d in %.2f s",
            call.method,
            call.url.path,
            reason,
            attempt,
            delay,
        )

    def __repr__(self) -> str:
        return f"FaceSession(base_url={str(self.base_url)!r})"


def _new_request_id() -> str:
    """A fresh random (version 4) UUID as text: a call's x-ms-client-request-id.

    The same as str(uuid.uuid4()) from 16 bytes of os.urandom, at a fraction of its
    cost: 256 ids are made at once from one read of os.urandom.
    """
    try:
        return _request_ids.popleft()
    except IndexError:
        # deque.extend and popleft are atomic: threads refilling at once only add more.
        _request_ids.extend(_uuid4_texts(os.urandom(16 * _ID_BATCH)))
        return _request_ids.popleft()


def _uuid4_texts(random_bytes: bytes) -> list[str]:
    """UUID4 texts, one per 16 random bytes of `random_bytes` (16 * _ID_BATCH of them).

    The version nibble is set to 4 and the variant's two top bits to 10 (RFC 9562) for
    the whole batch at once, as one integer; the hex digits are then cut into the
    8-4-4-4-12 groups by struct, in C.
    """
    number = (int.from_bytes(random_bytes, "big") & _ID_KEEP) | _ID_SET
    digits = number.to_bytes(len(random_bytes), "big").hex().encode("ascii")
    return [b"-".join(groups).decode("ascii") for groups in _ID_GROUPS.iter_unpack(digits)]


_ID_BATCH = 256
#: The bits of each id kept from os.urandom, and those set (version 4, variant 10).
_ID_KEEP = int.from_bytes(bytes.fromhex("ffffffffffff0fff3fffffffffffffff") * _ID_BATCH, "big")
_ID_SET = int.from_bytes(bytes.fromhex("00000000000040008000000000000000") * _ID_BATCH, "big")
_ID_GROUPS = struct.Struct("8s4s4s4s12s")
#: Request ids to come. A forked child starts afresh: it must not send the ids its
#: parent has in hand.
_request_ids: collections.deque[str] = collections.deque()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_request_ids.clear)


def _header_value(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header `name` (any case) in `headers`, or None."""
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _free_slot_taker(limiter: Limiter) -> Callable[[], bool] | None:
    """RateLimiter's `try_acquire`, if `limiter` takes its slots exactly as RateLimiter does.

    Only then may a free slot be taken without awaiting `acquire()`: a subclass or an
    instance with an `acquire` of its own (counting, logging, sleeping), or a wrapper that
    forwards other attributes to a RateLimiter, must see every acquisition.
    """
    if not isinstance(limiter, RateLimiter):
        return None
    cls = type(limiter)
    if cls.acquire is not RateLimiter.acquire or cls.try_acquire is not RateLimiter.try_acquire:
        return None
    if {"acquire", "try_acquire"} & vars(limiter).keys():
        return None
    return limiter.try_acquire


def _summary(outcome: TransportReply | NoReply, upload: ImageUpload | None) -> Outcome:
    """What `decide` needs to know of an attempt's outcome."""
    if isinstance(outcome, NoReply):
        return Outcome(
            failure=outcome.kind, caller_fault=upload is not None and upload.error is not None
        )
    if outcome.status < 400:
        return Outcome(status=outcome.status, oversized=outcome.oversized)
    code, message = decode_error_body(outcome.body, outcome.headers)
    return Outcome(
        status=outcome.status,
        code=code,
        retry_after=retry_after_seconds(outcome.headers, message),
    )


def _scrub(outcome: TransportReply | NoReply, secrets: Sequence[str]) -> TransportReply | NoReply:
    """The outcome with every secret cut out.

    A debugging proxy or a hostile server may quote the credential back, and it must not
    reach request ids, error codes, messages, captured headers or parsed models: not in a
    header's name or value, not in the body, and not hidden in a JSON body's escapes.
    """
    if isinstance(outcome, NoReply):
        reason = redact(outcome.reason, secrets)
        return outcome if reason == outcome.reason else attrs.evolve(outcome, reason=reason)
    headers = outcome.headers
    # One search per secret: a secret in any name or value is in their join (a match
    # across two of them would only cost a redaction pass that changes nothing).
    names_and_values = "\n".join([*headers, *headers.values()])
    body = outcome.body
    # "\u0030" is "0" once decoded: a body with escapes is searched as decoded too.
    unescaped = _unescaped(body) if body.find(b"\\") >= 0 else None
    for secret in secrets:
        # find(), not `in`: bytes' `in` first tries its operand as an integer.
        if len(secret) >= MIN_REDACTED_SECRET and (
            secret in names_and_values
            or body.find(secret.encode()) >= 0
            or (unescaped is not None and secret in unescaped)
        ):
            break
    else:
        # The usual case: nothing quoted, nothing copied.
        return outcome
    secrets = [secret for secret in secrets if len(secret) >= MIN_REDACTED_SECRET]
    if any(secret in names_and_values for secret in secrets):
        headers = CIMultiDictProxy(
            CIMultiDict(
                (redact(name, secrets), redact(value, secrets)) for name, value in headers.items()
            )
        )
    if unescaped is not None and any(secret in unescaped for secret in secrets):
        # Rewritten from its decoded value: the same JSON, without the secret.
        body = redact(unescaped, secrets).encode()
    else:
        for secret in secrets:
            body = body.replace(secret.encode(), REDACTED.encode())
    return attrs.evolve(outcome, headers=headers, body=body)


def _unescaped(body: bytes) -> str | None:
    """A JSON body as JSON text with every escape it can do without undone; None if not JSON."""
    try:
        return json_module.dumps(_json_of(body), ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        return None


def _json_body(value: Any) -> bytes:
    """A request body as JSON bytes (an attrs model in its wire shape)."""
    wire = to_wire(value) if attrs.has(type(value)) else value
    try:
        return json_module.dumps(wire).encode()
    except (TypeError, ValueError, RecursionError) as exc:
        problem = f"cannot be sent as JSON: {type(exc).__name__}"
    raise FaceValidationError("json", problem)


def _query(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    query: list[tuple[str, str]] = []
    if not params:
        return query
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            query.append((name, "true" if value else "false"))
        else:
            query.append((name, str(value)))
    return query


def _validation_messages(exc: BaseException) -> list[str]:
    if isinstance(exc, cattrs.BaseValidationError):
        return list(cattrs.transform_error(exc))
    return [str(exc)]


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("facekit.models.", "")
