"""A cap on the emulator's connections, and a timeout for connections that stay silent.

aiohttp serves every connection it accepts and waits for a first request without end, so
thousands of idle sockets exhaust the process's file descriptors (and asyncio then logs
every failed accept). The guard admits at most `limit` connections at a time, closes one
that sends nothing for `idle_seconds`, and says so in the log once per flood, with counts,
instead of once per connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, cast

from aiohttp import web

__all__ = ["ConnectionGuard", "GuardedSite"]

logger = logging.getLogger("facekit.emulator")


class ConnectionGuard:
    """Counts the connections being served; decides which to admit and which to close."""

    def __init__(self, limit: int, idle_seconds: float) -> None:
        if limit < 1:
            raise ValueError("the connection limit must be at least 1")
        if not idle_seconds > 0:
            raise ValueError("idle_seconds must be positive")
        self.limit = limit
        self.idle_seconds = idle_seconds
        self.active = 0
        #: Connections refused at the cap, and silent ones closed, since the start.
        self.refused = 0
        self.idle_closed = 0
        self._refused_in_flood = 0
        self._idle_logged = False

    def admit(self) -> bool:
        """Whether a new connection may be served (and count it if so)."""
        if self.active >= self.limit:
            self.refused += 1
            self._refused_in_flood += 1
            if self._refused_in_flood == 1:
                logger.warning(
                    "%d connections open, the emulator's limit: refusing new ones until "
                    "some close (further refusals are counted, not logged one by one)",
                    self.limit,
                )
            return False
        if self._refused_in_flood:
            logger.warning(
                "accepting connections again after refusing %d at the limit of %d",
                self._refused_in_flood,
                self.limit,
            )
            self._refused_in_flood = 0
        self.active += 1
        return True

    def release(self) -> None:
        """An admitted connection has closed."""
        self.active -= 1

    def closed_idle(self) -> None:
        """An admitted connection was closed for sending nothing."""
        self.idle_closed += 1
        if not self._idle_logged:
            self._idle_logged = True
            logger.warning(
                "closing connections that send nothing for %g s (logged once; "
                "see ConnectionGuard.idle_closed for the count)",
                self.idle_seconds,
            )


class _GuardedProtocol(asyncio.Protocol):
    """aiohttp's request handler behind the guard: refused, timed out, or passed through."""

    def __init__(self, inner: Any, guard: ConnectionGuard) -> None:
        self._inner = inner
        self._guard = guard
        self._admitted = False
        self._timer: asyncio.TimerHandle | None = None
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        stream = cast(asyncio.Transport, transport)
        if not self._guard.admit():
            stream.abort()
            return
        self._admitted = True
        self._transport = stream
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._guard.idle_seconds, self._silent)
        self._inner.connection_made(transport)

    def _silent(self) -> None:
        self._timer = None
        if self._transport is not None:
            self._guard.closed_idle()
            self._transport.abort()

    def data_received(self, data: bytes) -> None:
        if self._timer is not None:
            # It spoke: from now on aiohttp's own keep-alive timeout applies.
            self._timer.cancel()
            self._timer = None
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        result: bool | None = self._inner.eof_received()
        return result

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._admitted:
            return
        self._admitted = False
        self._transport = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._guard.release()
        self._inner.connection_lost(exc)


class GuardedSite(web.TCPSite):
    """A TCP site whose connections pass through a ConnectionGuard."""

    def __init__(
        self, runner: web.BaseRunner, host: str, port: int, guard: ConnectionGuard
    ) -> None:
        super().__init__(runner, host, port)
        self.guard = guard

    async def start(self) -> None:
        """Listen, with every accepted connection passing through the guard."""
        # BaseSite.start registers the site with its runner; TCPSite.start is replaced
        # to wrap aiohttp's protocol factory.
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None
        factory: Callable[[], Any] = server
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _GuardedProtocol(factory(), self.guard),
            self._host,
            self._port,
            backlog=self._backlog,
            reuse_address=self._reuse_address,
            reuse_port=self._reuse_port,
        )
