"""The event loop a synchronous client runs its async twin on: one private thread per client.

The loop starts with the first call and stops on close. Every call is a coroutine sent to
that loop; the calling thread blocks on its result. The loop thread is a daemon, and a
client dropped without close() is closed when collected (or at interpreter exit), so
neither a forgotten client nor a loop thread can hold the process open.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar, cast

from ..errors import FaceError

T = TypeVar("T")

__all__ = ["Portal"]

#: How long close() waits for the connections to close and the loop thread to end.
CLOSE_TIMEOUT = 10.0
#: Longest a waiting caller goes without handling a signal such as Ctrl-C.
WAIT_SLICE = 0.1
#: The name of every sync client's loop thread.
THREAD_NAME = "facekit-sync-loop"


class _Loop:
    """The loop and its thread; refers to no client, so a dropped client can be collected."""

    def __init__(self, aclose: Callable[[], Awaitable[None]] | None) -> None:
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.closed = False
        #: The process that started the loop: a forked child has the client, not the thread.
        self.pid: int | None = None
        self._aclose = aclose

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule `coroutine` on the loop (started on first use); FaceError once closed.

        Under the lock, so that a call is either scheduled before close() schedules the
        shutdown (which then cancels it) or refused: never left on a stopped loop.
        """
        with self.lock:
            if self.closed:
                raise FaceError("this facekit.sync.FaceClient is closed")
            if self.pid is not None and self.pid != os.getpid():
                raise FaceError(
                    "this facekit.sync.FaceClient was started in another process, which "
                    "forked this one: its event loop thread stayed there. Create the client "
                    "in each process (after the fork: a Celery or gunicorn worker's start)"
                )
            if threading.current_thread() is self.thread:
                raise FaceError(
                    "a facekit.sync.FaceClient was called from its own event loop thread "
                    "(from a progress callback?): that call would wait for itself forever"
                )
            loop = self.loop or self._start()
            return asyncio.run_coroutine_threadsafe(_guarded(coroutine), loop)

    def _start(self) -> asyncio.AbstractEventLoop:
        """Start the loop thread (the lock held)."""
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        thread = threading.Thread(target=_serve, args=(loop, ready), name=THREAD_NAME, daemon=True)
        thread.start()
        ready.wait()
        self.loop, self.thread, self.pid = loop, thread, os.getpid()
        return loop

    def close(self) -> None:
        """Close the client's connections, cancel what still runs, end the thread. Idempotent."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            if self.pid is not None and self.pid != os.getpid():
                # A forked child: the loop thread is the parent's to close.
                return
            if self.loop is None and self._aclose is None:
                return
            # Never used: its transport is closed all the same (a caller's may hold something).
            loop = self.loop or self._start()
            thread = self.thread
        assert thread is not None
        shutdown = asyncio.run_coroutine_threadsafe(_shutdown(self._aclose), loop)
        if threading.current_thread() is thread:
            # Collected on the loop thread itself: it cannot wait for itself.
            return
        try:
            # What closing the connections raises is the caller's, as aclose's would be.
            shutdown.result(CLOSE_TIMEOUT)
        except TimeoutError:
            if shutdown.done():
                raise
            # Stuck closing the connections: the thread ends all the same, below.
        finally:
            if not shutdown.done():
                # Stuck, or interrupted while waiting (Ctrl-C): the thread still ends.
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    loop.call_soon_threadsafe(loop.stop)
            thread.join(CLOSE_TIMEOUT)


def _serve(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    loop.call_soon(ready.set)
    try:
        while True:
            try:
                loop.run_forever()
            except (KeyboardInterrupt, SystemExit):
                # No signal reaches this thread: a task of the loop raised it (a callback's,
                # a credential's) and asyncio let it out. The task holds it; the loop goes on.
                continue
            break
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


async def _guarded(coroutine: Coroutine[Any, Any, T]) -> T:
    """`coroutine`, a SystemExit or KeyboardInterrupt from within it made a FaceError.

    Raised on the loop thread, neither is the caller's signal: asyncio would let it end the
    loop, and the calling thread would exit or see every later call fail.
    """
    try:
        return await coroutine
    except (KeyboardInterrupt, SystemExit) as exc:
        raise FaceError(
            f"{type(exc).__name__} was raised on the facekit.sync.FaceClient's event loop "
            "thread (by a callback or a credential?); the call was stopped"
        ) from exc


async def _shutdown(aclose: Callable[[], Awaitable[None]] | None) -> None:
    """On the loop: cancel the calls still running, close the connections, stop the loop."""
    loop = asyncio.get_running_loop()
    try:
        others = [t for t in asyncio.all_tasks(loop) if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        if aclose is not None:
            await aclose()
    finally:
        loop.stop()


class Portal:
    """What a sync client, its copies, pagers and pollers share: the way into the loop.

    Calls may come from any number of threads at once. A call made on the loop's own thread
    (from a progress callback, say) would wait for itself forever, so it is refused.
    """

    def __init__(self, aclose: Callable[[], Awaitable[None]] | None) -> None:
        self._loop = _Loop(aclose)
        # Collected without close(): close it then (also at interpreter exit).
        self._finalizer = weakref.finalize(self, self._loop.close)

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return self._loop.closed

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the loop and return its result; its exception as it is.

        If the calling thread is interrupted while it waits (KeyboardInterrupt, a timeout
        signal), the call is cancelled on the loop before the interruption goes on.
        """
        try:
            future = self._loop.submit(coroutine)
        except BaseException:
            coroutine.close()
            raise
        try:
            return _outcome(future)
        finally:
            if not future.done():
                # Interrupted while waiting: the call must not go on without a caller.
                future.cancel()

    def iterate(self, iterator: AsyncIterator[T]) -> Iterator[T]:
        """Walk an async iterator from this thread, one step on the loop at a time."""
        try:
            while True:
                item = self.run(_step(iterator))
                if item is _END:
                    return
                yield cast(T, item)
        finally:
            aclose = getattr(iterator, "aclose", None)
            # Left early (break, an error): end the async generator where it runs. On the
            # loop thread (collected there) or once closed, the loop finalizes it itself.
            if (
                aclose is not None
                and not self.closed
                and threading.current_thread() is not self._loop.thread
            ):
                with contextlib.suppress(FaceError):
                    self.run(aclose())

    def close(self) -> None:
        """Close the connections and end the loop thread; idempotent."""
        self._finalizer()


def _outcome(future: concurrent.futures.Future[T]) -> T:
    """The call's result, or its own exception with no trace of the thread hand-over."""
    # Waited for in slices: a signal (Ctrl-C) is handled between two, on every platform.
    while True:
        try:
            return future.result(timeout=WAIT_SLICE)
        except concurrent.futures.CancelledError:
            break
        except TimeoutError:
            # The slice ran out, or the call itself raised a TimeoutError: read it below,
            # outside this handler, so that the slice's error is not its context.
            if future.done():
                break
    if not future.cancelled():
        return future.result()
    # Raised outside the handler: nothing of the hand-over is chained to it.
    raise FaceError("the facekit.sync.FaceClient was closed while this call was running")


_END = object()


async def _step(iterator: AsyncIterator[T]) -> object:
    # StopAsyncIteration does not cross the thread boundary: the end is a sentinel here.
    try:
        return await anext(iterator)
    except StopAsyncIteration:
        return _END
