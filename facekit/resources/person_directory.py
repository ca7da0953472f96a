"""PersonDirectory operations (/persons, /dynamicpersongroups, /operations).

The PersonDirectory holds a resource's persons once, each with faces per recognition model,
and dynamic person groups: named views over some of those persons, with no training. It
exists in v1.0-preview, v1.1-preview.1 and v1.2-preview.1 (identify and verify against it
also in v1.2 and v1.3-preview.1). Its writes are long-running: each `begin_*` method sends
the request and returns a poller (`await poller` waits until the change is in effect).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypeVar, Unpack

from .. import _validation as check
from .._versions import VERSIONS, operation_ids
from ..errors import FaceResponseError, FaceValidationError
from ..images import ImageInput, ProgressCallback, image_request
from ..models.directory import (
    AddedDirectoryFace,
    CreatedDirectoryPerson,
    DirectoryFace,
    DirectoryFaces,
    DirectoryPerson,
    DynamicPersonGroup,
    DynamicPersonGroupMembers,
    DynamicPersonGroupReferences,
    OperationResult,
)
from ..models.enums import DetectionModel, RecognitionModel
from ..models.names import DetectionModelName, RecognitionModelName
from ..models.requests import (
    DynamicPersonGroupBody,
    ImageUrlBody,
    NameAndUserDataBody,
    UpdateFaceBody,
)
from ..paging import AsyncPager
from ..polling import (
    DirectoryOperationPoller,
    FaceAdditionPoller,
    PersonCreationPoller,
    PollingPolicy,
    accepted_operation,
    checked_policy,
    resume,
    server_time,
)
from ..session import CallOptions, RawResponse
from ._base import Resource, name_and_user_data

__all__ = [
    "DIRECTORY_RECOGNITION_VERSIONS",
    "DIRECTORY_VERSIONS",
    "PersonDirectory",
    "check_targets",
    "identify_person_ids",
]

#: Every operation of this resource in the REST API (the operationIds of v1.0-preview, and
#: of v1.1-preview.1 and v1.2-preview.1) and the method that sends it.
OPERATIONS: Final[Mapping[str, str]] = {
    # v1.0-preview
    "PersonDirectory_AddPersonFaceFromStream": "PersonDirectory.begin_add_face",
    "PersonDirectory_AddPersonFaceFromUrl": "PersonDirectory.begin_add_face",
    "PersonDirectory_CreateDynamicPersonGroup": "PersonDirectory.begin_create_dynamic_person_group",
    "PersonDirectory_CreatePerson": "PersonDirectory.begin_create_person",
    "PersonDirectory_DeleteDynamicPersonGroup": "PersonDirectory.begin_delete_dynamic_person_group",
    "PersonDirectory_DeletePerson": "PersonDirectory.begin_delete_person",
    "PersonDirectory_DeletePersonFace": "PersonDirectory.begin_delete_face",
    "PersonDirectory_GetDynamicPersonGroup": "PersonDirectory.get_dynamic_person_group",
    "PersonDirectory_GetPerson": "PersonDirectory.get_person",
    "PersonDirectory_GetPersonFace": "PersonDirectory.get_face",
    "PersonDirectory_GetPersonFaces": "PersonDirectory.list_faces",
    "PersonDirectory_GetPersons": "PersonDirectory.list_persons",
    "PersonDirectory_ListDynamicPersonGroupPersonReferences": (
        "PersonDirectory.list_dynamic_person_group_references"
    ),
    "PersonDirectory_ListDynamicPersonGroupPersons": (
        "PersonDirectory.list_dynamic_person_group_persons"
    ),
    "PersonDirectory_ListDynamicPersonGroups": "PersonDirectory.list_dynamic_person_groups",
    "PersonDirectory_UpdateDynamicPersonGroup": "PersonDirectory.begin_update_dynamic_person_group",
    "PersonDirectory_UpdatePerson": "PersonDirectory.update_person",
    "PersonDirectory_UpdatePersonFace": "PersonDirectory.update_face",
    # v1.1-preview.1 and v1.2-preview.1
    "GetOperationResult": "PersonDirectory.get_operation_status",
    "PersonDirectoryOperations_AddPersonFace": "PersonDirectory.begin_add_face",
    "PersonDirectoryOperations_AddPersonFaceFromUrl": "PersonDirectory.begin_add_face",
    "PersonDirectoryOperations_CreateDynamicPersonGroup": (
        "PersonDirectory.create_dynamic_person_group"
    ),
    "PersonDirectoryOperations_CreateDynamicPersonGroupWithPerson": (
        "PersonDirectory.begin_create_dynamic_person_group"
    ),
    "PersonDirectoryOperations_CreatePerson": "PersonDirectory.begin_create_person",
    "PersonDirectoryOperations_DeleteDynamicPersonGroup": (
        "PersonDirectory.begin_delete_dynamic_person_group"
    ),
    "PersonDirectoryOperations_DeletePerson": "PersonDirectory.begin_delete_person",
    "PersonDirectoryOperations_DeletePersonFace": "PersonDirectory.begin_delete_face",
    "PersonDirectoryOperations_GetDynamicPersonGroup": "PersonDirectory.get_dynamic_person_group",
    "PersonDirectoryOperations_GetDynamicPersonGroupPersons": (
        "PersonDirectory.list_dynamic_person_group_persons"
    ),
    "PersonDirectoryOperations_GetDynamicPersonGroupReferences": (
        "PersonDirectory.list_dynamic_person_group_references"
    ),
    "PersonDirectoryOperations_GetDynamicPersonGroups": (
        "PersonDirectory.list_dynamic_person_groups"
    ),
    "PersonDirectoryOperations_GetPerson": "PersonDirectory.get_person",
    "PersonDirectoryOperations_GetPersonFace": "PersonDirectory.get_face",
    "PersonDirectoryOperations_GetPersonFaces": "PersonDirectory.list_faces",
    "PersonDirectoryOperations_GetPersons": "PersonDirectory.list_persons",
    "PersonDirectoryOperations_UpdateDynamicPersonGroup": (
        "PersonDirectory.update_dynamic_person_group"
    ),
    "PersonDirectoryOperations_UpdateDynamicPersonGroupWithPersonChanges": (
        "PersonDirectory.begin_update_dynamic_person_group"
    ),
    "PersonDirectoryOperations_UpdatePerson": "PersonDirectory.update_person",
    "PersonDirectoryOperations_UpdatePersonFace": "PersonDirectory.update_face",
}

#: The versions with the PersonDirectory's own operations (read from the route table).
DIRECTORY_VERSIONS: Final = tuple(
    v for v in VERSIONS if operation_ids(v, "POST", ["persons"]) is not None
)
#: The versions whose identify and verify reach the PersonDirectory: those with its
#: operations (v1.0-preview's one Face_Identify takes dynamicPersonGroupId and personIds)
#: and those whose identify has a dynamic-person-group form (v1.2 and v1.3-preview.1 too).
DIRECTORY_RECOGNITION_VERSIONS: Final = tuple(
    v
    for v in VERSIONS
    if v in DIRECTORY_VERSIONS
    or any("DynamicPersonGroup" in i for i in operation_ids(v, "POST", ["identify"]) or ())
)
#: personIds of identify: 1..30 ids, or ["*"] for every person of the directory.
MAX_IDENTIFY_PERSONS = 30
ALL_PERSONS = "*"

_Poller = TypeVar("_Poller", bound=DirectoryOperationPoller[Any])
_Item = TypeVar("_Item")


def check_targets(
    version: str,
    *,
    person_group_id: object,
    large_person_group_id: object,
    **directory: object,
) -> None:
    """Exactly one target of identify or verify: a group, or (`directory`) the directory's.

    A directory target in a version without the directory is refused first; there, the
    error about the count of targets names the group targets only.
    """
    given = [name for name, value in directory.items() if value is not None]
    if given and version not in DIRECTORY_RECOGNITION_VERSIONS:
        raise FaceValidationError(
            given[0],
            f"the PersonDirectory is not in Face API {version}; identify and verify reach it "
            f"in {', '.join(DIRECTORY_RECOGNITION_VERSIONS)}",
        )
    targets = {"person_group_id": person_group_id, "large_person_group_id": large_person_group_id}
    if version in DIRECTORY_RECOGNITION_VERSIONS:
        targets.update(directory)
    check.exactly_one(**targets)


def identify_person_ids(value: object) -> list[str]:
    """The personIds of identify: 1..30 person ids, or ["*"] (every directory person)."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        if len(value) == 1 and value[0] == ALL_PERSONS:
            return [ALL_PERSONS]
        if ALL_PERSONS in value:
            raise FaceValidationError("person_ids", '"*" stands alone: ["*"] is every person')
    return check.uuid_list("person_ids", value, min_items=1, max_items=MAX_IDENTIFY_PERSONS)


