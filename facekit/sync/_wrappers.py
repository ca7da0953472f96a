"""Blocking pagers and pollers over the async ones, and the base of the blocking resources."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

import yarl

from .. import polling as aio
from ..models import OperationStatus, TrainingStatus
from ..models.directory import AddedDirectoryFace, CreatedDirectoryPerson
from ..paging import AsyncPager
from ..polling import PollingPolicy
from ._portal import Portal

__all__ = [
    "DirectoryOperationPoller",
    "FaceAdditionPoller",
    "OperationPoller",
    "Pager",
    "PersonCreationPoller",
    "Poller",
    "SyncResource",
    "TrainingPoller",
    "wrap_poller",
]

T = TypeVar("T")
S = TypeVar("S", TrainingStatus, OperationStatus)
R = TypeVar("R")
P = TypeVar("P", bound="Poller[Any, Any]")


class SyncResource:
    """A group of blocking operations: each runs its async twin on the client's loop."""

    def __init__(self, portal: Portal, impl: Any) -> None:
        self._portal = portal
        self._impl = impl

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._impl._session.base_url})"


class Pager(Generic[T]):
    """A list operation: `for item in pager` walks every page; `pager.page()` fetches one.

    The blocking twin of `facekit.AsyncPager`, with its checks: pages continue after the
    last id, and a cursor that does not advance is a FaceResponseError.
    """

    def __init__(self, portal: Portal, pager: AsyncPager[T]) -> None:
        self._portal = portal
        self._pager = pager

    @property
    def start(self) -> str | None:
        """The id the list starts after (exclusive), or None for the beginning."""
        return self._pager.start

    @property
    def top(self) -> int | None:
        """Items per page asked for, or None for the service's page size."""
        return self._pager.top

    def page(self) -> builtins.list[T]:
        """One page, exactly as asked: from `start`, at most `top` items."""
        return self._portal.run(self._pager.page())

    def pages(self) -> Iterator[builtins.list[T]]:
        """Every page in turn, from `start` to the end of the list."""
        return self._portal.iterate(self._pager.pages())

    def __iter__(self) -> Iterator[T]:
        # Page by page: one hand-over to the loop per page, not per item.
        for items in self.pages():
            yield from items

    def collect(self) -> builtins.list[T]:
        """All items of all pages in one list."""
        return self._portal.run(self._pager.collect())

    def __repr__(self) -> str:
        return f"Pager(start={self.start!r}, top={self.top!r})"


class Poller(Generic[S, R]):
    """A long-running operation, followed from a blocking caller.

    `poller.result(timeout=...)` waits for the end and returns the result; `status` is the
    last status seen (no I/O); `refresh()` polls once; `done()` says whether it ended;
    `for status in poller` yields each change; `continuation_token()` resumes it elsewhere
    with `FaceClient.resume_poller(token)` (sync or async). Several threads may wait on one
    poller: they share one polling loop.
    """

    _poller: aio.Poller[S, R]

    def __init__(self, portal: Portal, poller: aio.Poller[S, R]) -> None:
        self._portal = portal
        self._poller = poller

    @property
    def policy(self) -> PollingPolicy:
        """How often it polls."""
        return self._poller.policy

    @property
    def status(self) -> S | None:
        """The last status seen, without any I/O (None before the first poll)."""
        return self._poller.status

    @property
    def polls(self) -> int:
        """Status requests made by this poller so far."""
        return self._poller.polls

    def done(self) -> bool:
        """Whether the operation has ended (succeeded, failed or cancelled)."""
        return self._poller.done()

    def refresh(self) -> S | None:
        """Poll once now and return the status."""
        return self._portal.run(self._poller.refresh())

    def result(self, timeout: float | None = None) -> R:
        """Wait for the end; raise FaceTimeoutError after `timeout` s (the poller stays usable)."""
        return self._portal.run(self._poller.result(timeout))

    def __iter__(self) -> Iterator[S]:
        return self._portal.iterate(aiter(self._poller))

    def continuation_token(self) -> str:
        """An opaque, versioned string to rebuild this poller in another process.

        It holds the operation's location and what is needed to recognise its status,
        never a key or token.
        """
        return self._poller.continuation_token()

    def __repr__(self) -> str:
        return repr(self._poller)


