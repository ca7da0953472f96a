"""FaceClient: one session, the Face operations, and the resources as attributes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from . import _retry
from ._closing import AsyncClosing
from ._options import (
    DEFAULT_MAX_RESPONSE_BYTES,
    SessionConfig,
    check_headers,
    check_max_response_bytes,
    check_max_retries,
    check_retry_policy,
    check_seconds,
    normalize_endpoint,
    resolve_api_version,
    secret_access_token,
)
from ._versions import DEFAULT_API_VERSION
from .auth import KeyCredential, TokenCredential
from .coalesce import CoalesceSettings, coalesce_settings
from .errors import FaceValidationError
from .polling import Poller, PollingPolicy, resume
from .ratelimit import Limiter, RateLimiter
from .resources import (
    FaceLists,
    FaceOperations,
    LargeFaceLists,
    LargePersonGroups,
    Liveness,
    PersonDirectory,
    PersonGroups,
    Snapshots,
)
from .session import FaceSession, RawResponse, capture_responses
from .transport import Transport

if TYPE_CHECKING:
    import aiohttp

__all__ = ["DEFAULT_API_VERSION", "FaceClient"]


class FaceClient(FaceOperations, AsyncClosing):
    """Async client of the Face REST API.

    Use it as `async with FaceClient(endpoint, KeyCredential(key)) as face:`. Detect,
    find similar, group, identify and verify are methods of the client; the other
    operations hang off `person_groups`, `large_person_groups`, `face_lists`,
    `large_face_lists`, `snapshots` (v1.0 only, retired by the public service),
    `person_directory` (the previews) and `liveness` (liveness sessions, v1.2 and the
    previews).

    Every request goes through one rate limiter (default: the S0 tier's 10 per second;
    pass `rate_limiter` to share one between clients) and is retried on connection
    errors, 408, 429 and 5xx as far as the operation allows. A reply body larger than
    `max_response_bytes` (default 128 MiB, above the largest legitimate Face reply) is a
    FaceResponseError, and no more of it is read.

    `api_version` picks the Face API version ("v1.0", "v1.0-preview", "v1.1-preview.1",
    "v1.2-preview.1", "v1.2", "v1.3-preview.1"; `api_path="/face/<version>"` says the same
    the older way). A call the version has no route for fails before anything is sent,
    naming the versions that have it.

    Requests go over aiohttp: a connection pool of the client's own, or `session`, a
    caller's `aiohttp.ClientSession` (left open). `transport` replaces aiohttp altogether
    with any `facekit.transport.Transport` (a test fake, another HTTP library).

    `limited_access_token` is for customers of an ISV approved for Face's Limited Access
    features: it goes in every request's `LimitedAccessToken` header, to the endpoint only,
    and is treated as a secret (never in reprs, logs or errors). Without approval, the
    service answers face ids, identify and verify with `LimitedAccessError`.

    `coalesce_identify` (off by default; True, a window in seconds, or a
    `facekit.coalesce.CoalesceSettings`) lets concurrent identify calls of the same target
    and parameters share requests of up to 10 face ids: the service's limit counts
    requests, not faces. A batch waits at most the window (5 ms by default) for company,
    and never longer than the rate limiter would make it wait anyway. Copies made by
    `with_options` coalesce among themselves, with the same settings.
    """

    person_groups: PersonGroups
    """Person groups, with their persons and the persons' faces."""
    large_person_groups: LargePersonGroups
    """Large person groups, with their persons and the persons' faces."""
    face_lists: FaceLists
    """Face lists and their faces."""
    large_face_lists: LargeFaceLists
    """Large face lists and their faces."""
    snapshots: Snapshots
    """Snapshots (v1.0 only; retired by the public service)."""
    person_directory: PersonDirectory
    """The PersonDirectory and dynamic person groups (the previews)."""
    liveness: Liveness
    """Liveness sessions (v1.2 and the previews)."""

    def __init__(
        self,
        endpoint: str,
        credential: KeyCredential | TokenCredential,
        *,
        api_version: str | None = None,
        api_path: str | None = None,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        max_retries: int = 3,
        retry_policy: _retry.RetryPolicy | None = None,
        rate_limiter: Limiter | None = None,
        max_connections: int = 32,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        headers: Mapping[str, str] | None = None,
        session: aiohttp.ClientSession | None = None,
        transport: Transport | None = None,
        allow_insecure_http: bool = False,
        limited_access_token: str | None = None,
        coalesce_identify: bool | float | CoalesceSettings = False,
    ) -> None:
        # The token is a secret: out of this frame's locals before anything can raise.
        token, problem = secret_access_token(limited_access_token)
        del limited_access_token
        if problem:
            raise FaceValidationError("limited_access_token", problem)
        if retry_policy is None:
            policy = attrs.evolve(_retry.RetryPolicy(), max_retries=check_max_retries(max_retries))
        else:
            policy = check_retry_policy(retry_policy)
        if isinstance(max_connections, bool) or not isinstance(max_connections, int):
            raise FaceValidationError("max_connections", "must be an integer")
        if max_connections < 1:
            raise FaceValidationError("max_connections", "must be at least 1")
        if rate_limiter is not None and not isinstance(rate_limiter, Limiter):
            raise FaceValidationError(
                "rate_limiter", "must be a RateLimiter (or another Limiter, e.g. RedisRateLimiter)"
            )
        coalesce = coalesce_settings(coalesce_identify)
        config = SessionConfig(
            endpoint=normalize_endpoint(endpoint, allow_insecure_http=allow_insecure_http),
            api_version=resolve_api_version(api_version, api_path),
            retry=policy,
            timeout=check_seconds("timeout", timeout),
            connect_timeout=check_seconds("connect_timeout", connect_timeout),
            headers=check_headers({} if headers is None else headers),
            max_connections=max_connections,
            max_response_bytes=check_max_response_bytes(max_response_bytes),
            limited_access_token=token,
        )
        self._init_from(
            FaceSession(
                config,
                credential,
                rate_limiter=rate_limiter or RateLimiter(),
                session=session,
                transport=transport,
            ),
            owner=True,
            coalesce=coalesce,
        )

    def _init_from(
        self, session: FaceSession, *, owner: bool, coalesce: CoalesceSettings | None = None
    ) -> None:
        self._session = session
        self._owner = owner
        self._coalesce = coalesce
        self._coalescer = None
        self.person_groups = PersonGroups(session)
        self.large_person_groups = LargePersonGroups(session)
        self.face_lists = FaceLists(session)
        self.large_face_lists = LargeFaceLists(session)
        self.snapshots = Snapshots(session)
        self.person_directory = PersonDirectory(session)
        self.liveness = Liveness(session)

    @property
    def endpoint(self) -> str:
        """The resource endpoint requests go to, e.g. "https://NAME.cognitiveservices.azure.com"."""
        return str(self._session.config.endpoint)

    @property
    def api_version(self) -> str:
        """The Face API version requests go to, e.g. "v1.2"."""
        return self._session.config.api_version

    @property
    def api_path(self) -> str:
        """The API path requests go under, e.g. "/face/v1.2"."""
        return self._session.config.api_path

    @property
    def timeout(self) -> float:
        """Seconds one attempt of a request may take (the client's default)."""
        return self._session.config.timeout

    @property
    def rate_limiter(self) -> Limiter:
        """The limiter every request of this client (and its copies) waits on."""
        return self._session.rate_limiter

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        retry_policy: _retry.RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        api_version: str | None = None,
        api_path: str | None = None,
        rate_limiter: Limiter | None = None,
        max_response_bytes: int | None = None,
        limited_access_token: str | None = None,
    ) -> FaceClient:
        """A copy with other settings that shares this client's connections and limiter.

        Closing the copy does not close the shared connections; close the original.
        """
        token, problem = secret_access_token(limited_access_token)
        del limited_access_token
        if problem:
            raise FaceValidationError("limited_access_token", problem)
        config = self._session.config
        policy = config.retry if retry_policy is None else check_retry_policy(retry_policy)
        if max_retries is not None:
            policy = attrs.evolve(policy, max_retries=check_max_retries(max_retries))
        if rate_limiter is not None and not isinstance(rate_limiter, Limiter):
            raise FaceValidationError(
                "rate_limiter", "must be a RateLimiter (or another Limiter, e.g. RedisRateLimiter)"
            )
        config = attrs.evolve(
            config,
            timeout=config.timeout if timeout is None else check_seconds("timeout", timeout),
            retry=policy,
            headers={**config.headers, **check_headers({} if headers is None else headers)},
            api_version=(
                config.api_version
                if api_version is None and api_path is None
                else resolve_api_version(api_version, api_path)
            ),
            max_response_bytes=(
                config.max_response_bytes
                if max_response_bytes is None
                else check_max_response_bytes(max_response_bytes)
            ),
            limited_access_token=config.limited_access_token if token is None else token,
        )
        copy = object.__new__(FaceClient)
        copy._init_from(
            self._session.copy(config, rate_limiter), owner=False, coalesce=self._coalesce
        )
        return copy

    def resume_poller(
        self, token: str, *, polling: PollingPolicy | None = None
    ) -> Poller[Any, Any]:
        """Rebuild a training, snapshot or PersonDirectory poller from its continuation token.

        Works in any process, with any client of the same endpoint.
        """
        return resume(self._session, token, polling)

    @contextlib.contextmanager
    def capture_responses(self) -> Iterator[list[RawResponse]]:
        """Collect status, headers and request id of the calls made inside the block.

        with face.capture_responses() as responses:
            await face.person_groups.get("family")
        print(responses[-1].status, responses[-1].request_id)
        """
        with capture_responses() as bucket:
            yield bucket

    async def aclose(self) -> None:
        """Close the connections this client opened (a caller-owned session stays open).

        Identify calls still waiting in a coalesced batch get a FaceError.
        """
        if self._coalescer is not None:
            await self._coalescer.aclose()
        if self._owner:
            await self._session.close()

    def __repr__(self) -> str:
        if "_session" not in vars(self):
            # Rendered while __init__ raises (an error reporter showing the frame's locals).
            return "FaceClient(<not built>)"
        return (
            f"FaceClient(endpoint={self.endpoint!r}, api_version={self.api_version!r}, "
            f"credential={self._session.credential!r})"
        )
