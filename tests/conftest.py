"""Shared fixtures: a client over a fake transport, and an emulator with a client of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from facekit import FaceClient, KeyCredential, RateLimiter, RetryPolicy
from facekit.emulator import EmulatorSettings, FaceEmulator, SnapshotStore

from .fake_transport import FakeTransport

pytest_plugins = ["pytester"]

ENDPOINT = "https://westus.api.cognitive.microsoft.com"
#: The API version of the `client` fixture: the unit tests of v1.0 behaviour pin it, since
#: the default is the GA (v1.2); tests of v1.2 make their own clients.
UNIT_VERSION = "v1.0"
BASE = f"{ENDPOINT}/face/{UNIT_VERSION}"
# Looks like a real key so that a leak in any log line, repr or message is caught by search.
KEY = "f00dfacef00dfacef00dfacef00dface"

#: Retries without real waiting, so retry tests stay fast.
FAST_RETRY = RetryPolicy(max_retries=3, backoff_base=0.001, backoff_max=0.004, max_retry_after=5)


def image_bytes(size: int = 2048, seed: int = 7) -> bytes:
    """Opaque bytes of a given size, large enough for the 1 KB minimum by default."""
    return bytes((seed + i * 31) % 256 for i in range(size))


@pytest.fixture(autouse=True)
def _private_state_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Journals the command line keeps by default go to a folder of the test's own."""
    monkeypatch.setenv("FACEKIT_STATE_DIR", str(tmp_path_factory.mktemp("state")))


@pytest.fixture
def fake() -> FakeTransport:
    """Canned replies and recorded requests for the `client` fixture (or any client)."""
    return FakeTransport()


@pytest.fixture
async def client(fake: FakeTransport) -> AsyncIterator[FaceClient]:
    """A client of Face API v1.0 over the `fake` transport (requests go under BASE)."""
    async with FaceClient(
        ENDPOINT,
        KeyCredential(KEY),
        api_version=UNIT_VERSION,
        retry_policy=FAST_RETRY,
        rate_limiter=RateLimiter(10_000, burst=10_000),
        transport=fake,
    ) as face:
        yield face


def fake_client(fake: FakeTransport, version: str, **options: Any) -> FaceClient:
    """A client of `version` over the `fake` transport, with quick retries (close it)."""
    settings: dict[str, Any] = {
        "retry_policy": FAST_RETRY,
        "rate_limiter": RateLimiter(10_000, burst=10_000),
        **options,
    }
    return FaceClient(ENDPOINT, KeyCredential(KEY), api_version=version, transport=fake, **settings)


# -- the emulator on 127.0.0.1 and a client of it ------------------------------------------

#: Emulator timings for tests: a training takes about 0.06 s whatever the number of faces.
QUICK_EMULATOR = EmulatorSettings(
    training_queue_seconds=0.01, training_base_seconds=0.05, training_seconds_per_face=0.0
)
#: A few retries with short waits, for clients of the emulator.
QUICK_RETRY = RetryPolicy(max_retries=3, backoff_base=0.005, backoff_max=0.02)


def quick_client_options(*, timeout: float = 1.0) -> dict[str, Any]:
    """FaceClient keywords for tests against the emulator: short timeout, high rate limit."""
    return {
        "timeout": timeout,
        "rate_limiter": RateLimiter(2000, burst=100),
        "retry_policy": QUICK_RETRY,
    }


def client_for(endpoint: str, key: str, *, timeout: float = 1.0) -> FaceClient:
    """A client of an emulator (or of a proxy in front of one) with quick_client_options."""
    return FaceClient(endpoint, KeyCredential(key), **quick_client_options(timeout=timeout))


@pytest.fixture
def emulator_settings() -> EmulatorSettings:
    """The `emulator` fixture's settings; a module overrides this fixture for others."""
    return QUICK_EMULATOR


@pytest.fixture
def emulator_seed() -> int:
    """The seed of the `emulator` fixture's probabilistic faults; a module may override it."""
    return 0


@pytest.fixture
async def emulator(
    emulator_settings: EmulatorSettings, emulator_seed: int
) -> AsyncIterator[FaceEmulator]:
    """A FaceEmulator on 127.0.0.1 in the test's event loop, with a snapshot store of its own."""
    async with FaceEmulator(
        settings=emulator_settings, snapshot_store=SnapshotStore(), seed=emulator_seed
    ) as emu:
        yield emu


@pytest.fixture
def face_options() -> dict[str, Any]:
    """The `face` fixture's FaceClient keywords; a module overrides this fixture for others."""
    return quick_client_options()


@pytest.fixture
async def face(emulator: FaceEmulator, face_options: dict[str, Any]) -> AsyncIterator[FaceClient]:
    """A FaceClient of the `emulator` fixture."""
    async with FaceClient(emulator.endpoint, KeyCredential(emulator.key), **face_options) as client:
        yield client
