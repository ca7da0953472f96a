"""LargeFaceList operations (/largefacelists): up to 1,000,000 faces, trained."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Final, Unpack

from .. import _validation as check
from ..models import LargeFaceList, PersistedFace
from ..models.requests import UpdateFaceBody
from ..paging import AsyncPager
from ..session import CallOptions
from ._containers import (
    ListFaceOperations,
    PagedContainerOperations,
    TrainingOperations,
)

__all__ = ["LargeFaceLists"]

#: Every operation of this resource in the REST API (v1.0 operationIds) and the method
#: that sends it; the bodies live in _containers.py, shared with face lists and the groups.
OPERATIONS: Final[Mapping[str, str]] = {
    "LargeFaceList_AddFaceFromStream": "LargeFaceLists.add_face",
    "LargeFaceList_AddFaceFromUrl": "LargeFaceLists.add_face",
    "LargeFaceList_Create": "LargeFaceLists.create",
    "LargeFaceList_Delete": "LargeFaceLists.delete",
    "LargeFaceList_DeleteFace": "LargeFaceLists.delete_face",
    "LargeFaceList_Get": "LargeFaceLists.get",
    "LargeFaceList_GetFace": "LargeFaceLists.get_face",
    "LargeFaceList_GetTrainingStatus": "LargeFaceLists.get_training_status",
    "LargeFaceList_List": "LargeFaceLists.list",
    "LargeFaceList_ListFaces": "LargeFaceLists.list_faces",
    "LargeFaceList_Train": "LargeFaceLists.train",
    "LargeFaceList_Update": "LargeFaceLists.update",
    "LargeFaceList_UpdateFace": "LargeFaceLists.update_face",
}


class LargeFaceLists(
    PagedContainerOperations[LargeFaceList],
    ListFaceOperations[LargeFaceList],
    TrainingOperations,
):
    """Large face lists for find-similar (LargeFaceList_*)."""

    _collection = "largefacelists"
    _id_parameter = "large_face_list_id"
    _model = LargeFaceList

    def _face_path(self, large_face_list_id: str, persisted_face_id: str) -> list[str]:
        return self._path(
            large_face_list_id,
            "persistedfaces",
            check.uuid_id("persisted_face_id", persisted_face_id),
        )

    def list_faces(
        self,
        large_face_list_id: str,
        *,
        start: str | None = None,
        top: int | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPager[PersistedFace]:
        """The list's faces sorted by persisted face id; iterate with `async for`."""
        path = self._path(large_face_list_id, "persistedfaces")
        start = check.start_cursor(start)
        check.int_range("top", top, 1, 1000)

        async def fetch(
            page_start: str | None, page_top: int | None
        ) -> builtins.list[PersistedFace]:
            return await self._session.call(
                "GET",
                path,
                params={"start": page_start, "top": page_top},
                idempotent=True,
                result=builtins.list[PersistedFace],
                options=options,
            )

        return AsyncPager(fetch, lambda face: face.persisted_face_id, start=start, top=top)

    async def get_face(
        self, large_face_list_id: str, persisted_face_id: str, **options: Unpack[CallOptions]
    ) -> PersistedFace:
        """One face of the list, with its user data."""
        return await self._session.call(
            "GET",
            self._face_path(large_face_list_id, persisted_face_id),
            idempotent=True,
            result=PersistedFace,
            options=options,
        )

    async def update_face(
        self,
        large_face_list_id: str,
        persisted_face_id: str,
        *,
        user_data: str,
        **options: Unpack[CallOptions],
    ) -> None:
        """Replace the face's user data (at most 1 KB; "" clears it)."""
        body = UpdateFaceBody(user_data=check.face_user_data(user_data))
        await self._session.call(
            "PATCH",
            self._face_path(large_face_list_id, persisted_face_id),
            json=body,
            idempotent=True,
            options=options,
        )
