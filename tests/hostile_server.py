"""A hostile HTTP server on 127.0.0.1, and the matrix of replies facekit must survive.

`HostileServer` speaks raw HTTP/1.1 over asyncio streams, so a reply can be anything: a
broken status line, garbage, a bad chunked body, a body that never ends, a 1xx loop. Each
`Case` pairs such a reply with a facekit call and what must come of it (an error type, a
time bound, optionally a memory bound). `tests/test_hostile.py` runs every case with a key
and with a bearer token and searches the error for the secret; `benchmarks/hostile.py`
runs the same matrix and prints the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import json
import traceback
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from facekit import (
    AccessToken,
    BadRequestError,
    FaceClient,
    FaceConnectionError,
    FaceError,
    FaceResponseError,
    FaceTimeoutError,
    KeyCredential,
    OperationFailedError,
    PollingPolicy,
    RateLimiter,
    RateLimitError,
    RetryPolicy,
    ServerError,
)

#: Looks like a real key, so that a leak anywhere is caught by a plain search.
KEY = "f00dfacef00dfacef00dfacef00dface"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.c2VjcmV0LWJlYXJlci10b2tlbg.c2ln"
#: No connection of the hostile server lives longer than this.
CONNECTION_SECONDS = 10.0
PERSON = "25985303-c537-4467-b41d-bdb45cd95ca1"
OPERATION = "a63a3bdd-a1db-4d05-87b8-dbad6850062a"
#: Nesting far beyond any JSON decoder's recursion limit.
DEEP = b"[" * 200_000 + b"]" * 200_000


@dataclass
class Request:
    """What arrived: request line, headers (lower-case names) and body."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    raw_head: bytes


Reply = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


class StaticToken:
    """A TokenCredential that always gives the same bearer token."""

    async def get_token(self, *scopes: str) -> AccessToken:
        return AccessToken(TOKEN, 4_102_444_800)


class HostileServer:
    """Raw HTTP/1.1 on 127.0.0.1; `reply` decides what each request gets, byte for byte.

    One request per connection (the server closes after replying). Every connection is
    cut after CONNECTION_SECONDS, and `stop()` ends whatever is still running.
    """

    def __init__(self) -> None:
        self.reply: Reply = send(200, b"{}")
        self.requests: list[Request] = []
        #: Read the request body before replying (False: reply straight after the head).
        self.read_body = True
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with contextlib.suppress(BaseException):
                await task
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            async with asyncio.timeout(CONNECTION_SECONDS):
                request = await self._read_request(reader)
                if request is not None:
                    self.requests.append(request)
                    await self.reply(request, writer)
                    await writer.drain()
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            # stop() cancels what still runs. Ending normally instead of cancelled keeps
            # Python 3.11's start_server callback from logging the task's CancelledError.
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._connections.discard(task)

    async def _read_request(self, reader: asyncio.StreamReader) -> Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = [*lines[0].split(" "), "", ""][:3]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        body = b""
        if self.read_body:
            if "content-length" in headers:
                body = await reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                body = await _read_chunked(reader)
        return Request(method, target, headers, body, head)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


@contextlib.asynccontextmanager
async def hostile_server() -> AsyncIterator[HostileServer]:
    """A started HostileServer, stopped on exit."""
    server = HostileServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


# -- replies ---------------------------------------------------------------------------------


