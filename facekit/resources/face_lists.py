"""FaceList operations (/facelists): up to 1,000 faces, no training needed."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Unpack

from .. import _validation as check
from ..images import ImageInput, ProgressCallback
from ..models import FaceList, PersistedFace
from ..session import CallOptions
from ._base import add_face
from ._containers import ContainerOperations

__all__ = ["FaceLists"]


class FaceLists(ContainerOperations[FaceList]):
    """Face lists for find-similar (FaceList_*)."""

    _collection = "facelists"
    _id_parameter = "face_list_id"
    _model = FaceList

    async def list(
        self,
        *,
        return_recognition_model: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> builtins.list[FaceList]:
        """Every face list (this operation has no paging)."""
        return await self._session.call(
            "GET",
            [self._collection],
            params={"returnRecognitionModel": return_recognition_model},
            idempotent=True,
            result=builtins.list[FaceList],
            options=options,
        )

    async def add_face(
        self,
        face_list_id: str,
        image: ImageInput,
        *,
        user_data: str | None = None,
        target_face: Sequence[int] | None = None,
        detection_model: str | None = None,
        progress: ProgressCallback | None = None,
        **options: Unpack[CallOptions],
    ) -> PersistedFace:
        """Add one face from an image or a URL."""
        return await add_face(
            self._session,
            self._path(face_list_id, "persistedfaces"),
            image,
            user_data=user_data,
            target_face=target_face,
            detection_model=detection_model,
            progress=progress,
            options=options,
        )

    async def delete_face(
        self, face_list_id: str, persisted_face_id: str, **options: Unpack[CallOptions]
    ) -> None:
        await self._session.call(
            "DELETE",
            self._path(
                face_list_id,
                "persistedfaces",
                check.uuid_id("persisted_face_id", persisted_face_id),
            ),
            idempotent=False,
            options=options,
        )
