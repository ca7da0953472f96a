"""Shared fixtures: a client wired for fast tests, over a fake transport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from facekit import FaceClient, KeyCredential, RateLimiter, RetryPolicy

from .fake_transport import FakeTransport

pytest_plugins = ["pytester"]

ENDPOINT = "https://westus.api.cognitive.microsoft.com"
BASE = f"{ENDPOINT}/face/v1.0"
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
    async with FaceClient(
        ENDPOINT,
        KeyCredential(KEY),
        retry_policy=FAST_RETRY,
        rate_limiter=RateLimiter(10_000, burst=10_000),
        transport=fake,
    ) as face:
        yield face
