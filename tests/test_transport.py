"""The transport seam: `read_reply` (size cap, decoding) and AiohttpTransport, the aiohttp
adapter: how each aiohttp error becomes a NoReply, and what it puts on the wire.

The other unit tests run over tests/fake_transport.py; these pin what the fake cannot
show, against aiohttp itself and loopback servers.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import tracemalloc
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import attrs
import pytest
import yarl
from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict, CIMultiDictProxy

from facekit import FaceClient, FaceValidationError, KeyCredential, RateLimiter
from facekit._aiohttp_transport import AiohttpTransport, no_reply
from facekit._retry import TransportFailure
from facekit._secrets import SecretHeaders
from facekit.transport import (
    ERROR_REPLY_LIMIT,
    NoReply,
    Transport,
    TransportReply,
    TransportRequest,
    read_reply,
)

from .conftest import FAST_RETRY, KEY
from .fake_transport import FakeTransport, connector_error

NOT_SENT = TransportFailure.NOT_SENT
AMBIGUOUS = TransportFailure.AMBIGUOUS
HOST = "westus.api.cognitive.microsoft.com"


def request(
    url: str = f"https://{HOST}/face/v1.0/persongroups/family", **changes: Any
) -> TransportRequest:
    fields: dict[str, Any] = {
        "method": "GET",
        "url": yarl.URL(url),
        "headers": SecretHeaders({"Ocp-Apim-Subscription-Key": KEY}),
        "timeout": 5.0,
        "connect_timeout": 2.0,
        "max_reply_bytes": 4096,
        "secrets": (KEY,),
    }
    fields.update(changes)
    return TransportRequest(**fields)


def test_both_transports_fit_the_protocol() -> None:
    assert isinstance(AiohttpTransport(), Transport)
    assert isinstance(FakeTransport(), Transport)


def test_a_request_repr_shows_no_credential() -> None:
    text = repr(request(body=b'{"a": 1}'))
    assert KEY not in text
    assert "persongroups" in text


# -- read_reply: the size cap and decoding every adapter shares ------------------------------


def pieces(data: bytes, size: int = 1000) -> Any:
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    reads = []

    async def read() -> bytes:
        reads.append(1)
        return chunks.pop(0) if chunks else b""

    read.reads = reads  # type: ignore[attr-defined]
    return read


async def read(
    status: int,
    body: bytes,
    headers: dict[str, str] | None = None,
    *,
    declared: int | None = None,
    limit: int = 4096,
) -> tuple[TransportReply | NoReply, bool]:
    return await read_reply(
        status,
        headers or {},
        pieces(body),
        content_length=declared,
        request=request(max_reply_bytes=limit),
    )


@pytest.mark.parametrize(
    ("size", "oversized"), [(0, False), (4095, False), (4096, False), (4097, True), (10**6, True)]
)
async def test_a_body_is_read_up_to_the_cap_and_no_further(size: int, oversized: bool) -> None:
    reply, complete = await read(200, b"x" * size)
    assert isinstance(reply, TransportReply)
    assert reply.oversized is oversized
    assert complete is not oversized
    assert reply.body == b"x" * min(size, 4096)


@pytest.mark.parametrize("total", [24, 64], ids=["under the cap", "over the cap"])
async def test_a_body_in_many_pieces_is_held_once_in_memory(total: int) -> None:
    # 1 MiB pieces under a 32 MiB cap: the body read must not be held twice (pieces and
    # their join), which doubled the memory a huge reply cost.
    mib = 1024 * 1024
    left = [total]

    async def read() -> bytes:
        if not left[0]:
            return b""
        left[0] -= 1
        return bytes(mib)

    tracemalloc.start()
    try:
        reply, _ = await read_reply(
            200, {}, read, content_length=None, request=request(max_reply_bytes=32 * mib)
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(reply, TransportReply)
    assert len(reply.body) == min(total, 32) * mib
    assert peak < 1.5 * min(total, 32) * mib, f"peak {peak / mib:.0f} MiB"


async def test_a_declared_length_over_the_cap_is_refused_unread() -> None:
    reader = pieces(b"x" * 10_000)
    reply, complete = await read_reply(
        200, {}, reader, content_length=10_000, request=request(max_reply_bytes=4096)
    )
    assert isinstance(reply, TransportReply)
    assert (reply.body, reply.oversized, complete) == (b"", True, False)
    assert reader.reads == []


@pytest.mark.parametrize("pieces_of", [7, 1000])
async def test_a_body_of_its_declared_length_is_complete_without_another_read(
    pieces_of: int,
) -> None:
    # The HTTP message ends with the bytes its Content-Length announced: no read is
    # spent on seeing its end (a read past it would wait for bytes that never come).
    body = b"y" * 100
    reader = pieces(body, pieces_of)
    reply, complete = await read_reply(
        200, {}, reader, content_length=100, request=request(max_reply_bytes=4096)
    )
    assert isinstance(reply, TransportReply)
    assert (reply.body, reply.oversized, complete) == (body, False, True)
    assert len(reader.reads) == -(-100 // pieces_of)


async def test_a_body_shorter_than_declared_ends_where_the_transport_ends_it() -> None:
    reader = pieces(b"z" * 50)
    reply, complete = await read_reply(
        200, {}, reader, content_length=100, request=request(max_reply_bytes=4096)
    )
    assert isinstance(reply, TransportReply)
    assert (reply.body, complete) == (b"z" * 50, True)


async def test_a_compressed_body_is_read_to_its_end_not_to_its_declared_length() -> None:
    # Content-Length counts the compressed bytes: the decoded size says nothing of it.
    packed = gzip.compress(b"q" * 300)
    reply, complete = await read_reply(
        200,
        {"Content-Encoding": "gzip"},
        pieces(packed),
        content_length=len(packed),
        request=request(max_reply_bytes=4096),
    )
    assert isinstance(reply, TransportReply)
    assert (reply.body, complete) == (b"q" * 300, True)


async def test_reply_headers_are_kept_as_a_view_or_copied_from_anything_else() -> None:
    view = CIMultiDictProxy(CIMultiDict({"apim-request-id": "r1"}))
    reply, _ = await read_reply(
        200, view, pieces(b""), content_length=0, request=request(max_reply_bytes=10)
    )
    assert isinstance(reply, TransportReply)
    assert reply.headers is view  # read-only already: no copy
    plain = {"apim-request-id": "r2"}
    reply, _ = await read_reply(
        200, plain, pieces(b""), content_length=0, request=request(max_reply_bytes=10)
    )
    assert isinstance(reply, TransportReply)
    plain["apim-request-id"] = "changed"
    assert reply.headers["APIM-Request-Id"] == "r2"


async def test_an_error_body_is_read_only_for_its_first_64_kib() -> None:
    big = b"e" * (ERROR_REPLY_LIMIT + 10)
    reply, complete = await read(500, big, limit=10**7)
    assert isinstance(reply, TransportReply)
    assert reply.body == big[:ERROR_REPLY_LIMIT]
    assert not complete


GROUP = b'{"personGroupId": "family", "name": "Family"}'


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", gzip.compress(GROUP)),
        ("x-gzip", gzip.compress(GROUP)),
        ("deflate", zlib.compress(GROUP)),
        ("deflate", _raw_deflate(GROUP)),
        ("identity", GROUP),
        ("", GROUP),
    ],
)
async def test_gzip_and_deflate_are_decoded(encoding: str, body: bytes) -> None:
    reply, complete = await read(200, body, {"Content-Encoding": encoding})
    assert isinstance(reply, TransportReply)
    assert (reply.body, complete) == (GROUP, True)


async def test_the_cap_holds_after_decoding() -> None:
    bomb = gzip.compress(b"\0" * 2**22)  # 4 MiB of zeros in about 4 KiB
    reply, complete = await read(200, bomb, {"Content-Encoding": "gzip"}, limit=65536)
    assert isinstance(reply, TransportReply)
    assert reply.oversized
    assert len(reply.body) == 65536
    assert not complete


@pytest.mark.parametrize(
    ("headers", "body", "fragment"),
    [
        ({"Content-Encoding": "gzip"}, gzip.compress(GROUP)[:10] + b"\xff" * 20, "corrupt"),
        ({"Content-Encoding": "deflate"}, b"\xff" * 30, "corrupt"),
        ({"Content-Encoding": "br"}, b"\x00\x01", "Content-Encoding 'br'"),
    ],
)
async def test_a_2xx_that_cannot_be_decoded_is_an_unusable_reply_but_an_error_keeps_its_status(
    headers: dict[str, str], body: bytes, fragment: str
) -> None:
    reply, complete = await read(200, body, headers)
    assert isinstance(reply, NoReply)
    assert (reply.kind, reply.unusable_reply, complete) == (None, True, False)
    assert fragment in reply.reason

    error, complete = await read(503, body, headers)
    assert isinstance(error, TransportReply)
    assert (error.status, error.body, complete) == (503, b"", False)


async def test_reply_headers_are_a_case_insensitive_copy() -> None:
    original = {"Apim-Request-Id": "r-1"}
    reply, _ = await read(200, b"{}", original)
    original["Apim-Request-Id"] = "changed"
    assert isinstance(reply, TransportReply)
    assert reply.headers["apim-request-id"] == "r-1"


# -- AiohttpTransport: every aiohttp error family becomes a verdict --------------------------


def _certificate_error() -> aiohttp.ClientConnectorCertificateError:
    key = connector_error(HOST)._conn_key
    return aiohttp.ClientConnectorCertificateError(key, ssl.SSLCertVerificationError("bad"))


# (description, exception, kind, timed out, reason starts with)
ERRORS: list[tuple[str, BaseException, TransportFailure | None, bool, str]] = [
    ("refused TLS certificate", _certificate_error(), None, False, f"TLS certificate of {HOST}"),
    ("connect timeout", aiohttp.ConnectionTimeoutError(), NOT_SENT, True, "connect timeout"),
    ("connection refused", connector_error(HOST), NOT_SENT, False, f"cannot connect to {HOST}"),
    (
        "DNS failure",
        connector_error(HOST, error=socket.gaierror(-2, "Name or service not known")),
        NOT_SENT,
        False,
        "cannot connect",
    ),
    ("read timeout", aiohttp.SocketTimeoutError(), AMBIGUOUS, True, "timed out"),
    ("server timeout", aiohttp.ServerTimeoutError(), AMBIGUOUS, True, "timed out"),
    ("plain timeout", TimeoutError(), AMBIGUOUS, True, "timed out"),
    ("server disconnected", aiohttp.ServerDisconnectedError(), AMBIGUOUS, False, "connection"),
    ("broken payload", aiohttp.ClientPayloadError("bad chunk"), AMBIGUOUS, False, "connection"),
    ("reset", ConnectionResetError(104, "reset"), AMBIGUOUS, False, "connection broke"),
    ("client OS error", aiohttp.ClientOSError(32, "pipe"), AMBIGUOUS, False, "connection broke"),
    ("other client error", aiohttp.ClientError("odd"), AMBIGUOUS, False, "connection broke"),
    ("anything else", ValueError("odd reply"), AMBIGUOUS, False, "the request failed"),
]


@pytest.mark.parametrize(
    ("exc", "kind", "timed_out", "reason"), [pytest.param(*row[1:], id=row[0]) for row in ERRORS]
)
def test_each_aiohttp_error_family_has_its_verdict(
    exc: Exception, kind: TransportFailure | None, timed_out: bool, reason: str
) -> None:
    verdict = no_reply(exc, request())
    assert (verdict.kind, verdict.timed_out, verdict.unusable_reply) == (kind, timed_out, False)
    assert verdict.reason.startswith(reason)


class RaisingConnector(aiohttp.BaseConnector):
    """Fails every connection with `error`, recording the timeout aiohttp passed in."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error
        self.timeouts: list[aiohttp.ClientTimeout] = []

    async def connect(self, req: Any, traces: Any, timeout: Any) -> Any:  # noqa: ASYNC109
        self.timeouts.append(timeout)
        raise self.error


