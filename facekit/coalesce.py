"""Coalesced identify: concurrent calls against one target share requests of up to 10 faces.

The Face service counts transactions, not faces, and one identify takes up to 10 face
ids. With `FaceClient(..., coalesce_identify=True)`, identify calls with the same target,
parameters and options that arrive within a short window go out as one request; each
caller gets exactly its own faces' results. The decisions (window, packing, splitting
after an error) are the pure functions of facekit._coalesce_plan; this module does the
waiting and sending.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

import attrs

from ._coalesce_plan import MAX_FACES, assign, distinct_ids, fold, plan_after_error, window_for
from .errors import FaceAPIError, FaceError, FaceResponseError, FaceValidationError
from .models import IdentifyResult
from .ratelimit import Limiter, WaitEstimator

__all__ = ["DEFAULT_WINDOW", "BatchReport", "CoalesceSettings", "Coalescer", "coalesce_settings"]

logger = logging.getLogger("facekit.coalesce")

#: Seconds a batch waits for more callers by default (never longer than the rate limiter
#: would make its first caller wait anyway).
DEFAULT_WINDOW = 0.005

#: Sends one identify request of these face ids and returns the service's results.
Send = Callable[[list[str]], Awaitable[list[IdentifyResult]]]


@attrs.frozen(kw_only=True)
class BatchReport:
    """One coalesced identify request, as handed to `CoalesceSettings.on_batch`."""

    #: Distinct face ids the request carries.
    faces: int
    #: Callers it answers.
    callers: int
    #: Seconds each caller waited, from its call to the request leaving the coalescer
    #: (what coalescing adds; the rate limiter's wait comes after, for every request).
    waits: tuple[float, ...]


def _check_window(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaceValidationError("coalesce_identify", "the window must be a number of seconds")
    if not math.isfinite(value) or not 0 <= value <= 10:
        raise FaceValidationError("coalesce_identify", "the window must be 0..10 seconds")
    return float(value)


def _check_callback(_: Any, __: Any, value: Any) -> None:
    if value is not None and not callable(value):
        raise FaceValidationError("on_batch", "must be callable or None")


@attrs.frozen(kw_only=True)
class CoalesceSettings:
    """How identify calls are coalesced.

    `window`: seconds a batch stays open for more callers (default 5 ms); a batch of 10
    face ids leaves at once, and none waits longer than the rate limiter would make it
    wait anyway (a limiter that cannot tell, i.e. without `expected_wait()`: the window).
    `on_batch`: called with a BatchReport for every request sent (metrics); it must not
    block or raise.
    """

    window: float = attrs.field(default=DEFAULT_WINDOW, converter=_check_window)
    on_batch: Callable[[BatchReport], None] | None = attrs.field(
        default=None, validator=_check_callback, eq=False
    )


def coalesce_settings(value: Any) -> CoalesceSettings | None:
    """The `coalesce_identify` option, checked: False/None off, True default, seconds, settings."""
    if value is None or value is False:
        return None
    if value is True:
        return CoalesceSettings()
    if isinstance(value, CoalesceSettings):
        return value
    if isinstance(value, int | float):
        return CoalesceSettings(window=value)
    raise FaceValidationError(
        "coalesce_identify", "must be a bool, a window in seconds or a CoalesceSettings"
    )


@attrs.define(eq=False)
class _Waiter:
    face_ids: list[str]
    future: asyncio.Future[list[IdentifyResult]]
    arrived: float


@attrs.define(eq=False)
class _Batch:
    key: Hashable
    send: Send
    #: In order of arrival (a dict: a cancelled caller leaves in O(1)).
    waiters: dict[_Waiter, None] = attrs.field(factory=dict)
    #: How many waiters want each face id (case-folded): its keys are the request's ids,
    #: kept as callers come and go so that a join costs O(10), not O(callers).
    ids: Counter[str] = attrs.field(factory=Counter)
    full: asyncio.Event = attrs.field(factory=asyncio.Event)

    def fits(self, folded: set[str]) -> bool:
        """Whether a caller wanting `folded` keeps the request within MAX_FACES ids."""
        return len(self.ids.keys() | folded) <= MAX_FACES

    def add(self, waiter: _Waiter, folded: set[str]) -> None:
        self.waiters[waiter] = None
        self.ids.update(folded)

    def remove(self, waiter: _Waiter, folded: set[str]) -> None:
        if self.waiters.pop(waiter, False) is None:
            self.ids.subtract(folded)
            for face_id in folded:
                if self.ids[face_id] <= 0:
                    del self.ids[face_id]


class Coalescer:
    """Gathers identify calls into shared requests; owned and closed by a FaceClient.

    Each batch is sent by a task of the coalescer, so cancelling one caller only stops
    that caller's wait (its face leaves the batch if the batch has not left yet).
    """

    def __init__(
        self,
        settings: CoalesceSettings,
        limiter: Limiter,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._limiter = limiter
        self._clock = clock
        self._open: dict[Hashable, _Batch] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    def _expected_wait(self) -> float | None:
        if not isinstance(self._limiter, WaitEstimator):
            return None
        try:
            return self._limiter.expected_wait()
        except Exception:
            # Only an estimate: a limiter that cannot give one gets the configured window.
            logger.exception("the rate limiter's expected_wait() raised")
            return None

    async def identify(
        self, key: Hashable, face_ids: Sequence[str], send: Send
    ) -> list[IdentifyResult]:
        """Identify `face_ids` together with the other callers of `key`.

        `send` sends one request (the same for every caller of `key`). A caller with 10
        face ids fills a request alone and sends it itself.
        """
        if self._closed:
            raise FaceError("the client is closed")
        ids = list(face_ids)
        folded = {fold(face_id) for face_id in ids}
        if len(folded) >= MAX_FACES:
            return await send(ids)
        waiter = _Waiter(ids, asyncio.get_running_loop().create_future(), self._clock())
        batch = self._open.get(key)
        if batch is not None and not batch.fits(folded):
            self._seal(batch)
            batch = None
        if batch is None:
            # The window first: nothing may raise between opening a batch and its task.
            window = window_for(self.settings.window, self._expected_wait())
            batch = _Batch(key, send)
            self._open[key] = batch
            task = asyncio.create_task(self._run(batch, window))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        batch.add(waiter, folded)
        if len(batch.ids) >= MAX_FACES:
            self._seal(batch)
        try:
            return await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                waiter.future.exception()  # answered as we were cancelled: mark it seen
            waiter.future.cancel()
            if self._open.get(key) is batch:
                batch.remove(waiter, folded)
            raise

    def _seal(self, batch: _Batch) -> None:
        """Close the batch to newcomers and let its task send it now."""
        if self._open.get(batch.key) is batch:
            del self._open[batch.key]
        batch.full.set()

    async def _run(self, batch: _Batch, window: float) -> None:
        waiters: list[_Waiter] = []
        try:
            if window > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(window):
                        await batch.full.wait()
            self._seal(batch)
            waiters = [w for w in batch.waiters if not w.future.done()]
            if not waiters:
                return
            self._report(waiters)
            await self._send(waiters, batch.send)
        finally:
            # Closed (or failed) before every caller was answered: none is left waiting.
            for waiter in batch.waiters:
                if not waiter.future.done():
                    waiter.future.set_exception(
                        FaceError("the client was closed before identify was answered")
                    )

    def _report(self, waiters: list[_Waiter]) -> None:
        if self.settings.on_batch is None:
            return
        sent = self._clock()
        report = BatchReport(
            faces=len(distinct_ids(w.face_ids for w in waiters)),
            callers=len(waiters),
            waits=tuple(sent - w.arrived for w in waiters),
        )
        try:
            self.settings.on_batch(report)
        except Exception:
            # A metrics hook must not cost the callers their answers.
            logger.exception("coalesce_identify's on_batch callback raised")

    async def _send(self, waiters: list[_Waiter], send: Send) -> None:
        waiters = [w for w in waiters if not w.future.done()]
        if not waiters:
            return
        try:
            results = await send(distinct_ids(w.face_ids for w in waiters))
        except FaceError as exc:
            api = exc if isinstance(exc, FaceAPIError) else None
            plan = plan_after_error(
                [w.face_ids for w in waiters],
                api.status if api else None,
                api.code if api else None,
                api.message if api else "",
            )
            for index in plan.fail:
                _deliver_error(waiters[index], exc)
            if plan.resend:
                await asyncio.gather(
                    *(self._send([waiters[i] for i in group], send) for group in plan.resend)
                )
            return
        except Exception as exc:  # not a FaceError: no split would help; everyone sees it
            for waiter in waiters:
                _deliver_error(waiter, exc)
            return
        answers = assign([w.face_ids for w in waiters], ((r.face_id, r) for r in results))
        for waiter, answer in zip(waiters, answers, strict=True):
            if waiter.future.done():
                continue
            if answer is None:
                waiter.future.set_exception(
                    FaceResponseError(
                        "identify answered no result, or more than one, for a face it was sent"
                    )
                )
            else:
                waiter.future.set_result(_own(answer, waiter.face_ids))

    async def aclose(self) -> None:
        """Stop taking calls; callers still waiting get a FaceError. Idempotent."""
        self._closed = True
        self._open.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _own(results: list[IdentifyResult], face_ids: list[str]) -> list[IdentifyResult]:
    """A caller's results as its own objects, each naming the face id as the caller wrote it.

    Two callers of one face share its result in the reply; what one does to its copy must
    not change the other's.
    """
    return [
        attrs.evolve(result, face_id=face_id, candidates=list(result.candidates))
        for face_id, result in zip(face_ids, results, strict=True)
    ]


def _deliver_error(waiter: _Waiter, exc: BaseException) -> None:
    if waiter.future.done():
        return
    # Each caller raises its own copy: one object raised in many tasks would gather all
    # their tracebacks (and their frames' locals) into one.
    mine = copy.copy(exc).with_traceback(None) if isinstance(exc, FaceError) else exc
    waiter.future.set_exception(mine)
