"""LargePersonGroup and LargePersonGroup Person operations (/largepersongroups)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..models import LargePersonGroup
from ..session import FaceSession
from ._containers import PagedContainerOperations, PersonOperations, TrainingOperations

__all__ = ["LargePersonGroupPersons", "LargePersonGroups"]

#: Every operation of this resource in the REST API (v1.0 operationIds) and the method
#: that sends it; the bodies live in _containers.py, shared with person groups.
OPERATIONS: Final[Mapping[str, str]] = {
    "LargePersonGroup_Create": "LargePersonGroups.create",
    "LargePersonGroup_Delete": "LargePersonGroups.delete",
    "LargePersonGroup_Get": "LargePersonGroups.get",
    "LargePersonGroup_GetTrainingStatus": "LargePersonGroups.get_training_status",
    "LargePersonGroup_List": "LargePersonGroups.list",
    "LargePersonGroup_Train": "LargePersonGroups.train",
    "LargePersonGroup_Update": "LargePersonGroups.update",
    "LargePersonGroupPerson_AddFaceFromStream": "LargePersonGroupPersons.add_face",
    "LargePersonGroupPerson_AddFaceFromUrl": "LargePersonGroupPersons.add_face",
    "LargePersonGroupPerson_Create": "LargePersonGroupPersons.create",
    "LargePersonGroupPerson_Delete": "LargePersonGroupPersons.delete",
    "LargePersonGroupPerson_DeleteFace": "LargePersonGroupPersons.delete_face",
    "LargePersonGroupPerson_Get": "LargePersonGroupPersons.get",
    "LargePersonGroupPerson_GetFace": "LargePersonGroupPersons.get_face",
    "LargePersonGroupPerson_List": "LargePersonGroupPersons.list",
    "LargePersonGroupPerson_Update": "LargePersonGroupPersons.update",
    "LargePersonGroupPerson_UpdateFace": "LargePersonGroupPersons.update_face",
}


class LargePersonGroupPersons(PersonOperations):
    """Persons of a large person group and their faces (LargePersonGroupPerson_*)."""

    _collection = "largepersongroups"
    _id_parameter = "large_person_group_id"


class LargePersonGroups(PagedContainerOperations[LargePersonGroup], TrainingOperations):
    """Large person groups: up to 1,000,000 persons (LargePersonGroup_*)."""

    _collection = "largepersongroups"
    _id_parameter = "large_person_group_id"
    _model = LargePersonGroup

    def __init__(self, session: FaceSession) -> None:
        super().__init__(session)
        self.persons = LargePersonGroupPersons(session)