async def _send_through(error: BaseException, sent: TransportRequest) -> tuple[Any, Any]:
    connector = RaisingConnector(error)
    async with aiohttp.ClientSession(connector=connector) as own:
        transport = AiohttpTransport(own)
        verdict = await transport.send(sent)
        await transport.aclose()
        assert not own.closed
    return verdict, connector


@pytest.mark.parametrize(
    ("exc", "kind", "timed_out", "reason"),
    [
        pytest.param(*row[1:], id=row[0])
        for row in ERRORS
        # aiohttp itself turns a timeout while connecting into ConnectionTimeoutError.
        if not isinstance(row[1], TimeoutError)
    ],
)
async def test_the_adapter_returns_the_verdict_instead_of_raising(
    exc: Exception, kind: TransportFailure | None, timed_out: bool, reason: str
) -> None:
    verdict, _ = await _send_through(exc, request())
    assert isinstance(verdict, NoReply)
    assert (verdict.kind, verdict.timed_out) == (kind, timed_out)
    assert verdict.reason.startswith(reason)


async def test_a_timeout_while_connecting_is_not_sent() -> None:
    verdict, _ = await _send_through(TimeoutError(), request())
    assert isinstance(verdict, NoReply)
    assert (verdict.kind, verdict.timed_out) == (NOT_SENT, True)


