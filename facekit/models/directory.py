"""The PersonDirectory: persons, their faces per recognition model, dynamic person groups.

Persons are enrolled once for the whole resource; each holds faces under each recognition
model it was given faces for. A dynamic person group is a named view over some of those
persons (no training). Writes are long-running operations followed at Operation-Location,
whose status is an `OperationResult`.
"""

from __future__ import annotations

import attrs

from .enums import RecognitionModel
from .snapshots import OperationStatus

__all__ = [
    "AddedDirectoryFace",
    "CreatedDirectoryPerson",
    "DirectoryFace",
    "DirectoryFaces",
    "DirectoryPerson",
    "DynamicPersonGroup",
    "DynamicPersonGroupMembers",
    "DynamicPersonGroupReferences",
    "OperationResult",
]


@attrs.frozen(kw_only=True)
class DirectoryPerson:
    """A person of the PersonDirectory: its id, name and user data."""

    person_id: str
    name: str | None = None
    user_data: str | None = None


@attrs.frozen(kw_only=True)
class CreatedDirectoryPerson:
    """What the service answers when it accepts a person's creation (202)."""

    person_id: str


@attrs.frozen(kw_only=True)
class DirectoryFace:
    """A face of a directory person under one recognition model, with its user data."""

    persisted_face_id: str
    user_data: str | None = None


@attrs.frozen(kw_only=True)
class AddedDirectoryFace:
    """What the service answers when it accepts a face (202); v1.0-preview adds nulls."""

    persisted_face_id: str
    recognition_model: RecognitionModel | None = None
    user_data: str | None = None


@attrs.frozen(kw_only=True)
class DirectoryFaces:
    """The persisted face ids a directory person holds under one recognition model."""

    person_id: str
    persisted_face_ids: list[str] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class DynamicPersonGroup:
    """A dynamic person group: a named view over directory persons."""

    dynamic_person_group_id: str
    name: str | None = None
    user_data: str | None = None


@attrs.frozen(kw_only=True)
class DynamicPersonGroupMembers:
    """One page of the person ids a dynamic person group references."""

    person_ids: list[str] = attrs.field(factory=list)

    @property
    def ids(self) -> list[str]:
        """The page's ids (its person ids)."""
        return self.person_ids


@attrs.frozen(kw_only=True)
class DynamicPersonGroupReferences:
    """One page of the dynamic person groups that reference a person."""

    dynamic_person_group_ids: list[str] = attrs.field(factory=list)
    #: v1.0-preview repeats the person id; later versions leave it out.
    person_id: str | None = None

    @property
    def ids(self) -> list[str]:
        """The page's ids (its dynamic person group ids)."""
        return self.dynamic_person_group_ids


@attrs.frozen(kw_only=True)
class OperationResult(OperationStatus):
    """Status of a long-running operation at /operations/{id}.

    v1.1 and later name the operation (`operation_id`) and drop `resource_location`;
    v1.0-preview sends the latter and no id. Statuses: notStarted, running, succeeded,
    failed.
    """

    operation_id: str | None = None