def head(status: int | str, headers: dict[str, str] | None = None, reason: str = "X") -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def send(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Reply:
    """A well-formed reply with a Content-Length."""

    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        # Connection: close, as the server closes after each reply: a client reusing the
        # connection would otherwise race the close.
        all_headers = {
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
            "Connection": "close",
        }
        all_headers.update(headers or {})
        writer.write(head(status, all_headers) + body)

    return reply


def raw(data: bytes) -> Reply:
    """Exactly these bytes, whatever was asked."""

    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(data)

    return reply


def by_method(**replies: Reply) -> Reply:
    """A reply per HTTP method (`GET=..., POST=...`)."""

    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        await replies[request.method](request, writer)

    return reply


def echo_status_line(padding: int = 0) -> Reply:
    """A status line made of the request itself: the request's secret is in aiohttp's error
    (after `padding` characters, to put it where a message is cut short)."""

    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        secret = request.headers.get("ocp-apim-subscription-key") or request.headers.get(
            "authorization", ""
        )
        writer.write(f"HTTP/1.1 4x0 {'a' * padding}{secret}\r\n\r\n".encode())

    return reply


def echo_in_error_body() -> Reply:
    """A 400 whose message quotes the credential header back."""

    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        secret = request.headers.get("ocp-apim-subscription-key") or request.headers.get(
            "authorization", ""
        )
        body = json.dumps({"error": {"code": "BadArgument", "message": f"bad {secret}"}})
        await send(400, body.encode())(request, writer)

    return reply


def echo_in_headers(status: int = 503) -> Reply:
    """A reply whose request id, error code and location headers quote the credential."""

    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        secret = request.headers.get("ocp-apim-subscription-key") or request.headers.get(
            "authorization", ""
        )
        headers = {"apim-request-id": secret, "x-ms-error-code": secret, "X-Echo": secret}
        await send(status, b"", headers)(request, writer)

    return reply


def echo_in_date() -> Reply:
    """A 200 whose model field quotes the credential, so that the parse error would."""

    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        secret = request.headers.get("ocp-apim-subscription-key") or request.headers.get(
            "authorization", ""
        )
        body = json.dumps({"status": "running", "createdDateTime": secret})
        await send(200, body.encode())(request, writer)

    return reply


def hang() -> Reply:
    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(CONNECTION_SECONDS)

    return reply


def trickle(interval: float = 0.05) -> Reply:
    """Headers at once, then the body one byte at a time."""

    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, {"Content-Length": "1000"}))
        for _ in range(1000):
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(interval)

    return reply


def endless_informational() -> Reply:
    """`100 Continue` after `100 Continue`, never a final answer."""

    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        while True:
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            await writer.drain()
            await asyncio.sleep(0.001)

    return reply


def huge_chunked(total: int = 500 * 1024 * 1024) -> Reply:
    """`total` bytes of a chunked JSON-looking body, as fast as the client takes them."""

    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        block = b"[" + b"0," * (32 * 1024)
        headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
        writer.write(head(200, headers))
        for _ in range(total // len(block)):
            writer.write(b"%x\r\n%s\r\n" % (len(block), block))
            await writer.drain()
        writer.write(b"0\r\n\r\n")

    return reply


@functools.cache
def _bomb(mebibytes: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    zeros = b"\0" * 2**20
    return b"".join(packer.compress(zeros) for _ in range(mebibytes)) + packer.flush()


def gzip_bomb(mebibytes: int, piece: int) -> Reply:
    """A gzip body inflating to `mebibytes` MiB, sent in chunks of `piece` compressed bytes."""
    data = _bomb(mebibytes)

    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
        writer.write(head(200, {**headers, "Content-Encoding": "gzip"}))
        for offset in range(0, len(data), piece):
            chunk = data[offset : offset + piece]
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
        writer.write(b"0\r\n\r\n")

    return reply


def declared_huge() -> Reply:
    """Content-Length: 500 MB, and the body starting to flow."""

    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, {"Content-Type": "application/json", "Content-Length": "524288000"}))
        block = b" " * 65536
        for _ in range(8000):
            writer.write(block)
            await writer.drain()

    return reply


def redirect_elsewhere() -> Reply:
    return send(302, headers={"Location": "http://198.51.100.7/steal"})


def pages_ignoring_start(ids: list[str]) -> Reply:
    """Every page is the first page."""
    body = json.dumps([{"personId": i} for i in ids]).encode()
    return send(200, body)


def operation(status: str, **headers: str) -> Reply:
    body = json.dumps({"status": status, "createdTime": "2018-12-25T11:41:02Z"}).encode()
    return send(200, body, headers)


def accepted(location: str) -> Reply:
    return send(202, headers={"Operation-Location": location})


def rate_limited(**headers: str) -> Reply:
    body = b'{"error": {"statusCode": 429, "message": "Rate limit is exceeded."}}'
    return send(429, body, headers)


# -- calls -------------------------------------------------------------------------------------


def get_group(face: FaceClient) -> Awaitable[Any]:
    return face.person_groups.get("family")


def add_face(face: FaceClient) -> Awaitable[Any]:
    return face.person_groups.persons.add_face("family", PERSON, b"\xff" * 4096)


