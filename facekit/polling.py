"""Pollers for long-running operations: trainings, snapshot take/apply, PersonDirectory writes.

`await poller` returns the final result. Polling goes through the client's rate limiter and
retry policy; several tasks awaiting one poller share one polling loop, and cancelling an
awaiting task stops local polling only (never the job on the service). A continuation token
rebuilds the poller in another process.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
from collections.abc import AsyncIterator, Callable, Generator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar

import attrs
import cattrs
import yarl

from . import _validation as check
from ._retry import retry_after_seconds
from ._versions import SNAPSHOT_API_VERSION, VERSIONS
from .errors import (
    FaceResponseError,
    FaceTimeoutError,
    FaceValidationError,
    NotFoundError,
    OperationFailedError,
    TrainingFailedError,
)
from .models import OperationStatus, TrainingStatus, TrainingStatusType
from .models._serde import structure, to_wire
from .models.directory import AddedDirectoryFace, CreatedDirectoryPerson, OperationResult
from .models.enums import OperationStatusType
from .session import FaceSession, RawResponse

__all__ = [
    "DirectoryOperationPoller",
    "FaceAdditionPoller",
    "OperationPoller",
    "PersonCreationPoller",
    "Poller",
    "PollingPolicy",
    "TrainingPoller",
    "accepted_operation",
    "decode_token",
    "resume",
    "server_time",
]

S = TypeVar("S", TrainingStatus, OperationStatus)
R = TypeVar("R")

TOKEN_PREFIX = "facekit-poller"
TOKEN_VERSION = 1
#: Azure's long-running operations also end "cancelled" (or "canceled"); Face's specs list
#: only succeeded and failed, but a poller must not wait forever on the others.
_CANCELLED = ("cancelled", "canceled")
_TERMINAL = ("succeeded", "failed", *_CANCELLED)
_KNOWN = ("notstarted", "nonstarted", "running", *_TERMINAL)
#: Polls in a row that may report a status facekit does not know before the poller gives
#: up: enough to ride out a transitional state a newer service might add, bounded so that
#: an unknown final state ends `await poller` with an error instead of polling forever.
UNKNOWN_STATUS_POLLS = 5
_TRAINABLE = ("persongroups", "largepersongroups", "largefacelists")
_PURPOSES = ("take", "apply")
# The Date header has one-second resolution; a status created within this much before the
# train request could still be ours, so anything older is the previous training's.
_CLOCK_SLACK = timedelta(seconds=1)


@attrs.frozen(kw_only=True)
class PollingPolicy:
    """How often to poll: the server's Retry-After if sent, else a growing interval.

    The interval starts at `initial` seconds and grows by `growth` up to `maximum`, each wait
    spread by +-`jitter` (a fraction).

    A Retry-After is kept between `initial` and `maximum`: `Retry-After: 0` must not turn
    polling into a loop at the rate limiter's full speed.
    """

    initial: float = attrs.field(default=1.0, validator=check.seconds_field)
    growth: float = attrs.field(default=1.5, validator=check.growth_field)
    maximum: float = attrs.field(default=30.0, validator=check.seconds_field)
    jitter: float = attrs.field(default=0.1, validator=check.fraction_field)

    def delay(self, poll: int, retry_after: float | None, rand: Callable[[], float]) -> float:
        """Seconds to wait after poll number `poll` (0-based)."""
        if retry_after is not None:
            floor = min(self.initial, self.maximum)
            return min(max(retry_after, floor), self.maximum)
        base = min(self.maximum, self.initial * self.growth ** min(poll, 64))
        return base * (1 + self.jitter * (2 * rand() - 1))


def checked_policy(policy: Any) -> PollingPolicy | None:
    """`policy` if it is a PollingPolicy or None; FaceValidationError otherwise.

    Resources call it before sending the request that starts an operation.
    """
    if policy is not None and not isinstance(policy, PollingPolicy):
        raise FaceValidationError("polling", "must be a PollingPolicy")
    return policy


def status_word(status: TrainingStatus | OperationStatus) -> str:
    """The status in lower case ("notstarted", "running", "succeeded", "failed", ...)."""
    return str(status.status.value).lower()


class Poller(Generic[S, R]):
    """An awaitable long-running operation.

    `await poller` (or `await poller.result(timeout=...)`) returns the result; `status` is
    the last status seen (no I/O); `refresh()` polls once; `done()` says whether it ended;
    `async for status in poller` yields each change; `continuation_token()` resumes it
    elsewhere with `FaceClient.resume_poller(token)`.
    """

    def __init__(self, session: FaceSession, policy: PollingPolicy | None = None) -> None:
        self._session = session
        self.policy = checked_policy(policy) or PollingPolicy()
        self._status: S | None = None
        self._changes = 0
        self._polls = 0
        self._unknown_polls = 0
        self._next_delay: float | None = None
        self._lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self._rand = random.random

    # -- what subclasses provide ---------------------------------------------------------

    async def _fetch(self) -> tuple[S | None, RawResponse | None]:
        raise NotImplementedError

    def _outcome(self, status: S) -> R:
        raise NotImplementedError

    def _token_fields(self) -> dict[str, Any]:
        raise NotImplementedError

    # -- public API ---------------------------------------------------------------------------

    @property
    def status(self) -> S | None:
        """The last status seen, without any I/O (None before the first poll)."""
        return self._status

    @property
    def polls(self) -> int:
        """Status requests made by this poller so far."""
        return self._polls

    def done(self) -> bool:
        """Whether the operation has ended (succeeded, failed or cancelled)."""
        return self._status is not None and status_word(self._status) in _TERMINAL

    async def refresh(self) -> S | None:
        """Poll once now and return the status."""
        async with self._lock:
            try:
                await self._poll()
            finally:
                self._wake()
        return self._status

    def __await__(self) -> Generator[Any, None, R]:
        return self.result().__await__()

    async def result(self, timeout: float | None = None) -> R:  # noqa: ASYNC109 - the API asks for it
        """Wait for the end; raise FaceTimeoutError after `timeout` s (the poller stays usable)."""
        if timeout is not None and (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or timeout != timeout
            or timeout < 0
        ):
            raise FaceValidationError("timeout", "must be a number of seconds >= 0, or None")
        deadline = None if timeout is None or timeout == float("inf") else timeout
        timed_out = False
        try:
            async with asyncio.timeout(deadline) as scope:
                while not self.done():
                    await self._step()
        except TimeoutError:
            # A poll's own FaceTimeoutError is a TimeoutError too: only ours is converted.
            if not scope.expired():
                raise
            timed_out = True
        if timed_out:
            # Raised outside the handler: the TimeoutError's traceback runs through the
            # request in flight (aiohttp's frames hold the request headers), so it must not
            # become this error's __context__.
            raise FaceTimeoutError(
                f"the operation did not finish within {timeout} s (it goes on on the service)"
            )
        assert self._status is not None
        return self._outcome(self._status)

    async def __aiter__(self) -> AsyncIterator[S]:
        seen = -1
        while True:
            if self._changes != seen and self._status is not None:
                seen = self._changes
                yield self._status
                if self.done():
                    return
            await self._step()

    def continuation_token(self) -> str:
        """An opaque, versioned string to rebuild this poller in another process.

        It holds the operation's location and what is needed to recognise its status,
        never a key or token.
        """
        data = {"v": TOKEN_VERSION, "endpoint": str(self._session.base_url), **self._token_fields()}
        encoded = base64.urlsafe_b64encode(json.dumps(data, sort_keys=True).encode()).decode()
        return f"{TOKEN_PREFIX}:{TOKEN_VERSION}:{encoded.rstrip('=')}"

    # -- the shared polling loop -------------------------------------------------------------

    async def _step(self) -> None:
        """One turn of the loop: poll, then wait. Only one task at a time drives it."""
        if self._lock.locked():
            # Someone else is polling: wait for what they see instead of polling too.
            await self._changed.wait()
            return
        async with self._lock:
            try:
                if self.done():
                    return
                if self._polls:
                    await asyncio.sleep(self._wait())
                await self._poll()
            finally:
                # Also when the polling task is cancelled: a waiting task then takes over.
                self._wake()

    def _wait(self) -> float:
        delay = self._next_delay
        if delay is None:
            delay = self.policy.delay(self._polls - 1, None, self._rand)
        return delay

    async def _poll(self) -> None:
        status, response = await self._fetch()
        self._polls += 1
        retry_after = retry_after_seconds(response.headers) if response is not None else None
        self._next_delay = (
            self.policy.delay(self._polls - 1, retry_after, self._rand)
            if retry_after is not None
            else None
        )
        if status is not None and (self._status is None or status != self._status):
            self._status = status
            self._changes += 1
        if status is None or status_word(status) in _KNOWN:
            self._unknown_polls = 0
            return
        self._unknown_polls += 1
        if self._unknown_polls >= UNKNOWN_STATUS_POLLS:
            raise FaceResponseError(
                f"the service reports status {status_word(status)!r}, which is not one facekit "
                f"knows ({', '.join(_KNOWN)}); stopped waiting after {self._unknown_polls} "
                "polls in a row (the operation may go on on the service)"
            )

    def _wake(self) -> None:
        """Wake every task waiting on this turn, and arm a fresh event for the next one."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def __repr__(self) -> str:
        word = status_word(self._status) if self._status is not None else "unknown"
        return f"{type(self).__name__}(status={word!r}, polls={self._polls})"