def _person_id_batch(parameter: str, values: object) -> list[str] | None:
    if values is None:
        return None
    return check.uuid_list(parameter, values, min_items=0, max_items=None)


class PersonDirectory(Resource):
    """The PersonDirectory: persons once, faces per recognition model, dynamic groups.

    Needs an API version that has it (v1.0-preview, v1.1-preview.1, v1.2-preview.1):
    anything else fails before sending, naming those versions.
    """

    # -- paths ---------------------------------------------------------------------------

    def _person_path(self, person_id: str, *rest: str) -> list[str]:
        return ["persons", check.uuid_id("person_id", person_id), *rest]

    def _faces_path(
        self, person_id: str, recognition_model: RecognitionModelName | RecognitionModel, *rest: str
    ) -> list[str]:
        model = check.model_name("recognition_model", recognition_model)
        if model is None:
            raise FaceValidationError("recognition_model", "is required (faces are per model)")
        return self._person_path(person_id, "recognitionModels", model, self._faces_leaf(), *rest)

    def _faces_leaf(self) -> str:
        """v1.0-preview spells the faces segment persistedFaces, later versions persistedfaces."""
        version = self._session.config.api_version
        for leaf in ("persistedfaces", "persistedFaces"):
            path = ["persons", "_", "recognitionModels", "_", leaf]
            if operation_ids(version, "GET", path) is not None:
                return leaf
        raise FaceValidationError(
            "api_version",
            f"the PersonDirectory is not in Face API {version}; it is in "
            f"{', '.join(DIRECTORY_VERSIONS)}",
        )

    @staticmethod
    def _group_path(group_id: str, *rest: str) -> list[str]:
        return [
            "dynamicpersongroups",
            check.container_id("dynamic_person_group_id", group_id),
            *rest,
        ]

    async def _write(
        self,
        method: str,
        path: list[str],
        *,
        options: CallOptions,
        idempotent: bool,
        json: object = None,
        params: Mapping[str, object] | None = None,
        progress: ProgressCallback | None = None,
        image: ImageInput | None = None,
    ) -> RawResponse:
        url, upload = image_request(image, progress) if image is not None else (None, None)
        return await self._session.send(
            method,
            self._session.url_for(path, method=method),
            params=params,
            json=ImageUrlBody(url=url) if url is not None else json,
            upload=upload,
            idempotent=idempotent,
            options=options,
        )

    def _follow(
        self,
        response: RawResponse,
        purpose: str,
        polling: PollingPolicy | None,
        what: str,
        make: Callable[..., _Poller],
        **accepted: Any,
    ) -> _Poller:
        """The poller (`make`, given `accepted`) of a write the service accepted.

        If it cannot be followed, the error names what was accepted.
        """
        try:
            location, resource = accepted_operation(response, purpose)
            if location is None and purpose in ("create_person", "add_face"):
                raise FaceResponseError("it answered with no Operation-Location")
            return make(
                self._session,
                location,
                purpose=purpose,
                resource_location=resource,
                done_at=server_time(response),
                policy=polling,
                **accepted,
            )
        except FaceResponseError as error:
            raise _accepted_but(error, what, response) from None

    def _done(
        self, response: RawResponse, purpose: str, polling: PollingPolicy | None, what: str
    ) -> DirectoryOperationPoller[None]:
        """The poller of a write whose operation has no result (a deletion, a change)."""
        return self._follow(
            response, purpose, polling, what, DirectoryOperationPoller[None], value=None
        )

    # -- persons -------------------------------------------------------------------------

    async def begin_create_person(
        self,
        *,
        name: str,
        user_data: str | None = None,
        polling: PollingPolicy | None = None,
        **options: Unpack[CallOptions],
    ) -> PersonCreationPoller:
        """Create a person; `poller.person_id` at once, `await poller` once it is usable."""
        checked_policy(polling)
        body = NameAndUserDataBody(
            name=check.name("name", name), user_data=check.user_data("user_data", user_data)
        )
        # Not idempotent: a blind resend after an unclear answer creates a second person.
        response = await self._write(
            "POST", ["persons"], json=body, idempotent=False, options=options
        )
        accepted = self._session.parse(response, CreatedDirectoryPerson)
        return self._follow(
            response,
            "create_person",
            polling,
            f"person {accepted.person_id}",
            PersonCreationPoller,
            value=accepted.person_id,
            accepted=accepted,
        )

    async def get_person(self, person_id: str, **options: Unpack[CallOptions]) -> DirectoryPerson:
        """The person: its name and user data."""
        return await self._session.call(
            "GET",
            self._person_path(person_id),
            idempotent=True,
            result=DirectoryPerson,
            options=options,
        )

    def list_persons(
        self,
        *,
        start: str | None = None,
        top: int | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPager[DirectoryPerson]:
        """Every person of the directory, by person id; iterate with `async for`."""
        return self._pager(["persons"], DirectoryPerson, lambda p: p.person_id, start, top, options)

    async def update_person(
        self,
        person_id: str,
        *,
        name: str | None = None,
        user_data: str | None = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Change the person's name and/or user data (in effect at once)."""
        body = name_and_user_data(name, user_data, require_one=True)
        await self._session.call(
            "PATCH", self._person_path(person_id), json=body, idempotent=True, options=options
        )

    async def begin_delete_person(
        self,
        person_id: str,
        *,
        polling: PollingPolicy | None = None,
        **options: Unpack[CallOptions],
    ) -> DirectoryOperationPoller[None]:
        """Delete the person, its faces of every model and its place in every dynamic group."""
        checked_policy(polling)
        response = await self._write(
            "DELETE", self._person_path(person_id), idempotent=False, options=options
        )
        return self._done(response, "delete_person", polling, f"the deletion of {person_id}")

    # -- faces ---------------------------------------------------------------------------

    async def begin_add_face(
        self,
        person_id: str,
        image: ImageInput,
        *,
        recognition_model: RecognitionModelName | RecognitionModel,
        user_data: str | None = None,
        target_face: Sequence[int] | None = None,
        detection_model: DetectionModelName | DetectionModel | None = None,
        progress: ProgressCallback | None = None,
        polling: PollingPolicy | None = None,
        **options: Unpack[CallOptions],
    ) -> FaceAdditionPoller:
        """Add one face (for one recognition model) from an image or a URL.

        `poller.persisted_face_id` at once; `await poller` once the face is used for
        recognition. At most 248 faces per person and model.
        """
        checked_policy(polling)
        path = self._faces_path(person_id, recognition_model)
        params = {
            "userData": check.face_user_data(user_data),
            "targetFace": check.target_face(target_face),
            "detectionModel": check.model_name("detection_model", detection_model),
        }
        # Not idempotent: a blind resend after an unclear answer adds the face twice.
        response = await self._write(
            "POST",
            path,
            params=params,
            image=image,
            progress=progress,
            idempotent=False,
            options=options,
        )
        accepted = self._session.parse(response, AddedDirectoryFace)
        return self._follow(
            response,
            "add_face",
            polling,
            f"face {accepted.persisted_face_id}",
            FaceAdditionPoller,
            value=accepted.persisted_face_id,
            accepted=accepted,
        )

    async def list_faces(
        self,
        person_id: str,
        *,
        recognition_model: RecognitionModelName | RecognitionModel,
        **options: Unpack[CallOptions],
    ) -> DirectoryFaces:
        """The persisted face ids the person holds under one recognition model."""
        return await self._session.call(
            "GET",
            self._faces_path(person_id, recognition_model),
            idempotent=True,
            result=DirectoryFaces,
            options=options,
        )

    async def get_face(
        self,
        person_id: str,
        persisted_face_id: str,
        *,
        recognition_model: RecognitionModelName | RecognitionModel,
        **options: Unpack[CallOptions],
    ) -> DirectoryFace:
        """One face of the person (under one recognition model), with its user data."""
        return await self._session.call(
            "GET",
            self._face_path(person_id, persisted_face_id, recognition_model),
            idempotent=True,
            result=DirectoryFace,
            options=options,
        )

    async def update_face(
        self,
        person_id: str,
        persisted_face_id: str,
        *,
        recognition_model: RecognitionModelName | RecognitionModel,
        user_data: str,
        **options: Unpack[CallOptions],
    ) -> None:
        """Replace the face's user data (at most 1 KB; "" clears it)."""
        body = UpdateFaceBody(user_data=check.face_user_data(user_data))
        await self._session.call(
            "PATCH",
            self._face_path(person_id, persisted_face_id, recognition_model),
            json=body,
            idempotent=True,
            options=options,
        )

    async def begin_delete_face(
        self,
        person_id: str,
        persisted_face_id: str,
        *,
        recognition_model: RecognitionModelName | RecognitionModel,
        polling: PollingPolicy | None = None,
        **options: Unpack[CallOptions],
    ) -> DirectoryOperationPoller[None]:
        """Delete one face of the person; `await poller` once it is gone."""
        checked_policy(polling)
        path = self._face_path(person_id, persisted_face_id, recognition_model)
        response = await self._write("DELETE", path, idempotent=False, options=options)
        return self._done(
            response, "delete_face", polling, f"the deletion of face {persisted_face_id}"
        )

    def _face_path(
        self,
        person_id: str,
        face_id: str,
        recognition_model: RecognitionModelName | RecognitionModel,
    ) -> list[str]:
        face = check.uuid_id("persisted_face_id", face_id)
        return self._faces_path(person_id, recognition_model, face)

    # -- dynamic person groups -------------------------------------------------------------

    async def create_dynamic_person_group(
        self,
        dynamic_person_group_id: str,
        *,
        name: str,
        user_data: str | None = None,
        polling: PollingPolicy | None = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Create an empty dynamic person group; returns once it exists.

        Add persons with `begin_update_dynamic_person_group`, or create it with them at
        once with `begin_create_dynamic_person_group`.
        """
        poller = await self._group_write(
            "PUT",
            dynamic_person_group_id,
            DynamicPersonGroupBody(
                name=check.name("name", name), user_data=check.user_data("user_data", user_data)
            ),
            polling,
            options,
            idempotent=False,
        )
        await poller

    async def begin_create_dynamic_person_group(
        self,
        dynamic_person_group_id: str,
        *,
        name: str,
        add_person_ids: Sequence[str] | None = None,
        user_data: str | None = None,
        polling: PollingPolicy | None = None,
        **options: Unpack[CallOptions],
    ) -> DirectoryOperationPoller[None]:
        """Create a dynamic person group, with persons; `await poller` once they are in it.

        The group exists at once; its persons show once the operation succeeded. Without
        persons the service may apply it at once (HTTP 200): the poller is then done.
        """
        body = DynamicPersonGroupBody(
            name=check.name("name", name),
            user_data=check.user_data("user_data", user_data),
            add_person_ids=(
                check.uuid_list("add_person_ids", add_person_ids, min_items=1, max_items=None)
                if add_person_ids is not None
                else None
            ),
        )
        return await self._group_write(
            "PUT", dynamic_person_group_id, body, polling, options, idempotent=False
        )

    async def get_dynamic_person_group(
        self, dynamic_person_group_id: str, **options: Unpack[CallOptions]
    ) -> DynamicPersonGroup:
        """The group's name and user data."""
        return await self._session.call(
            "GET",
            self._group_path(dynamic_person_group_id),
            idempotent=True,
            result=DynamicPersonGroup,
            options=options,
        )

    def list_dynamic_person_groups(
        self,
        *,
        start: str | None = None,
        top: int | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPager[DynamicPersonGroup]:
        """Every dynamic person group, by id; iterate with `async for`."""
        return self._pager(
            ["dynamicpersongroups"],
            DynamicPersonGroup,
            lambda g: g.dynamic_person_group_id,
            start,
            top,
            options,
        )

    def _pager(
        self,
        path: builtins.list[str],
        model: type[_Item],
        key: Callable[[_Item], str],
        start: str | None,
        top: int | None,
        options: CallOptions,
    ) -> AsyncPager[_Item]:
        """A pager of a listing whose pages are JSON arrays of `model`."""
        start = check.start_cursor(start)
        check.int_range("top", top, 1, 1000)

        async def fetch(page_start: str | None, page_top: int | None) -> builtins.list[_Item]:
            page: builtins.list[_Item] = await self._session.call(
                "GET",
                path,
                params={"start": page_start, "top": page_top},
                idempotent=True,
                result=builtins.list[model],  # type: ignore[valid-type]
                options=options,
            )
            return page

        return AsyncPager(fetch, key, start=start, top=top)

    async def update_dynamic_person_group(
        self,
        dynamic_person_group_id: str,
        *,
        name: str | None = None,
        user_data: str | None = None,
        polling: PollingPolicy | None = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Change the group's name and/or user data; returns once the change is in effect.

        v1.0-preview answers every update with an operation, which this waits for.
        """
        body = name_and_user_data(name, user_data, require_one=True)
        poller = await self._group_write(
            "PATCH",
            dynamic_person_group_id,
            DynamicPersonGroupBody(name=body.name, user_data=body.user_data),
            polling,
            options,
            idempotent=True,
        )
        await poller

    async def begin_update_dynamic_person_group(
        self,
        dynamic_person_group_id: str,
        *,
        add_person_ids: Sequence[str] | None = None,
        remove_person_ids: Sequence[str] | None = None,
        name: str | None = None,
        user_data: str | None = None,
        polling: PollingPolicy | None = None,
        **options: Unpack[CallOptions],
    ) -> DirectoryOperationPoller[None]:
        """Add and/or remove persons; `await poller` once the group's persons show it.

        A name or user data given is changed too.
        """
        body = DynamicPersonGroupBody(
            name=check.name("name", name, required=False),
            user_data=check.user_data("user_data", user_data),
            add_person_ids=_person_id_batch("add_person_ids", add_person_ids),
            remove_person_ids=_person_id_batch("remove_person_ids", remove_person_ids),
        )
        if not (body.add_person_ids or body.remove_person_ids or body.name or body.user_data):
            raise FaceValidationError(
                "add_person_ids/remove_person_ids", "give persons to add or remove (or a name)"
            )
        # Adding a person twice or removing one absent changes nothing: a resend is safe.
        return await self._group_write(
            "PATCH", dynamic_person_group_id, body, polling, options, idempotent=True
        )

    async def begin_delete_dynamic_person_group(
        self,
        dynamic_person_group_id: str,
        *,
        polling: PollingPolicy | None = None,
        **options: Unpack[CallOptions],
    ) -> DirectoryOperationPoller[None]:
        """Delete the group (its persons stay in the directory); `await poller` once gone."""
        checked_policy(polling)
        path = self._group_path(dynamic_person_group_id)
        response = await self._write("DELETE", path, idempotent=False, options=options)
        return self._done(
            response,
            "dynamic_person_group",
            polling,
            f"the deletion of {dynamic_person_group_id}",
        )

    async def _group_write(
        self,
        method: str,
        group_id: str,
        body: DynamicPersonGroupBody,
        polling: PollingPolicy | None,
        options: CallOptions,
        *,
        idempotent: bool,
    ) -> DirectoryOperationPoller[None]:
        checked_policy(polling)
        path = self._group_path(group_id)
        response = await self._write(
            method, path, json=body, idempotent=idempotent, options=options
        )
        return self._done(response, "dynamic_person_group", polling, f"the change of {group_id}")

    def list_dynamic_person_group_persons(
        self,
        dynamic_person_group_id: str,
        *,
        start: str | None = None,
        top: int | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPager[str]:
        """The person ids the group references, in order; iterate with `async for`."""
        path = self._group_path(dynamic_person_group_id, "persons")
        return self._id_pager(path, DynamicPersonGroupMembers, start, top, options)

    def list_dynamic_person_group_references(
        self,
        person_id: str,
        *,
        start: str | None = None,
        top: int | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPager[str]:
        """The ids of the dynamic person groups that reference the person; `async for`."""
        path = self._person_path(person_id, "dynamicPersonGroupReferences")
        return self._id_pager(path, DynamicPersonGroupReferences, start, top, options)

    def _id_pager(
        self,
        path: builtins.list[str],
        page_type: type[DynamicPersonGroupMembers | DynamicPersonGroupReferences],
        start: str | None,
        top: int | None,
        options: CallOptions,
    ) -> AsyncPager[str]:
        """A pager of the ids a page of `page_type` carries."""
        start = check.start_cursor(start)
        check.int_range("top", top, 1, 1000)

        async def fetch(page_start: str | None, page_top: int | None) -> builtins.list[str]:
            page = await self._session.call(
                "GET",
                path,
                params={"start": page_start, "top": page_top},
                idempotent=True,
                result=page_type,
                options=options,
            )
            return page.ids

        return AsyncPager(fetch, str, start=start, top=top)

    # -- operations ----------------------------------------------------------------------

    async def get_operation_status(
        self, operation_id: str, **options: Unpack[CallOptions]
    ) -> OperationResult:
        """The status of one PersonDirectory operation, by id."""
        return await self._session.call(
            "GET",
            ["operations", check.uuid_id("operation_id", operation_id)],
            idempotent=True,
            result=OperationResult,
            options=options,
        )

    def resume(
        self, token: str, *, polling: PollingPolicy | None = None
    ) -> DirectoryOperationPoller[Any]:
        """Rebuild a PersonDirectory poller from its continuation token."""
        poller = resume(self._session, token, polling)
        if not isinstance(poller, DirectoryOperationPoller):
            raise FaceValidationError(
                "token", "the continuation token is not one of a PersonDirectory operation"
            )
        return poller


def _accepted_but(error: FaceResponseError, what: str, response: RawResponse) -> FaceResponseError:
    """The error of a write the service accepted but facekit cannot follow."""
    return FaceResponseError(
        f"the service accepted {what}, but facekit cannot follow it: {error}",
        status=response.status,
        request_id=response.request_id,
    )