async def walk_persons(face: FaceClient) -> Any:
    return await face.person_groups.persons.list("family", top=2).collect()


async def take_snapshot(face: FaceClient) -> Any:
    poller = await face.snapshots.begin_take("PersonGroup", "family", [PERSON], polling=QUICK)
    return await poller.result(timeout=5)


async def poll_operation(face: FaceClient) -> Any:
    poller = face.snapshots.resume(
        _operation_token(face), polling=PollingPolicy(initial=0.05, maximum=0.2, jitter=0)
    )
    return await poller.result(timeout=1.0)


def _operation_token(face: FaceClient) -> str:
    from facekit.polling import OperationPoller

    poller = OperationPoller(face._session, f"/operations/{OPERATION}", purpose="take")
    return poller.continuation_token()


async def train_and_wait(face: FaceClient) -> Any:
    poller = await face.large_person_groups.begin_train("fam", polling=QUICK)
    return await poller.result(timeout=0.5)


QUICK = PollingPolicy(initial=0.01, maximum=0.05, jitter=0)

# -- the matrix --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One hostile reply, the call that meets it, and what must come of it."""

    name: str
    reply: Reply
    call: Callable[[FaceClient], Awaitable[Any]]
    #: The error the caller must get (a FaceError subclass), or None: the call works.
    raises: type[FaceError] | None
    #: The call must end within this many seconds.
    seconds: float = 3.0
    #: Text the error message must contain.
    match: str | None = None
    #: FaceClient options beyond the fast test defaults.
    client: dict[str, Any] = field(default_factory=dict)
    #: Python heap the call may grow by at its peak (bytes, traced with tracemalloc).
    memory: int = 16 * 1024 * 1024
    read_body: bool = True
    #: Extra check: (server, client, error or result) -> None.
    check: Callable[[HostileServer, FaceClient, Any], None] | None = None


def _one_request(server: HostileServer, face: FaceClient, outcome: Any) -> None:
    assert len(server.requests) == 1, f"{len(server.requests)} requests"


def _short_pause(server: HostileServer, face: FaceClient, outcome: Any) -> None:
    assert len(server.requests) == 1, f"{len(server.requests)} requests"
    # The call failed at once, so the others are not held for the hint either.
    limiter = face.rate_limiter
    assert isinstance(limiter, RateLimiter)
    assert limiter.paused_for <= 1.0, limiter.paused_for


def _bounded_polls(server: HostileServer, face: FaceClient, outcome: Any) -> None:
    # 1 s at one poll per 0.05 s at most (the floor); with Retry-After: 0 obeyed, hundreds.
    assert len(server.requests) <= 22, f"{len(server.requests)} polls"


def _storm(server: HostileServer, face: FaceClient, outcome: Any) -> None:
    assert len(server.requests) == 1 + FAST.max_retries


GROUP_JSON = b'{"personGroupId": "family", "name": "Family"}'


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


FAST = RetryPolicy(max_retries=3, backoff_base=0.001, backoff_max=0.004, max_retry_after=0.1)
TRAIN_ACCEPTED = send(202, headers={"Date": "Fri, 31 Dec 9999 23:59:59 GMT"})
LAST_SECOND_TRAINING = send(200, b'{"status": "running", "createdDateTime": "9999-12-31T23:59:59"}')

