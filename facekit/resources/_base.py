"""What every resource shares: the session, and the add-face call of groups and lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .. import _validation as check
from ..errors import FaceValidationError
from ..images import ImageInput, ProgressCallback, image_request
from ..models import PersistedFace
from ..models.enums import DetectionModel
from ..models.names import DetectionModelName
from ..models.requests import ImageUrlBody, NameAndUserDataBody

if TYPE_CHECKING:
    from ..session import CallOptions, FaceSession


class Resource:
    """A group of operations over one FaceSession."""

    def __init__(self, session: FaceSession) -> None:
        self._session = session

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._session.base_url})"


async def add_face(
    session: FaceSession,
    path: Sequence[str],
    image: ImageInput,
    *,
    user_data: str | None,
    target_face: Any,
    detection_model: DetectionModelName | DetectionModel | None,
    progress: ProgressCallback | None,
    options: CallOptions,
) -> PersistedFace:
    """POST .../persistedfaces from a URL (JSON) or an image stream (octet-stream)."""
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


def name_and_user_data(
    name: str | None, user_data: str | None, *, require_one: bool
) -> NameAndUserDataBody:
    body = NameAndUserDataBody(
        name=check.name("name", name, required=False),
        user_data=check.user_data("user_data", user_data),
    )
    if require_one and body.name is None and body.user_data is None:
        raise FaceValidationError("name/user_data", "give name, user_data or both")
    return body
