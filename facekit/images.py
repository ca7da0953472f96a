"""Image sources: bytes, a path, an open binary file, an async byte iterator, or a URL."""

from __future__ import annotations

import asyncio
import io
import os
import stat
import uuid
from collections.abc import AsyncGenerator, AsyncIterable, Callable, Sequence
from typing import IO, Any, TypeAlias

import anyio
import yarl

from . import _validation as check
from .errors import FaceValidationError

__all__ = ["ImageInput", "ImageUpload", "ProgressCallback", "form_upload", "image_request"]

#: What image parameters accept. A `str` must be an http(s) URL; pass a `pathlib.Path`
#: for a file on disk.
ImageInput: TypeAlias = (
    bytes | bytearray | memoryview | os.PathLike[str] | IO[bytes] | AsyncIterable[bytes] | str
)

#: Called as `progress(bytes_sent, total_bytes_or_None)` after each uploaded chunk.
ProgressCallback: TypeAlias = Callable[[int, int | None], object]

CHUNK_SIZE = 64 * 1024


class ImageUpload:
    """An image body sent as application/octet-stream, streamed in chunks.

    `size` is known for bytes, paths and seekable files (and checked against 1 KB..6 MB
    before anything is sent); `replayable` says whether a retry can send it again.
    `form_upload` wraps one in a multipart/form-data body (`content_type` says which).
    """

    def __init__(
        self,
        opener: Callable[[], AsyncGenerator[bytes, None]],
        *,
        size: int | None,
        replayable: bool,
        progress: ProgressCallback | None = None,
        content_type: str = "application/octet-stream",
        max_bytes: int = check.IMAGE_MAX_BYTES,
    ) -> None:
        self._opener = opener
        self.size = size
        self.replayable = replayable
        self.progress = progress
        self.content_type = content_type
        #: The most bytes the stream may yield (the image's 6 MB, plus any framing).
        self.max_bytes = max_bytes
        self.started = False
        #: Set when the stream itself broke a limit mid-upload (unknown-size sources).
        self.error: FaceValidationError | None = None

    @property
    def can_send(self) -> bool:
        """Whether the body can be sent (again): not yet started, or replayable."""
        return self.replayable or not self.started

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        """The body chunk by chunk; a stream over 6 MB stops; progress after each chunk."""
        self.started = True
        sent = 0
        chunks = self._opener()
        try:
            while True:
                try:
                    chunk = await anext(chunks)
                except StopAsyncIteration:
                    return
                except FaceValidationError as exc:
                    # Recorded here because aiohttp's body writer turns whatever the stream
                    # raises into a connection error ("may have taken effect").
                    self.error = exc
                    raise
                except OSError as exc:
                    # A local read error is the caller's image, not the network: say so.
                    self.error = FaceValidationError("image", f"cannot be read: {exc}")
                    raise self.error from exc
                if not chunk:
                    continue
                sent += len(chunk)
                if sent > self.max_bytes:
                    self.error = FaceValidationError(
                        "image", "stream is larger than 6 MB, the most the service accepts"
                    )
                    raise self.error
                yield bytes(chunk)
                if self.progress is not None:
                    try:
                        self.progress(sent, self.size)
                    except (asyncio.CancelledError, GeneratorExit):
                        raise
                    except BaseException as exc:
                        # The caller's own callback: its failure is theirs, not the network's.
                        # A SystemExit too: here, in aiohttp's body-writer task, it would end
                        # the event loop itself (a sync client's thread with it).
                        self.error = FaceValidationError(
                            "progress", f"the progress callback raised {type(exc).__name__}: {exc}"
                        )
                        raise self.error from exc
        finally:
            await chunks.aclose()


def form_upload(
    image: ImageUpload,
    fields: Sequence[tuple[str, str]],
    *,
    file_field: str,
    filename: str,
) -> ImageUpload:
    """`image` as one part of a multipart/form-data body, after the text `fields`.

    The image still streams chunk by chunk, within its own 6 MB, and replays as it would
    alone; the size is known when the image's is.
    """
    boundary = f"facekit-{uuid.uuid4().hex}"
    head = bytearray()
    for name, value in fields:
        head += f"--{boundary}\r\n".encode()
        head += f'Content-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'.encode()
        head += value.encode() + b"\r\n"
    head += f"--{boundary}\r\n".encode()
    head += (
        f'Content-Disposition: form-data; name="{_quoted(file_field)}"; '
        f'filename="{_quoted(filename)}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    framing = len(head) + len(tail)
    opener = image._opener

    async def framed() -> AsyncGenerator[bytes, None]:
        yield bytes(head)
        chunks = opener()
        try:
            async for chunk in chunks:
                yield chunk
        finally:
            await chunks.aclose()
        yield tail

    return ImageUpload(
        framed,
        size=None if image.size is None else image.size + framing,
        replayable=image.replayable,
        progress=image.progress,
        content_type=f"multipart/form-data; boundary={boundary}",
        max_bytes=image.max_bytes + framing,
    )


def _quoted(name: str) -> str:
    # A form name or filename is facekit's own; escape it anyway, as RFC 7578 says.
    return name.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "")


