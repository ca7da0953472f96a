"""Snapshot operations (/snapshots, /operations): copy a group or list to other subscriptions.

Snapshots exist only in Face API v1.0 (and v1.0-preview): every call here goes to v1.0,
whatever version the client speaks. The public service retired them on 30 June 2023 and
answers them with 403 UnsupportedFeature (`LimitedAccessError`); the emulator still serves
them. To move a group or list to another resource today, enroll it there again from the
source images: `facekit.bulk.enroll_people` / `enroll_faces` (its journal and the tags it
leaves on the service make a rerun add each person and face exactly once), then train it.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Final, Unpack, get_args

from .. import _validation as check
from .._versions import SNAPSHOT_API_VERSION
from ..errors import FaceResponseError, FaceValidationError
from ..models import OperationLocation, OperationStatus, Snapshot
from ..models.enums import SnapshotApplyMode, SnapshotObjectType
from ..models.names import SnapshotApplyModeName, SnapshotObjectTypeName
from ..models.requests import ApplySnapshotBody, TakeSnapshotBody, UpdateSnapshotBody
from ..polling import OperationPoller, PollingPolicy, checked_policy, resume
from ..session import CallOptions, RawResponse
from ._base import Resource

__all__ = ["Snapshots"]

#: Every operation of this resource in the REST API (v1.0 operationIds) and the method
#: that sends it.
OPERATIONS: Final[Mapping[str, str]] = {
    "Snapshot_Apply": "Snapshots.apply",
    "Snapshot_Delete": "Snapshots.delete",
    "Snapshot_Get": "Snapshots.get",
    "Snapshot_GetOperationStatus": "Snapshots.get_operation_status",
    "Snapshot_List": "Snapshots.list",
    "Snapshot_Take": "Snapshots.take",
    "Snapshot_Update": "Snapshots.update",
}

SNAPSHOT_TYPES = get_args(SnapshotObjectTypeName)
APPLY_MODES = get_args(SnapshotApplyModeName)


class Snapshots(Resource):
    """Take, apply and manage snapshots (Snapshot_*), always through Face API v1.0.

    Retired by the public service on 30 June 2023 (it answers 403 UnsupportedFeature): kept
    for resources that still have them and for the emulator. The migration path is to
    re-enroll with `facekit.bulk` (exactly once, thanks to its journal and tags).
    """

    async def take(
        self,
        type: SnapshotObjectTypeName | SnapshotObjectType,
        object_id: str,
        apply_scope: Sequence[str],
        *,
        user_data: str | None = None,
        **options: Unpack[CallOptions],
    ) -> OperationLocation:
        """Queue a snapshot of a group or list; follow the returned operation to its end."""
        body = TakeSnapshotBody(
            type=check.choice("type", type, SNAPSHOT_TYPES),  # type: ignore[arg-type]
            object_id=check.container_id("object_id", object_id),
            apply_scope=check.uuid_list("apply_scope", apply_scope, min_items=1, max_items=None),
            user_data=check.user_data("user_data", user_data),
        )
        response = await self._session.send(
            "POST",
            self._session.url_for(["snapshots"], method="POST", version=SNAPSHOT_API_VERSION),
            json=body,
            idempotent=False,
            options=options,
        )
        return _operation_location(response)

    async def begin_take(
        self,
        type: SnapshotObjectTypeName | SnapshotObjectType,
        object_id: str,
        apply_scope: Sequence[str],
        *,
        user_data: str | None = None,
        polling: PollingPolicy | None = None,
        **options: Unpack[CallOptions],
    ) -> OperationPoller:
        """Take a snapshot; `await poller` gives the snapshot id."""
        checked_policy(polling)
        location = await self.take(type, object_id, apply_scope, user_data=user_data, **options)
        return OperationPoller(self._session, location.location, purpose="take", policy=polling)

    async def begin_apply(
        self,
        snapshot_id: str,
        object_id: str,
        *,
        mode: SnapshotApplyModeName | SnapshotApplyMode | None = None,
        polling: PollingPolicy | None = None,
        **options: Unpack[CallOptions],
    ) -> OperationPoller:
        """Apply a snapshot; `await poller` gives the created object's location."""
        checked_policy(polling)
        location = await self.apply(snapshot_id, object_id, mode=mode, **options)
        return OperationPoller(self._session, location.location, purpose="apply", policy=polling)

    def resume(self, token: str, *, polling: PollingPolicy | None = None) -> OperationPoller:
        """Rebuild a take/apply poller from its continuation token."""
        poller = resume(self._session, token, polling)
        if not isinstance(poller, OperationPoller):
            raise FaceValidationError(
                "token", "the continuation token is not one of a snapshot operation"
            )
        return poller

    async def list(
        self,
        *,
        type: SnapshotObjectTypeName | SnapshotObjectType | None = None,
        apply_scope: Sequence[str] | None = None,
        **options: Unpack[CallOptions],
    ) -> builtins.list[Snapshot]:
        """Snapshots of this account, optionally filtered by type and apply scope."""
        scope = check.optional_uuid_list("apply_scope", apply_scope)
        return await self._session.call(
            "GET",
            ["snapshots"],
            params={
                "type": check.choice("type", type, SNAPSHOT_TYPES),
                "applyScope": ",".join(scope) if scope else None,
            },
            idempotent=True,
            result=builtins.list[Snapshot],
            options=options,
            version=SNAPSHOT_API_VERSION,
        )

    async def get(self, snapshot_id: str, **options: Unpack[CallOptions]) -> Snapshot:
        """The snapshot: type, account, apply scope, user data and times."""
        return await self._session.call(
            "GET",
            ["snapshots", check.uuid_id("snapshot_id", snapshot_id)],
            idempotent=True,
            result=Snapshot,
            options=options,
            version=SNAPSHOT_API_VERSION,
        )

    async def update(
        self,
        snapshot_id: str,
        *,
        apply_scope: Sequence[str] | None = None,
        user_data: str | None = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Change who may apply the snapshot and/or its user data."""
        body = UpdateSnapshotBody(
            apply_scope=check.optional_uuid_list("apply_scope", apply_scope),
            user_data=check.user_data("user_data", user_data),
        )
        if body.apply_scope is None and body.user_data is None:
            raise FaceValidationError("apply_scope/user_data", "give at least one")
        await self._session.call(
            "PATCH",
            ["snapshots", check.uuid_id("snapshot_id", snapshot_id)],
            json=body,
            idempotent=True,
            options=options,
            version=SNAPSHOT_API_VERSION,
        )

    async def delete(self, snapshot_id: str, **options: Unpack[CallOptions]) -> None:
        """Delete the snapshot (only the subscription that took it may)."""
        await self._session.call(
            "DELETE",
            ["snapshots", check.uuid_id("snapshot_id", snapshot_id)],
            idempotent=False,
            options=options,
            version=SNAPSHOT_API_VERSION,
        )

    async def apply(
        self,
        snapshot_id: str,
        object_id: str,
        *,
        mode: SnapshotApplyModeName | SnapshotApplyMode | None = None,
        **options: Unpack[CallOptions],
    ) -> OperationLocation:
        """Queue creating `object_id` from the snapshot (mode CreateNew: it must not exist)."""
        body = ApplySnapshotBody(
            object_id=check.container_id("object_id", object_id),
            mode=check.choice("mode", mode, APPLY_MODES),
        )
        path = ["snapshots", check.uuid_id("snapshot_id", snapshot_id), "apply"]
        response = await self._session.send(
            "POST",
            self._session.url_for(path, method="POST", version=SNAPSHOT_API_VERSION),
            json=body,
            idempotent=False,
            options=options,
        )
        return _operation_location(response)

    async def get_operation_status(
        self, operation_id: str, **options: Unpack[CallOptions]
    ) -> OperationStatus:
        """Status of a take or apply operation."""
        return await self._session.call(
            "GET",
            ["operations", check.uuid_id("operation_id", operation_id)],
            idempotent=True,
            result=OperationStatus,
            options=options,
            version=SNAPSHOT_API_VERSION,
        )


def _operation_location(response: RawResponse) -> OperationLocation:
    location = response.headers.get("Operation-Location")
    operation_id = OperationStatus.id_from_location(location) if location else None
    if location is None or operation_id is None:
        raise FaceResponseError(
            "the service accepted the operation but sent no usable Operation-Location header",
            status=response.status,
            request_id=response.request_id,
        )
    return OperationLocation(location=location, operation_id=operation_id)
