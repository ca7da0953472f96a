"""FaceEmulator: the emulated service on 127.0.0.1, in this event loop or in a thread."""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from .connections import ConnectionGuard, GuardedSite
from .faults import Fault, FaultPlan, RequestLog
from .images.draw import synthetic_face
from .images.urls import image_url_path
from .service import FaceService, TokenBucket
from .settings import EmulatorSettings, Kind
from .state import Account, SnapshotStore

__all__ = ["FaceEmulator"]


class FaceEmulator:
    """A local Face service: `async with FaceEmulator() as emu:`, then `emu.endpoint`, `emu.key`.

    It binds to 127.0.0.1 on a free port (or `port`). `settings` tunes rate limit, training
    speed and write serialization; `faults` and `log` let tests break things and see what
    arrived. Emulators in one process share snapshots (one "Azure instance") unless given
    their own `snapshot_store`. `in_thread()` runs it for synchronous code.

    Bound beyond loopback (`host="0.0.0.0"`), the `/_emulator/*` control endpoints (reset,
    faults, request log) require the key like the Face operations do; `protect_control`
    forces either way. At most `max_connections` connections are served at a time, and one
    that sends nothing for `idle_seconds` is closed.
    """

    def __init__(
        self,
        *,
        key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: EmulatorSettings | None = None,
        tokens: Iterable[str] = (),
        seed: int = 0,
        snapshot_store: SnapshotStore | None = None,
        clock: Callable[[], float] = time.time,
        protect_control: bool | None = None,
        max_connections: int = 512,
        idle_seconds: float = 10.0,
    ) -> None:
        self.key = key or secrets.token_hex(16)
        self.host = host
        self.port = port
        self.connections = ConnectionGuard(max_connections, idle_seconds)
        self.settings = settings or EmulatorSettings()
        self.account = Account(self.settings, clock=clock, snapshots=snapshot_store)
        self.faults = FaultPlan(seed)
        self.log = RequestLog()
        self.service = FaceService(
            self.account,
            key=self.key,
            tokens=tokens,
            faults=self.faults,
            log=self.log,
            protect_control=(not is_loopback(host)) if protect_control is None else protect_control,
        )
        self._runner: web.AppRunner | None = None

    @property
    def endpoint(self) -> str:
        """The resource endpoint to give a client (without /face/v1.0)."""
        if self._runner is None:
            raise RuntimeError("the emulator is not running")
        return f"http://{self.host}:{self.port}"

    @property
    def subscription_id(self) -> str:
        """The account's subscription id, for snapshot apply scopes."""
        return self.settings.subscription_id

    def image_url(self, identity: str, variant: int = 0) -> str:
        """A URL the emulator resolves to `synthetic_face(identity, variant)`."""
        return self.endpoint + image_url_path(identity, variant)

    def inject(self, operation: str = "*", **fault: Any) -> Fault:
        """Add a fault, e.g. `inject("LargePersonGroupPerson_AddFace*", reset="after")`."""
        return self.faults.add(Fault(operation=operation, **fault))

    def seed_group(
        self,
        group_id: str,
        people: Mapping[str, Iterable[int]],
        *,
        large: bool = False,
        recognition_model: str = "recognition_04",
        trained: bool = True,
    ) -> dict[str, str]:
        """Create a (large) person group of synthetic people directly, without requests.

        `people` maps each identity to the variants of `synthetic_face` to enroll; with
        `trained`, the group is ready for identify at once. Returns name -> person id.
        """
        kind = Kind.LARGE_PERSON_GROUP if large else Kind.PERSON_GROUP
        containers = self.account.containers
        containers.create(kind, group_id, group_id, None, recognition_model)
        ids: dict[str, str] = {}
        for name, variants in people.items():
            person = containers.create_person(kind, group_id, name, None, name_required=True)
            ids[name] = person.person_id
            for variant in variants:
                containers.add_face(
                    kind,
                    group_id,
                    person.person_id,
                    synthetic_face(name, variant),
                    user_data=None,
                    target_face=None,
                    detection_model=None,
                )
        if trained:
            training = containers.train(kind, group_id)
            training.starts_at = training.ends_at = training.queued_at
            self.account.advance()
        return ids

    def set_rate_limit(self, rate: float | None) -> None:
        """Change the service's rate limit now (None: unlimited)."""
        self.settings.rate_limit = rate
        self.service.bucket = TokenBucket(rate, time.monotonic) if rate else None

    def reset(self) -> None:
        """Forget all data, faults and logged requests (snapshots in the shared store stay)."""
        self.account.reset()
        self.faults.clear()
        self.log.clear()

    async def start(self) -> None:
        """Serve (on `port`, or a free one then stored in `port`); a no-op when serving."""
        if self._runner is not None:
            return
        runner = web.AppRunner(self.service.app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = GuardedSite(runner, self.host, self.port, self.connections)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self.port = runner.addresses[0][1]
        self._runner = runner

    async def stop(self) -> None:
        """Stop serving; a no-op when stopped."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @contextmanager
    def in_thread(self, *, timeout: float = 10.0) -> Iterator[Self]:
        """Run in a background thread with its own event loop (for synchronous callers)."""
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the caller below
                failure.append(exc)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        thread = threading.Thread(target=serve, name="facekit-emulator", daemon=True)
        thread.start()
        if not started.wait(timeout) or failure:
            raise RuntimeError("the emulator did not start") from (failure[0] if failure else None)
        try:
            yield self
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)

    def __repr__(self) -> str:
        where = f"{self.host}:{self.port}" if self._runner else "stopped"
        return f"FaceEmulator({where}, key=<redacted>)"


def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps the emulator reachable from this machine only."""
    if host.strip("[]").lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