def image_request(
    image: ImageInput, progress: ProgressCallback | None = None
) -> tuple[str | None, ImageUpload | None]:
    """Classify an image argument: (url, None) for a URL, (None, upload) otherwise."""
    if progress is not None and not callable(progress):
        raise FaceValidationError("progress", "must be a callable(bytes_sent, total) or None")
    if isinstance(image, (str, yarl.URL)):
        return _image_url(str(image)), None
    if isinstance(image, (bytes, bytearray, memoryview)):
        data = bytes(image)
        check.image_size(len(data))
        return None, ImageUpload(
            lambda: _iter_bytes(data), size=len(data), replayable=True, progress=progress
        )
    if isinstance(image, os.PathLike):
        path = os.fspath(image)
        try:
            info = os.stat(path)
        except OSError as exc:
            raise FaceValidationError("image", f"cannot read {path!r}: {exc.strerror}") from None
        if not stat.S_ISREG(info.st_mode):
            raise FaceValidationError("image", f"{path!r} is not a regular file")
        size = info.st_size
        check.image_size(size)
        return None, ImageUpload(
            lambda: _iter_path(path), size=size, replayable=True, progress=progress
        )
    if isinstance(image, AsyncIterable):
        return None, ImageUpload(
            lambda: _iter_async(image), size=None, replayable=False, progress=progress
        )
    if hasattr(image, "read"):
        return None, _file_upload(image, progress)
    raise FaceValidationError(
        "image",
        "expected bytes, a pathlib.Path, a binary file, an async byte iterator or an "
        f"http(s) URL, got {type(image).__name__}",
    )


def _image_url(url: str) -> str:
    try:
        parsed = yarl.URL(url)
    except ValueError:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise FaceValidationError(
            "image",
            "a str image must be an http(s) URL; pass a pathlib.Path for a file on disk",
        )
    return url


def _file_upload(file: Any, progress: ProgressCallback | None) -> ImageUpload:
    if isinstance(file, io.TextIOBase):
        raise FaceValidationError("image", "file must be opened in binary mode ('rb')")
    seekable = bool(getattr(file, "seekable", lambda: False)())
    size: int | None = None
    start = 0
    if seekable:
        start = file.tell()
        end = file.seek(0, io.SEEK_END)
        file.seek(start)
        size = end - start
        check.image_size(size)

    def opener() -> AsyncGenerator[bytes, None]:
        if seekable:
            file.seek(start)
        return _iter_file(file)

    return ImageUpload(opener, size=size, replayable=seekable, progress=progress)


async def _iter_bytes(data: bytes) -> AsyncGenerator[bytes, None]:
    view = memoryview(data)
    for offset in range(0, len(data), CHUNK_SIZE):
        yield bytes(view[offset : offset + CHUNK_SIZE])


async def _iter_path(path: str) -> AsyncGenerator[bytes, None]:
    # Reads go to a thread; open and close stay synchronous (both are quick for a local
    # file): aiohttp cancels its body writer once the reply arrives, and a close that
    # awaited a thread could be cancelled halfway, leaving the file open.
    handle = open(path, "rb")  # noqa: ASYNC230, SIM115
    try:
        while chunk := await anyio.to_thread.run_sync(handle.read, CHUNK_SIZE):
            yield chunk
    finally:
        handle.close()


async def _iter_file(file: Any) -> AsyncGenerator[bytes, None]:
    # Real files block on read; in-memory ones do not, so only the former go to a thread.
    in_memory = isinstance(file, io.BytesIO)
    while True:
        chunk = (
            file.read(CHUNK_SIZE)
            if in_memory
            else await anyio.to_thread.run_sync(file.read, CHUNK_SIZE)
        )
        if not chunk:
            return
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise FaceValidationError("image", "file must be opened in binary mode ('rb')")
        yield bytes(chunk)


async def _iter_async(source: AsyncIterable[bytes]) -> AsyncGenerator[bytes, None]:
    async for chunk in source:
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise FaceValidationError("image", "async iterator must yield bytes")
        yield bytes(chunk)