class TrainingPoller(Poller[TrainingStatus, TrainingStatus]):
    """Follows a training to its end; returns the final TrainingStatus.

    Since v1.1 the train request answers 202 with an `operation-Location` (`location`):
    the poller follows it (relative or absolute, on the endpoint's host only) and, once it
    succeeded, reads the container's training status once for the result. Without one (v1.0
    and v1.0-preview, or a training already running), or once the location answers 404, it
    polls GET .../training.

    Right after POST train the service may still show the previous training's result at
    .../training. Such a status is treated as not started yet when it is identical to the
    one read just before the train request (`previous`), or when it was created before this
    training was queued by the service's own clock (the Date header of the 202, less a
    second of slack).
    """

    def __init__(
        self,
        session: FaceSession,
        collection: str,
        container_id: str,
        *,
        queued_at: datetime | None,
        previous: TrainingStatus | None = None,
        location: str | None = None,
        policy: PollingPolicy | None = None,
    ) -> None:
        super().__init__(session, policy)
        if location is not None and not isinstance(location, str):
            raise FaceValidationError("location", "must be a str or None")
        # Resolved now so that a location on another host is refused before any request.
        self.url = None if location is None else session.resolve_location(location)
        self.location = location
        if queued_at is not None and (
            not isinstance(queued_at, datetime) or queued_at.utcoffset() is None
        ):
            # A naive time cannot be compared with the service's (aware) timestamps.
            raise FaceValidationError("queued_at", "must be a timezone-aware datetime or None")
        if previous is not None and not isinstance(previous, TrainingStatus):
            raise FaceValidationError("previous", "must be a TrainingStatus or None")
        self.collection = collection
        self.container_id = container_id
        self.queued_at = queued_at
        self.previous = previous

    async def _fetch(self) -> tuple[TrainingStatus | None, RawResponse | None]:
        if self.url is not None:
            return await self._fetch_operation(self.url)
        url = self._session.url_for([self.collection, self.container_id, "training"], method="GET")
        try:
            response = await self._session.send("GET", url, idempotent=True)
        except NotFoundError as error:
            # Just after queueing, a never-trained container can still answer ...NotTrained.
            if error.code and error.code.endswith("NotTrained") and self._status is None:
                return None, None
            raise
        status = self._session.parse(response, TrainingStatus)
        if self._is_stale(status):
            return None, response
        return status, response

    async def _fetch_operation(
        self, url: yarl.URL
    ) -> tuple[TrainingStatus | None, RawResponse | None]:
        """One poll of the operation-Location: a TrainingStatus, or an operation's status.

        A location the service no longer knows (its URLs expire after 48 hours) falls back
        to polling the container's training status, which stays the record.
        """
        try:
            response = await self._session.send("GET", url, idempotent=True)
        except NotFoundError:
            self.url = self.location = None
            return await self._fetch()
        data = response.json()
        if isinstance(data, dict) and "createdDateTime" in data:
            return self._session.parse(response, TrainingStatus), response
        operation = self._session.parse(response, OperationStatus)
        if status_word(operation) != "succeeded":
            return _as_training(operation), response
        # The operation ended well: the container's own status is the result (it carries
        # the time of the last successful training).
        path = [self.collection, self.container_id, "training"]
        final = await self._session.call("GET", path, idempotent=True, result=TrainingStatus)
        if status_word(final) != "succeeded":
            # Read a moment too early (a replica behind): the operation's word stands.
            return _as_training(operation), response
        return final, response

    def _is_stale(self, status: TrainingStatus) -> bool:
        if self.previous is not None and status == self.previous:
            return True
        if self.queued_at is None:
            return False
        # Compared as created + slack < queued: the service's clock may be anywhere (a
        # Date of year 1 or 9999 must not overflow the arithmetic).
        try:
            return status.created_date_time + _CLOCK_SLACK < self.queued_at
        except OverflowError:
            return status.created_date_time < self.queued_at

    def _outcome(self, status: TrainingStatus) -> TrainingStatus:
        word = status_word(status)
        if word == "failed":
            raise TrainingFailedError(status.message or "no reason given", status=status)
        if word in _CANCELLED:
            raise TrainingFailedError(
                f"the service ended it {word!r}: {status.message or 'no reason given'}",
                status=status,
            )
        return status

    def _token_fields(self) -> dict[str, Any]:
        return {
            "kind": "training",
            "collection": self.collection,
            "id": self.container_id,
            "queued_at": self.queued_at.isoformat() if self.queued_at else None,
            "previous": to_wire(self.previous) if self.previous is not None else None,
            "location": self.location,
        }