class TrainingPoller(Poller[TrainingStatus, TrainingStatus]):
    """Follows a training to its end; `result()` returns the final TrainingStatus.

    See `facekit.TrainingPoller` for how it tells this training from the one before.
    """

    _poller: aio.TrainingPoller

    @property
    def url(self) -> yarl.URL | None:
        """The operation's URL being followed (None: the container's training status)."""
        return self._poller.url

    @property
    def location(self) -> str | None:
        """The train request's operation-Location, as the service sent it (or None)."""
        return self._poller.location

    @property
    def collection(self) -> str:
        """The container's kind: "persongroups", "largepersongroups" or "largefacelists"."""
        return self._poller.collection

    @property
    def container_id(self) -> str:
        """The id of the group or list being trained."""
        return self._poller.container_id

    @property
    def queued_at(self) -> datetime | None:
        """When the service queued the training, by its own clock (None if unknown)."""
        return self._poller.queued_at

    @property
    def previous(self) -> TrainingStatus | None:
        """The training status read just before the train request (None if none)."""
        return self._poller.previous


class OperationPoller(Poller[OperationStatus, str]):
    """Follows a snapshot take or apply; `result()` is the snapshot id or the new location."""

    _poller: aio.OperationPoller

    @property
    def url(self) -> yarl.URL:
        """The operation's URL being followed."""
        return self._poller.url

    @property
    def location(self) -> str:
        """The Operation-Location, as the service sent it."""
        return self._poller.location

    @property
    def purpose(self) -> str:
        """What the operation does: "take" or "apply"."""
        return self._poller.purpose

    @property
    def operation_id(self) -> str | None:
        """The operation's id: the UUID ending its Operation-Location (None if none)."""
        return self._poller.operation_id


class DirectoryOperationPoller(Poller[OperationStatus, R]):
    """Follows a PersonDirectory operation; `result()` returns once the change is in effect."""

    _poller: aio.DirectoryOperationPoller[R]

    @property
    def url(self) -> yarl.URL | None:
        """The operation's URL being followed (None: applied at once)."""
        return self._poller.url

    @property
    def location(self) -> str | None:
        """Where the operation is followed, as the service sent it (None: applied at once)."""
        return self._poller.location

    @property
    def resource_location(self) -> str | None:
        """The `Location` of the created person or face (v1.1 and later)."""
        return self._poller.resource_location

    @property
    def purpose(self) -> str:
        """What the operation does ("create_person", "add_face", ...)."""
        return self._poller.purpose

    @property
    def accepted(self) -> object:
        """The body of the service's 202, if it had one."""
        return self._poller.accepted

    @property
    def operation_id(self) -> str | None:
        """The operation's id: from its status (v1.1+), else the UUID ending its location."""
        return self._poller.operation_id


class PersonCreationPoller(DirectoryOperationPoller[str]):
    """A person's creation: `person_id` now; `result()` returns it once usable."""

    _poller: aio.PersonCreationPoller

    @property
    def accepted(self) -> CreatedDirectoryPerson:
        """The service's answer when it accepted the creation."""
        return self._poller.accepted

    @property
    def person_id(self) -> str:
        """The new person's id (known as soon as the creation is accepted)."""
        return self._poller.person_id


class FaceAdditionPoller(DirectoryOperationPoller[str]):
    """A face's addition: `persisted_face_id` now; `result()` returns it once in use."""

    _poller: aio.FaceAdditionPoller

    @property
    def accepted(self) -> AddedDirectoryFace:
        """The service's answer when it accepted the face."""
        return self._poller.accepted

    @property
    def persisted_face_id(self) -> str:
        """The new face's id (known as soon as the face is accepted)."""
        return self._poller.persisted_face_id


def wrap_poller(portal: Portal, poller: aio.Poller[Any, Any], kind: type[P]) -> P:
    """The blocking poller of the same kind as `poller` (a `kind`, at least)."""
    wrapper = next((sync for cls, sync in _POLLERS if isinstance(poller, cls)), Poller)
    if not issubclass(wrapper, kind):
        raise TypeError(f"{type(poller).__name__} is not a {kind.__name__}")
    return cast(P, wrapper(portal, poller))


# Most specific first.
_POLLERS: tuple[tuple[type[aio.Poller[Any, Any]], type[Poller[Any, Any]]], ...] = (
    (aio.PersonCreationPoller, PersonCreationPoller),
    (aio.FaceAdditionPoller, FaceAdditionPoller),
    (aio.DirectoryOperationPoller, DirectoryOperationPoller),
    (aio.OperationPoller, OperationPoller),
    (aio.TrainingPoller, TrainingPoller),
)
