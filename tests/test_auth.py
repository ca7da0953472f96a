"""Credentials: subscription keys (redacted, rotatable) and cached bearer tokens."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping

import pytest

from facekit import (
    AccessToken,
    AuthenticationError,
    FaceClient,
    FaceValidationError,
    KeyCredential,
    RateLimiter,
)
from facekit.auth import BearerTokenCache
from tests.conftest import BASE, ENDPOINT, FAST_RETRY, KEY, UNIT_VERSION, image_bytes
from tests.fake_transport import FakeTransport

SCOPE = "https://cognitiveservices.azure.com/.default"
GROUP_URL = f"{BASE}/persongroups/g"
GROUP = {"personGroupId": "g", "name": "G"}
UNAUTHORIZED = {
    "error": {
        "code": "401",
        "message": "Access denied due to invalid subscription key or wrong API endpoint.",
    }
}


class FakeTokenCredential:
    """Hands out token-1, token-2, ... valid for `lifetime` seconds; counts the calls."""

    def __init__(
        self,
        *,
        lifetime: float = 3600.0,
        clock: Callable[[], float] = time.time,
        delay: float = 0.0,
    ) -> None:
        self.lifetime = lifetime
        self.clock = clock
        self.delay = delay
        self.scopes: list[tuple[str, ...]] = []

    @property
    def calls(self) -> int:
        return len(self.scopes)

    async def get_token(self, *scopes: str) -> AccessToken:
        self.scopes.append(scopes)
        number = self.calls
        if self.delay:
            await asyncio.sleep(self.delay)
        return AccessToken(f"token-{number}", int(self.clock() + self.lifetime))


class Clock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def sent_headers(fake: FakeTransport, url: str = GROUP_URL) -> list[Mapping[str, str]]:
    return [sent.headers for sent in fake.sent("GET") if str(sent.url) == url]


def client_with(
    credential: KeyCredential | FakeTokenCredential, fake: FakeTransport | None = None
) -> FaceClient:
    return FaceClient(
        ENDPOINT,
        credential,
        api_version=UNIT_VERSION,
        retry_policy=FAST_RETRY,
        rate_limiter=RateLimiter(10_000, burst=10_000),
        transport=fake or FakeTransport(),
    )


# -- KeyCredential --------------------------------------------------------------------------


def test_key_credential_repr_never_shows_the_key() -> None:
    credential = KeyCredential(KEY)
    assert KEY not in repr(credential)
    assert KEY not in str(credential)
    assert "redacted" in repr(credential)


async def test_client_repr_never_shows_the_key() -> None:
    async with client_with(KeyCredential(KEY)) as face:
        assert KEY not in repr(face)


@pytest.mark.parametrize("key", ["", "   ", None, 42])
def test_key_credential_refuses_an_empty_or_non_string_key(key: object) -> None:
    with pytest.raises(TypeError):
        KeyCredential(key)  # type: ignore[arg-type]


def test_key_credential_update_refuses_an_empty_key_and_keeps_the_old_one() -> None:
    credential = KeyCredential(KEY)
    with pytest.raises(TypeError):
        credential.update("")
    assert credential.key == KEY


BAD_KEYS = {
    "a NUL": "ab\x00cd",
    "a line break": "abc\r\nX-Evil: 1",
    "a tab": "ab\tcd",
    "a DEL": "ab\x7fcd",
    "non-ASCII letters": "\u043a\u043b\u044e\u0447",
    "undecodable bytes": "\udcff\udcfe",
    "a leading space": " abcd",
    "a trailing newline": "abcd\n",
}


@pytest.mark.parametrize("key", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_key_credential_refuses_a_key_no_header_can_carry(key: str) -> None:
    with pytest.raises(FaceValidationError) as caught:
        KeyCredential(key)
    assert caught.value.parameter == "key"
    assert key.strip() not in str(caught.value)
    credential = KeyCredential(KEY)
    with pytest.raises(FaceValidationError):
        credential.update(key)
    assert credential.key == KEY


def test_key_credential_keeps_a_key_with_inner_spaces_as_it_is() -> None:
    assert KeyCredential("ab cd").key == "ab cd"


async def test_key_is_sent_as_ocp_apim_subscription_key(fake: FakeTransport) -> None:
    fake.get(GROUP_URL, payload=GROUP)
    async with client_with(KeyCredential(KEY), fake) as face:
        await face.person_groups.get("g")

    (headers,) = sent_headers(fake)
    assert headers["Ocp-Apim-Subscription-Key"] == KEY
    assert "Authorization" not in headers


async def test_key_update_rotates_the_key_used_by_the_next_request(fake: FakeTransport) -> None:
    fake.get(GROUP_URL, payload=GROUP, repeat=True)
    credential = KeyCredential("first-key-0000000000000000000000")
    async with client_with(credential, fake) as face:
        await face.person_groups.get("g")
        credential.update("second-key-000000000000000000000")
        await face.person_groups.get("g")

    keys = [headers["Ocp-Apim-Subscription-Key"] for headers in sent_headers(fake)]
    assert keys == ["first-key-0000000000000000000000", "second-key-000000000000000000000"]


# -- BearerTokenCache -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("refresh_margin", "later", "refreshed"),
    [
        # The token expires at t=1000.
        (300.0, 0.0, False),
        (300.0, 699.0, False),
        (300.0, 700.0, True),  # exactly refresh_margin before expiry
        (300.0, 2000.0, True),  # already expired
        (10.0, 989.0, False),
        (10.0, 990.0, True),
    ],
)
async def test_token_is_cached_until_within_refresh_margin_of_expiry(
    refresh_margin: float, later: float, refreshed: bool
) -> None:
    clock = Clock(0.0)
    credential = FakeTokenCredential(lifetime=1000.0, clock=clock)
    cache = BearerTokenCache(credential, refresh_margin=refresh_margin, clock=clock)
    assert await cache.token() == "token-1"

    clock.now = later
    assert await cache.token() == ("token-2" if refreshed else "token-1")
    assert credential.calls == (2 if refreshed else 1)


async def test_invalidate_makes_the_next_call_fetch_a_new_token() -> None:
    credential = FakeTokenCredential()
    cache = BearerTokenCache(credential)
    assert await cache.token() == "token-1"
    cache.invalidate()
    assert await cache.token() == "token-2"


async def test_concurrent_callers_share_one_token_request() -> None:
    credential = FakeTokenCredential(delay=0.02)
    cache = BearerTokenCache(credential)

    tokens = await asyncio.gather(*(cache.token() for _ in range(20)))

    assert tokens == ["token-1"] * 20
    assert credential.calls == 1


async def test_token_is_requested_for_the_cognitive_services_scope() -> None:
    credential = FakeTokenCredential()
    await BearerTokenCache(credential).token()
    assert credential.scopes == [(SCOPE,)]


def test_token_cache_repr_never_shows_the_token() -> None:
    cache = BearerTokenCache(FakeTokenCredential())
    cache._token = AccessToken("secret-token-value", 2**31)
    assert "secret-token-value" not in repr(cache)


# -- bearer tokens through a client ---------------------------------------------------------


async def test_client_sends_a_bearer_token_and_no_subscription_key(fake: FakeTransport) -> None:
    fake.get(GROUP_URL, payload=GROUP, repeat=True)
    credential = FakeTokenCredential()
    async with client_with(credential, fake) as face:
        await face.person_groups.get("g")
        await face.person_groups.get("g")

    for headers in sent_headers(fake):
        assert headers["Authorization"] == "Bearer token-1"
        assert "Ocp-Apim-Subscription-Key" not in headers
    assert len(sent_headers(fake)) == 2
    assert credential.scopes == [(SCOPE,)]


async def test_a_401_fetches_a_new_token_once_and_retries(fake: FakeTransport) -> None:
    fake.get(GROUP_URL, status=401, payload=UNAUTHORIZED)
    fake.get(GROUP_URL, payload=GROUP)
    credential = FakeTokenCredential()
    async with client_with(credential, fake) as face:
        group = await face.person_groups.get("g")

    assert group.person_group_id == "g"
    assert [headers["Authorization"] for headers in sent_headers(fake)] == [
        "Bearer token-1",
        "Bearer token-2",
    ]
    assert credential.calls == 2


async def test_a_second_401_surfaces_as_authentication_error(fake: FakeTransport) -> None:
    fake.get(GROUP_URL, status=401, payload=UNAUTHORIZED, repeat=True)
    credential = FakeTokenCredential()
    async with client_with(credential, fake) as face:
        with pytest.raises(AuthenticationError) as caught:
            await face.person_groups.get("g")

    assert caught.value.status == 401
    assert [headers["Authorization"] for headers in sent_headers(fake)] == [
        "Bearer token-1",
        "Bearer token-2",
    ]
    assert credential.calls == 2


async def test_a_401_with_a_key_credential_is_not_retried(fake: FakeTransport) -> None:
    fake.get(GROUP_URL, status=401, payload=UNAUTHORIZED, repeat=True)
    async with client_with(KeyCredential(KEY), fake) as face:
        with pytest.raises(AuthenticationError):
            await face.person_groups.get("g")

    assert len(sent_headers(fake)) == 1


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for offset in range(0, len(data), 1000):
        yield data[offset : offset + 1000]


DETECT_URL = f"{BASE}/detect"


async def test_a_401_on_a_replayable_upload_fetches_a_new_token_and_sends_it_again(
    fake: FakeTransport,
) -> None:
    fake.post(DETECT_URL, status=401, payload=UNAUTHORIZED)
    fake.post(DETECT_URL, payload=[])
    image = image_bytes(4096)
    async with client_with(FakeTokenCredential(), fake) as face:
        assert await face.detect(image) == []

    assert [sent.data for sent in fake.requests] == [image, image]
    assert [sent.headers["Authorization"] for sent in fake.requests] == [
        "Bearer token-1",
        "Bearer token-2",
    ]


async def test_a_401_on_a_stream_already_sent_is_raised_not_resent_empty(
    fake: FakeTransport,
) -> None:
    # The stream is spent: a resend would carry an empty body.
    fake.post(DETECT_URL, status=401, payload=UNAUTHORIZED)
    fake.post(DETECT_URL, payload=[])
    async with client_with(FakeTokenCredential(), fake) as face:
        with pytest.raises(AuthenticationError):
            await face.detect(_chunks(image_bytes(4096)))

    assert [sent.data for sent in fake.requests] == [image_bytes(4096)]
