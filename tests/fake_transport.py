"""FakeTransport: a programmable `facekit.transport.Transport` for unit tests.

Routes answer requests by method and URL with canned replies, in the order they were
added; a route without `repeat=True` answers once. Every request is recorded as `Sent`
(the body as it would go over the wire: a stream is read to its end, as an HTTP library
would). A request no route answers fails the test with an AssertionError, so a test that
expects nothing to be sent fails loudly when something is.

Replies go through facekit's own `read_reply`, so the size cap and gzip decoding hold as
with a real transport, and `exception=` is mapped by the aiohttp adapter's own
`no_reply`, so a test states the aiohttp error and gets the verdict AiohttpTransport
would give. What only aiohttp does (redirects not followed, headers on the wire, the
body writer) is tested against loopback servers instead.
"""

from __future__ import annotations

import email
import email.policy
import inspect
import json
import re
from collections.abc import AsyncIterable, Callable, Mapping
from email.message import Message
from typing import Any, cast

import aiohttp
import attrs
import yarl
from multidict import CIMultiDict

from facekit._aiohttp_transport import no_reply
from facekit.transport import NoReply, TransportReply, TransportRequest, read_reply

__all__ = ["Canned", "FakeTransport", "Sent", "connector_error", "form_parts"]

_NO_PAYLOAD: Any = object()
#: The fake hands a body to `read_reply` in pieces of this size, as a socket would.
PIECE = 64 * 1024


@attrs.frozen(kw_only=True)
class Canned:
    """A reply to give: status, headers and a body (`payload` as JSON, or raw `body`),
    or an `exception` as aiohttp would raise it."""

    status: int = 200
    payload: Any = _NO_PAYLOAD
    body: bytes | str = b""
    headers: Mapping[str, str] = attrs.field(factory=dict)
    exception: Exception | None = None


@attrs.frozen(kw_only=True)
class Sent:
    """One request as the transport received it."""

    method: str
    #: The URL with the query appended.
    url: yarl.URL
    #: Every header sent, the credential included, named exactly as given to the transport.
    headers: dict[str, str] = attrs.field(repr=False)
    #: The body unless it was JSON (e.g. the image bytes), else None.
    data: bytes | None = attrs.field(repr=False)
    #: The decoded JSON body, or None.
    json: Any
    #: Whether the body came as a stream (an image upload).
    streamed: bool
    timeout: float
    connect_timeout: float
    max_reply_bytes: int


Callback = Callable[[Sent], Canned]


@attrs.define
class _Route:
    method: str
    url: yarl.URL | re.Pattern[str]
    answer: Canned | Callback
    repeat: bool

    def matches(self, sent: Sent) -> bool:
        if sent.method != self.method:
            return False
        if isinstance(self.url, re.Pattern):
            return self.url.match(str(_normalized(sent.url))) is not None
        return _normalized(self.url) == _normalized(sent.url)


