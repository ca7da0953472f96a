"""AiohttpTransport: the Transport over aiohttp, and the only module that calls it.

It owns the connection pool (created lazily inside the event loop, or the caller's own
`aiohttp.ClientSession`), sends without following redirects or letting aiohttp decode
bodies, reads replies with `read_reply` under the size cap, and turns every exception
aiohttp raises into a NoReply whose reason carries no secret.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from ._retry import TransportFailure
from ._secrets import describe
from .errors import FaceValidationError
from .transport import NoReply, TransportReply, TransportRequest, read_reply

__all__ = ["AIOHTTP_VERSION", "AiohttpTransport", "no_reply"]

#: The aiohttp version in use (for the User-Agent).
AIOHTTP_VERSION: str = aiohttp.__version__


class AiohttpTransport:
    """Sends facekit's requests with aiohttp.

    Without `session`, it opens its own pool of at most `max_connections` connections on
    first use and closes it in `aclose`. A caller's `aiohttp.ClientSession` is used as
    it is and left open: its owner closes it.
    """

    def __init__(
        self, session: aiohttp.ClientSession | None = None, *, max_connections: int = 32
    ) -> None:
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise FaceValidationError("session", "must be an aiohttp.ClientSession")
        self._session = session
        self._owned = session is None
        self._max_connections = max_connections
        self.closed = False
        self._timeouts: dict[tuple[float, float], aiohttp.ClientTimeout] = {}
        self._last_timeout: aiohttp.ClientTimeout | None = None

    def client_session(self) -> aiohttp.ClientSession:
        """The aiohttp session requests go through (created on first use)."""
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def send(self, request: TransportRequest) -> TransportReply | NoReply:
        """Send one request; the reply read under the cap, or why there is none."""
        if self.closed:
            return NoReply(kind=None, reason="the client is closed")
        session = self._session or self.client_session()
        try:
            # Not `async with`: its exit, like `reply.read()`, awaits aiohttp's body-writer
            # task, which aiohttp cancels itself once the reply is complete. A cancellation
            # of this task arriving during that await surfaces as the writer's own
            # CancelledError, which anyio's cancel scopes do not recognise as theirs and so
            # let escape. Releasing synchronously never awaits the writer.
            # Only what differs from aiohttp's defaults is passed: every keyword is packed
            # into a dict and unpacked again on its way to aiohttp's request coroutine.
            optional: dict[str, Any] = {}
            if request.query:
                optional["params"] = list(request.query)
            if request.body is not None:
                optional["data"] = request.body
            elif request.method in _BODY_METHODS:
                skipped = _skipped_headers(request)
                if skipped is not None:
                    optional["skip_auto_headers"] = skipped
            # Immutable, and nearly every request has the client's own two values: the
            # last one is compared first, without building a key.
            timeout = self._last_timeout
            if (
                timeout is None
                or timeout.total != request.timeout
                or timeout.sock_connect != request.connect_timeout
            ):
                timeout = self._timeout(request.timeout, request.connect_timeout)
            reply = await session.request(
                request.method,
                request.url,
                headers=request.headers,
                timeout=timeout,
                allow_redirects=False,
                # facekit decodes gzip and deflate itself, under its size cap.
                auto_decompress=False,
                **optional,
            )
            complete = False
            try:
                outcome, complete = await read_reply(
                    reply.status,
                    reply.headers,
                    reply.content.readany,
                    content_length=reply.content_length,
                    request=request,
                )
                return outcome
            finally:
                if complete:
                    reply.release()
                else:
                    # Unread bytes remain (an early exit, a cap, an error): the connection
                    # cannot be reused.
                    reply.close()
        except Exception as exc:
            # Only the verdict leaves this frame: aiohttp's exception holds the request.
            return no_reply(exc, request)

    def _timeout(self, total: float, connect: float) -> aiohttp.ClientTimeout:
        timeout = self._timeouts.get((total, connect))
        if timeout is None:
            if len(self._timeouts) >= 64:
                self._timeouts.clear()
            timeout = aiohttp.ClientTimeout(total=total, sock_connect=connect)
            self._timeouts[total, connect] = timeout
        self._last_timeout = timeout
        return timeout

    async def aclose(self) -> None:
        """Close the pool this transport opened (a caller's session stays open)."""
        self.closed = True
        session, self._session = self._session, None
        if session is not None and self._owned:
            await session.close()

    def __repr__(self) -> str:
        owner = "own pool" if self._owned else "caller's session"
        return f"AiohttpTransport({owner}, closed={self.closed})"


def _skipped_headers(request: TransportRequest) -> tuple[str, ...] | None:
    """Headers aiohttp must not add on its own (None: none, its cheaper path).

    Without a body aiohttp would still send `Content-Type: application/octet-stream` with
    the methods it expects a body of (POST, PUT, PATCH); a body-less request (train, a GET,
    a DELETE) goes out with no Content-Type, as the spec (no `consumes`) and Microsoft's
    SDKs send it.
    """
    if (
        request.body is None
        and request.method in _BODY_METHODS
        and not any(name.lower() == "content-type" for name in request.headers)
    ):
        return ("Content-Type",)
    return None


#: The methods aiohttp gives a default Content-Type when they have no body.
_BODY_METHODS: frozenset[str] = frozenset(aiohttp.ClientRequest.POST_METHODS)


def no_reply(exc: Exception, request: TransportRequest) -> NoReply:
    """What an exception aiohttp raised during `request` means for a retry.

    A connection that was never made is NOT_SENT; one that broke or timed out after the
    request started is AMBIGUOUS (it may have taken effect); a refused TLS certificate is
    not worth retrying. Whatever else aiohttp raises on a reply it cannot handle is still
    a broken exchange for the caller, not a crash.
    """
    host = request.url.host
    secrets = request.secrets
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return NoReply(
            kind=None, reason=describe(f"TLS certificate of {host} refused", exc, secrets)
        )
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return NoReply(kind=TransportFailure.NOT_SENT, reason="connect timeout", timed_out=True)
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason = describe(f"cannot connect to {host}", exc, secrets)
        return NoReply(kind=TransportFailure.NOT_SENT, reason=reason)
    if isinstance(exc, TimeoutError):
        return NoReply(kind=TransportFailure.AMBIGUOUS, reason="timed out", timed_out=True)
    if isinstance(exc, aiohttp.ClientError | OSError):
        reason = describe("connection broke", exc, secrets)
        return NoReply(kind=TransportFailure.AMBIGUOUS, reason=reason)
    return NoReply(
        kind=TransportFailure.AMBIGUOUS, reason=describe("the request failed", exc, secrets)
    )
