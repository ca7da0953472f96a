"""The transport seam: what FaceSession hands to an HTTP library, and what comes back.

A `Transport` sends one request and returns its reply, or the failure, as a value: it
never raises for a network problem, so that no exception holding the request (and its
credential header) travels up to the caller. `AiohttpTransport` (in
`facekit._aiohttp_transport`) is the one adapter; unit tests use a fake.

Every adapter reads a reply body with `read_reply`: it enforces the size cap (a declared
Content-Length over it is refused unread, and bytes are counted as they arrive, after
decoding) and decodes gzip and deflate itself under that cap, so that a huge, endless or
compressed-bomb body costs at most about the cap in memory.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping, Sequence
from typing import Protocol, runtime_checkable

import attrs
import yarl
from multidict import CIMultiDict, CIMultiDictProxy

from ._retry import TransportFailure
from ._secrets import shorten

__all__ = [
    "ERROR_REPLY_LIMIT",
    "NoReply",
    "Transport",
    "TransportFailure",
    "TransportReply",
    "TransportRequest",
    "read_reply",
]

#: An error body is read only for its code and message; real ones are well under 1 KB.
ERROR_REPLY_LIMIT = 64 * 1024
#: The content codings `read_reply` decodes (what facekit asks for in Accept-Encoding).
ACCEPT_ENCODING = "gzip, deflate"


# slots=False: a frozen class with a __dict__ is built by filling the dict, not by an
# object.__setattr__ call per field (a third cheaper; one of each per request).
@attrs.frozen(kw_only=True, slots=False)
class TransportRequest:
    """One HTTP request, ready to send: nothing in it is to be checked or changed."""

    method: str
    #: Absolute URL; `query` is appended to it.
    url: yarl.URL
    query: Sequence[tuple[str, str]] = ()
    #: Includes the credential header: never shown (a `SecretHeaders` in practice).
    headers: Mapping[str, str] = attrs.field(repr=False)
    #: None, the bytes of a JSON body (Content-Type set in `headers`), or an image stream.
    body: bytes | AsyncIterable[bytes] | None = attrs.field(default=None, repr=False)
    #: Seconds for the whole attempt (connect, send, read).
    timeout: float
    #: Seconds to establish the connection.
    connect_timeout: float
    #: The most body bytes (after decoding) a 2xx reply may have.
    max_reply_bytes: int
    #: The most body bytes read of a non-2xx reply.
    max_error_reply_bytes: int = ERROR_REPLY_LIMIT
    #: Values that must never show in a failure's reason (the key or token sent).
    secrets: tuple[str, ...] = attrs.field(default=(), repr=False)

    def reply_limit(self, status: int) -> int:
        """How many body bytes of a reply with this status are read at most."""
        if 200 <= status < 300:
            return self.max_reply_bytes
        return min(self.max_reply_bytes, self.max_error_reply_bytes)


def attempt_request(
    method: str,
    url: yarl.URL,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes | AsyncIterable[bytes] | None,
    timeout: float,
    connect_timeout: float,
    max_reply_bytes: int,
    secrets: tuple[str, ...],
) -> TransportRequest:
    """A TransportRequest, as its __init__ would build it, for FaceSession's attempts.

    Matching nine keywords costs more than filling the instance's dict: this fills it
    directly (the class has no validators or converters to skip; a test compares the two
    ways field by field).
    """
    request: TransportRequest = _new(TransportRequest)
    _set(
        request,
        "__dict__",
        {
            "method": method,
            "url": url,
            "query": query,
            "headers": headers,
            "body": body,
            "timeout": timeout,
            "connect_timeout": connect_timeout,
            "max_reply_bytes": max_reply_bytes,
            "max_error_reply_bytes": ERROR_REPLY_LIMIT,
            "secrets": secrets,
        },
    )
    return request


_new = object.__new__
_set = object.__setattr__


@attrs.frozen(kw_only=True, slots=False)  # built per request: see TransportRequest
class TransportReply:
    """What came back: status, headers (case-insensitive) and the body read under the cap."""

    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=lambda body: f"<{len(body)} bytes>")
    #: More than the size cap arrived; `body` holds the first bytes only.
    oversized: bool = False


@attrs.frozen(kw_only=True)
class NoReply:
    """An attempt that got no usable reply; `reason` is safe to show (no secret in it)."""

    #: NOT_SENT (nothing reached the service), AMBIGUOUS (it may have), or None: not
    #: worth retrying (a refused certificate, a reply that cannot be decoded).
    kind: TransportFailure | None
    reason: str
    timed_out: bool = False
    #: A reply arrived but cannot be used: a FaceResponseError, not a connection error.
    unusable_reply: bool = False


@runtime_checkable
class Transport(Protocol):
    """Sends requests for a FaceSession; pass one to `FaceClient(transport=...)`.

    `send` returns a TransportReply or a NoReply and raises nothing but cancellation; it
    reads bodies with `read_reply`, never follows redirects, and sends exactly the given
    headers. `aclose` releases its connections.
    """

    async def send(self, request: TransportRequest) -> TransportReply | NoReply:
        """Send one request; the reply, or why there is none."""
        ...

    async def aclose(self) -> None:
        """Release the connections this transport opened."""
        ...


class _Undecodable(Exception):
    """A reply body in a content coding facekit cannot (or will not) decode."""


async def read_reply(
    status: int,
    headers: Mapping[str, str],
    read: Callable[[], Awaitable[bytes]],
    *,
    content_length: int | None,
    request: TransportRequest,
) -> tuple[TransportReply | NoReply, bool]:
    """Read and decode a reply's body under the request's cap.

    `read()` gives the next piece of the raw body (b"" at its end). Returns the reply
    (or a NoReply for a 2xx body that cannot be decoded) and whether the body was read
    to its end: if not, unread bytes remain and the connection must not be reused.
    An error reply is told by its status, so an undecodable error body is left empty.
    """
    # A proxy is a read-only view already (aiohttp's); anything else is copied, so that
    # the reply never changes under its reader.
    copied = (
        headers if type(headers) is CIMultiDictProxy else CIMultiDictProxy(CIMultiDict(headers))
    )
    limit = request.max_reply_bytes if 200 <= status < 300 else request.reply_limit(status)
    try:
        # The body is read here rather than in a helper coroutine: one frame fewer on
        # every request (and on every resumption while the body arrives).
        if content_length is not None and content_length > limit:
            return TransportReply(status=status, headers=copied, body=b"", oversized=True), False
        inflater = _inflater(copied) if "Content-Encoding" in copied else None
        # Most bodies come in one piece, kept as it is; more go to a buffer, which (unlike
        # a list joined at the end) never holds the body twice.
        first: bytes | None = None
        buffer: io.BytesIO | None = None
        size = 0
        while True:
            data = await read()
            if not data:
                if inflater is None:
                    body = _collected(first, buffer)
                    return _complete_reply(status, copied, body), True
                data, inflater = inflater.finish(), None
            elif inflater is not None:
                # One byte more than the room left tells "over the limit" from "exactly
                # at it". Nothing is read past the limit.
                data = inflater.feed(data, limit - size + 1)
            size += len(data)
            over = size > limit
            if over:
                data = data[: len(data) - (size - limit)]
            if data:
                if first is None and buffer is None:
                    first = bytes(data)
                else:
                    if buffer is None:
                        buffer = io.BytesIO()
                        buffer.write(first or b"")
                        first = None
                    buffer.write(data)
                if size == content_length and inflater is None:
                    # All the body the headers announced: the HTTP message is complete
                    # (no read needed to see its end; a transport that disagrees closes
                    # the connection rather than reuse it).
                    body = buffer.getvalue() if buffer is not None else first or b""
                    return _complete_reply(status, copied, body), True
            if over:
                body = _collected(first, buffer)
                return TransportReply(
                    status=status, headers=copied, body=body, oversized=True
                ), False
    except _Undecodable as exc:
        if 200 <= status < 300:
            # The same reply again would fail the same way: not worth retrying.
            return NoReply(kind=None, reason=f"unusable reply: {exc}", unusable_reply=True), False
        return TransportReply(status=status, headers=copied, body=b""), False


def _complete_reply(status: int, headers: Mapping[str, str], body: bytes) -> TransportReply:
    """A TransportReply of a whole body, filled as `attempt_request` fills its request."""
    reply: TransportReply = _new(TransportReply)
    _set(
        reply, "__dict__", {"status": status, "headers": headers, "body": body, "oversized": False}
    )
    return reply


def _collected(first: bytes | None, buffer: io.BytesIO | None) -> bytes:
    """The body read: its one piece, or the buffer's content."""
    if buffer is not None:
        return buffer.getvalue()
    return first if first is not None else b""


class _Inflater:
    """Decodes a gzip or deflate body piece by piece, never producing more than asked."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        # 47 = 32 + 15: a zlib or a gzip header, detected; deflate bodies are often raw.
        self._zlib = zlib.decompressobj(47)
        self._started = False

    def feed(self, data: bytes, most: int) -> bytes:
        """Decode the next piece into at most `most` bytes."""
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
    encoding = headers.get("Content-Encoding")
    if not encoding:
        return None
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        return _Inflater("deflate" if encoding == "deflate" else "gzip")
    raise _Undecodable(f"unsupported Content-Encoding {shorten(encoding)}")
