"""Microsoft's specs and examples of the newer versions (tests/fixtures/<version>), read once.

tests/spec.py reads v1.0 for the older tests; this reads v1.2, v1.2-preview.1 and
v1.3-preview.1 alike: every operation with its method, path, parameters (references
followed), what it consumes, its success response and its example file, if it has one.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Set
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@functools.cache
def spec(version: str) -> dict[str, Any]:
    """The version's swagger document."""
    loaded: dict[str, Any] = json.loads((FIXTURES / version / "Face.json").read_text())
    return loaded


def examples_folder(version: str) -> Path:
    """Where the version's example files are."""
    return FIXTURES / version / "examples"


#: v1.0-preview's references into Common/Parameters.json: the image URL (a JSON body) and
#: the image stream (an octet-stream body).
_COMMON = {
    "ImageUrl": {"name": "ImageUrl", "in": "body"},
    "ImageStream": {"name": "Image", "in": "body"},
}


def _resolve(document: dict[str, Any], param: dict[str, Any]) -> dict[str, Any]:
    ref = param.get("$ref")
    if ref is None:
        return param
    name = ref.rsplit("/", 1)[-1]
    if ref.startswith("#/parameters/"):
        return dict(document["parameters"][name])
    return dict(_COMMON[name])


@functools.cache
def operations(version: str) -> tuple[dict[str, Any], ...]:
    """Every operation of the version's spec, in the spec's order."""
    document = spec(version)
    found = []
    for section in ("paths", "x-ms-paths"):
        for raw_path, methods in document.get(section, {}).items():
            for method, operation in methods.items():
                refs = [e["$ref"] for e in operation.get("x-ms-examples", {}).values()]
                found.append(
                    {
                        "operation_id": operation["operationId"],
                        "method": method.upper(),
                        # "?_overload=..." only tells overloads of one route apart in swagger.
                        "path": raw_path.split("?", 1)[0],
                        "params": [_resolve(document, p) for p in operation.get("parameters", [])],
                        "consumes": operation.get("consumes", ["application/json"]),
                        "responses": operation["responses"],
                        "example": Path(refs[0]).name if refs else None,
                    }
                )
    return tuple(found)


def example(version: str, name: str) -> dict[str, Any] | None:
    """An example file's content, or None when the spec names a file that is not there."""
    path = examples_folder(version) / name
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def schema(version: str, ref_or_schema: dict[str, Any] | None) -> dict[str, Any]:
    """A schema with its $ref followed (within the version's definitions)."""
    current = ref_or_schema
    definitions = spec(version)["definitions"]
    while current is not None and "$ref" in current:
        current = definitions[current["$ref"].rsplit("/", 1)[-1]]
    return current or {}


def example_cases(versions: Iterable[str], *, elsewhere: Set[str]) -> list[Any]:
    """pytest params (version, operation) of every operation with an example file.

    Operations whose id is in `elsewhere` are left out: other tests replay their examples
    (the caller says which, and checks that they do). Operations whose example the spec names
    but the fixtures lack are left out too.
    """
    found = []
    for version in versions:
        for op in operations(version):
            if op["operation_id"] in elsewhere or example(version, op["example"] or "") is None:
                continue
            found.append(pytest.param(version, op, id=f"{version}-{op['operation_id']}"))
    return found
