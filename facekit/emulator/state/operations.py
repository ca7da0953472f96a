"""Long-running operations followed at /operations/{id}.

Snapshot take/apply and (v1.2) trainings; PersonDirectory's operations will join them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from ..checks import is_uuid
from ..errors import ServiceError
from ..settings import EmulatorSettings

__all__ = ["Completion", "Operation", "Operations"]

#: What an operation does when it finishes: (resource location, failure message).
Completion = Callable[[], tuple[str | None, str | None]]


@dataclass
class Operation:
    """A snapshot take/apply, or (v1.2) a training, followed at /operations/{id}."""

    operation_id: str
    created_at: float
    starts_at: float
    ends_at: float
    #: Runs once at ends_at; returns (resource_location, failure message).
    complete: Completion | None
    resource_location: str | None = None
    message: str | None = None
    done: bool = False
    failed: bool = False

    def settle(self, now: float) -> None:
        """Run the completion once `now` has reached the end."""
        if not self.done and now >= self.ends_at and self.complete is not None:
            location, failure = self.complete()
            self.done = True
            self.resource_location = location
            self.message = failure
            self.failed = failure is not None

    def phase(self, now: float) -> str:
        """The phase at `now` (settled first): notstarted, running, succeeded or failed."""
        self.settle(now)
        if now < self.starts_at:
            return "notstarted"
        if not self.done:
            return "running"
        return "failed" if self.failed else "succeeded"


class Operations:
    """The account's operations by id."""

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self._all: dict[str, Operation] = {}

    def add(self, operation: Operation) -> Operation:
        """Follow an operation whose times the caller chose (a training)."""
        self._all[operation.operation_id] = operation
        return operation

    def start(self, now: float, duration: float, complete: Completion) -> Operation:
        """A new operation, from `now`: it queues briefly, runs `duration` in all, completes."""
        starts = now + min(self.settings.training_queue_seconds, duration / 2)
        return self.add(Operation(str(uuid.uuid4()), now, starts, now + duration, complete))

    def find(self, operation_id: str) -> Operation:
        """The operation, or OperationNotFound."""
        if not is_uuid(operation_id or ""):
            raise ServiceError(404, "OperationNotFound", "Operation ID is invalid.")
        found = self._all.get(operation_id.lower())
        if found is None:
            raise ServiceError(404, "OperationNotFound", f"Operation {operation_id} is not found.")
        return found

    def advance(self, now: float) -> None:
        """Complete the operations due by `now`."""
        for operation in list(self._all.values()):
            operation.settle(now)
