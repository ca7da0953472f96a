"""Request bodies. Fields left at None are not sent, so the service applies its defaults."""

from __future__ import annotations

import attrs

__all__ = [
    "ApplySnapshotBody",
    "DynamicPersonGroupBody",
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
    """The body of detect and add-face with an image URL."""

    url: str


@attrs.frozen(kw_only=True)
class FindSimilarBody:
    """The body of Face_FindSimilar."""

    face_id: str
    face_list_id: str | None = None
    large_face_list_id: str | None = None
    face_ids: list[str] | None = None
    max_num_of_candidates_returned: int | None = None
    mode: str | None = None


@attrs.frozen(kw_only=True)
class GroupBody:
    """The body of Face_Group."""

    face_ids: list[str]


@attrs.frozen(kw_only=True)
class IdentifyBody:
    """The body of Face_Identify."""

    face_ids: list[str]
    person_group_id: str | None = None
    large_person_group_id: str | None = None
    max_num_of_candidates_returned: int | None = None
    confidence_threshold: float | None = None
    dynamic_person_group_id: str | None = None
    person_ids: list[str] | None = None


@attrs.frozen(kw_only=True)
class VerifyFaceToFaceBody:
    """The body of Face_VerifyFaceToFace."""

    face_id1: str
    face_id2: str


@attrs.frozen(kw_only=True)
class VerifyFaceToPersonBody:
    """The body of Face_VerifyFaceToPerson."""

    face_id: str
    person_id: str
    person_group_id: str | None = None
    large_person_group_id: str | None = None


@attrs.frozen(kw_only=True)
class MetaDataBody:
    """The body of a group's or list's create."""

    name: str
    user_data: str | None = None
    recognition_model: str | None = None


@attrs.frozen(kw_only=True)
class NameAndUserDataBody:
    """The body of a group's, list's or person's update, and of a person's create."""

    name: str | None = None
    user_data: str | None = None


@attrs.frozen(kw_only=True)
class UpdateFaceBody:
    """The body of a persisted face's update."""

    user_data: str | None = None


@attrs.frozen(kw_only=True)
class TakeSnapshotBody:
    """The body of Snapshot_Take."""

    type: str
    object_id: str
    apply_scope: list[str]
    user_data: str | None = None


@attrs.frozen(kw_only=True)
class UpdateSnapshotBody:
    """The body of Snapshot_Update."""

    apply_scope: list[str] | None = None
    user_data: str | None = None


@attrs.frozen(kw_only=True)
class ApplySnapshotBody:
    """The body of Snapshot_Apply."""

    object_id: str
    mode: str | None = None


@attrs.frozen(kw_only=True)
class DynamicPersonGroupBody:
    """The body of a dynamic person group's create or update (PersonDirectory)."""

    name: str | None = None
    user_data: str | None = None
    add_person_ids: list[str] | None = None
    remove_person_ids: list[str] | None = None
