"""`facekit identify`: who is in an image, in a trained group or in the PersonDirectory.

--group ID (with --large): a trained person group or large person group. --group ID
--dynamic: a dynamic person group; --directory: every person of the PersonDirectory.
"""

from __future__ import annotations

import argparse
from typing import Any

from ...annotate import identify_labels
from ...client import FaceClient
from ...errors import NotFoundError
from ...models import IdentifyResult
from ...models._serde import to_wire
from ...resources.person_directory import (
    ALL_PERSONS,
    DIRECTORY_RECOGNITION_VERSIONS,
    DIRECTORY_VERSIONS,
)
from ..arguments import image_argument, target_of
from ..connection import connect
from ..console import Console
from ..errors import EXIT_OK
from ..pictures import landmarks_for, picture_of


async def run(args: argparse.Namespace, console: Console) -> int:
    """Detect the faces, identify them in the target, and print each one's best match."""
    kind, group = target_of(args, DIRECTORY_RECOGNITION_VERSIONS)
    image = image_argument(args.image)
    picture = picture_of(args)
    async with connect(args, console) as (face, _emulator):
        model = args.recognition_model
        if kind in ("persongroups", "largepersongroups"):
            groups = _groups(face, kind)
            found = await groups.get(group, return_recognition_model=True)
            model = found.recognition_model or model
        faces = await face.detect(
            picture.image if picture else image,
            return_face_id=True,
            return_face_landmarks=landmarks_for(picture, None),
            recognition_model=model,
        )
        ids = [f.face_id for f in faces if f.face_id]
        results: list[IdentifyResult] = []
        for start in range(0, len(ids), 10):  # identify takes at most 10 faces per call
            results += await face.identify(ids[start : start + 10], **_scope(kind, group))
        names = await _names(face, kind, group, results)
    data = []
    lines = [f"{len(faces)} face(s) in {args.image}"]
    # By face id, not by position: the service need not answer in the order asked.
    by_id = {result.face_id.lower(): result for result in results}
    for found_face in faces:
        result = by_id.get((found_face.face_id or "").lower())
        best = result.candidates[0] if result and result.candidates else None
        name = names.get(best.person_id) if best else None
        data.append(
            {
                "faceRectangle": to_wire(found_face.face_rectangle),
                "personId": best.person_id if best else None,
                "name": name,
                "confidence": best.confidence if best else None,
            }
        )
        r = found_face.face_rectangle
        who = f"{name or best.person_id} ({best.confidence:.2f})" if best else "unknown"
        lines.append(f"  face at {r.left},{r.top}: {who}")
    console.result(data, "\n".join(lines))
    if picture:
        picture.write(faces, console, identify_labels(faces, results, names))
    return EXIT_OK


def _groups(face: FaceClient, kind: str) -> Any:
    return face.large_person_groups if kind == "largepersongroups" else face.person_groups


def _scope(kind: str, group: str | None) -> dict[str, Any]:
    """Identify's target keyword for the kind --group/--directory named."""
    if kind == "persondirectory":
        return {"person_ids": [ALL_PERSONS]}
    keyword = {
        "persongroups": "person_group_id",
        "largepersongroups": "large_person_group_id",
        "dynamicpersongroups": "dynamic_person_group_id",
    }[kind]
    return {keyword: group}


async def _names(
    face: FaceClient, kind: str, group: str | None, results: list[IdentifyResult]
) -> dict[str, str | None]:
    """The names of the best candidates (directory persons: where the version can read them)."""
    names: dict[str, str | None] = {}
    directory = kind in ("persondirectory", "dynamicpersongroups")
    if directory and face.api_version not in DIRECTORY_VERSIONS:
        return names  # v1.2 identifies against the directory but cannot read its persons
    for result in results:
        for candidate in result.candidates[:1]:
            if candidate.person_id in names:
                continue
            try:
                if directory:
                    person = await face.person_directory.get_person(candidate.person_id)
                else:
                    person = await _groups(face, kind).persons.get(group, candidate.person_id)
            except NotFoundError:
                names[candidate.person_id] = None  # deleted since it was identified
                continue
            names[candidate.person_id] = person.name
    return names
