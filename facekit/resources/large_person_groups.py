"""LargePersonGroup and LargePersonGroup Person operations (/largepersongroups)."""

from __future__ import annotations

from ..models import LargePersonGroup
from ..session import FaceSession
from ._containers import PagedContainerOperations, PersonOperations, TrainingOperations

__all__ = ["LargePersonGroupPersons", "LargePersonGroups"]


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