async def test_the_timeouts_reach_aiohttp() -> None:
    _, connector = await _send_through(
        ConnectionResetError(), request(timeout=2.5, connect_timeout=0.75)
    )
    [timeout] = connector.timeouts
    assert (timeout.total, timeout.sock_connect) == (2.5, 0.75)


async def test_each_request_gets_its_own_timeouts_through_one_transport() -> None:
    connector = RaisingConnector(ConnectionResetError())
    asked = [(2.5, 0.75), (2.5, 0.75), (9.0, 0.75), (2.5, 0.5), (2.5, 0.75), (9.0, 0.75)]
    async with aiohttp.ClientSession(connector=connector) as own:
        transport = AiohttpTransport(own)
        for total, connect in asked:
            await transport.send(request(timeout=total, connect_timeout=connect))
        await transport.aclose()
    assert [(t.total, t.sock_connect) for t in connector.timeouts] == asked


@pytest.mark.parametrize("padding", [0, 150, 180, 200, 220, 290])
def test_a_reason_never_shows_the_secret_or_half_of_it(padding: int) -> None:
    verdict = no_reply(ValueError("a" * padding + KEY + " echoed"), request())
    assert KEY[:12] not in verdict.reason
    assert KEY[-12:] not in verdict.reason


async def test_a_closed_transport_sends_nothing() -> None:
    connector = RaisingConnector(AssertionError("must not connect"))
    async with aiohttp.ClientSession(connector=connector) as own:
        transport = AiohttpTransport(own)
        await transport.aclose()
        verdict = await transport.send(request())
    assert isinstance(verdict, NoReply)
    assert verdict.kind is None
    assert "closed" in verdict.reason
    assert connector.timeouts == []