def _as_training(operation: OperationStatus) -> TrainingStatus:
    """An operation's status as the training status it stands for."""
    return TrainingStatus(
        status=TrainingStatusType(operation.status.value),
        created_date_time=operation.created_time,
        last_action_date_time=operation.last_action_time,
        message=operation.message,
    )


class OperationPoller(Poller[OperationStatus, str]):
    """Follows an Operation-Location (snapshot take or apply).

    The result is the snapshot id for a take and the target object's location for an apply;
    the full OperationStatus stays in `status`.
    """

    def __init__(
        self,
        session: FaceSession,
        location: str,
        *,
        purpose: str,
        policy: PollingPolicy | None = None,
    ) -> None:
        super().__init__(session, policy)
        if purpose not in _PURPOSES:
            raise FaceValidationError("purpose", f"must be one of {', '.join(_PURPOSES)}")
        # Resolved now so that a location on another host is refused before any request;
        # a relative one lies under v1.0, the only version with snapshots.
        self.url = session.resolve_location(location, version=SNAPSHOT_API_VERSION)
        self.location = location
        self.purpose = purpose

    @property
    def operation_id(self) -> str | None:
        """The operation's id: the UUID ending its Operation-Location (None if none)."""
        return OperationStatus.id_from_location(self.location)

    async def _fetch(self) -> tuple[OperationStatus | None, RawResponse | None]:
        response = await self._session.send("GET", self.url, idempotent=True)
        return self._session.parse(response, OperationStatus), response

    def _outcome(self, status: OperationStatus) -> str:
        _raise_unless_succeeded(status)
        if self.purpose == "take":
            snapshot_id = status.snapshot_id
            if snapshot_id is None:
                raise FaceResponseError(
                    f"the take operation succeeded without a snapshot in resourceLocation "
                    f"({status.resource_location!r})"
                )
            return snapshot_id
        if status.resource_location is None:
            raise FaceResponseError("the apply operation succeeded without a resourceLocation")
        return status.resource_location

    def _token_fields(self) -> dict[str, Any]:
        return {"kind": "operation", "location": self.location, "purpose": self.purpose}


