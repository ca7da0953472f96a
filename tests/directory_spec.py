"""The PersonDirectory examples of every version, each with its operation in its version's spec.

Four sources (tests/fixtures): the 18 PersonDirectory and dynamic person group examples of
v1.0-preview (found through its spec's x-ms-examples), the PersonDirectory examples of
v1.2-preview.1 (with its operation status and the three identify/verify examples that reach
the directory), persondirectory-examples/ (v1.1-preview.1, older revisions of it, v1.2), and
the three identify/verify examples of v1.2 and of v1.3-preview.1 that reach the directory.
An example names its version (`parameters.apiVersion`; v1.0-preview's do not) and its
operation (`operationId`; v1.0-preview's through the spec).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
V10_PREVIEW = FIXTURES / "v1.0-preview"
V12_PREVIEW = FIXTURES / "v1.2-preview.1"
#: The versions whose own examples reach the directory only through identify and verify.
RECOGNITION_ONLY = (FIXTURES / "v1.2", FIXTURES / "v1.3-preview.1")
COLLECTED = FIXTURES / "persondirectory-examples"

#: Older revisions of v1.1-preview.1 named four operations differently; the operation each
#: name became in the published spec.
RENAMED = {
    "PersonDirectoryOperations_ListDynamicPersonGroups": (
        "PersonDirectoryOperations_GetDynamicPersonGroups"
    ),
    "PersonDirectoryOperations_ListPersonFace": "PersonDirectoryOperations_GetPersonFaces",
    "PersonDirectoryOperations_CreateDynamicPersonGroupWithNameAndData": (
        "PersonDirectoryOperations_CreateDynamicPersonGroup"
    ),
    "PersonDirectoryOperations_UpdateDynamicPersonGroupWithNameAndData": (
        "PersonDirectoryOperations_UpdateDynamicPersonGroup"
    ),
}
#: The recognition operations that reach the directory (v1.1-preview.1 and later).
RECOGNITION = (
    "FaceRecognitionOperations_IdentifyFromDynamicPersonGroup",
    "FaceRecognitionOperations_IdentifyFromPersonDirectory",
    "FaceRecognitionOperations_VerifyFromPersonDirectory",
)


@cache
def spec(version: str) -> dict[str, Any]:
    """The swagger spec of a version."""
    loaded: dict[str, Any] = json.loads((FIXTURES / version / "Face.json").read_text())
    return loaded


def resolve(version: str, param: dict[str, Any]) -> dict[str, Any]:
    """A parameter with its $ref followed (into its spec or Common/Parameters.json)."""
    ref = param.get("$ref")
    if ref is None:
        return param
    name = ref.rsplit("/", 1)[-1]
    if ref.startswith("#/parameters/"):
        return dict(spec(version)["parameters"][name])
    return {
        "ImageUrl": {"name": "ImageUrl", "in": "body"},
        "ImageStream": {"name": "Image", "in": "body"},
    }[name]


@dataclass(frozen=True)
class Operation:
    """One operation of one version's spec."""

    version: str
    operation_id: str
    method: str
    #: The path template, without swagger's "?overload=..." suffix.
    path: str
    params: tuple[dict[str, Any], ...]
    responses: dict[str, Any]


@cache
def operations(version: str) -> dict[str, Operation]:
    """Every operation of a version's spec by operationId."""
    found: dict[str, Operation] = {}
    document = spec(version)
    for section in ("paths", "x-ms-paths"):
        for raw_path, methods in document.get(section, {}).items():
            for method, op in methods.items():
                if not isinstance(op, dict) or "operationId" not in op:
                    continue
                found[op["operationId"]] = Operation(
                    version,
                    op["operationId"],
                    method.upper(),
                    raw_path.split("?", 1)[0],
                    tuple(resolve(version, p) for p in op.get("parameters", [])),
                    op["responses"],
                )
    return found


def is_directory_operation(operation_id: str) -> bool:
    """Whether an operationId is one of the PersonDirectory's own or reaches it."""
    return operation_id.startswith("PersonDirectory") or operation_id in RECOGNITION


@dataclass(frozen=True)
class Example:
    """An example file with its version and its operation in that version's spec."""

    path: Path
    version: str
    #: The operationId the example names (an older one for some v1.1-preview.1 files).
    named: str
    operation: Operation
    parameters: dict[str, Any]
    responses: dict[str, Any]

    @property
    def name(self) -> str:
        """The file's path under tests/fixtures."""
        return self.path.relative_to(FIXTURES).as_posix()


def _example(path: Path, version: str, operation_id: str) -> Example:
    data = json.loads(path.read_text())
    current = RENAMED.get(operation_id, operation_id)
    return Example(
        path,
        version,
        operation_id,
        operations(version)[current],
        data["parameters"],
        data["responses"],
    )


def v10_preview_examples() -> list[Example]:
    """The PersonDirectory and dynamic person group examples of v1.0-preview (18)."""
    found = []
    for section in ("paths", "x-ms-paths"):
        for methods in spec("v1.0-preview")[section].values():
            for op in methods.values():
                if not isinstance(op, dict) or not op["operationId"].startswith("PersonDirectory"):
                    continue
                (example,) = op["x-ms-examples"].values()
                path = V10_PREVIEW / "examples" / Path(example["$ref"]).name
                found.append(_example(path, "v1.0-preview", op["operationId"]))
    return sorted(found, key=lambda e: e.name)


def _named_examples(folder: Path) -> list[Example]:
    found = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        operation_id = data.get("operationId", "")
        if is_directory_operation(operation_id) or operation_id == "GetOperationResult":
            found.append(_example(path, data["parameters"]["apiVersion"], operation_id))
    return found


def v12_preview_examples() -> list[Example]:
    """The v1.2-preview.1 examples of the directory, its operations and its recognition."""
    return _named_examples(V12_PREVIEW / "examples")


def collected_examples() -> list[Example]:
    """Every example of persondirectory-examples/ (v1.1-preview.1, v1.2-preview.1, v1.2)."""
    return _named_examples(COLLECTED)


def recognition_examples() -> list[Example]:
    """v1.2's and v1.3-preview.1's identify/verify examples against the directory (3 each)."""
    return [e for folder in RECOGNITION_ONLY for e in _named_examples(folder / "examples")]


def all_examples() -> list[Example]:
    """The examples of the four sources."""
    return (
        v10_preview_examples()
        + v12_preview_examples()
        + collected_examples()
        + recognition_examples()
    )