class FakeTransport:
    """Canned replies by method and URL; `requests` holds every request sent, in order."""

    def __init__(self) -> None:
        self.requests: list[Sent] = []
        self.closed = False
        self._routes: list[_Route] = []

    def add(
        self,
        url: str | re.Pattern[str],
        method: str = "GET",
        *,
        status: int = 200,
        payload: Any = _NO_PAYLOAD,
        body: bytes | str = b"",
        headers: Mapping[str, str] | None = None,
        exception: Exception | None = None,
        callback: Callback | None = None,
        repeat: bool = False,
    ) -> None:
        """Answer `method url` (a URL string, query order aside, or a pattern matched
        against the whole URL) with this reply, or with what `callback(sent)` returns."""
        answer: Canned | Callback = callback or Canned(
            status=status, payload=payload, body=body, headers=headers or {}, exception=exception
        )
        target = url if isinstance(url, re.Pattern) else yarl.URL(url)
        self._routes.append(_Route(method.upper(), target, answer, repeat))

    def get(self, url: str | re.Pattern[str], **reply: Any) -> None:
        """`add(url, "GET", ...)`."""
        self.add(url, "GET", **reply)

    def post(self, url: str | re.Pattern[str], **reply: Any) -> None:
        """`add(url, "POST", ...)`."""
        self.add(url, "POST", **reply)

    def put(self, url: str | re.Pattern[str], **reply: Any) -> None:
        """`add(url, "PUT", ...)`."""
        self.add(url, "PUT", **reply)

    def patch(self, url: str | re.Pattern[str], **reply: Any) -> None:
        """`add(url, "PATCH", ...)`."""
        self.add(url, "PATCH", **reply)

    def delete(self, url: str | re.Pattern[str], **reply: Any) -> None:
        """`add(url, "DELETE", ...)`."""
        self.add(url, "DELETE", **reply)

    def sent(self, method: str | None = None) -> list[Sent]:
        """The requests sent, or those of one method."""
        return [r for r in self.requests if method is None or r.method == method.upper()]

    async def send(self, request: TransportRequest) -> TransportReply | NoReply:
        """Record the request and give the first matching route's reply."""
        data, failure = await _read_request_body(request.body)
        headers = dict(request.headers)
        is_json = headers.get("Content-Type", "").startswith("application/json")
        sent = Sent(
            method=request.method.upper(),
            url=request.url.with_query([*request.url.query.items(), *request.query]),
            headers=headers,
            data=None if is_json else data,
            json=json.loads(data) if is_json and data is not None else None,
            streamed=isinstance(request.body, AsyncIterable),
            timeout=request.timeout,
            connect_timeout=request.connect_timeout,
            max_reply_bytes=request.max_reply_bytes,
        )
        self.requests.append(sent)
        if failure is not None:
            # An HTTP library's body writer fails the request when the stream raises.
            return no_reply(failure, request)
        route = next((route for route in self._routes if route.matches(sent)), None)
        if route is None:
            raise AssertionError(f"FakeTransport: no reply for {sent.method} {sent.url}")
        if not route.repeat:
            self._routes.remove(route)
        canned = route.answer(sent) if callable(route.answer) else route.answer
        if canned.exception is not None:
            return no_reply(canned.exception, request)
        reply_headers = CIMultiDict(canned.headers)
        body = canned.body.encode() if isinstance(canned.body, str) else canned.body
        if canned.payload is not _NO_PAYLOAD:
            body = json.dumps(canned.payload).encode()
            reply_headers.setdefault("Content-Type", "application/json")
        declared = reply_headers.get("Content-Length")
        pieces = [body[i : i + PIECE] for i in range(0, len(body), PIECE)]

        async def read() -> bytes:
            return pieces.pop(0) if pieces else b""

        outcome, _ = await read_reply(
            canned.status,
            reply_headers,
            read,
            content_length=int(declared) if declared is not None else None,
            request=request,
        )
        return outcome

    async def aclose(self) -> None:
        """Mark the transport closed."""
        self.closed = True


async def _read_request_body(
    body: bytes | AsyncIterable[bytes] | None,
) -> tuple[bytes | None, Exception | None]:
    """The body's bytes (a stream read to its end), and what the stream raised, if it did."""
    if body is None or isinstance(body, bytes):
        return body, None
    received = bytearray()
    try:
        async for chunk in body:
            received += chunk
    except Exception as exc:
        return bytes(received), exc
    return bytes(received), None


def _normalized(url: yarl.URL) -> yarl.URL:
    return url.with_query(sorted(url.query.items()))


def connector_error(
    host: str, port: int = 443, error: OSError | None = None
) -> aiohttp.ClientConnectorError:
    """The error aiohttp raises when a connection to `host` cannot be made (refused, by
    default), built the same way on every supported aiohttp (its connection key differs)."""
    key_class = aiohttp.client_reqrep.ConnectionKey
    values = {
        "host": host,
        "port": port,
        "is_ssl": True,
        "ssl": True,
        "proxy": None,
        "proxy_auth": None,
        "proxy_headers_hash": None,
        "server_hostname": None,
    }
    names = inspect.signature(key_class).parameters
    key = key_class(**cast(dict[str, Any], {name: values[name] for name in names}))
    return aiohttp.ClientConnectorError(
        key, error or ConnectionRefusedError(111, "Connection refused")
    )


def form_parts(sent: Sent) -> dict[str, tuple[str | None, bytes]]:
    """A multipart/form-data body as sent: field name -> (filename or None, content).

    Read back with the standard library's MIME parser, independent of how facekit wrote it.
    """
    content_type = sent.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary="), content_type
    assert sent.data is not None
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + sent.data
    message = email.message_from_bytes(raw, policy=email.policy.HTTP)
    assert message.is_multipart()
    parts: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(name, str)
        assert isinstance(payload, bytes)
        parts[name] = (part.get_filename(), payload)
    return parts
