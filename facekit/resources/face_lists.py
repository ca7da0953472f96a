"""FaceList operations (/facelists): up to 1,000 faces, no training needed."""

from __future__ import annotations

import builtins
from typing import Unpack

from .. import _validation as check
from ..models import FaceList
from ..session import CallOptions
from ._containers import ListFaceOperations

__all__ = ["FaceLists"]


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