def server_time(response: RawResponse) -> datetime | None:
    """The service's clock from the Date header, if it sent a valid one."""
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else None


def decode_token(token: str) -> dict[str, Any]:
    """Check and decode a continuation token; FaceValidationError if it is not one of ours."""
    if not isinstance(token, str):
        raise FaceValidationError("token", f"must be a str, got {type(token).__name__}")
    prefix, _, rest = token.partition(":")
    version, _, payload = rest.partition(":")
    if prefix != TOKEN_PREFIX or not version.isascii() or not version.isdigit():
        raise FaceValidationError("token", "not a facekit continuation token")
    if int(version) != TOKEN_VERSION:
        raise FaceValidationError(
            "token", f"continuation token version {version[:10]} is not supported"
        )
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, RecursionError):
        raise _damaged() from None
    if not isinstance(data, dict) or data.get("kind") not in _TOKEN_KINDS:
        raise _damaged()
    return data


def resume(
    session: FaceSession, token: str, policy: PollingPolicy | None = None
) -> Poller[Any, Any]:
    """Rebuild a poller from `continuation_token()` on this session's endpoint.

    The poller speaks the API version the token was made with, whatever this session's.
    Everything in the token is checked before a poller exists, so a damaged or foreign
    token is a FaceValidationError and nothing is sent.
    """
    data = decode_token(token)
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str):
        raise _damaged()
    if endpoint != str(session.base_url):
        # The same endpoint through another API version (a token saved before the default
        # version changed, say) resumes through the version it was started with.
        version = next((v for v in VERSIONS if str(session.base_for(v)) == endpoint), None)
        if version is None:
            raise FaceValidationError(
                "token",
                f"the continuation token belongs to {_host_of(endpoint)}, "
                f"not to this client's endpoint {session.base_url.host}",
            )
        session = session.for_version(version)
    checked_policy(policy)
    if data["kind"] == "training":
        return _resume_training(session, data, policy)
    if data["kind"] == DIRECTORY_KIND:
        return _resume_directory(session, data, policy)
    location, purpose = data.get("location"), data.get("purpose")
    if not isinstance(location, str) or purpose not in _PURPOSES:
        raise _damaged()
    try:
        return OperationPoller(session, location, purpose=purpose, policy=policy)
    except FaceResponseError:
        # The location came from the service once, but now it is the caller's input.
        raise _damaged() from None


