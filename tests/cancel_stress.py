"""Random cancellations of facekit calls, and an account of what they left behind.

`stress(trials, seed)` cancels uploads (bytes, a path, an open binary file, an async
iterator), pollers and bulk enrollments at random moments, in the four ways callers
cancel: `anyio.move_on_after`, `anyio.CancelScope.cancel()`, `asyncio.timeout` and
`Task.cancel()`. It counts CancelledErrors that escape the scope meant to catch them and
cancellations a call swallowed, then closes everything and counts the tasks, file
descriptors and open image files left. The servers run in threads with their own event
loops, so every task and descriptor left in the caller's loop is the client's.
Used by `tests/test_cancellation.py` and `benchmarks/hostile.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import os
import random
import tempfile
import threading
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from aiohttp import web

from facekit import FaceClient, FaceError, KeyCredential, PollingPolicy, RateLimiter, RetryPolicy
from facekit.bulk import enroll_people
from facekit.emulator import EmulatorSettings, FaceEmulator, synthetic_face
from facekit.polling import OperationPoller

KEY = "c0ffeec0ffeec0ffeec0ffeec0ffeec0"
OPERATION = "/operations/a63a3bdd-a1db-4d05-87b8-dbad6850062a"
STYLES = ("move_on_after", "cancel_scope", "asyncio_timeout", "task_cancel")
SOURCES = ("bytes", "path", "file", "async_iterator")
# Small images keep the run short; the larger one keeps the body writer busy for a while,
# which is when the race with the reply happens.
SIZES = (2 * 1024, 48 * 1024, 300 * 1024)


@dataclass
class Report:
    """What a stress run did and what it left."""

    trials: int = 0
    #: CancelledError that escaped the scope (or asyncio.timeout) meant to absorb it.
    escaped: int = 0
    #: Task.cancel() landed on a running call, and the call still returned normally.
    swallowed: int = 0
    #: Errors that were not FaceError (anything else is a bug).
    foreign_errors: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def landed(self) -> int:
        """Cancellations that hit a running call (cancelled, escaped or swallowed)."""
        return self.outcomes["cancelled"] + self.escaped + self.swallowed

    by_kind: Counter[str] = field(default_factory=Counter)
    escaped_by_kind: Counter[str] = field(default_factory=Counter)
    tasks_left: int = 0
    fds_left: int = 0
    image_files_open: int = 0
    works_afterwards: bool = False

    @property
    def clean(self) -> bool:
        return (
            self.escaped == 0
            and self.swallowed == 0
            and not self.foreign_errors
            and self.tasks_left == 0
            and self.fds_left <= 0
            and self.image_files_open == 0
            and self.works_afterwards
        )


class ThreadedApp:
    """An aiohttp application on 127.0.0.1, served from its own thread and event loop."""

    def __init__(self, app: web.Application) -> None:
        self._app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedApp:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        self._runner = web.AppRunner(
            self._app, access_log=None, handle_signals=False, shutdown_timeout=0.1
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        # Handlers of connections the client already dropped end with the loop.
        current = asyncio.current_task()
        leftovers = [task for task in asyncio.all_tasks() if task is not current]
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)


def face_service(seed: int) -> web.Application:
    """detect answers at once, after a pause, or after reading the image; the operation
    status says "running" twice in three polls."""
    rand = random.Random(seed)

    async def detect(request: web.Request) -> web.Response:
        choice = rand.random()
        if choice < 0.3:
            return web.json_response([])  # before reading the image: the writer is cut off
        if choice < 0.6:
            await asyncio.sleep(rand.random() * 0.004)
        with contextlib.suppress(ConnectionError):
            await request.read()
        return web.json_response([])

    async def operation(request: web.Request) -> web.Response:
        await asyncio.sleep(rand.random() * 0.002)
        status = "running" if rand.random() < 0.67 else "succeeded"
        return web.json_response(
            {
                "status": status,
                "createdTime": "2024-01-01T00:00:00Z",
                "resourceLocation": "/snapshots/e58b3f08-1e8b-4165-81df-aa9858f233dc",
            },
            headers={"Retry-After": "0"},
        )

    app = web.Application(client_max_size=8 * 1024 * 1024)
    app.router.add_post("/face/v1.0/detect", detect)
    app.router.add_get("/face/v1.0" + OPERATION, operation)
    return app


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def files_open_under(folder: Path) -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{fd}").startswith(str(folder)):
                count += 1
    return count


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for offset in range(0, len(data), 16 * 1024):
        await asyncio.sleep(0)
        yield data[offset : offset + 16 * 1024]


@contextlib.contextmanager
def _image_source(kind: str, data: bytes, path: Path) -> Iterator[Any]:
    if kind == "bytes":
        yield data
    elif kind == "path":
        yield path
    elif kind == "file":
        with path.open("rb") as handle:
            yield handle
    else:
        yield _chunks(data)


async def _cancel_in(style: str, delay: float, call: Callable[[], Awaitable[Any]]) -> str:
    """Run `call`, cancelled after `delay` s in the given style; return what happened:
    "completed", "cancelled", "error", "escaped" or "swallowed"."""
    try:
        if style == "move_on_after":
            with anyio.move_on_after(delay) as scope:
                await call()
            return "cancelled" if scope.cancelled_caught else "completed"
        if style == "cancel_scope":
            with anyio.CancelScope() as scope:
                handle = asyncio.get_running_loop().call_later(delay, scope.cancel)
                try:
                    await call()
                finally:
                    handle.cancel()
            return "cancelled" if scope.cancelled_caught else "completed"
        if style == "asyncio_timeout":
            try:
                async with asyncio.timeout(delay):
                    await call()
            except TimeoutError as exc:
                if isinstance(exc, FaceError):
                    return "error"
                return "cancelled"
            return "completed"
        task = asyncio.ensure_future(call())
        await asyncio.sleep(delay)
        requested = task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return "cancelled"
        except FaceError:
            return "error"
        # cancel() said the task was still running, yet it finished normally.
        return "swallowed" if requested and not task.cancelled() else "completed"
    except FaceError:
        return "error"
    except Exception as exc:
        return f"foreign:{type(exc).__name__}"
    except asyncio.CancelledError:
        # Not ours: this task was never cancelled from outside. Undo and count it.
        task_now = asyncio.current_task()
        while task_now is not None and task_now.cancelling():
            task_now.uncancel()
        return "escaped"


async def stress(trials: int = 1200, seed: int = 9) -> Report:
    """Run `trials` random cancellations (about 70 % uploads, 20 % pollers, 10 % bulk
    enrollments) and report what escaped and what was left behind."""
    rand = random.Random(seed)
    report = Report()
    folder = Path(tempfile.mkdtemp(prefix="facekit-stress-"))
    images = {size: bytes(rand.getrandbits(8) for _ in range(size)) for size in SIZES}
    paths = {}
    for size, data in images.items():
        paths[size] = folder / f"image-{size}.jpg"
        paths[size].write_bytes(data)
    people = {f"p{i}": [synthetic_face(f"p{i}", 1), synthetic_face(f"p{i}", 2)] for i in range(4)}
    quick = PollingPolicy(initial=0.001, maximum=0.004, jitter=0)
    fds_before = open_fds()
    before = asyncio.all_tasks()
    emulator = FaceEmulator(settings=EmulatorSettings(write_seconds=0.0))
    with ThreadedApp(face_service(seed)) as service, emulator.in_thread():
        limiter = RateLimiter(100_000, burst=100_000)
        policy = RetryPolicy(max_retries=2, backoff_base=0.001, backoff_max=0.002)
        async with (
            FaceClient(
                service.endpoint,
                KeyCredential(KEY),
                # The stand-in service answers under /face/v1.0.
                api_version="v1.0",
                rate_limiter=limiter,
                retry_policy=policy,
            ) as face,
            FaceClient(
                emulator.endpoint,
                KeyCredential(emulator.key),
                rate_limiter=limiter,
                retry_policy=policy,
            ) as emulated,
        ):
            for trial in range(trials):
                style = rand.choice(STYLES)
                pick = rand.random()
                if pick < 0.7:
                    kind = rand.choice(SOURCES)
                    size = rand.choice(SIZES)
                    delay = rand.random() * 0.003
                    with _image_source(kind, images[size], paths[size]) as source:
                        outcome = await _cancel_in(
                            style, delay, functools.partial(face.detect, source)
                        )
                    kind = f"upload:{kind}"
                elif pick < 0.9:
                    kind = "poller"
                    poller = OperationPoller(face._session, OPERATION, purpose="take", policy=quick)
                    delay = rand.random() * 0.008
                    outcome = await _cancel_in(style, delay, poller.result)
                else:
                    kind = "bulk"
                    delay = rand.random() * 0.03
                    group = f"stress-{trial}"
                    outcome = await _cancel_in(
                        style,
                        delay,
                        functools.partial(enroll_people, emulated, group, people, concurrency=4),
                    )
                report.trials += 1
                report.outcomes[outcome] += 1
                report.by_kind[kind] += 1
                if outcome == "escaped":
                    report.escaped += 1
                    report.escaped_by_kind[f"{kind} {style}"] += 1
                elif outcome == "swallowed":
                    report.swallowed += 1
                elif outcome.startswith("foreign:"):
                    report.foreign_errors[f"{kind} {outcome[8:]}"] += 1
            # The connection pool must still serve after all that.
            report.works_afterwards = await _works(face)
        # Let cancelled body writers and their threads finish their last step.
        for _ in range(20):
            await asyncio.sleep(0.01)
        report.tasks_left = len(asyncio.all_tasks() - before - {asyncio.current_task()})
    report.image_files_open = files_open_under(folder)
    report.fds_left = open_fds() - fds_before
    _remove(folder, paths.values())
    return report


def _remove(folder: Path, paths: Any) -> None:
    for path in paths:
        path.unlink()
    folder.rmdir()


async def _works(face: FaceClient) -> bool:
    try:
        await face.detect(io.BytesIO(b"\xff" * 2048))
    except FaceError:
        return False
    return True


def summary(report: Report) -> str:
    """One line of figures."""
    return (
        f"cancellations escaped {report.escaped} of {report.trials} "
        f"({report.landed} landed mid-call); swallowed "
        f"{report.swallowed}; tasks left {report.tasks_left}; fds left "
        f"{max(report.fds_left, 0)}; image files open {report.image_files_open}"
    )