CASES: list[Case] = [
    # Replies aiohttp cannot parse: a connection error, the request retried as a read.
    Case("bad status line", raw(b"HTTP/1.1 abc OK\r\n\r\n"), get_group, FaceConnectionError),
    Case("garbage bytes", raw(bytes(range(256)) * 16), get_group, FaceConnectionError),
    Case(
        "bad chunk size",
        raw(head(200, {"Transfer-Encoding": "chunked"}) + b"zz\r\nabc\r\n"),
        get_group,
        FaceConnectionError,
    ),
    Case(
        "truncated body",
        raw(head(200, {"Content-Length": "100"}) + b'{"personGroupId":'),
        get_group,
        FaceConnectionError,
    ),
    Case(
        "header line too long",
        raw(head(200, {"X": "a" * 20_000})),
        get_group,
        FaceConnectionError,
    ),
    Case(
        "NUL in a header",
        raw(b"HTTP/1.1 200 OK\r\nX\0: a\r\n\r\n"),
        get_group,
        FaceConnectionError,
    ),
    Case(
        "negative Content-Length",
        raw(head(200, {"Content-Length": "-1"})),
        get_group,
        FaceConnectionError,
    ),
    Case("closed without a reply", raw(b""), get_group, FaceConnectionError),
    Case(
        "write broken mid-reply",
        raw(head(200, {"Content-Length": "10"})),
        add_face,
        FaceConnectionError,
        match="may have taken effect",
    ),
    Case(
        "status line echoing the credential",
        echo_status_line(),
        get_group,
        FaceConnectionError,
    ),
    *(
        Case(
            f"status line echoing the credential across the cut ({padding})",
            echo_status_line(padding),
            get_group,
            FaceConnectionError,
        )
        for padding in (180, 200, 220)
    ),
    Case(
        "headers echoing the credential",
        echo_in_headers(),
        get_group,
        ServerError,
    ),
    Case(
        "model field echoing the credential",
        echo_in_date(),
        lambda face: face.large_person_groups.get_training_status("fam"),
        FaceResponseError,
    ),
    # Replies that parse but mean nothing good.
    Case("status 999", send(999, b"{}"), get_group, ServerError),
    Case(
        "error body echoing the credential",
        echo_in_error_body(),
        get_group,
        BadRequestError,
        match="redacted",
    ),
    Case("2xx not JSON", send(200, b"<html>gateway</html>"), get_group, FaceResponseError),
    Case("2xx not UTF-8", send(200, b"\xff\xfe{}"), get_group, FaceResponseError),
    Case("2xx of the wrong shape", send(200, b"[1, 2]"), get_group, FaceResponseError),
    Case(
        "503 storm",
        send(503, b'{"error": {"code": "ServiceUnavailable", "message": "busy"}}'),
        get_group,
        ServerError,
        check=_storm,
    ),
    Case(
        "redirect to another host",
        redirect_elsewhere(),
        get_group,
        FaceResponseError,
        match="redirect",
        check=_one_request,
    ),
    # Time: every wait is bounded by the client's timeout.
    Case(
        "no reply at all",
        hang(),
        get_group,
        FaceTimeoutError,
        client={"timeout": 0.2, "max_retries": 1},
    ),
    Case(
        "body one byte at a time",
        trickle(),
        get_group,
        FaceTimeoutError,
        client={"timeout": 0.3, "max_retries": 0},
    ),
    Case(
        "endless 100 Continue",
        endless_informational(),
        get_group,
        FaceTimeoutError,
        client={"timeout": 0.3, "max_retries": 0},
    ),
    # Size: nothing past the cap is read.
    Case(
        "Content-Length of 500 MB",
        declared_huge(),
        get_group,
        FaceResponseError,
        match="max_response_bytes",
        seconds=1.0,
        memory=8 * 1024 * 1024,
    ),
    Case(
        "chunked body of 500 MB",
        huge_chunked(),
        get_group,
        FaceResponseError,
        match="max_response_bytes",
        client={"max_response_bytes": 1024 * 1024},
    ),
    # Compressed: 64 MiB of zeros from 64 KiB, sent at once or in 1 KiB pieces (each
    # inflating to about 1 MiB); either way the cap holds after decoding.
    Case(
        "gzip bomb in one piece",
        gzip_bomb(64, 64 * 1024),
        get_group,
        FaceResponseError,
        match="max_response_bytes",
        client={"max_response_bytes": 1024 * 1024},
        check=_one_request,
    ),
    Case(
        "gzip bomb in small pieces",
        gzip_bomb(64, 1024),
        get_group,
        FaceResponseError,
        match="max_response_bytes",
        client={"max_response_bytes": 1024 * 1024},
    ),
    Case(
        "corrupt gzip body",
        send(200, gzip.compress(b"{}" * 100)[:10] + b"\xff" * 20, {"Content-Encoding": "gzip"}),
        get_group,
        FaceResponseError,
        match="corrupt",
        check=_one_request,
    ),
    Case(
        "503 in an unrequested content coding",
        send(503, b"\x00\x01", {"Content-Encoding": "br"}),
        get_group,
        ServerError,
        check=_storm,
    ),
    Case(
        "unrequested content coding",
        send(200, b"\x00\x01", {"Content-Encoding": "br"}),
        get_group,
        FaceResponseError,
        match="Content-Encoding",
    ),
    Case(
        "deflate-encoded reply (zlib framing)",
        send(200, zlib.compress(GROUP_JSON), {"Content-Encoding": "deflate"}),
        get_group,
        None,
    ),
    Case(
        "deflate-encoded reply (raw, as some servers send it)",
        send(200, _raw_deflate(GROUP_JSON), {"Content-Encoding": "deflate"}),
        get_group,
        None,
    ),
    Case(
        "gzip-encoded reply",
        send(200, gzip.compress(GROUP_JSON), {"Content-Encoding": "gzip"}),
        get_group,
        None,
    ),
    Case(
        "error body of 500 MB",
        declared_huge(),
        add_face,
        FaceResponseError,
        seconds=1.0,
        memory=8 * 1024 * 1024,
    ),
    # Nesting: never a RecursionError.
    Case("deep JSON in a 200", send(200, DEEP), get_group, FaceResponseError, match="nested"),
    Case("deep JSON in a 400", send(400, DEEP), get_group, BadRequestError, match="HTTP 400"),
    Case(
        "deep JSON in a 429",
        send(429, DEEP, {"Retry-After": "0"}),
        get_group,
        RateLimitError,
    ),
    # Paging and polling that never end on their own.
    Case(
        "pager ignoring start",
        pages_ignoring_start([PERSON, PERSON.replace("2", "3")]),
        walk_persons,
        FaceResponseError,
        match="cursor did not advance",
    ),
    Case(
        "pager with empty ids",
        send(200, b'[{"personId": ""}, {"personId": ""}]'),
        walk_persons,
        FaceResponseError,
        match="cursor did not advance",
    ),
    Case(
        "operation ending 'cancelled'",
        operation("cancelled"),
        poll_operation,
        OperationFailedError,
        match="cancelled",
    ),
    Case(
        "operation in an unknown state",
        operation("paused"),
        poll_operation,
        FaceResponseError,
        match="paused",
    ),
    Case(
        "Retry-After: 0 on every poll",
        operation("running", **{"Retry-After": "0"}),
        poll_operation,
        FaceTimeoutError,
        check=_bounded_polls,
    ),
    Case(
        "service clock at the end of time",
        by_method(POST=TRAIN_ACCEPTED, GET=LAST_SECOND_TRAINING),
        train_and_wait,
        FaceTimeoutError,
    ),
    Case(
        "malformed Operation-Location",
        accepted(f"http://h:p\\@h2/operations/{OPERATION}"),
        take_snapshot,
        FaceResponseError,
        match="Operation-Location",
        check=_one_request,
    ),
    Case(
        "Operation-Location on another host",
        accepted(f"http://198.51.100.7/operations/{OPERATION}"),
        take_snapshot,
        FaceResponseError,
        match="198.51.100.7",
        check=_one_request,
    ),
    # Rate limits: a wait the policy refuses fails the call at once, and holds nobody.
    *(
        Case(name, rate_limited(**hint), get_group, RateLimitError, 0.5, check=_short_pause)
        for name, hint in [
            ("Retry-After of an hour", {"Retry-After": "3600"}),
            ("retry-after-ms of 1e308", {"retry-after-ms": "1e308"}),
            ("Retry-After in the year 9999", {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}),
        ]
    ),
    Case(
        "Retry-After garbage",
        rate_limited(**{"Retry-After": "soon, maybe"}),
        get_group,
        RateLimitError,
    ),
    # An early answer to an upload: the body writer is cut off, the reply still counts.
    Case(
        "answer before the upload was read",
        send(200, b'{"persistedFaceId": "015839fb-fbd9-4f79-ace9-7675fc2f1dd9"}'),
        add_face,
        None,
        read_body=False,
    ),
]


