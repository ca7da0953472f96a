"""`facekit identify`: who is in an image, among the persons of a trained group."""

from __future__ import annotations

import argparse

from ...models._serde import to_wire
from ..arguments import image_argument
from ..connection import connect
from ..console import Console
from ..errors import EXIT_OK


async def run(args: argparse.Namespace, console: Console) -> int:
    """Detect the faces, identify them in the group, and print each one's best match."""
    image = image_argument(args.image)
    async with connect(args, console) as (face, _emulator):
        groups = face.large_person_groups if args.large else face.person_groups
        group = await groups.get(args.group, return_recognition_model=True)
        model = group.recognition_model or args.recognition_model
        faces = await face.detect(image, return_face_id=True, recognition_model=model)
        ids = [f.face_id for f in faces if f.face_id]
        results = []
        for start in range(0, len(ids), 10):  # identify takes at most 10 faces per call
            scope = {"large_person_group_id" if args.large else "person_group_id": args.group}
            results += await face.identify(ids[start : start + 10], **scope)
        names: dict[str, str | None] = {}
        for result in results:
            for candidate in result.candidates[:1]:
                if candidate.person_id not in names:
                    person = await groups.persons.get(args.group, candidate.person_id)
                    names[candidate.person_id] = person.name
    data = []
    lines = [f"{len(faces)} face(s) in {args.image}"]
    for found, result in zip(faces, results, strict=False):
        best = result.candidates[0] if result.candidates else None
        name = names.get(best.person_id) if best else None
        data.append(
            {
                "faceRectangle": to_wire(found.face_rectangle),
                "personId": best.person_id if best else None,
                "name": name,
                "confidence": best.confidence if best else None,
            }
        )
        r = found.face_rectangle
        who = f"{name} ({best.confidence:.2f})" if best else "unknown"
        lines.append(f"  face at {r.left},{r.top}: {who}")
    console.result(data, "\n".join(lines))
    return EXIT_OK
