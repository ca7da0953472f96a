"""Image sources as they go over the wire: bytes, files, streams and URLs."""

from __future__ import annotations

import contextlib
import io
import itertools
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from facekit import (
    FaceClient,
    FaceValidationError,
    KeyCredential,
    RateLimiter,
    ServerError,
)
from facekit.images import CHUNK_SIZE

from .conftest import BASE, FAST_RETRY, KEY, UNIT_VERSION, image_bytes
from .fake_transport import Canned, FakeTransport, Sent

GROUP = "family"
LIST = "faces"
PERSON = "25985303-c537-4467-b41d-bdb45cd95ca1"
PERSISTED = "015839fb-fbd9-4f79-ace9-7675fc2f1dd9"
DETECT_URL = f"{BASE}/detect"
FACE = {"faceRectangle": {"left": 1, "top": 2, "width": 30, "height": 40}}
ADDED = {"persistedFaceId": PERSISTED}
BUSY = {"error": {"code": "ServiceUnavailable", "message": "busy"}}

#: Spans three upload chunks (64 KiB, 64 KiB and the rest).
DATA = image_bytes(150_000)
SIX_MB = 6 * 1024 * 1024


class Recorder:
    """A FakeTransport callback that keeps what each request carried."""

    def __init__(self, *, status: int = 200, payload: Any = None) -> None:
        self.status = status
        self.payload = [FACE] if payload is None else payload
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: Sent) -> Canned:
        self.requests.append(
            {"data": request.data, "json": request.json, "headers": request.headers}
        )
        return Canned(status=self.status, payload=self.payload)


async def chunks_of(data: bytes, size: int) -> AsyncIterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


def _write(tmp: Path, data: bytes, name: str = "face.jpg") -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def _midway(prefix: bytes, data: bytes) -> io.BytesIO:
    buffer = io.BytesIO(prefix + data)
    buffer.seek(len(prefix))
    return buffer


class NonSeekableReader:
    """A binary reader that cannot seek, such as a pipe or a socket file."""

    def __init__(self, data: bytes) -> None:
        self._buffer = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._buffer.read(size)

    def seekable(self) -> bool:
        return False


# (description, make the source from tmp_path, expected Content-Length or None)
SOURCES: list[tuple[str, Callable[[Path, contextlib.ExitStack], Any], bool]] = [
    ("bytes", lambda tmp, stack: DATA, True),
    ("bytearray", lambda tmp, stack: bytearray(DATA), True),
    ("memoryview", lambda tmp, stack: memoryview(DATA), True),
    ("pathlib.Path", lambda tmp, stack: _write(tmp, DATA), True),
    (
        "open binary file",
        lambda tmp, stack: stack.enter_context(_write(tmp, DATA).open("rb")),
        True,
    ),
    ("BytesIO at the start", lambda tmp, stack: io.BytesIO(DATA), True),
    ("BytesIO positioned mid-way", lambda tmp, stack: _midway(b"HEADER" * 500, DATA), True),
    (
        "binary file positioned mid-way",
        lambda tmp, stack: _opened_at(stack, _write(tmp, b"skip" * 300 + DATA), 1200),
        True,
    ),
    ("async iterator of chunks", lambda tmp, stack: chunks_of(DATA, 10_000), False),
    ("async iterator of one chunk", lambda tmp, stack: chunks_of(DATA, len(DATA)), False),
    ("non-seekable reader", lambda tmp, stack: NonSeekableReader(DATA), False),
]


def _opened_at(stack: contextlib.ExitStack, path: Path, position: int) -> Any:
    handle = stack.enter_context(path.open("rb"))
    handle.seek(position)
    return handle


def _source_params() -> list[Any]:
    return [pytest.param(make, sized, id=label) for label, make, sized in SOURCES]


@pytest.mark.parametrize(("make_source", "sized"), _source_params())
async def test_an_image_source_arrives_as_the_exact_bytes(
    client: FaceClient,
    fake: FakeTransport,
    tmp_path: Path,
    make_source: Callable[[Path, contextlib.ExitStack], Any],
    sized: bool,
) -> None:
    recorder = Recorder()
    fake.post(DETECT_URL, callback=recorder)

    with contextlib.ExitStack() as stack:
        faces = await client.detect(make_source(tmp_path, stack))

    assert faces[0].face_rectangle.width == 30
    [request] = recorder.requests
    assert request["data"] == DATA
    assert request["json"] is None
    assert request["headers"]["Content-Type"] == "application/octet-stream"
    if sized:
        assert request["headers"]["Content-Length"] == str(len(DATA))
    else:
        assert "Content-Length" not in request["headers"]