def client_for(server: HostileServer, case: Case, *, bearer: bool = False) -> FaceClient:
    """A client of the hostile server with fast retries and no real rate limit."""
    options: dict[str, Any] = {"retry_policy": FAST, **case.client}
    if "max_retries" in options:
        options["retry_policy"] = RetryPolicy(
            max_retries=options.pop("max_retries"),
            backoff_base=0.001,
            backoff_max=0.004,
            max_retry_after=0.1,
        )
    credential: Any = StaticToken() if bearer else KeyCredential(KEY)
    return FaceClient(
        server.endpoint,
        credential,
        rate_limiter=RateLimiter(10_000, burst=10_000),
        **options,
    )


def secret_count(text: str, secrets: tuple[str, ...] = (KEY, TOKEN)) -> int:
    """How many times a secret, or its first or last 12 characters, shows in `text`."""
    return sum(max(text.count(secret[:12]), text.count(secret[-12:])) for secret in secrets)


def secret_findings(error: BaseException, secrets: tuple[str, ...] = (KEY, TOKEN)) -> list[str]:
    """Where a secret (or its first or last 12 characters) shows in an exception: str,
    repr, attributes, notes, the causes and contexts (recursively), and the traceback
    rendered with every frame's locals, as error reporters such as Sentry capture it."""
    found: list[str] = []
    seen: set[int] = set()

    def texts(exc: BaseException) -> list[tuple[str, str]]:
        items = [("str", str(exc)), ("repr", repr(exc))]
        items += [(f"attribute {name}", repr(value)) for name, value in vars(exc).items()]
        items += [("note", note) for note in getattr(exc, "__notes__", [])]
        rendered = traceback.TracebackException(
            type(exc), exc, exc.__traceback__, capture_locals=True
        ).format()
        items.append(("traceback with locals", "".join(rendered)))
        return items

    def walk(exc: BaseException, path: str) -> None:
        if id(exc) in seen:
            return
        seen.add(id(exc))
        for label, text in texts(exc):
            # Half a secret is a leak too (a message cut short through it).
            if secret_count(text, secrets):
                found.append(f"{path}: {label}")
        if exc.__cause__ is not None:
            walk(exc.__cause__, path + ".__cause__")
        if exc.__context__ is not None:
            walk(exc.__context__, path + ".__context__")
        if isinstance(exc, BaseExceptionGroup):
            for index, inner in enumerate(exc.exceptions):
                walk(inner, f"{path}.exceptions[{index}]")

    walk(error, type(error).__name__)
    return found


