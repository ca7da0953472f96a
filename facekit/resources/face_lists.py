"""FaceList operations (/facelists): up to 1,000 faces, no training needed.

One method per REST operation, marked with its operationId; the requests are built by the
helpers of `_shared`, which large face lists share.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Unpack

from .. import _validation as check
from ..images import ImageInput, ProgressCallback
from ..models import FaceList, PersistedFace
from ..session import CallOptions
from . import _shared as shared
from ._base import Resource, operation

__all__ = ["FaceLists"]

FACE_LISTS = shared.Container("facelists", "face_list_id", FaceList)


class FaceLists(Resource):
    """Face lists for find-similar (FaceList_*)."""

    @operation("FaceList_Create")
    async def create(
        self,
        container_id: str,
        *,
        name: str,
        user_data: str | None = None,
        recognition_model: str | None = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Create an empty face list; its recognition model is fixed for life."""
        await shared.create(
            self._session,
            FACE_LISTS,
            container_id,
            name=name,
            user_data=user_data,
            recognition_model=recognition_model,
            options=options,
        )

    @operation("FaceList_Get")
    async def get(
        self,
        container_id: str,
        *,
        return_recognition_model: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> FaceList:
        """The face list with its faces, and (if asked) its recognition model."""
        return await shared.get(
            self._session,
            FACE_LISTS,
            container_id,
            return_recognition_model=return_recognition_model,
            options=options,
        )

    @operation("FaceList_List")
    async def list(
        self,
        *,
        return_recognition_model: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> builtins.list[FaceList]:
        """Every face list (this operation has no paging)."""
        return await self._session.call(
            "GET",
            [FACE_LISTS.collection],
            params={
                "returnRecognitionModel": check.flag(
                    "return_recognition_model", return_recognition_model
                )
            },
            idempotent=True,
            result=builtins.list[FaceList],
            options=options,
        )

    @operation("FaceList_Update")
    async def update(
        self,
        container_id: str,
        *,
        name: str | None = None,
        user_data: str | None = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Change the name and/or user data."""
        await shared.update(
            self._session, FACE_LISTS, container_id, name=name, user_data=user_data, options=options
        )

    @operation("FaceList_Delete")
    async def delete(self, container_id: str, **options: Unpack[CallOptions]) -> None:
        """Delete the face list with its faces."""
        await shared.delete(self._session, FACE_LISTS, container_id, options)

    @operation("FaceList_AddFaceFromUrl", "FaceList_AddFaceFromStream")
    async def add_face(
        self,
        list_id: str,
        image: ImageInput,
        *,
        user_data: str | None = None,
        target_face: Sequence[int] | None = None,
        detection_model: str | None = None,
        progress: ProgressCallback | None = None,
        **options: Unpack[CallOptions],
    ) -> PersistedFace:
        """Add one face (at most 1,000 per list) from an image or a URL."""
        return await shared.add_face(
            self._session,
            FACE_LISTS,
            (list_id,),
            image,
            user_data=user_data,
            target_face=target_face,
            detection_model=detection_model,
            progress=progress,
            options=options,
        )

    @operation("FaceList_DeleteFace")
    async def delete_face(
        self, list_id: str, persisted_face_id: str, **options: Unpack[CallOptions]
    ) -> None:
        """Delete one face of the list."""
        await shared.delete_face(self._session, FACE_LISTS, (list_id,), persisted_face_id, options)
