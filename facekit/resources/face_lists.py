"""FaceList operations (/facelists): up to 1,000 faces, no training needed."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Final, Unpack

from .. import _validation as check
from ..models import FaceList
from ..session import CallOptions
from ._containers import ListFaceOperations

__all__ = ["FaceLists"]

#: Every operation of this resource in the REST API (v1.0 operationIds) and the method
#: that sends it; the bodies live in _containers.py, shared with large face lists.
OPERATIONS: Final[Mapping[str, str]] = {
    "FaceList_AddFaceFromStream": "FaceLists.add_face",
    "FaceList_AddFaceFromUrl": "FaceLists.add_face",
    "FaceList_Create": "FaceLists.create",
    "FaceList_Delete": "FaceLists.delete",
    "FaceList_DeleteFace": "FaceLists.delete_face",
    "FaceList_Get": "FaceLists.get",
    "FaceList_List": "FaceLists.list",
    "FaceList_Update": "FaceLists.update",
}


class FaceLists(ListFaceOperations[FaceList]):
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
            params={
                "returnRecognitionModel": check.flag(
                    "return_recognition_model", return_recognition_model
                )
            },
            idempotent=True,
            result=builtins.list[FaceList],
            options=options,
        )