UPLOAD_OPERATIONS: list[tuple[str, Callable[[FaceClient, Any], Any], str, Any]] = [
    ("detect", lambda c, image: c.detect(image), "/detect", [FACE]),
    (
        "face_lists.add_face",
        lambda c, image: c.face_lists.add_face(LIST, image),
        f"/facelists/{LIST}/persistedfaces",
        ADDED,
    ),
    (
        "large_face_lists.add_face",
        lambda c, image: c.large_face_lists.add_face(LIST, image),
        f"/largefacelists/{LIST}/persistedfaces",
        ADDED,
    ),
    (
        "person_groups.persons.add_face",
        lambda c, image: c.person_groups.persons.add_face(GROUP, PERSON, image),
        f"/persongroups/{GROUP}/persons/{PERSON}/persistedfaces",
        ADDED,
    ),
    (
        "large_person_groups.persons.add_face",
        lambda c, image: c.large_person_groups.persons.add_face(GROUP, PERSON, image),
        f"/largepersongroups/{GROUP}/persons/{PERSON}/persistedfaces",
        ADDED,
    ),
]


def _operation_params() -> list[Any]:
    return [
        pytest.param(call, path, reply, id=name) for name, call, path, reply in UPLOAD_OPERATIONS
    ]


@pytest.mark.parametrize(("operation", "path", "reply"), _operation_params())
async def test_every_image_operation_uploads_bytes_as_octet_stream(
    client: FaceClient,
    fake: FakeTransport,
    operation: Callable[[FaceClient, Any], Any],
    path: str,
    reply: Any,
) -> None:
    recorder = Recorder(payload=reply)
    fake.post(f"{BASE}{path}", callback=recorder)

    await operation(client, DATA)

    [request] = recorder.requests
    assert request["data"] == DATA
    assert request["json"] is None
    assert request["headers"]["Content-Type"] == "application/octet-stream"
    assert request["headers"]["Content-Length"] == str(len(DATA))


@pytest.mark.parametrize(("operation", "path", "reply"), _operation_params())
@pytest.mark.parametrize(
    "url",
    ["https://example.com/faces/1.jpg", "http://example.com/photo.png?size=large"],
)
async def test_a_url_image_is_sent_as_json(
    client: FaceClient,
    fake: FakeTransport,
    operation: Callable[[FaceClient, Any], Any],
    path: str,
    reply: Any,
    url: str,
) -> None:
    recorder = Recorder(payload=reply)
    fake.post(f"{BASE}{path}", callback=recorder)

    await operation(client, url)

    [request] = recorder.requests
    assert request["json"] == {"url": url}
    assert request["data"] is None
    # facekit says application/json for a JSON body, and must not claim an octet-stream.
    assert request["headers"].get("Content-Type", "application/json") == "application/json"
    assert "Content-Length" not in request["headers"]


# -- progress ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_source", "total"),
    [
        pytest.param(lambda tmp: DATA, len(DATA), id="bytes"),
        pytest.param(lambda tmp: _write(tmp, DATA), len(DATA), id="pathlib.Path"),
        pytest.param(lambda tmp: _midway(b"x" * 100, DATA), len(DATA), id="BytesIO mid-way"),
        pytest.param(lambda tmp: chunks_of(DATA, 50_000), None, id="async iterator"),
    ],
)
async def test_progress_counts_up_to_the_whole_image(
    client: FaceClient,
    fake: FakeTransport,
    tmp_path: Path,
    make_source: Callable[[Path], Any],
    total: int | None,
) -> None:
    fake.post(DETECT_URL, payload=[])
    calls: list[tuple[int, int | None]] = []

    await client.detect(
        make_source(tmp_path), progress=lambda sent, size: calls.append((sent, size))
    )

    sent = [done for done, _ in calls]
    assert len(calls) >= 3
    assert sent == sorted(set(sent)), "bytes sent must strictly increase"
    assert {size for _, size in calls} == {total}
    assert calls[-1] == (len(DATA), total)


