"""PersonGroup and PersonGroup Person operations (/persongroups).

One method per REST operation, marked with its operationId; the requests are built by the
helpers of `_shared`, which large person groups share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

from ..images import ImageInput, ProgressCallback
from ..models import PersistedFace, Person, PersonGroup, TrainingStatus
from ..paging import AsyncPager
from ..polling import PollingPolicy, TrainingPoller
from ..session import CallOptions, FaceSession
from . import _shared as shared
from ._base import Resource, operation

__all__ = ["PersonGroupPersons", "PersonGroups"]

PERSON_GROUPS = shared.Container("persongroups", "person_group_id", PersonGroup)


class PersonGroups(Resource):
    """Person groups: up to 10,000 persons (S0), trained before identify (PersonGroup_*).

    Their persons and faces are under `persons`.
    """

    def __init__(self, session: FaceSession) -> None:
        super().__init__(session)
        self.persons = PersonGroupPersons(session)

    @operation("PersonGroup_Create")
    async def create(
        self,
        container_id: str,
        *,
        name: str,
        user_data: str | None = None,
        recognition_model: str | None = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Create an empty person group; its recognition model is fixed for life."""
        await shared.create(
            self._session,
            PERSON_GROUPS,
            container_id,
            name=name,
            user_data=user_data,
            recognition_model=recognition_model,
            options=options,
        )

    @operation("PersonGroup_Get")
    async def get(
        self,
        container_id: str,
        *,
        return_recognition_model: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> PersonGroup:
        """The person group's name, user data and (if asked) recognition model."""
        return await shared.get(
            self._session,
            PERSON_GROUPS,
            container_id,
            return_recognition_model=return_recognition_model,
            options=options,
        )

    @operation("PersonGroup_List")
    def list(
        self,
        *,
        start: str | None = None,
        top: int | None = None,
        return_recognition_model: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPager[PersonGroup]:
        """All person groups sorted by id, after `start`; iterate with `async for`."""
        return shared.list_paged(
            self._session,
            PERSON_GROUPS,
            start=start,
            top=top,
            return_recognition_model=return_recognition_model,
            options=options,
        )

    @operation("PersonGroup_Update")
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
            PERSON_GROUPS,
            container_id,
            name=name,
            user_data=user_data,
            options=options,
        )

    @operation("PersonGroup_Delete")
    async def delete(self, container_id: str, **options: Unpack[CallOptions]) -> None:
        """Delete the person group with its persons and their faces."""
        await shared.delete(self._session, PERSON_GROUPS, container_id, options)

    @operation("PersonGroup_Train")
    async def train(self, container_id: str, **options: Unpack[CallOptions]) -> None:
        """Queue a training (HTTP 202); follow it with `get_training_status`."""
        await shared.train(self._session, PERSON_GROUPS, container_id, options)

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
            self._session, PERSON_GROUPS, container_id, polling=polling, options=options
        )

    @operation("PersonGroup_GetTrainingStatus")
    async def get_training_status(
        self, container_id: str, **options: Unpack[CallOptions]
    ) -> TrainingStatus:
        """The status of the latest training (404 ...NotTrained if never trained)."""
        return await shared.get_training_status(self._session, PERSON_GROUPS, container_id, options)


class PersonGroupPersons(Resource):
    """Persons of a person group and their faces (PersonGroupPerson_*)."""

    @operation("PersonGroupPerson_Create")
    async def create(
        self,
        group_id: str,
        *,
        name: str | None = None,
        user_data: str | None = None,
        **options: Unpack[CallOptions],
    ) -> Person:
        """Create a person; the result carries only the new `person_id`."""
        return await shared.create_person(
            self._session, PERSON_GROUPS, group_id, name=name, user_data=user_data, options=options
        )

    @operation("PersonGroupPerson_List")
    def list(
        self,
        group_id: str,
        *,
        start: str | None = None,
        top: int | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPager[Person]:
        """The group's persons sorted by person id; iterate with `async for`."""
        return shared.list_persons(
            self._session, PERSON_GROUPS, group_id, start=start, top=top, options=options
        )

    @operation("PersonGroupPerson_Get")
    async def get(self, group_id: str, person_id: str, **options: Unpack[CallOptions]) -> Person:
        """The person's name, user data and persisted face ids."""
        return await shared.get_person(self._session, PERSON_GROUPS, group_id, person_id, options)

    @operation("PersonGroupPerson_Update")
    async def update(
        self,
        group_id: str,
        person_id: str,
        *,
        name: str | None = None,
        user_data: str | None = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Change the person's name and/or user data."""
        await shared.update_person(
            self._session,
            PERSON_GROUPS,
            group_id,
            person_id,
            name=name,
            user_data=user_data,
            options=options,
        )

    @operation("PersonGroupPerson_Delete")
    async def delete(self, group_id: str, person_id: str, **options: Unpack[CallOptions]) -> None:
        """Delete the person and all of its faces."""
        await shared.delete_person(self._session, PERSON_GROUPS, group_id, person_id, options)

    @operation("PersonGroupPerson_AddFaceFromUrl", "PersonGroupPerson_AddFaceFromStream")
    async def add_face(
        self,
        group_id: str,
        person_id: str,
        image: ImageInput,
        *,
        user_data: str | None = None,
        target_face: Sequence[int] | None = None,
        detection_model: str | None = None,
        progress: ProgressCallback | None = None,
        **options: Unpack[CallOptions],
    ) -> PersistedFace:
        """Add one face (at most 248 per person) from an image or a URL."""
        return await shared.add_face(
            self._session,
            PERSON_GROUPS,
            (group_id, person_id),
            image,
            user_data=user_data,
            target_face=target_face,
            detection_model=detection_model,
            progress=progress,
            options=options,
        )

    @operation("PersonGroupPerson_GetFace")
    async def get_face(
        self,
        group_id: str,
        person_id: str,
        persisted_face_id: str,
        **options: Unpack[CallOptions],
    ) -> PersistedFace:
        """One of the person's faces: its id and user data."""
        return await shared.get_face(
            self._session, PERSON_GROUPS, (group_id, person_id), persisted_face_id, options
        )

    @operation("PersonGroupPerson_UpdateFace")
    async def update_face(
        self,
        group_id: str,
        person_id: str,
        persisted_face_id: str,
        *,
        user_data: str,
        **options: Unpack[CallOptions],
    ) -> None:
        """Replace the face's user data (at most 1 KB; "" clears it)."""
        await shared.update_face(
            self._session,
            PERSON_GROUPS,
            (group_id, person_id),
            persisted_face_id,
            user_data=user_data,
            options=options,
        )

    @operation("PersonGroupPerson_DeleteFace")
    async def delete_face(
        self,
        group_id: str,
        person_id: str,
        persisted_face_id: str,
        **options: Unpack[CallOptions],
    ) -> None:
        """Delete one of the person's faces."""
        await shared.delete_face(
            self._session, PERSON_GROUPS, (group_id, person_id), persisted_face_id, options
        )