def test_a_session_that_is_not_aiohttps_is_refused() -> None:
    with pytest.raises(FaceValidationError, match=r"aiohttp\.ClientSession") as caught:
        AiohttpTransport(object())  # type: ignore[arg-type]
    assert caught.value.parameter == "session"


async def test_a_transport_and_a_session_together_are_refused() -> None:
    async with aiohttp.ClientSession() as own:
        with pytest.raises(FaceValidationError, match="not both") as caught:
            FaceClient(
                "https://example.com", KeyCredential(KEY), session=own, transport=FakeTransport()
            )
    assert caught.value.parameter == "transport"


# -- AiohttpTransport on a real socket -----------------------------------------------------


class Loopback:
    """A server on 127.0.0.1 that records each request and answers as told."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.headers: dict[str, str] = {}
        self.body = GROUP
        self.delay = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(
            {
                "method": request.method,
                "path_qs": request.path_qs,
                "headers": dict(request.headers),
                "body": await request.read(),
            }
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.Response(status=self.status, headers=self.headers, body=self.body)


@pytest.fixture
async def loopback() -> AsyncIterator[tuple[Loopback, TestServer]]:
    recorder = Loopback()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", recorder.handle)
    server = TestServer(app, host="127.0.0.1")
    async with server:
        yield recorder, server


def _url(server: TestServer, path: str = "/face/v1.0/persongroups/family") -> str:
    return f"http://127.0.0.1:{server.port}{path}"


async def send_once(sent: TransportRequest) -> TransportReply | NoReply:
    """One request through a fresh AiohttpTransport over its own pool, closed after."""
    transport = AiohttpTransport()
    try:
        return await transport.send(sent)
    finally:
        await transport.aclose()


async def test_on_the_wire_exactly_the_given_headers_query_and_body_go_out(
    loopback: tuple[Loopback, TestServer],
) -> None:
    recorder, server = loopback
    headers = SecretHeaders(
        {
            "Ocp-Apim-Subscription-Key": KEY,
            "Accept-Encoding": "gzip, deflate",
            "Content-Type": "application/json",
        }
    )
    reply = await send_once(
        request(
            _url(server),
            method="PUT",
            query=[("a", "1"), ("b", "x y")],
            headers=headers,
            body=b'{"name": "Family"}',
        )
    )
    assert isinstance(reply, TransportReply)
    assert (reply.status, reply.body) == (200, GROUP)
    [sent] = recorder.requests
    assert sent["method"] == "PUT"
    assert sent["path_qs"] == "/face/v1.0/persongroups/family?a=1&b=x+y"
    assert sent["headers"]["Ocp-Apim-Subscription-Key"] == KEY
    # facekit's own Accept-Encoding, not aiohttp's (it would add br if it could decode it).
    assert sent["headers"]["Accept-Encoding"] == "gzip, deflate"
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["headers"]["Content-Length"] == str(len(b'{"name": "Family"}'))
    assert sent["body"] == b'{"name": "Family"}'


@pytest.mark.parametrize("version", ["v1.0", "v1.2"])
async def test_on_the_wire_a_body_less_post_carries_no_content_type(
    loopback: tuple[Loopback, TestServer], version: str
) -> None:
    # aiohttp adds "Content-Type: application/octet-stream" to any POST unless told not to;
    # the spec declares no body for train, and Microsoft's SDKs send none.
    recorder, server = loopback
    recorder.status, recorder.body = 202, b""
    async with FaceClient(
        f"http://127.0.0.1:{server.port}",
        KeyCredential(KEY),
        api_version=version,
        retry_policy=FAST_RETRY,
        rate_limiter=RateLimiter(10_000, burst=10_000),
    ) as face:
        await face.person_groups.train("family")
        await face.person_groups.create("family", name="Family")
    train, create = recorder.requests
    assert train["path_qs"] == f"/face/{version}/persongroups/family/train"
    assert "Content-Type" not in train["headers"]
    assert train["headers"].get("Content-Length", "0") == "0"
    assert train["body"] == b""
    # A request with a body keeps its own Content-Type.
    assert create["headers"]["Content-Type"] == "application/json"


async def test_on_the_wire_a_redirect_is_returned_not_followed(
    loopback: tuple[Loopback, TestServer],
) -> None:
    recorder, server = loopback
    recorder.status, recorder.body = 302, b""
    recorder.headers = {"Location": _url(server, "/elsewhere")}
    reply = await send_once(request(_url(server)))
    assert isinstance(reply, TransportReply)
    assert reply.status == 302
    assert len(recorder.requests) == 1


async def test_on_the_wire_a_gzip_reply_is_decoded_by_facekit(
    loopback: tuple[Loopback, TestServer],
) -> None:
    recorder, server = loopback
    recorder.headers = {"Content-Encoding": "gzip"}
    recorder.body = gzip.compress(GROUP)
    reply = await send_once(request(_url(server)))
    assert isinstance(reply, TransportReply)
    assert reply.body == GROUP


async def test_on_the_wire_a_slow_reply_times_out_as_ambiguous(
    loopback: tuple[Loopback, TestServer],
) -> None:
    recorder, server = loopback
    recorder.delay = 1.0
    reply = await send_once(request(_url(server), timeout=0.2))
    assert isinstance(reply, NoReply)
    assert (reply.kind, reply.timed_out) == (AMBIGUOUS, True)


async def test_on_the_wire_a_refused_connection_is_not_sent() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reply = await send_once(request(f"http://127.0.0.1:{port}/face/v1.0/x"))
    assert isinstance(reply, NoReply)
    assert reply.kind is NOT_SENT
    assert reply.reason.startswith("cannot connect to 127.0.0.1")


async def test_a_client_over_its_own_pool_closes_it(
    loopback: tuple[Loopback, TestServer],
) -> None:
    _, server = loopback
    async with FaceClient(
        f"http://127.0.0.1:{server.port}",
        KeyCredential(KEY),
        retry_policy=FAST_RETRY,
        rate_limiter=RateLimiter(10_000, burst=10_000),
    ) as face:
        await face.person_groups.get("family")
        transport = face._session.transport
        assert isinstance(transport, AiohttpTransport)
        pool = transport.client_session()
    assert pool.closed
    assert transport.closed


async def test_on_the_wire_an_upload_answered_before_it_was_read_spoils_no_later_request() -> None:
    # The service may refuse an upload (429, 409) before reading it. The rest of that body
    # must not be taken for the next request on the same connection: aiohttp before
    # 3.10.6 reused such a connection, hence facekit's floor.
    seen: list[str] = []

    async def refuse(request: web.Request) -> web.Response:
        seen.append(request.method)
        return web.json_response({"error": {"code": "ConcurrentOperationConflict"}}, status=409)

    async def group(request: web.Request) -> web.Response:
        seen.append(request.method)
        return web.Response(body=GROUP)

    app = web.Application()
    app.router.add_post("/face/v1.0/detect", refuse)
    app.router.add_get("/face/v1.0/persongroups/family", group)

    body = b"\x89PNG" * 2500

    async def image() -> AsyncIterator[bytes]:
        # Slowly: the refusal arrives while most of the image is still to be written.
        for offset in range(0, len(body), 1000):
            yield body[offset : offset + 1000]
            await asyncio.sleep(0.01)

    server = TestServer(app, host="127.0.0.1")
    async with server:
        transport = AiohttpTransport(max_connections=1)
        try:
            refused = await transport.send(
                request(
                    _url(server, "/face/v1.0/detect"),
                    method="POST",
                    headers=SecretHeaders({"Content-Length": str(len(body))}),
                    body=image(),
                )
            )
            answered = await transport.send(request(_url(server), timeout=2.0))
        finally:
            await transport.aclose()
    assert isinstance(refused, TransportReply)
    assert refused.status == 409
    assert isinstance(answered, TransportReply)
    assert (answered.status, answered.body) == (200, GROUP)
    assert seen == ["POST", "GET"]


def test_requests_replies_and_raw_responses_cannot_be_changed() -> None:
    from facekit.session import RawResponse

    request = TransportRequest(
        method="GET",
        url=yarl.URL("https://x.test/a"),
        headers=SecretHeaders({"k": KEY}),
        timeout=1.0,
        connect_timeout=1.0,
        max_reply_bytes=10,
    )
    reply = TransportReply(status=200, headers={}, body=b"{}")
    response = RawResponse(
        method="GET",
        url="https://x.test/a",
        status=200,
        headers={},
        body=b"{}",
        request_id=None,
        client_request_id="c",
        attempts=1,
        elapsed=0.0,
    )
    for value, field in ((request, "url"), (reply, "body"), (response, "status")):
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(value, field, None)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            delattr(value, field)
    assert attrs.evolve(reply, status=201).status == 201
    assert reply.status == 200


def test_an_attempts_request_is_the_one_the_classs_init_builds() -> None:
    from facekit.transport import attempt_request

    url = yarl.URL("https://face.example/face/v1.2/x")
    fields: dict[str, Any] = {
        "method": "POST",
        "url": url,
        "query": [("a", "1")],
        "headers": {"H": "v"},
        "body": b"{}",
        "timeout": 12.5,
        "connect_timeout": 3.0,
        "max_reply_bytes": 99,
        "secrets": ("s" * 10,),
    }
    fast = attempt_request(*fields.values())
    slow = TransportRequest(**fields)
    assert fast == slow
    assert vars(fast) == vars(slow)
    # Every field of the class is filled (a new one would have to be added to both).
    assert set(vars(fast)) == {field.name for field in attrs.fields(TransportRequest)}
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.method = "GET"  # type: ignore[misc]


def test_a_whole_reply_is_the_one_the_classs_init_builds() -> None:
    from facekit.transport import _complete_reply

    headers = CIMultiDictProxy(CIMultiDict({"a": "1"}))
    fast = _complete_reply(201, headers, b"body")
    slow = TransportReply(status=201, headers=headers, body=b"body")
    assert fast == slow
    assert vars(fast) == vars(slow)
    assert set(vars(fast)) == {field.name for field in attrs.fields(TransportReply)}
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.status = 200  # type: ignore[misc]
