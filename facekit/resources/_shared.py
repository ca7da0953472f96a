"""The work behind the operations of groups and lists, shared by their resource files.

Person groups and large person groups, face lists and large face lists, take the same
requests under different paths. Each resource file lists its operations as thin methods;
the requests themselves, with their checks in the order the service would meet them, are
built once here, from a `Container` that says where one kind of group or list lives.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from .. import _validation as check
from ..errors import ConflictError, FaceValidationError, NotFoundError
from ..images import ImageInput, ProgressCallback, image_request
from ..models import PersistedFace, Person, TrainingStatus
from ..models.requests import ImageUrlBody, MetaDataBody, NameAndUserDataBody, UpdateFaceBody
from ..paging import AsyncPager
from ..polling import PollingPolicy, TrainingPoller, checked_policy, server_time

if TYPE_CHECKING:
    from ..session import CallOptions, FaceSession

M = TypeVar("M")
T = TypeVar("T")


@attrs.frozen
class Container(Generic[M]):
    """Where one kind of group or list lives: its collection, its id's name, its model."""

    collection: str
    id_parameter: str
    model: type[M]

    def path(self, container_id: str, *rest: str) -> list[str]:
        """The path of one container (checked id), with `rest` appended."""
        return [self.collection, check.container_id(self.id_parameter, container_id), *rest]

    def person_path(self, group_id: str, person_id: str, *rest: str) -> list[str]:
        """The path of one person of a group (ids checked), with `rest` appended."""
        return self.path(group_id, "persons", check.uuid_id("person_id", person_id), *rest)

    def faces_path(self, owner: tuple[str, ...], *rest: str) -> list[str]:
        """The faces of a list (owner `(list_id,)`) or of a person (`(group_id, person_id)`)."""
        if len(owner) == 1:
            return self.path(owner[0], "persistedfaces", *rest)
        group_id, person_id = owner
        return self.person_path(group_id, person_id, "persistedfaces", *rest)

    def face_path(self, owner: tuple[str, ...], persisted_face_id: str) -> list[str]:
        """The path of one face of the owner (ids checked, the face's first)."""
        return self.faces_path(owner, check.uuid_id("persisted_face_id", persisted_face_id))

    def key(self, item: M) -> str:
        """The id of a listed container: the paging cursor."""
        return str(getattr(item, self.id_parameter))


# -- groups and lists ----------------------------------------------------------------------


async def create(
    session: FaceSession,
    kind: Container[Any],
    container_id: str,
    *,
    name: str,
    user_data: str | None,
    recognition_model: str | None,
    options: CallOptions,
) -> None:
    """PUT a new container with its name, user data and recognition model."""
    body = MetaDataBody(
        name=check.name("name", name),  # type: ignore[arg-type]
        user_data=check.user_data("user_data", user_data),
        recognition_model=check.model_name("recognition_model", recognition_model),
    )
    # Create is not idempotent: a second PUT answers 409 ...Exists.
    await session.call("PUT", kind.path(container_id), json=body, idempotent=False, options=options)


async def get(
    session: FaceSession,
    kind: Container[M],
    container_id: str,
    *,
    return_recognition_model: bool | None,
    options: CallOptions,
) -> M:
    """GET one container as its model."""
    result: M = await session.call(
        "GET",
        kind.path(container_id),
        params={
            "returnRecognitionModel": check.flag(
                "return_recognition_model", return_recognition_model
            )
        },
        idempotent=True,
        result=kind.model,
        options=options,
    )
    return result


async def update(
    session: FaceSession,
    kind: Container[Any],
    container_id: str,
    *,
    name: str | None,
    user_data: str | None,
    options: CallOptions,
) -> None:
    """PATCH a container's name and/or user data (at least one of them)."""
    body = name_and_user_data(name, user_data, require_one=True)
    await session.call(
        "PATCH", kind.path(container_id), json=body, idempotent=True, options=options
    )


async def delete(
    session: FaceSession, kind: Container[Any], container_id: str, options: CallOptions
) -> None:
    """DELETE a container with everything in it."""
    await session.call("DELETE", kind.path(container_id), idempotent=False, options=options)


