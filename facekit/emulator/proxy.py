"""SlowCommitProxy: a loopback proxy that makes chosen writes land after the client gave up.

The real service can commit a write after the client's timeout fired: the answer is
lost, yet the face is there. The proxy forwards every request to a Face service (usually
a FaceEmulator); a seeded share of the requests it matches is held `delay` seconds and
forwarded even if the client has hung up meanwhile, so the write lands late.

    async with FaceEmulator() as emu, SlowCommitProxy(emu.endpoint, delay=1.5,
                                                      probability=0.05) as proxy:
        face = FaceClient(proxy.endpoint, KeyCredential(emu.key), timeout=1.0)

It uses aiohttp only (nothing of facekit's client) and binds to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp import web

__all__ = ["SlowCommitProxy", "adds_faces"]

# Headers that describe one hop, not the request: the proxy sets its own.
_HOP_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}
)


def adds_faces(method: str, path: str) -> bool:
    """Matches every add-face request (lists, groups' persons)."""
    return method == "POST" and path.rstrip("/").endswith("/persistedfaces")


class SlowCommitProxy:
    """Forwards to `target`; delays a `probability` share of matching requests by `delay`."""

    def __init__(
        self,
        target: str,
        *,
        delay: float,
        probability: float = 1.0,
        match: Callable[[str, str], bool] = adds_faces,
        seed: int = 0,
        host: str = "127.0.0.1",
    ) -> None:
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be in [0, 1]")
        self.target = target.rstrip("/")
        self.delay = delay
        self.probability = probability
        self.match = match
        self.host = host
        self.port = 0
        self._random = random.Random(seed)
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._late: set[asyncio.Task[tuple[int, dict[str, str], bytes]]] = set()
        #: Requests held back, and how many of them have landed on the target.
        self.delayed = 0
        self.landed_late = 0

    @property
    def endpoint(self) -> str:
        """The endpoint to give a client instead of the target's."""
        if self._runner is None:
            raise RuntimeError("the proxy is not running")
        return f"http://{self.host}:{self.port}"

    async def __aenter__(self) -> Self:
        self._client = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.drain()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def drain(self) -> None:
        """Wait until every held-back request has landed on the target."""
        while self._late:
            await asyncio.gather(*list(self._late), return_exceptions=True)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        hold = self.match(request.method, request.path) and (
            self._random.random() < self.probability
        )
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        forward = self._forward(request.method, request.path_qs, headers, body, hold)
        try:
            if not hold:
                status, reply_headers, data = await forward
            else:
                self.delayed += 1
                # A task of its own: it lands even when this handler is cancelled by a hang-up.
                task = asyncio.get_running_loop().create_task(forward)
                self._late.add(task)
                task.add_done_callback(self._late.discard)
                status, reply_headers, data = await asyncio.shield(task)
        except (aiohttp.ClientError, OSError):
            # The target dropped the connection: drop the client's too, as a proxy would.
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=502)
        return web.Response(status=status, headers=reply_headers, body=data)

    async def _forward(
        self, method: str, path_qs: str, headers: dict[str, str], body: bytes, hold: bool
    ) -> tuple[int, dict[str, str], bytes]:
        if hold:
            await asyncio.sleep(self.delay)
        assert self._client is not None
        async with self._client.request(
            method, self.target + path_qs, headers=headers, data=body, allow_redirects=False
        ) as reply:
            data = await reply.read()
            if hold:
                self.landed_late += 1
            kept = {k: v for k, v in reply.headers.items() if k.lower() not in _HOP_HEADERS}
            return reply.status, kept, data
