"""Each resource file lists its operations: one method per operationId of the v1.0 swagger.

A reader finds any REST operation by its resource's file and the operation's name; this
checks that the marks on the methods (`@operation("PersonGroup_Create")`) say so truly.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from facekit.resources import (
    FaceLists,
    FaceOperations,
    LargeFaceLists,
    LargePersonGroupPersons,
    LargePersonGroups,
    PersonGroupPersons,
    PersonGroups,
    Snapshots,
)
from facekit.resources._base import operation, operation_of

from .spec import operations

#: The swagger's operationId prefix -> the class that must list those operations itself.
RESOURCES: dict[str, type[Any]] = {
    "Face": FaceOperations,
    "FaceList": FaceLists,
    "LargeFaceList": LargeFaceLists,
    "PersonGroup": PersonGroups,
    "PersonGroupPerson": PersonGroupPersons,
    "LargePersonGroup": LargePersonGroups,
    "LargePersonGroupPerson": LargePersonGroupPersons,
    "Snapshot": Snapshots,
}
#: The module each class lives in: "a reader opening person_groups.py sees them".
MODULES = {
    FaceOperations: "facekit.resources.face",
    FaceLists: "facekit.resources.face_lists",
    LargeFaceLists: "facekit.resources.large_face_lists",
    PersonGroups: "facekit.resources.person_groups",
    PersonGroupPersons: "facekit.resources.person_groups",
    LargePersonGroups: "facekit.resources.large_person_groups",
    LargePersonGroupPersons: "facekit.resources.large_person_groups",
    Snapshots: "facekit.resources.snapshots",
}
#: Methods that are no REST operation of their own: they follow one to its end.
CONVENIENCES = {"begin_train", "begin_take", "begin_apply", "resume"}

SPEC_IDS = {op["operation_id"] for op in operations()}


def public_methods(cls: type[Any]) -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(value)
    }


def marked() -> dict[str, tuple[type[Any], str]]:
    """operationId -> (class, method name), failing on an id marked twice."""
    found: dict[str, tuple[type[Any], str]] = {}
    for cls in MODULES:
        for name, method in public_methods(cls).items():
            record = operation_of(method)
            for operation_id in record.ids if record else ():
                assert operation_id not in found, f"{operation_id} marked twice"
                found[operation_id] = (cls, name)
    return found


def test_every_operation_of_the_swagger_is_marked_on_exactly_one_method() -> None:
    found = marked()
    assert len(SPEC_IDS) == 69
    assert set(found) == SPEC_IDS


@pytest.mark.parametrize("operation_id", sorted(SPEC_IDS))
def test_the_operation_is_a_method_of_its_resource_in_the_resource_file(
    operation_id: str,
) -> None:
    cls, name = marked()[operation_id]
    prefix = operation_id.split("_", 1)[0]
    assert cls is RESOURCES[prefix]
    method = vars(cls)[name]  # defined in the class itself, not inherited
    assert method.__module__ == MODULES[cls]
    assert inspect.getdoc(method)


@pytest.mark.parametrize("cls", list(MODULES), ids=lambda cls: cls.__name__)
def test_every_public_method_is_an_operation_or_a_named_convenience(cls: type[Any]) -> None:
    for name, method in public_methods(cls).items():
        assert operation_of(method) is not None or name in CONVENIENCES, name
        assert inspect.getdoc(method), f"{cls.__name__}.{name} has no docstring"
        assert method.__module__ == MODULES[cls]


def test_url_and_stream_overloads_share_one_method_and_nothing_else_does() -> None:
    for cls in MODULES:
        for method in public_methods(cls).values():
            record = operation_of(method)
            if record is not None and len(record.ids) > 1:
                stems = {i.removesuffix("FromUrl").removesuffix("FromStream") for i in record.ids}
                stems = {i.removesuffix("WithUrl").removesuffix("WithStream") for i in stems}
                assert len(stems) == 1, record.ids
                assert len(record.ids) == 2, record.ids


def test_a_mark_needs_an_operation_id_and_leaves_the_method_itself() -> None:
    def method() -> None:
        """A method."""

    assert operation("X_Get")(method) is method
    assert operation_of(method) is not None
    with pytest.raises(ValueError, match="operationId"):
        operation()
