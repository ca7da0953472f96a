"""Injectable faults: per-operation, seeded and reproducible."""

from __future__ import annotations

import fnmatch
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Fault", "FaultPlan", "RequestLog"]

Reset = Literal["before", "after"]
Body = Literal["truncated", "not_json"]


@dataclass
class Fault:
    """What goes wrong, for which operations, how often.

    `operation` is an operationId of the spec or a glob ("LargePersonGroupPerson_AddFace*",
    "*"). `reset="before"` drops the connection without doing anything; `reset="after"`
    drops it after the change is committed, the case in which a blind retry duplicates it.
    `status` answers that status instead of doing anything; with `commit=True` the change
    is made first and the status answered after it (a 5xx after committing).
    """

    operation: str = "*"
    status: int | None = None
    code: str | None = None
    message: str | None = None
    retry_after: float | None = None
    latency: float = 0.0
    reset: Reset | None = None
    body: Body | None = None
    #: With `status`: commit the change first, then answer the status.
    commit: bool = False
    #: How many matching requests it applies to (None: all of them).
    times: int | None = 1
    #: Matching requests let through before it starts applying.
    skip: int = 0
    #: Chance that a matching request is hit (drawn from the plan's seeded generator).
    probability: float = 1.0
    hits: int = field(default=0, init=False)
    seen: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError("status must be an HTTP status code")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be in [0, 1]")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        """A fault from the JSON of POST /_emulator/faults (ValueError for an unknown field)."""
        allowed = {
            "operation",
            "status",
            "code",
            "message",
            "retry_after",
            "latency",
            "reset",
            "body",
            "commit",
            "times",
            "skip",
            "probability",
        }
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        return cls(**data)

    @property
    def exhausted(self) -> bool:
        """Whether it has hit as many requests as `times` allows."""
        return self.times is not None and self.hits >= self.times


class FaultPlan:
    """The active faults; the first one that matches a request applies to it."""

    def __init__(self, seed: int = 0) -> None:
        self.faults: list[Fault] = []
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Restart the generator that draws `probability` hits."""
        self._random = random.Random(seed)

    def add(self, fault: Fault) -> Fault:
        """Add a fault after the others; returns it, to read its hits later."""
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        self.faults.clear()

    def pick(self, operation: str) -> Fault | None:
        """The fault that applies to a request of `operation`, counting it; None if none."""
        for fault in self.faults:
            if fault.exhausted or not fnmatch.fnmatchcase(operation, fault.operation):
                continue
            fault.seen += 1
            if fault.seen <= fault.skip:
                continue
            if fault.probability < 1.0 and self._random.random() >= fault.probability:
                continue
            fault.hits += 1
            return fault
        return None


@dataclass(frozen=True)
class LoggedRequest:
    """One answered request: its operationId, method, path, status and API version."""

    operation: str
    method: str
    path: str
    status: int
    version: str
    #: time.monotonic() when it was answered.
    at: float = field(default_factory=time.monotonic)


class RequestLog:
    """What reached the service: every request with its operation and status."""

    def __init__(self) -> None:
        self.requests: list[LoggedRequest] = []

    def record(self, entry: LoggedRequest) -> None:
        """Log an answered request."""
        self.requests.append(entry)

    def clear(self) -> None:
        """Forget every logged request."""
        self.requests.clear()

    def count(self, operation: str = "*", status: int | None = None) -> int:
        """Requests whose operation matches the glob (and whose status is `status`)."""
        return sum(
            1
            for r in self.requests
            if fnmatch.fnmatchcase(r.operation, operation)
            and (status is None or r.status == status)
        )

    def peak_rate(
        self,
        window: float = 1.0,
        operation: str = "*",
        *,
        where: Callable[[LoggedRequest], bool] | None = None,
    ) -> int:
        """The most requests of `operation` (and `where`) answered within any `window` seconds."""
        times = sorted(
            r.at
            for r in self.requests
            if fnmatch.fnmatchcase(r.operation, operation) and (where is None or where(r))
        )
        best, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def counters(self) -> Counter[tuple[str, int]]:
        """How many requests each (operation, status) had."""
        return Counter((r.operation, r.status) for r in self.requests)