def list_paged(
    session: FaceSession,
    kind: Container[M],
    *,
    start: str | None,
    top: int | None,
    return_recognition_model: bool | None,
    options: CallOptions,
) -> AsyncPager[M]:
    """A pager over the containers of one kind, sorted by id."""
    start, top = page_bounds(start, top)
    with_model = check.flag("return_recognition_model", return_recognition_model)
    return pager(
        session,
        [kind.collection],
        builtins.list[kind.model],  # type: ignore[name-defined]
        kind.key,
        start=start,
        top=top,
        params={"returnRecognitionModel": with_model},
        options=options,
    )


# -- training ------------------------------------------------------------------------------


async def train(
    session: FaceSession, kind: Container[Any], container_id: str, options: CallOptions
) -> None:
    """POST .../train: queue a training (HTTP 202)."""
    await session.call("POST", kind.path(container_id, "train"), idempotent=False, options=options)


async def begin_train(
    session: FaceSession,
    kind: Container[Any],
    container_id: str,
    *,
    polling: PollingPolicy | None,
    options: CallOptions,
) -> TrainingPoller:
    """Queue a training and return a poller that follows it.

    If a training is already running (409 ...TrainingNotFinished), the poller follows it.
    """
    checked_policy(polling)
    path = kind.path(container_id, "train")
    previous = await _last_training(session, kind, container_id, options)
    try:
        response = await session.send(
            "POST", session.url_for(path), idempotent=False, options=options
        )
        queued_at = server_time(response)
    except ConflictError as error:
        if not (error.code or "").endswith("TrainingNotFinished"):
            raise
        queued_at = None
    return TrainingPoller(
        session,
        kind.collection,
        container_id,
        queued_at=queued_at,
        previous=previous,
        policy=polling,
    )


async def _last_training(
    session: FaceSession, kind: Container[Any], container_id: str, options: CallOptions
) -> TrainingStatus | None:
    """The status before a new train request, to recognise it when it shows up stale."""
    try:
        return await get_training_status(session, kind, container_id, options)
    except NotFoundError as error:
        if error.code and error.code.endswith("NotTrained"):
            return None
        raise


async def get_training_status(
    session: FaceSession, kind: Container[Any], container_id: str, options: CallOptions
) -> TrainingStatus:
    """GET .../training: the status of the latest training."""
    return await session.call(
        "GET",
        kind.path(container_id, "training"),
        idempotent=True,
        result=TrainingStatus,
        options=options,
    )


# -- persons of a group --------------------------------------------------------------------


async def create_person(
    session: FaceSession,
    kind: Container[Any],
    group_id: str,
    *,
    name: str | None,
    user_data: str | None,
    options: CallOptions,
) -> Person:
    """POST .../persons: a new person (the result carries only its id)."""
    body = name_and_user_data(name, user_data, require_one=False)
    return await session.call(
        "POST",
        kind.path(group_id, "persons"),
        json=body,
        idempotent=False,
        result=Person,
        options=options,
    )


def list_persons(
    session: FaceSession,
    kind: Container[Any],
    group_id: str,
    *,
    start: str | None,
    top: int | None,
    options: CallOptions,
) -> AsyncPager[Person]:
    """A pager over a group's persons, sorted by person id."""
    path = kind.path(group_id, "persons")
    start, top = page_bounds(start, top)
    return pager(
        session,
        path,
        builtins.list[Person],
        lambda person: person.person_id,
        start=start,
        top=top,
        options=options,
    )


async def get_person(
    session: FaceSession, kind: Container[Any], group_id: str, person_id: str, options: CallOptions
) -> Person:
    """GET one person."""
    return await session.call(
        "GET",
        kind.person_path(group_id, person_id),
        idempotent=True,
        result=Person,
        options=options,
    )


async def update_person(
    session: FaceSession,
    kind: Container[Any],
    group_id: str,
    person_id: str,
    *,
    name: str | None,
    user_data: str | None,
    options: CallOptions,
) -> None:
    """PATCH a person's name and/or user data (at least one of them)."""
    body = name_and_user_data(name, user_data, require_one=True)
    await session.call(
        "PATCH",
        kind.person_path(group_id, person_id),
        json=body,
        idempotent=True,
        options=options,
    )


async def delete_person(
    session: FaceSession, kind: Container[Any], group_id: str, person_id: str, options: CallOptions
) -> None:
    """DELETE a person with all of its faces."""
    await session.call(
        "DELETE", kind.person_path(group_id, person_id), idempotent=False, options=options
    )


