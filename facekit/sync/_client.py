"""The blocking FaceClient: the async client run on an event loop thread of its own."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any, Self

from .. import _retry
from .. import client as aio
from .._options import DEFAULT_MAX_RESPONSE_BYTES, secret_access_token
from ..auth import KeyCredential, TokenCredential
from ..coalesce import CoalesceSettings
from ..errors import FaceValidationError
from ..polling import PollingPolicy
from ..ratelimit import Limiter
from ..session import RawResponse
from ..transport import Transport
from ._generated import (
    FaceLists,
    FaceOperations,
    LargeFaceLists,
    LargePersonGroups,
    Liveness,
    PersonDirectory,
    PersonGroups,
    Snapshots,
)
from ._portal import Portal
from ._wrappers import Poller, wrap_poller

__all__ = ["FaceClient"]


class FaceClient(FaceOperations):
    """Blocking client of the Face REST API, for code without an event loop.

    Use it as `with FaceClient(endpoint, KeyCredential(key)) as face:` in a script, a
    Flask or Django view, a Celery task. It takes the arguments of `facekit.FaceClient`
    (but `session`: an aiohttp session belongs to the event loop that made it) and has
    its methods and resources with the same parameters and results, blocking: a list is
    a `Pager` (`for item in pager`, `pager.collect()`), a long-running operation a
    blocking poller (`poller.result(timeout=...)`). Errors are facekit's own.

    Each client runs a `facekit.FaceClient` on an event loop of its own, in a daemon
    thread started by the first call and ended by `close()`. Any number of threads may
    call one client at once; it may also be called from inside a running event loop
    (it blocks that loop while it waits: use `facekit.FaceClient` there). A client
    dropped without `close()` is closed when collected or at interpreter exit. Progress
    callbacks, token credentials and transports run on the client's loop thread.
    Threads calling `face.identify` at once share requests with `coalesce_identify`.
    """

    _impl: aio.FaceClient

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
        impl = aio.FaceClient(
            endpoint,
            credential,
            api_version=api_version,
            api_path=api_path,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            rate_limiter=rate_limiter,
            max_connections=max_connections,
            max_response_bytes=max_response_bytes,
            headers=headers,
            transport=transport,
            allow_insecure_http=allow_insecure_http,
            limited_access_token=token,
            coalesce_identify=coalesce_identify,
        )
        self._init_from(Portal(impl.aclose), impl, owner=True)

    def _init_from(self, portal: Portal, impl: aio.FaceClient, *, owner: bool) -> None:
        super().__init__(portal, impl)
        self._owner = owner
        self.person_groups = PersonGroups(portal, impl.person_groups)
        self.large_person_groups = LargePersonGroups(portal, impl.large_person_groups)
        self.face_lists = FaceLists(portal, impl.face_lists)
        self.large_face_lists = LargeFaceLists(portal, impl.large_face_lists)
        self.snapshots = Snapshots(portal, impl.snapshots)
        self.person_directory = PersonDirectory(portal, impl.person_directory)
        self.liveness = Liveness(portal, impl.liveness)

    @property
    def endpoint(self) -> str:
        """The resource endpoint requests go to, e.g. "https://NAME.cognitiveservices.azure.com"."""
        return self._impl.endpoint

    @property
    def api_version(self) -> str:
        """The Face API version requests go to, e.g. "v1.2"."""
        return self._impl.api_version

    @property
    def api_path(self) -> str:
        """The API path requests go under, e.g. "/face/v1.2"."""
        return self._impl.api_path

    @property
    def timeout(self) -> float:
        """Seconds one attempt of a request may take (the client's default)."""
        return self._impl.timeout

    @property
    def rate_limiter(self) -> Limiter:
        """The limiter every request of this client (and its copies) waits on."""
        return self._impl.rate_limiter

    @property
    def closed(self) -> bool:
        """Whether the client (or the one it is a copy of) was closed."""
        return self._portal.closed

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
        """A copy with other settings that shares this client's loop, connections and limiter.

        Closing the copy does not close the shared connections; close the original.
        """
        token, problem = secret_access_token(limited_access_token)
        del limited_access_token
        if problem:
            raise FaceValidationError("limited_access_token", problem)
        impl = self._impl.with_options(
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            headers=headers,
            api_version=api_version,
            api_path=api_path,
            rate_limiter=rate_limiter,
            max_response_bytes=max_response_bytes,
            limited_access_token=token,
        )
        copy = object.__new__(FaceClient)
        copy._init_from(self._portal, impl, owner=False)
        return copy

    def resume_poller(
        self, token: str, *, polling: PollingPolicy | None = None
    ) -> Poller[Any, Any]:
        """Rebuild a training, snapshot or PersonDirectory poller from its continuation token.

        Works in any process, with any client of the same endpoint (sync or async).
        """
        return wrap_poller(self._portal, self._impl.resume_poller(token, polling=polling), Poller)

    @contextlib.contextmanager
    def capture_responses(self) -> Iterator[list[RawResponse]]:
        """Collect status, headers and request id of the calls this thread makes in the block.

        with face.capture_responses() as responses:
            face.person_groups.get("family")
        print(responses[-1].status, responses[-1].request_id)
        """
        with self._impl.capture_responses() as bucket:
            yield bucket

    def close(self) -> None:
        """Close the connections and end the loop thread (a copy leaves them); idempotent.

        Calls still running in other threads end with a FaceError.
        """
        if self._owner:
            self._portal.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        if "_impl" not in vars(self):
            return "FaceClient(<not built>)"
        return f"facekit.sync.{self._impl!r}"