def _resume_training(
    session: FaceSession, data: dict[str, Any], policy: PollingPolicy | None
) -> TrainingPoller:
    collection, container_id = data.get("collection"), data.get("id")
    queued, previous = data.get("queued_at"), data.get("previous")
    location = data.get("location")
    if collection not in _TRAINABLE or not isinstance(container_id, str) or not container_id:
        raise _damaged()
    if location is not None and not isinstance(location, str):
        raise _damaged()
    try:
        queued_at = datetime.fromisoformat(queued) if queued is not None else None
        status = structure(previous, TrainingStatus) if previous is not None else None
    except (TypeError, ValueError, RecursionError, cattrs.BaseValidationError):
        raise _damaged() from None
    if queued_at is not None and queued_at.utcoffset() is None:
        raise _damaged()
    try:
        session.url_for([collection, container_id, "training"], method="GET")
        return TrainingPoller(
            session,
            collection,
            container_id,
            queued_at=queued_at,
            previous=status,
            location=location,
            policy=policy,
        )
    except (FaceValidationError, FaceResponseError):
        # The location came from the service once, but now it is the caller's input.
        raise _damaged() from None


def _damaged() -> FaceValidationError:
    return FaceValidationError("token", "the continuation token is damaged")


def _host_of(endpoint: str) -> str:
    try:
        return str(yarl.URL(endpoint).host)
    except ValueError:
        return "another endpoint"


# -- PersonDirectory operations -----------------------------------------------------------------

#: The continuation-token kind of PersonDirectory pollers.
DIRECTORY_KIND = "directory"
_TOKEN_KINDS = ("training", "operation", DIRECTORY_KIND)
#: What a PersonDirectory operation does.
DIRECTORY_PURPOSES = (
    "create_person",
    "delete_person",
    "add_face",
    "delete_face",
    "dynamic_person_group",
)
#: Operations that make no resource: older v1.1-preview.1 examples answer their 202 with a
#: `Location` header only, naming the operation's status, which is then followed there.
_NO_RESOURCE = ("delete_person", "delete_face", "dynamic_person_group")


class DirectoryOperationPoller(Poller[OperationStatus, R]):
    """Follows a PersonDirectory operation at its Operation-Location.

    The operations: a person's or face's create or delete, a dynamic person group's
    change. `await poller` returns once the change is in effect (a person usable, a face
    used for recognition, a group's persons changed). `location` is where the operation is
    followed (None when the service applied the change at once, answering 200: the
    poller is done from the start); `resource_location` is the `Location` header of v1.1
    and later (where the created person or face is); `accepted` the 202's body. Statuses
    are OperationResults.
    """

    def __init__(
        self,
        session: FaceSession,
        location: str | None,
        *,
        purpose: str,
        value: R,
        resource_location: str | None = None,
        accepted: object = None,
        done_at: datetime | None = None,
        policy: PollingPolicy | None = None,
    ) -> None:
        super().__init__(session, policy)
        if purpose not in DIRECTORY_PURPOSES:
            raise FaceValidationError("purpose", f"must be one of {', '.join(DIRECTORY_PURPOSES)}")
        # Resolved now so that a location on another host is refused before any request.
        self.url = session.resolve_location(location) if location is not None else None
        self.location = location
        self.resource_location = resource_location
        self.purpose = purpose
        #: The body of the service's 202 (a creation's or an addition's), if it had one.
        self.accepted = accepted
        self._value = value
        if location is None:
            # Applied at once (HTTP 200): nothing to follow.
            moment = done_at or datetime.now(UTC)
            self._status = OperationResult(
                status=OperationStatusType.SUCCEEDED,
                created_time=moment,
                finished_time=moment,
            )
            self._changes = 1

    @property
    def operation_id(self) -> str | None:
        """The operation's id: from its status (v1.1+), else the UUID ending its location."""
        if isinstance(self._status, OperationResult) and self._status.operation_id:
            return self._status.operation_id
        if self.location is None:
            return None
        return OperationStatus.id_from_location(self.location)

    async def _fetch(self) -> tuple[OperationStatus | None, RawResponse | None]:
        if self.url is None:
            return self._status, None
        response = await self._session.send("GET", self.url, idempotent=True)
        return self._session.parse(response, OperationResult), response

    def _outcome(self, status: OperationStatus) -> R:
        _raise_unless_succeeded(status)
        return self._value

    def _token_fields(self) -> dict[str, Any]:
        return {
            "kind": DIRECTORY_KIND,
            "purpose": self.purpose,
            "location": self.location,
            "resource_location": self.resource_location,
            "value": self._value,
        }


