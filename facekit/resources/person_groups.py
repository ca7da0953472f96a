"""PersonGroup and PersonGroup Person operations (/persongroups)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..models import PersonGroup
from ..session import FaceSession
from ._containers import PagedContainerOperations, PersonOperations, TrainingOperations

__all__ = ["PersonGroupPersons", "PersonGroups"]

#: Every operation of this resource in the REST API (v1.0 operationIds) and the method
#: that sends it; the bodies live in _containers.py, shared with large person groups.
OPERATIONS: Final[Mapping[str, str]] = {
    "PersonGroup_Create": "PersonGroups.create",
    "PersonGroup_Delete": "PersonGroups.delete",
    "PersonGroup_Get": "PersonGroups.get",
    "PersonGroup_GetTrainingStatus": "PersonGroups.get_training_status",
    "PersonGroup_List": "PersonGroups.list",
    "PersonGroup_Train": "PersonGroups.train",
    "PersonGroup_Update": "PersonGroups.update",
    "PersonGroupPerson_AddFaceFromStream": "PersonGroupPersons.add_face",
    "PersonGroupPerson_AddFaceFromUrl": "PersonGroupPersons.add_face",
    "PersonGroupPerson_Create": "PersonGroupPersons.create",
    "PersonGroupPerson_Delete": "PersonGroupPersons.delete",
    "PersonGroupPerson_DeleteFace": "PersonGroupPersons.delete_face",
    "PersonGroupPerson_Get": "PersonGroupPersons.get",
    "PersonGroupPerson_GetFace": "PersonGroupPersons.get_face",
    "PersonGroupPerson_List": "PersonGroupPersons.list",
    "PersonGroupPerson_Update": "PersonGroupPersons.update",
    "PersonGroupPerson_UpdateFace": "PersonGroupPersons.update_face",
}


class PersonGroupPersons(PersonOperations):
    """Persons of a person group and their faces (PersonGroupPerson_*)."""

    _collection = "persongroups"
    _id_parameter = "person_group_id"


class PersonGroups(PagedContainerOperations[PersonGroup], TrainingOperations):
    """Person groups: up to 10,000 persons (S0), trained before identify (PersonGroup_*)."""

    _collection = "persongroups"
    _id_parameter = "person_group_id"
    _model = PersonGroup

    def __init__(self, session: FaceSession) -> None:
        super().__init__(session)
        self.persons = PersonGroupPersons(session)
