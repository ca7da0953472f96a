"""What every resource shares: the session, and the operation ids its methods carry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

if TYPE_CHECKING:
    from ..session import FaceSession

F = TypeVar("F", bound=Callable[..., Any])

_OPERATION_ATTRIBUTE = "__facekit_operation__"


class Resource:
    """A group of operations over one FaceSession."""

    def __init__(self, session: FaceSession) -> None:
        self._session = session

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._session.base_url})"


@attrs.frozen
class Operation:
    """What facekit knows about the REST operation a method performs.

    `ids` are the swagger operationIds (two where the service has a URL and a stream
    overload of one call, e.g. Face_DetectWithUrl and Face_DetectWithStream).
    """

    ids: tuple[str, ...]


def operation(*operation_ids: str) -> Callable[[F], F]:
    """Mark a resource method as the one performing these REST operations (by operationId)."""
    if not operation_ids:
        raise ValueError("give at least one operationId")
    record = Operation(ids=operation_ids)

    def mark(method: F) -> F:
        setattr(method, _OPERATION_ATTRIBUTE, record)
        return method

    return mark


def operation_of(method: Any) -> Operation | None:
    """The Operation a method was marked with, or None for a convenience (begin_*, resume)."""
    record = getattr(method, _OPERATION_ATTRIBUTE, None)
    return record if isinstance(record, Operation) else None
