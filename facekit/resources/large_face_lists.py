"""LargeFaceList operations (/largefacelists): up to 1,000,000 faces, trained.

One method per REST operation, marked with its operationId; the requests are built by the
helpers of `_shared`, which face lists and groups share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

from ..images import ImageInput, ProgressCallback
from ..models import LargeFaceList, PersistedFace, TrainingStatus
from ..paging import AsyncPager
from ..polling import PollingPolicy, TrainingPoller
from ..session import CallOptions
from . import _shared as shared
from ._base import Resource, operation

__all__ = ["LargeFaceLists"]

LARGE_FACE_LISTS = shared.Container("largefacelists", "large_face_list_id", LargeFaceList)


class LargeFaceLists(Resource):
    """Large face lists for find-similar, trained before use (LargeFaceList_*)."""

    @operation("LargeFaceList_Create")
    async def create(
        self,
        container_id: str,
        *,
        name: str,
        user_data: str | None = None,
        recognition_model: str | None = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Create an empty large face list; its recognition model is fixed for life."""
        await shared.create(
            self._session,
            LARGE_FACE_LISTS,
            container_id,
            name=name,
            user_data=user_data,
            recognition_model=recognition_model,
            options=options,
        )

    @operation("LargeFaceList_Get")
    async def get(
        self,
        container_id: str,
        *,
        return_recognition_model: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> LargeFaceList:
        """The large face list's name, user data and (if asked) recognition model."""
        return await shared.get(
            self._session,
            LARGE_FACE_LISTS,
            container_id,
            return_recognition_model=return_recognition_model,
            options=options,
        )

    @operation("LargeFaceList_List")
    def list(
        self,
        *,
        start: str | None = None,
        top: int | None = None,
        return_recognition_model: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPager[LargeFaceList]:
        """All large face lists sorted by id, after `start`; iterate with `async for`."""
        return shared.list_paged(
            self._session,
            LARGE_FACE_LISTS,
            start=start,
            top=top,
            return_recognition_model=return_recognition_model,
            options=options,
        )

    @operation("LargeFaceList_Update")
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
            self._session,
            LARGE_FACE_LISTS,
            container_id,
            name=name,
            user_data=user_data,
            options=options,
        )

    @operation("LargeFaceList_Delete")
    async def delete(self, container_id: str, **options: Unpack[CallOptions]) -> None:
        """Delete the large face list with its faces."""
        await shared.delete(self._session, LARGE_FACE_LISTS, container_id, options)

    @operation("LargeFaceList_Train")
    async def train(self, container_id: str, **options: Unpack[CallOptions]) -> None:
        """Queue a training (HTTP 202); follow it with `get_training_status`."""
        await shared.train(self._session, LARGE_FACE_LISTS, container_id, options)

    async def begin_train(
        self,
        container_id: str,
        *,
        polling: PollingPolicy | None = None,
        **options: Unpack[CallOptions],
    ) -> TrainingPoller:
        """Queue a training and return a poller; `await poller` gives the final status.

        If a training is already running (409 ...TrainingNotFinished), the poller follows it.
        """
        return await shared.begin_train(
            self._session, LARGE_FACE_LISTS, container_id, polling=polling, options=options
        )

    @operation("LargeFaceList_GetTrainingStatus")
    async def get_training_status(
        self, container_id: str, **options: Unpack[CallOptions]
    ) -> TrainingStatus:
        """The status of the latest training (404 ...NotTrained if never trained)."""
        return await shared.get_training_status(
            self._session, LARGE_FACE_LISTS, container_id, options
        )

    @operation("LargeFaceList_AddFaceFromUrl", "LargeFaceList_AddFaceFromStream")
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
        """Add one face from an image or a URL (train the list before find-similar sees it)."""
        return await shared.add_face(
            self._session,
            LARGE_FACE_LISTS,
            (list_id,),
            image,
            user_data=user_data,
            target_face=target_face,
            detection_model=detection_model,
            progress=progress,
            options=options,
        )

    @operation("LargeFaceList_ListFaces")
    def list_faces(
        self,
        large_face_list_id: str,
        *,
        start: str | None = None,
        top: int | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPager[PersistedFace]:
        """The list's faces sorted by persisted face id; iterate with `async for`."""
        return shared.list_faces(
            self._session,
            LARGE_FACE_LISTS,
            (large_face_list_id,),
            start=start,
            top=top,
            options=options,
        )

    @operation("LargeFaceList_GetFace")
    async def get_face(
        self, large_face_list_id: str, persisted_face_id: str, **options: Unpack[CallOptions]
    ) -> PersistedFace:
        """One face of the list: its id and user data."""
        return await shared.get_face(
            self._session, LARGE_FACE_LISTS, (large_face_list_id,), persisted_face_id, options
        )

    @operation("LargeFaceList_UpdateFace")
    async def update_face(
        self,
        large_face_list_id: str,
        persisted_face_id: str,
        *,
        user_data: str,
        **options: Unpack[CallOptions],
    ) -> None:
        """Replace the face's user data (at most 1 KB; "" clears it)."""
        await shared.update_face(
            self._session,
            LARGE_FACE_LISTS,
            (large_face_list_id,),
            persisted_face_id,
            user_data=user_data,
            options=options,
        )

    @operation("LargeFaceList_DeleteFace")
    async def delete_face(
        self, list_id: str, persisted_face_id: str, **options: Unpack[CallOptions]
    ) -> None:
        """Delete one face of the list."""
        await shared.delete_face(
            self._session, LARGE_FACE_LISTS, (list_id,), persisted_face_id, options
        )
