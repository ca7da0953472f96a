"""API versions: which exist, which one a client speaks, and which routes each one has.

A client speaks one version (`api_version=`); every request it builds is checked against
that version's routes (facekit/_routes.py, generated from the specs) before anything is
sent, so an operation a version lacks fails at once, naming the versions that have it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Final

from ._routes import ROUTES, VERSIONS
from .errors import FaceValidationError

__all__ = [
    "DEFAULT_API_VERSION",
    "LEGACY_VERSIONS",
    "SNAPSHOT_API_VERSION",
    "VERSIONS",
    "api_path_of",
    "check_api_version",
    "operation_ids",
    "require_operation",
    "require_route",
    "version_of_api_path",
    "versions_having",
]

#: The version a client speaks unless told otherwise: v1.2, the GA a Face resource created
#: today is used with (liveness sessions; trainings followed at operation-Location).
DEFAULT_API_VERSION: Final = "v1.2"

#: The versions of the older API surface: trainings are followed at GET .../training (their
#: 202 has no operation-Location), statuses are spelt "notstarted", emotion and gender exist.
LEGACY_VERSIONS: Final = ("v1.0", "v1.0-preview")

#: Snapshots exist only in v1.0 (and v1.0-preview), whatever version a client speaks; the
#: public service retired them on 30 June 2023 and answers UnsupportedFeature.
SNAPSHOT_API_VERSION: Final = "v1.0"

_Template = tuple[str | None, ...]  # None: a parameter segment


def check_api_version(value: object) -> str:
    """One of VERSIONS, or FaceValidationError listing them."""
    if not isinstance(value, str) or value not in VERSIONS:
        raise FaceValidationError(
            "api_version", f"must be one of {', '.join(VERSIONS)}, got {value!r}"[:200]
        )
    return value


def api_path_of(version: str) -> str:
    """The path requests of a version go under: "/face/<version>"."""
    return f"/face/{version}"


def version_of_api_path(api_path: str) -> str:
    """The version an api_path such as "/face/v1.0-preview" names (FaceValidationError if none)."""
    head, _, version = api_path.strip("/").partition("/")
    if head != "face" or version not in VERSIONS:
        raise FaceValidationError(
            "api_path",
            "must be /face/<version> with a version facekit knows "
            f"({', '.join(VERSIONS)}); prefer api_version=",
        )
    return version


@functools.cache
def _table(version: str) -> dict[tuple[str, int], list[tuple[_Template, tuple[str, ...]]]]:
    table: dict[tuple[str, int], list[tuple[_Template, tuple[str, ...]]]] = {}
    for method, template, ids in ROUTES[version]:
        parts = tuple(None if part == "{}" else part for part in template.split("/"))
        table.setdefault((method, len(parts)), []).append((parts, ids))
    return table


def operation_ids(version: str, method: str, path: Sequence[str]) -> tuple[str, ...] | None:
    """The operationIds of the route `method /path` in `version`, or None if it has none."""
    for template, ids in _table(version).get((method, len(path)), ()):
        if all(
            part is None or part == segment for part, segment in zip(template, path, strict=True)
        ):
            return ids
    return None


def versions_having(method: str, path: Sequence[str]) -> list[str]:
    """The versions that have the route `method /path`, oldest first."""
    return [v for v in VERSIONS if operation_ids(v, method, path) is not None]


def require_route(version: str, method: str, path: Sequence[str]) -> None:
    """Refuse, before sending, a request its API version has no route for."""
    if operation_ids(version, method, path) is not None:
        return
    having = versions_having(method, path)
    names = next((operation_ids(v, method, path) for v in having), None) or ()
    what = " / ".join(names) or f"{method} /{'/'.join(path)}"
    where = f"it is in {', '.join(having)}" if having else "no API version has it"
    raise FaceValidationError("api_version", f"{what} is not in Face API {version}; {where}")


def versions_with_operation(method: str, path: Sequence[str], operation_id: str) -> list[str]:
    """The versions whose route `method /path` has `operation_id`, oldest first."""
    return [v for v in VERSIONS if operation_id in (operation_ids(v, method, path) or ())]


def require_operation(version: str, method: str, path: Sequence[str], operation_id: str) -> None:
    """Refuse, before sending, an operation its version lacks on a route it has.

    POST /detect is in every version, but detecting in a liveness session's image
    (FaceDetectionOperations_DetectFromSessionImageId) is not.
    """
    if operation_id in (operation_ids(version, method, path) or ()):
        return
    having = versions_with_operation(method, path, operation_id)
    where = f"it is in {', '.join(having)}" if having else "no API version has it"
    raise FaceValidationError(
        "api_version", f"{operation_id} is not in Face API {version}; {where}"
    )
