"""Microsoft's Face v1.0 swagger spec and examples (tests/fixtures), read once for all tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "v1.0"
EXAMPLES = FIXTURES / "examples"
SPEC: dict[str, Any] = json.loads((FIXTURES / "Face.json").read_text())


def resolve_param(param: dict[str, Any]) -> dict[str, Any]:
    """A parameter with its $ref followed (into this spec or Common/Parameters.json)."""
    ref = param.get("$ref")
    if ref is None:
        return param
    name = ref.rsplit("/", 1)[-1]
    if ref.startswith("#/parameters/"):
        return dict(SPEC["parameters"][name])
    # Common/Parameters.json: ImageUrl (JSON body) and ImageStream (octet-stream body).
    return {
        "ImageUrl": {"name": "ImageUrl", "in": "body"},
        "ImageStream": {"name": "Image", "in": "body"},
    }[name]


def operations() -> list[dict[str, Any]]:
    """Every operation: operationId, method, path template, parameters, responses, example."""
    found = []
    for section in ("paths", "x-ms-paths"):
        for raw_path, methods in SPEC[section].items():
            for method, op in methods.items():
                (example,) = op["x-ms-examples"].values()
                found.append(
                    {
                        "operation_id": op["operationId"],
                        "method": method.upper(),
                        # "?overload=stream" only tells the two overloads apart in swagger.
                        "path": raw_path.split("?", 1)[0],
                        "params": [resolve_param(p) for p in op.get("parameters", [])],
                        "responses": op["responses"],
                        "example": Path(example["$ref"]).name,
                    }
                )
    return found