@dataclass
class Outcome:
    """What one case did."""

    case: Case
    bearer: bool
    elapsed: float
    error: BaseException | None
    result: Any
    peak_memory: int | None
    secrets_found: list[str]
    problems: list[str]

    @property
    def clean(self) -> bool:
        return not self.problems


async def run_case(case: Case, *, bearer: bool = False) -> Outcome:
    """Run one case against a fresh hostile server; collect every way it went wrong."""
    import time
    import tracemalloc

    problems: list[str] = []
    error: BaseException | None = None
    result: Any = None
    peak: int | None = None
    async with hostile_server() as server:
        server.reply = case.reply
        server.read_body = case.read_body
        async with client_for(server, case, bearer=bearer) as face:
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
            started = time.monotonic()
            try:
                result = await case.call(face)
            except Exception as exc:
                error = exc
            elapsed = time.monotonic() - started
            peak = tracemalloc.get_traced_memory()[1] - base
            tracemalloc.stop()
            if case.check is not None:
                try:
                    case.check(server, face, error if error is not None else result)
                except AssertionError as failed:
                    problems.append(f"check: {failed}")
    if case.raises is None and error is not None:
        problems.append(f"raised {type(error).__name__}: {error}")
    if case.raises is not None and not isinstance(error, case.raises):
        got = f"{type(error).__name__}: {error}" if error is not None else "no error"
        problems.append(f"expected {case.raises.__name__}, got {got}")
    if error is not None and not isinstance(error, FaceError):
        problems.append(f"{type(error).__name__} is not a FaceError")
    if case.match is not None and error is not None and case.match not in str(error):
        problems.append(f"message lacks {case.match!r}: {error}")
    if elapsed > case.seconds:
        problems.append(f"took {elapsed:.2f} s (bound {case.seconds} s)")
    if peak is not None and peak > case.memory:
        problems.append(f"heap grew by {peak / 2**20:.1f} MiB (bound {case.memory / 2**20:.0f})")
    found = secret_findings(error) if error is not None else []
    problems += [f"secret in {where}" for where in found]
    return Outcome(case, bearer, elapsed, error, result, peak, found, problems)
