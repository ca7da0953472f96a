"""Request bodies. Fields left at None are not sent, so the service applies its defaults."""

from __future__ import annotations

import attrs

__all__ = [
    "ApplySnapshotBody",
    "FindSimilarBody",
    "GroupBody",
    "IdentifyBody",
    "ImageUrlBody",
    "MetaDataBody",
    "NameAndUserDataBody",
    "TakeSnapshotBody",
    "UpdateFaceBody",
    "UpdateSnapshotBody",
    "VerifyFaceToFaceBody",
    "VerifyFaceToPersonBody",
]


@attrs.frozen(kw_only=True)
class ImageUrlBody:
    url: str


@attrs.frozen(kw_only=True)
class FindSimilarBody:
    face_id: str
    face_list_id: str | None = None
    large_face_list_id: str | None = None
    face_ids: list[str] | None = None
    max_num_of_candidates_returned: int | None = None
    mode: str | None = None


@attrs.frozen(kw_only=True)
class GroupBody:
    face_ids: list[str]


@attrs.frozen(kw_only=True)
class IdentifyBody:
    face_ids: list[str]
    person_group_id: str | None = None
    large_person_group_id: str | None = None
    max_num_of_candidates_returned: int | None = None
    confidence_threshold: float | None = None


@attrs.frozen(kw_only=True)
class VerifyFaceToFaceBody:
    face_id1: str
    face_id2: str


@attrs.frozen(kw_only=True)
class VerifyFaceToPersonBody:
    face_id: str
    person_id: str
    person_group_id: str | None = None
    large_person_group_id: str | None = None


@attrs.frozen(kw_only=True)
class MetaDataBody:
    name: str
    user_data: str | None = None
    recognition_model: str | None = None


@attrs.frozen(kw_only=True)
class NameAndUserDataBody:
    name: str | None = None
    user_data: str | None = None


@attrs.frozen(kw_only=True)
class UpdateFaceBody:
    user_data: str | None = None


@attrs.frozen(kw_only=True)
class TakeSnapshotBody:
    type: str
    object_id: str
    apply_scope: list[str]
    user_data: str | None = None


@attrs.frozen(kw_only=True)
class UpdateSnapshotBody:
    apply_scope: list[str] | None = None
    user_data: str | None = None


@attrs.frozen(kw_only=True)
class ApplySnapshotBody:
    object_id: str
    mode: str | None = None