# -- faces (of a list, or of a person of a group) -----------------------------------------
#
# `owner` names whose faces: (list_id,) for a face list, (group_id, person_id) for a person.


async def add_face(
    session: FaceSession,
    kind: Container[Any],
    owner: tuple[str, ...],
    image: ImageInput,
    *,
    user_data: str | None,
    target_face: Any,
    detection_model: str | None,
    progress: ProgressCallback | None,
    options: CallOptions,
) -> PersistedFace:
    """POST .../persistedfaces from a URL (JSON) or an image stream (octet-stream)."""
    path = kind.faces_path(owner)
    params = {
        "userData": check.face_user_data(user_data),
        "targetFace": check.target_face(target_face),
        "detectionModel": check.model_name("detection_model", detection_model),
    }
    url, upload = image_request(image, progress)
    # Adding a face is not idempotent: a blind retry after an ambiguous failure can add it twice.
    return await session.call(
        "POST",
        path,
        params=params,
        json=ImageUrlBody(url=url) if url is not None else None,
        upload=upload,
        idempotent=False,
        result=PersistedFace,
        options=options,
    )


def list_faces(
    session: FaceSession,
    kind: Container[Any],
    owner: tuple[str, ...],
    *,
    start: str | None,
    top: int | None,
    options: CallOptions,
) -> AsyncPager[PersistedFace]:
    """A pager over the owner's faces, sorted by persisted face id."""
    path = kind.faces_path(owner)
    start, top = page_bounds(start, top)
    return pager(
        session,
        path,
        builtins.list[PersistedFace],
        lambda face: face.persisted_face_id,
        start=start,
        top=top,
        options=options,
    )


async def get_face(
    session: FaceSession,
    kind: Container[Any],
    owner: tuple[str, ...],
    persisted_face_id: str,
    options: CallOptions,
) -> PersistedFace:
    """GET one persisted face."""
    return await session.call(
        "GET",
        kind.face_path(owner, persisted_face_id),
        idempotent=True,
        result=PersistedFace,
        options=options,
    )


async def update_face(
    session: FaceSession,
    kind: Container[Any],
    owner: tuple[str, ...],
    persisted_face_id: str,
    *,
    user_data: str,
    options: CallOptions,
) -> None:
    """PATCH a face's user data (at most 1 KB; "" clears it)."""
    body = UpdateFaceBody(user_data=check.face_user_data(user_data))
    await session.call(
        "PATCH",
        kind.face_path(owner, persisted_face_id),
        json=body,
        idempotent=True,
        options=options,
    )


async def delete_face(
    session: FaceSession,
    kind: Container[Any],
    owner: tuple[str, ...],
    persisted_face_id: str,
    options: CallOptions,
) -> None:
    """DELETE one persisted face."""
    await session.call(
        "DELETE", kind.face_path(owner, persisted_face_id), idempotent=False, options=options
    )


# -- checks and paging ---------------------------------------------------------------------


def name_and_user_data(
    name: str | None, user_data: str | None, *, require_one: bool
) -> NameAndUserDataBody:
    """The body of an update (or of a person's create), checked."""
    body = NameAndUserDataBody(
        name=check.name("name", name, required=False),
        user_data=check.user_data("user_data", user_data),
    )
    if require_one and body.name is None and body.user_data is None:
        raise FaceValidationError("name/user_data", "give name, user_data or both")
    return body


def page_bounds(start: str | None, top: int | None) -> tuple[str | None, int | None]:
    """The `start` cursor and `top` page size of a list call, checked."""
    if start is not None and (not isinstance(start, str) or len(start) > 64):
        raise FaceValidationError("start", "must be a string of at most 64 characters")
    check.int_range("top", top, 1, 1000)
    return start, top


def pager(
    session: FaceSession,
    path: Sequence[str],
    page_type: Any,
    key: Callable[[T], str],
    *,
    start: str | None,
    top: int | None,
    params: dict[str, Any] | None = None,
    options: CallOptions,
) -> AsyncPager[T]:
    """An AsyncPager whose pages are GETs of `path` with start/top (and `params`)."""

    async def fetch(page_start: str | None, page_top: int | None) -> builtins.list[T]:
        page: builtins.list[T] = await session.call(
            "GET",
            path,
            params={"start": page_start, "top": page_top, **(params or {})},
            idempotent=True,
            result=page_type,
            options=options,
        )
        return page

    return AsyncPager(fetch, key, start=start, top=top)
