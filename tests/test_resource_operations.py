"""Each resource file lists its operations: the OPERATIONS table of every resource module.

A reader finds any REST operation by its resource's file and the operation's name: each
module's table maps the v1.0 operationIds of its resource to the method that sends them.
This checks that the tables are complete, in the right files, and name real, documented
methods of their resource's classes.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest

from .spec import operations

#: The swagger's operationId prefix -> the module that must list those operations.
MODULES = {
    "Face": "facekit.resources.face",
    "FaceList": "facekit.resources.face_lists",
    "LargeFaceList": "facekit.resources.large_face_lists",
    "PersonGroup": "facekit.resources.person_groups",
    "PersonGroupPerson": "facekit.resources.person_groups",
    "LargePersonGroup": "facekit.resources.large_person_groups",
    "LargePersonGroupPerson": "facekit.resources.large_person_groups",
    "Snapshot": "facekit.resources.snapshots",
}
SPEC_IDS = {op["operation_id"] for op in operations()}


def tables() -> dict[str, dict[str, str]]:
    """module name -> its OPERATIONS table."""
    return {name: dict(importlib.import_module(name).OPERATIONS) for name in set(MODULES.values())}


def resolve(module: str, target: str) -> Any:
    owner, _, method = target.partition(".")
    cls = getattr(importlib.import_module(module), owner)
    return cls, getattr(cls, method)


def test_every_operation_of_the_swagger_is_in_exactly_one_table() -> None:
    seen: dict[str, str] = {}
    for module, table in tables().items():
        for operation_id in table:
            assert operation_id not in seen, f"{operation_id} in {seen[operation_id]} and {module}"
            seen[operation_id] = module
    assert len(SPEC_IDS) == 69
    assert set(seen) == SPEC_IDS


@pytest.mark.parametrize("operation_id", sorted(SPEC_IDS))
def test_an_operation_is_listed_in_its_resources_own_file(operation_id: str) -> None:
    module = MODULES[operation_id.split("_", 1)[0]]
    assert operation_id in tables()[module]


@pytest.mark.parametrize(
    ("module", "operation_id", "target"),
    [(m, op, t) for m, table in sorted(tables().items()) for op, t in sorted(table.items())],
)
def test_a_listed_method_exists_is_public_and_documented(
    module: str, operation_id: str, target: str
) -> None:
    cls, method = resolve(module, target)
    assert cls.__module__ == module, f"{target} is not a class of {module}"
    assert inspect.iscoroutinefunction(method) or callable(method)
    assert not target.rpartition(".")[2].startswith("_")
    assert inspect.getdoc(method), f"{target} ({operation_id}) has no docstring"


def test_every_public_method_of_a_resource_is_an_operation_or_follows_one() -> None:
    # begin_* start an operation and follow it to its end; resume rebuilds such a poller.
    conveniences = {"begin_train", "begin_take", "begin_apply", "resume"}
    for module, table in tables().items():
        listed: dict[str, set[str]] = {}
        for target in table.values():
            owner, _, method = target.partition(".")
            listed.setdefault(owner, set()).add(method)
        for owner, methods in listed.items():
            cls = getattr(importlib.import_module(module), owner)
            public = {
                name
                for name, value in inspect.getmembers(cls, callable)
                if not name.startswith("_") and inspect.isfunction(value)
            }
            assert public - methods <= conveniences, (module, owner, public - methods)


def test_a_table_naming_a_missing_method_is_caught() -> None:
    with pytest.raises(AttributeError):
        resolve("facekit.resources.person_groups", "PersonGroups.creat")


# -- the PersonDirectory (v1.0-preview, v1.1-preview.1 and v1.2-preview.1 operationIds) ---------

DIRECTORY_MODULE = "facekit.resources.person_directory"


def directory_spec_ids() -> set[str]:
    """The PersonDirectory's operationIds in the three specs that have it."""
    from .directory_spec import operations as operations_of

    ids: set[str] = set()
    for version in ("v1.0-preview", "v1.1-preview.1", "v1.2-preview.1"):
        found = operations_of(version)
        ids |= {i for i in found if i.startswith("PersonDirectory")}
        ids |= {"GetOperationResult"} & set(found)
    return ids


def test_the_directory_table_lists_every_directory_operation_of_the_specs_and_no_other() -> None:
    table = dict(importlib.import_module(DIRECTORY_MODULE).OPERATIONS)
    assert set(table) == directory_spec_ids()
    assert len(table) == 39
    assert not set(table) & set().union(*tables().values())


@pytest.mark.parametrize(
    ("operation_id", "target"),
    sorted(importlib.import_module(DIRECTORY_MODULE).OPERATIONS.items()),
)
def test_a_listed_directory_method_exists_is_public_and_documented(
    operation_id: str, target: str
) -> None:
    cls, method = resolve(DIRECTORY_MODULE, target)
    assert cls.__module__ == DIRECTORY_MODULE
    assert inspect.iscoroutinefunction(method) or callable(method)
    assert not target.rpartition(".")[2].startswith("_")
    assert inspect.getdoc(method), f"{target} ({operation_id}) has no docstring"


def test_every_public_method_of_the_directory_is_an_operation_or_resumes_one() -> None:
    table = importlib.import_module(DIRECTORY_MODULE).OPERATIONS
    listed = {target.partition(".")[2] for target in table.values()}
    cls = importlib.import_module(DIRECTORY_MODULE).PersonDirectory
    public = {
        name
        for name, value in inspect.getmembers(cls, callable)
        if not name.startswith("_") and inspect.isfunction(value)
    }
    assert public - listed == {"resume"}


# -- resources of the later versions: liveness sessions (v1.1-preview.1 to v1.3-preview.1) ----


def liveness_ids() -> set[str]:
    """Every liveness operationId any version's spec has (the route table is made from them)."""
    from facekit._routes import ROUTES

    return {
        operation_id
        for routes in ROUTES.values()
        for _, _, ids in routes
        for operation_id in ids
        if operation_id.startswith("LivenessSessionOperations_")
        or operation_id == "FaceDetectionOperations_DetectFromSessionImageId"
    }


def test_the_liveness_table_lists_every_liveness_operation_of_every_version() -> None:
    table = dict(importlib.import_module("facekit.resources.liveness").OPERATIONS)
    assert len(liveness_ids()) == 16
    assert set(table) == liveness_ids()
    listed = set()
    for operation_id, target in table.items():
        cls, method = resolve("facekit.resources.liveness", target)
        assert cls.__module__ == "facekit.resources.liveness"
        assert inspect.getdoc(method), f"{target} ({operation_id}) has no docstring"
        listed.add(target.partition(".")[2])
    from facekit.resources.liveness import Liveness

    public = {
        name
        for name, value in inspect.getmembers(Liveness, callable)
        if not name.startswith("_") and inspect.isfunction(value)
    }
    assert public == listed
