"""Snapshots and the status of their take/apply operations."""

from __future__ import annotations

import re
from datetime import datetime

import attrs

from .enums import OperationStatusType, SnapshotObjectType

__all__ = ["OperationLocation", "OperationStatus", "Snapshot"]

_UUID_AT_END = re.compile(
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/?$"
)


@attrs.frozen(kw_only=True)
class Snapshot:
    """A snapshot: its type, the account that took it, who may apply it, its times."""

    id: str
    account: str
    type: SnapshotObjectType
    apply_scope: list[str]
    created_time: datetime
    last_update_time: datetime
    user_data: str | None = None


@attrs.frozen(kw_only=True)
class OperationStatus:
    """Status of a snapshot take or apply; `resource_location` is set on success."""

    status: OperationStatusType
    created_time: datetime
    last_action_time: datetime | None = None
    finished_time: datetime | None = None
    resource_location: str | None = None
    message: str | None = None

    @property
    def snapshot_id(self) -> str | None:
        """The snapshot id from `resource_location` ("/snapshots/{id}" for a take)."""
        if self.resource_location is None:
            return None
        return self.id_from_location(self.resource_location)

    @staticmethod
    def id_from_location(location: str) -> str | None:
        """The UUID that ends a location such as "/operations/{id}" or "/snapshots/{id}"."""
        match = _UUID_AT_END.search(location.split("?", 1)[0])
        return match.group(1) if match else None


@attrs.frozen(kw_only=True)
class OperationLocation:
    """Where to follow a take/apply operation: the `Operation-Location` header and its id."""

    location: str
    operation_id: str
