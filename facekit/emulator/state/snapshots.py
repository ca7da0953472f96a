"""Snapshots: copies of a container taken by one account and applied by others.

Snapshots live in a SnapshotStore shared by the accounts of one (emulated) Azure instance;
take and apply are operations that finish after a while (see `operations`).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..checks import check_id_list, check_user_data, is_container_id, is_uuid
from ..errors import ServiceError, bad
from ..settings import EmulatorSettings, Kind
from .containers import Container, Containers
from .operations import Operation, Operations

__all__ = [
    "DEFAULT_SNAPSHOT_STORE",
    "SNAPSHOT_LIFETIME",
    "Snapshot",
    "SnapshotStore",
    "Snapshots",
]

#: Snapshots expire 48 hours after they are taken.
SNAPSHOT_LIFETIME = 48 * 3600.0


@dataclass
class Snapshot:
    """A taken snapshot: whose it is, who may apply it, and the container it holds."""

    snapshot_id: str
    account_id: str
    subscription_id: str
    kind: Kind
    apply_scope: list[str]
    user_data: str | None
    created_at: float
    updated_at: float
    content: Container

    def scope_folded(self) -> set[str]:
        """Apply scope ids compared case-insensitively (they are sent as given)."""
        return {s.lower() for s in self.apply_scope}


class SnapshotStore:
    """Where snapshots live: shared by every account of one (emulated) Azure instance."""

    def __init__(self) -> None:
        self.snapshots: dict[str, Snapshot] = {}

    def clear(self) -> None:
        """Forget every snapshot."""
        self.snapshots.clear()


#: The store of emulators that are not given their own: snapshots move between accounts
#: of one process, as they move between subscriptions of one Azure instance.
DEFAULT_SNAPSHOT_STORE = SnapshotStore()


class Snapshots:
    """One account's view of the shared store: what it may take, read, change and apply."""

    def __init__(
        self,
        settings: EmulatorSettings,
        clock: Callable[[], float],
        store: SnapshotStore,
        containers: Containers,
        operations: Operations,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.store = store
        self.containers = containers
        self.operations = operations

    def advance(self, now: float) -> None:
        """Forget the snapshots that have expired by `now`."""
        store = self.store.snapshots
        for snapshot_id in [
            s for s, snap in store.items() if snap.created_at + SNAPSHOT_LIFETIME <= now
        ]:
            del store[snapshot_id]

    def take(self, type_label: Any, object_id: Any, apply_scope: Any, user_data: Any) -> Operation:
        """Copy a container now; the snapshot appears when the operation finishes."""
        if not isinstance(type_label, str):
            raise bad("Invalid snapshot type.")
        kind = Kind.from_label(type_label)
        scope = check_id_list(apply_scope, "applyScope", 1, None)
        check_user_data(user_data)
        source = self.containers.find(kind, object_id if isinstance(object_id, str) else "")
        content = copy.deepcopy(source)
        content.busy_until = {}
        now = self.clock()
        duration = self._seconds(source)
        snapshot_id = str(uuid.uuid4())
        store = self.store
        settings = self.settings

        def complete() -> tuple[str | None, str | None]:
            store.snapshots[snapshot_id] = Snapshot(
                snapshot_id,
                settings.account_id,
                settings.subscription_id,
                kind,
                list(scope),
                user_data,
                created_at=now,
                updated_at=now,
                content=content,
            )
            return f"/snapshots/{snapshot_id}", None

        return self.operations.start(now, duration, complete)

    def apply(self, snapshot_id: str, object_id: Any, mode: Any) -> Operation:
        """Create a container from a snapshot; it fails if the id is taken by then."""
        snapshot = self.find(snapshot_id, owned=False)
        if self.settings.subscription_id.lower() not in snapshot.scope_folded():
            raise bad("The snapshot cannot be applied by this subscription (not in applyScope).")
        if not isinstance(object_id, str) or not is_container_id(object_id):
            raise bad("Object ID is invalid.")
        if mode not in (None, "CreateNew"):
            raise bad("Apply mode is invalid.")
        kind = snapshot.kind
        content = snapshot.content
        containers = self.containers
        clock = self.clock

        def complete() -> tuple[str | None, str | None]:
            if (kind, object_id) in containers:
                return None, f"{kind.words} '{object_id}' already exists (apply mode CreateNew)."
            created = copy.deepcopy(content)
            created.container_id = object_id
            created.created_at = clock()
            containers.adopt(created)
            return f"/{kind.value}/{object_id}", None

        return self.operations.start(self.clock(), self._seconds(content), complete)

    def _seconds(self, container: Container) -> float:
        settings = self.settings
        return settings.snapshot_base_seconds + (
            settings.snapshot_seconds_per_face * container.face_count()
        )

    def find(self, snapshot_id: str, *, owned: bool) -> Snapshot:
        """A snapshot in the store (this account's own when `owned`), or SnapshotNotFound."""
        if not is_uuid(snapshot_id or ""):
            raise ServiceError(404, "SnapshotNotFound", "Snapshot ID is invalid.")
        found = self.store.snapshots.get(snapshot_id.lower())
        if found is None or (owned and found.account_id != self.settings.account_id):
            raise ServiceError(404, "SnapshotNotFound", f"Snapshot {snapshot_id} is not found.")
        return found

    def visible(self, snapshot_id: str) -> Snapshot:
        """A snapshot this account may read: its own, or one whose apply scope names it."""
        snapshot = self.find(snapshot_id, owned=False)
        own = snapshot.account_id == self.settings.account_id
        if not own and self.settings.subscription_id.lower() not in snapshot.scope_folded():
            raise ServiceError(404, "SnapshotNotFound", f"Snapshot {snapshot_id} is not found.")
        return snapshot

    def list_own(self, type_label: str | None, scope: Iterable[str]) -> list[Snapshot]:
        """The account's own snapshots of a type (any when None) whose scope holds `scope`."""
        wanted = {s.lower() for s in scope}
        kind = Kind.from_label(type_label) if type_label else None
        return [
            s
            for s in self.store.snapshots.values()
            if s.account_id == self.settings.account_id
            and (kind is None or s.kind is kind)
            and wanted.issubset(s.scope_folded())
        ]

    def update(self, snapshot_id: str, apply_scope: Any, user_data: Any) -> None:
        """Change an own snapshot's apply scope and/or userData."""
        snapshot = self.find(snapshot_id, owned=True)
        if apply_scope is not None:
            snapshot.apply_scope = check_id_list(apply_scope, "applyScope", 1, None)
        check_user_data(user_data)
        if user_data is not None:
            snapshot.user_data = user_data
        snapshot.updated_at = self.clock()

    def delete(self, snapshot_id: str) -> None:
        """Delete an own snapshot."""
        snapshot = self.find(snapshot_id, owned=True)
        del self.store.snapshots[snapshot.snapshot_id]
