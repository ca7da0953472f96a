"""Operations shared by person groups, large person groups, face lists and large face lists.

Each concrete resource module subclasses these with its own path and model, so every REST
operation still has one method, found under its resource's name.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar, Unpack

from .. import _validation as check
from .._versions import LEGACY_VERSIONS
from ..errors import ConflictError, FaceResponseError, NotFoundError
from ..images import ImageInput, ProgressCallback
from ..models import PersistedFace, Person, TrainingStatus
from ..models.enums import DetectionModel, RecognitionModel
from ..models.names import DetectionModelName, RecognitionModelName
from ..models.requests import MetaDataBody, UpdateFaceBody
from ..paging import AsyncPager
from ..polling import PollingPolicy, TrainingPoller, checked_policy, server_time
from ..session import CallOptions
from ._base import Resource, add_face, name_and_user_data

M = TypeVar("M")


class ContainerOperations(Resource, Generic[M]):
    """Create, get, update and delete of one kind of container (group or list)."""

    _collection: ClassVar[str]
    _id_parameter: ClassVar[str]
    _model: ClassVar[type[Any]]

    def _path(self, container_id: str, *rest: str) -> list[str]:
        return [self._collection, check.container_id(self._id_parameter, container_id), *rest]

    async def create(
        self,
        container_id: str,
        *,
        name: str,
        user_data: str | None = None,
        recognition_model: RecognitionModelName | RecognitionModel | None = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Create it with a name, optional user data and a recognition model (fixed for life)."""
        body = MetaDataBody(
            name=check.name("name", name),  # type: ignore[arg-type]
            user_data=check.user_data("user_data", user_data),
            recognition_model=check.model_name("recognition_model", recognition_model),
        )
        # Create is not idempotent: a second PUT answers 409 ...Exists.
        await self._session.call(
            "PUT", self._path(container_id), json=body, idempotent=False, options=options
        )

    async def get(
        self,
        container_id: str,
        *,
        return_recognition_model: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> M:
        """The group or list, with its recognition model if asked for."""
        result: M = await self._session.call(
            "GET",
            self._path(container_id),
            params={
                "returnRecognitionModel": check.flag(
                    "return_recognition_model", return_recognition_model
                )
            },
            idempotent=True,
            result=self._model,
            options=options,
        )
        return result

    async def update(
        self,
        container_id: str,
        *,
        name: str | None = None,
        user_data: str | None = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Change the name and/or user data."""
        body = name_and_user_data(name, user_data, require_one=True)
        await self._session.call(
            "PATCH", self._path(container_id), json=body, idempotent=True, options=options
        )

    async def delete(self, container_id: str, **options: Unpack[CallOptions]) -> None:
        """Delete it with everything in it."""
        await self._session.call(
            "DELETE", self._path(container_id), idempotent=False, options=options
        )


class PagedContainerOperations(ContainerOperations[M]):
    """Containers whose list pages with start/top."""

    def list(
        self,
        *,
        start: str | None = None,
        top: int | None = None,
        return_recognition_model: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPager[M]:
        """All containers of this kind, sorted by id; iterate with `async for`."""
        start = check.start_cursor(start)
        check.int_range("top", top, 1, 1000)
        with_model = check.flag("return_recognition_model", return_recognition_model)

        async def fetch(page_start: str | None, page_top: int | None) -> builtins.list[M]:
            result: builtins.list[M] = await self._session.call(
                "GET",
                [self._collection],
                params={
                    "start": page_start,
                    "top": page_top,
                    "returnRecognitionModel": with_model,
                },
                idempotent=True,
                result=builtins.list[self._model],  # type: ignore[name-defined]
                options=options,
            )
            return result

        return AsyncPager(fetch, self._key, start=start, top=top)

    def _key(self, item: M) -> str:
        return str(getattr(item, self._id_parameter))


class ListFaceOperations(ContainerOperations[M]):
    """Adding and deleting the faces of a face list or large face list."""

    async def add_face(
        self,
        list_id: str,
        image: ImageInput,
        *,
        user_data: str | None = None,
        target_face: Sequence[int] | None = None,
        detection_model: DetectionModelName | DetectionModel | None = None,
        progress: ProgressCallback | None = None,
        **options: Unpack[CallOptions],
    ) -> PersistedFace:
        """Add one face from an image or a URL."""
        return await add_face(
            self._session,
            self._path(list_id, "persistedfaces"),
            image,
            user_data=user_data,
            target_face=target_face,
            detection_model=detection_model,
            progress=progress,
            options=options,
        )

    async def delete_face(
        self, list_id: str, persisted_face_id: str, **options: Unpack[CallOptions]
    ) -> None:
        """Delete one face of the list."""
        await self._session.call(
            "DELETE",
            self._path(
                list_id, "persistedfaces", check.uuid_id("persisted_face_id", persisted_face_id)
            ),
            idempotent=False,
            options=options,
        )


class TrainingOperations(Resource):
    """Train and training status of person groups, large person groups, large face lists."""

    _collection: ClassVar[str]
    _id_parameter: ClassVar[str]

    def _training_path(self, container_id: str, leaf: str) -> list[str]:
        return [self._collection, check.container_id(self._id_parameter, container_id), leaf]

    async def train(self, container_id: str, **options: Unpack[CallOptions]) -> None:
        """Queue a training (HTTP 202); follow it with `get_training_status` or `begin_train`."""
        await self._session.call(
            "POST", self._training_path(container_id, "train"), idempotent=False, options=options
        )

    async def begin_train(
        self,
        container_id: str,
        *,
        polling: PollingPolicy | None = None,
        **options: Unpack[CallOptions],
    ) -> TrainingPoller:
        """Queue a training and return a poller; `await poller` gives the final status.

        Since v1.1 the poller follows the 202's operation-Location; on v1.0 and v1.0-preview
        it polls the training status. If a training is already running (409
        ...TrainingNotFinished), the poller follows it.
        """
        checked_policy(polling)
        path = self._training_path(container_id, "train")
        previous = await self._last_training(container_id, options)
        try:
            response = await self._session.send(
                "POST",
                self._session.url_for(path, method="POST"),
                idempotent=False,
                options=options,
            )
            queued_at = server_time(response)
            location = response.headers.get("operation-Location")
        except ConflictError as error:
            if not (error.code or "").endswith("TrainingNotFinished"):
                raise
            queued_at, location = None, None
        if self._session.config.api_version in LEGACY_VERSIONS:
            location = None
        try:
            return TrainingPoller(
                self._session,
                self._collection,
                container_id,
                queued_at=queued_at,
                previous=previous,
                location=location or None,
                policy=polling,
            )
        except FaceResponseError as error:
            raise FaceResponseError(
                f"the training of {container_id} was queued, but {error} (follow it with "
                "get_training_status, or begin_train again)"
            ) from None

    async def _last_training(
        self, container_id: str, options: CallOptions
    ) -> TrainingStatus | None:
        """The status before a new train request, to recognise it when it shows up stale."""
        try:
            return await self.get_training_status(container_id, **options)
        except NotFoundError as error:
            if error.code and error.code.endswith("NotTrained"):
                return None
            raise

    async def get_training_status(
        self, container_id: str, **options: Unpack[CallOptions]
    ) -> TrainingStatus:
        """The status of the latest training (404 ...NotTrained if never trained)."""
        return await self._session.call(
            "GET",
            self._training_path(container_id, "training"),
            idempotent=True,
            result=TrainingStatus,
            options=options,
        )


class PersonOperations(Resource):
    """Persons of a person group or large person group, and their faces."""

    _collection: ClassVar[str]
    _id_parameter: ClassVar[str]

    def _path(self, group_id: str, *rest: str) -> list[str]:
        return [
            self._collection,
            check.container_id(self._id_parameter, group_id),
            "persons",
            *rest,
        ]

    def _person_path(self, group_id: str, person_id: str, *rest: str) -> list[str]:
        return self._path(group_id, check.uuid_id("person_id", person_id), *rest)

    def _face_path(self, group_id: str, person_id: str, persisted_face_id: str) -> list[str]:
        return self._person_path(
            group_id,
            person_id,
            "persistedfaces",
            check.uuid_id("persisted_face_id", persisted_face_id),
        )

    async def create(
        self,
        group_id: str,
        *,
        name: str | None = None,
        user_data: str | None = None,
        **options: Unpack[CallOptions],
    ) -> Person:
        """Create a person; the result carries only the new `person_id`."""
        body = name_and_user_data(name, user_data, require_one=False)
        return await self._session.call(
            "POST",
            self._path(group_id),
            json=body,
            idempotent=False,
            result=Person,
            options=options,
        )

    def list(
        self,
        group_id: str,
        *,
        start: str | None = None,
        top: int | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPager[Person]:
        """The group's persons sorted by person id; iterate with `async for`."""
        path = self._path(group_id)
        start = check.start_cursor(start)
        check.int_range("top", top, 1, 1000)

        async def fetch(page_start: str | None, page_top: int | None) -> builtins.list[Person]:
            return await self._session.call(
                "GET",
                path,
                params={"start": page_start, "top": page_top},
                idempotent=True,
                result=builtins.list[Person],
                options=options,
            )

        return AsyncPager(fetch, lambda person: person.person_id, start=start, top=top)

    async def get(self, group_id: str, person_id: str, **options: Unpack[CallOptions]) -> Person:
        """The person: name, user data and persisted face ids."""
        return await self._session.call(
            "GET",
            self._person_path(group_id, person_id),
            idempotent=True,
            result=Person,
            options=options,
        )

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
        body = name_and_user_data(name, user_data, require_one=True)
        await self._session.call(
            "PATCH",
            self._person_path(group_id, person_id),
            json=body,
            idempotent=True,
            options=options,
        )

    async def delete(self, group_id: str, person_id: str, **options: Unpack[CallOptions]) -> None:
        """Delete the person and all of its faces."""
        await self._session.call(
            "DELETE", self._person_path(group_id, person_id), idempotent=False, options=options
        )

    async def add_face(
        self,
        group_id: str,
        person_id: str,
        image: ImageInput,
        *,
        user_data: str | None = None,
        target_face: Sequence[int] | None = None,
        detection_model: DetectionModelName | DetectionModel | None = None,
        progress: ProgressCallback | None = None,
        **options: Unpack[CallOptions],
    ) -> PersistedFace:
        """Add one face (at most 248 per person) from an image or a URL."""
        return await add_face(
            self._session,
            self._person_path(group_id, person_id, "persistedfaces"),
            image,
            user_data=user_data,
            target_face=target_face,
            detection_model=detection_model,
            progress=progress,
            options=options,
        )

    async def get_face(
        self,
        group_id: str,
        person_id: str,
        persisted_face_id: str,
        **options: Unpack[CallOptions],
    ) -> PersistedFace:
        """One face of the person, with its user data."""
        return await self._session.call(
            "GET",
            self._face_path(group_id, person_id, persisted_face_id),
            idempotent=True,
            result=PersistedFace,
            options=options,
        )

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
        body = UpdateFaceBody(user_data=check.face_user_data(user_data))
        await self._session.call(
            "PATCH",
            self._face_path(group_id, person_id, persisted_face_id),
            json=body,
            idempotent=True,
            options=options,
        )

    async def delete_face(
        self,
        group_id: str,
        person_id: str,
        persisted_face_id: str,
        **options: Unpack[CallOptions],
    ) -> None:
        """Delete one face of the person."""
        await self._session.call(
            "DELETE",
            self._face_path(group_id, person_id, persisted_face_id),
            idempotent=False,
            options=options,
        )


__all__ = [
    "ContainerOperations",
    "ListFaceOperations",
    "PagedContainerOperations",
    "PersistedFace",
    "PersonOperations",
    "TrainingOperations",
]