class PersonCreationPoller(DirectoryOperationPoller[str]):
    """A person's creation: `person_id` now; awaiting the poller returns it once usable."""

    #: The service's answer when it accepted the creation.
    accepted: CreatedDirectoryPerson

    @property
    def person_id(self) -> str:
        """The new person's id (known as soon as the creation is accepted)."""
        return self.accepted.person_id


class FaceAdditionPoller(DirectoryOperationPoller[str]):
    """A face's addition: `persisted_face_id` now; awaited, it is returned once in use."""

    #: The service's answer when it accepted the face.
    accepted: AddedDirectoryFace

    @property
    def persisted_face_id(self) -> str:
        """The new face's id (known as soon as the face is accepted)."""
        return self.accepted.persisted_face_id


def _raise_unless_succeeded(status: OperationStatus) -> None:
    """OperationFailedError, with the service's message, for a failed or cancelled operation."""
    word = status_word(status)
    if word == "failed":
        raise OperationFailedError(status.message or "no reason given", status=status)
    if word in _CANCELLED:
        raise OperationFailedError(
            f"the service ended it {word!r}: {status.message or 'no reason given'}",
            status=status,
        )


def accepted_operation(response: RawResponse, purpose: str) -> tuple[str | None, str | None]:
    """(where to follow the operation, Location) of a PersonDirectory write's reply.

    The first is the Operation-Location (any case), or None when the reply is not a 202
    (the change was applied at once). A 202 without one is followed at its `Location`
    for an operation that makes no resource (older v1.1-preview.1 replies); otherwise it
    is a FaceResponseError (without the reply's status: the caller's error adds it).
    """
    operation = _header(response, "Operation-Location")
    resource = _header(response, "Location")
    if operation is not None:
        return operation, resource
    if response.status != 202:
        return None, resource
    if resource is not None and purpose in _NO_RESOURCE:
        return resource, None
    # No status here: the caller's error says what was accepted, with the status.
    raise FaceResponseError("its 202 names no Operation-Location to follow")


def _header(response: RawResponse, name: str) -> str | None:
    folded = name.lower()
    value = next((v for k, v in response.headers.items() if k.lower() == folded), None)
    return value or None


def _resume_directory(
    session: FaceSession, data: dict[str, Any], policy: PollingPolicy | None
) -> DirectoryOperationPoller[Any]:
    purpose, location = data.get("purpose"), data.get("location")
    resource, value = data.get("resource_location"), data.get("value")
    if purpose not in DIRECTORY_PURPOSES or not isinstance(location, str | None):
        raise _damaged()
    if not isinstance(resource, str | None):
        raise _damaged()
    try:
        if purpose in ("create_person", "add_face"):
            if location is None or not isinstance(value, str):
                raise _damaged()
            check.uuid_id("value", value)
            if purpose == "create_person":
                return PersonCreationPoller(
                    session,
                    location,
                    purpose=purpose,
                    value=value,
                    accepted=CreatedDirectoryPerson(person_id=value),
                    resource_location=resource,
                    policy=policy,
                )
            return FaceAdditionPoller(
                session,
                location,
                purpose=purpose,
                value=value,
                accepted=AddedDirectoryFace(persisted_face_id=value),
                resource_location=resource,
                policy=policy,
            )
        if value is not None:
            raise _damaged()
        return DirectoryOperationPoller(
            session,
            location,
            purpose=purpose,
            value=None,
            resource_location=resource,
            policy=policy,
        )
    except (FaceResponseError, FaceValidationError):
        # The location came from the service once, but now it is the caller's input.
        raise _damaged() from None
