"""Face lists, person groups, persons, persisted faces and training status."""

from __future__ import annotations

from datetime import datetime

import attrs

from .enums import RecognitionModel, TrainingStatusType

__all__ = [
    "FaceList",
    "LargeFaceList",
    "LargePersonGroup",
    "PersistedFace",
    "Person",
    "PersonGroup",
    "TrainingStatus",
]


@attrs.frozen(kw_only=True)
class PersistedFace:
    """A face stored in a list or on a person; its id never expires."""

    persisted_face_id: str
    user_data: str | None = None


@attrs.frozen(kw_only=True)
class FaceList:
    """A face list, with its persisted faces."""

    face_list_id: str
    name: str
    user_data: str | None = None
    recognition_model: RecognitionModel | None = None
    persisted_faces: list[PersistedFace] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class LargeFaceList:
    """A large face list (its faces are listed with `list_faces`)."""

    large_face_list_id: str
    name: str
    user_data: str | None = None
    recognition_model: RecognitionModel | None = None


@attrs.frozen(kw_only=True)
class PersonGroup:
    """A person group (its persons are under `person_groups.persons`)."""

    person_group_id: str
    name: str
    user_data: str | None = None
    recognition_model: RecognitionModel | None = None


@attrs.frozen(kw_only=True)
class LargePersonGroup:
    """A large person group (its persons are under `large_person_groups.persons`)."""

    large_person_group_id: str
    name: str
    user_data: str | None = None
    recognition_model: RecognitionModel | None = None


@attrs.frozen(kw_only=True)
class Person:
    """A person of a (large) person group; create returns only `person_id`."""

    person_id: str
    name: str | None = None
    user_data: str | None = None
    persisted_face_ids: list[str] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class TrainingStatus:
    """Training state of a person group, large person group or large face list."""

    status: TrainingStatusType
    created_date_time: datetime
    last_action_date_time: datetime | None = None
    last_successful_training_date_time: datetime | None = None
    message: str | None = None
