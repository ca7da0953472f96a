"""PersonGroup and PersonGroup Person operations (/persongroups)."""

from __future__ import annotations

from ..models import PersonGroup
from ..session import FaceSession
from ._containers import PagedContainerOperations, PersonOperations, TrainingOperations

__all__ = ["PersonGroupPersons", "PersonGroups"]


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