async def test_progress_is_reported_by_add_face_too(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.post(f"{BASE}/facelists/{LIST}/persistedfaces", payload=ADDED)
    calls: list[tuple[int, int | None]] = []

    await client.face_lists.add_face(LIST, DATA, progress=lambda *call: calls.append(call))

    assert calls == [(65536, len(DATA)), (131072, len(DATA)), (len(DATA), len(DATA))]


async def test_a_large_file_is_streamed_in_chunks(
    client: FaceClient, fake: FakeTransport, tmp_path: Path
) -> None:
    content = bytes(range(256)) * (5 * 1024 * 1024 // 256)
    path = _write(tmp_path, content)
    recorder = Recorder(payload=[])
    fake.post(DETECT_URL, callback=recorder)
    calls: list[tuple[int, int | None]] = []

    await client.detect(path, progress=lambda *call: calls.append(call))

    assert recorder.requests[0]["data"] == content
    assert recorder.requests[0]["headers"]["Content-Length"] == str(len(content))
    assert len(calls) >= len(content) // CHUNK_SIZE
    sent = [0] + [done for done, _ in calls]
    assert max(after - before for before, after in itertools.pairwise(sent)) <= CHUNK_SIZE
    assert calls[-1] == (len(content), len(content))


# -- retries ----------------------------------------------------------------------------

REPLAYABLE: list[tuple[str, Callable[[Path, contextlib.ExitStack], Any]]] = [
    ("bytes", lambda tmp, stack: DATA),
    ("pathlib.Path", lambda tmp, stack: _write(tmp, DATA)),
    ("BytesIO", lambda tmp, stack: io.BytesIO(DATA)),
    ("BytesIO positioned mid-way", lambda tmp, stack: _midway(b"HEADER" * 10, DATA)),
    ("open binary file", lambda tmp, stack: stack.enter_context(_write(tmp, DATA).open("rb"))),
]


@pytest.mark.parametrize(
    "make_source", [pytest.param(make, id=label) for label, make in REPLAYABLE]
)
async def test_a_retry_sends_the_whole_image_again(
    client: FaceClient,
    fake: FakeTransport,
    tmp_path: Path,
    make_source: Callable[[Path, contextlib.ExitStack], Any],
) -> None:
    busy = Recorder(status=503, payload=BUSY)
    ok = Recorder(payload=[FACE])
    fake.post(DETECT_URL, callback=busy)
    fake.post(DETECT_URL, callback=ok)

    with contextlib.ExitStack() as stack:
        faces = await client.detect(make_source(tmp_path, stack))

    assert len(faces) == 1
    assert [r["data"] for r in busy.requests + ok.requests] == [DATA, DATA]
    assert [r["headers"]["Content-Length"] for r in busy.requests + ok.requests] == [
        str(len(DATA))
    ] * 2


@pytest.mark.parametrize(
    "make_source",
    [
        pytest.param(lambda: chunks_of(DATA, 10_000), id="async iterator"),
        pytest.param(lambda: NonSeekableReader(DATA), id="non-seekable reader"),
    ],
)
async def test_a_stream_that_cannot_be_replayed_is_not_retried(
    client: FaceClient, fake: FakeTransport, make_source: Callable[[], Any]
) -> None:
    busy = Recorder(status=503, payload=BUSY)
    ok = Recorder(payload=[FACE])
    fake.post(DETECT_URL, callback=busy)
    fake.post(DETECT_URL, callback=ok)

    with pytest.raises(ServerError) as caught:
        await client.detect(make_source())

    assert caught.value.status == 503
    assert [r["data"] for r in busy.requests] == [DATA]
    assert ok.requests == []


async def test_a_stream_larger_than_6_mb_is_a_validation_error(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.post(DETECT_URL, payload=[], repeat=True)

    async def seven_megabytes() -> AsyncIterator[bytes]:
        for _ in range(7):
            yield b"\xff" * (1024 * 1024)

    with pytest.raises(FaceValidationError) as caught:
        await client.detect(seven_megabytes())

    assert caught.value.parameter == "image"


async def test_a_stream_of_exactly_6_mb_is_sent(client: FaceClient, fake: FakeTransport) -> None:
    recorder = Recorder(payload=[])
    fake.post(DETECT_URL, callback=recorder)

    await client.detect(chunks_of(b"\xff" * SIX_MB, 1024 * 1024))

    assert len(recorder.requests[0]["data"]) == SIX_MB


async def test_an_async_iterator_of_text_is_refused(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.post(DETECT_URL, payload=[], repeat=True)

    async def text() -> AsyncIterator[Any]:
        yield "not bytes" * 200

    with pytest.raises(FaceValidationError) as caught:
        await client.detect(text())

    assert caught.value.parameter == "image"


# -- on a real socket ---------------------------------------------------------------------
#
# The fake transport sees the body before aiohttp serializes it; these few cases go
# through aiohttp to a loopback server to check the headers aiohttp itself writes.


class Wire:
    """A loopback Face endpoint that records what arrived."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    async def detect(self, request: web.Request) -> web.Response:
        try:
            body = await request.read()
        except Exception:  # the client gave up mid-body
            body = None
        self.requests.append({"headers": dict(request.headers), "body": body})
        return web.json_response([FACE])


@pytest.fixture
async def wire() -> AsyncIterator[tuple[Wire, FaceClient]]:
    recorder = Wire()
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_post("/face/v1.0/detect", recorder.detect)
    server = TestServer(app, host="127.0.0.1")
    async with (
        server,
        FaceClient(
            f"http://127.0.0.1:{server.port}",
            KeyCredential(KEY),
            api_version=UNIT_VERSION,
            retry_policy=FAST_RETRY,
            rate_limiter=RateLimiter(10_000, burst=10_000),
        ) as client,
    ):
        yield recorder, client


async def test_on_the_wire_a_url_is_json(wire: tuple[Wire, FaceClient]) -> None:
    recorder, client = wire

    await client.detect("https://example.com/face.jpg")

    [request] = recorder.requests
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["body"] == b'{"url": "https://example.com/face.jpg"}'


async def test_on_the_wire_bytes_have_a_content_length(wire: tuple[Wire, FaceClient]) -> None:
    recorder, client = wire

    await client.detect(DATA)

    [request] = recorder.requests
    assert request["headers"]["Content-Type"] == "application/octet-stream"
    assert request["headers"]["Content-Length"] == str(len(DATA))
    assert "Transfer-Encoding" not in request["headers"]
    assert request["body"] == DATA


async def test_on_the_wire_an_async_iterator_is_chunked(wire: tuple[Wire, FaceClient]) -> None:
    recorder, client = wire

    await client.detect(chunks_of(DATA, 10_000))

    [request] = recorder.requests
    assert request["headers"]["Content-Type"] == "application/octet-stream"
    assert request["headers"]["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in request["headers"]
    assert request["body"] == DATA


async def test_on_the_wire_an_oversized_stream_is_a_validation_error(
    wire: tuple[Wire, FaceClient],
) -> None:
    _, client = wire

    async def seven_megabytes() -> AsyncIterator[bytes]:
        for _ in range(7):
            yield b"\xff" * (1024 * 1024)

    with pytest.raises(FaceValidationError) as caught:
        await client.detect(seven_megabytes())

    assert caught.value.parameter == "image"


async def test_on_the_wire_an_async_iterator_of_text_is_a_validation_error(
    wire: tuple[Wire, FaceClient],
) -> None:
    _, client = wire

    async def text() -> AsyncIterator[Any]:
        yield b"\xff" * 2048
        yield "not bytes"

    # aiohttp's body writer turns whatever the stream raises into a connection error; the
    # caller must still see its own mistake, not "may have taken effect".
    with pytest.raises(FaceValidationError) as caught:
        await client.detect(text())

    assert caught.value.parameter == "image"
    assert "may have taken effect" not in str(caught.value)


async def test_a_progress_callback_that_is_not_callable_is_refused(
    client: FaceClient, fake: FakeTransport
) -> None:
    with pytest.raises(FaceValidationError) as caught:
        await client.detect(DATA, progress=5)  # type: ignore[arg-type]
    assert caught.value.parameter == "progress"
    assert fake.requests == []


async def test_on_the_wire_a_failing_progress_callback_is_named_not_taken_for_the_network(
    wire: tuple[Wire, FaceClient],
) -> None:
    _, client = wire

    def progress(sent: int, total: int | None) -> None:
        raise RuntimeError("progress bar closed")

    with pytest.raises(FaceValidationError, match="progress bar closed") as caught:
        await client.detect(DATA, progress=progress)

    assert caught.value.parameter == "progress"


async def test_on_the_wire_a_progress_callback_raising_system_exit_is_named_and_the_loop_lives(
    wire: tuple[Wire, FaceClient],
) -> None:
    # The callback runs in aiohttp's body-writer task, where a SystemExit would end the
    # event loop itself: it is the caller's FaceValidationError like any other failure.
    _, client = wire

    def progress(sent: int, total: int | None) -> None:
        sys.exit(3)

    with pytest.raises(FaceValidationError) as caught:
        await client.detect(DATA, progress=progress)
    assert caught.value.parameter == "progress"
    assert str(caught.value).startswith("progress: the progress callback raised SystemExit")
    assert len(await client.detect(DATA)) == 1
