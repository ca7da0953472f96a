"""`facekit detect`: the faces in an image file or at a URL."""

from __future__ import annotations

import argparse

from ...models._serde import to_wire
from ..arguments import image_argument
from ..connection import connect
from ..console import Console, compact
from ..errors import EXIT_OK
from ..pictures import landmarks_for, picture_of


async def run(args: argparse.Namespace, console: Console) -> int:
    """Detect the faces and print where they are (and their ids with --face-id)."""
    image = image_argument(args.image)
    picture = picture_of(args)
    async with connect(args, console) as (face, _emulator):
        faces = await face.detect(
            picture.image if picture else image,
            return_face_landmarks=landmarks_for(picture, args.detection_model),
            return_face_id=args.face_id,
            return_face_attributes=args.attributes or None,
            detection_model=args.detection_model,
            recognition_model=args.recognition_model,
            allow_retired_attributes=args.allow_retired_attributes,
        )
    data = [to_wire(f) for f in faces]
    lines = [f"{len(faces)} face(s)"]
    for found, wire in zip(faces, data, strict=True):
        r = found.face_rectangle
        lines.append(
            f"  at left={r.left} top={r.top} width={r.width} height={r.height}"
            + (f"  faceId {found.face_id}" if found.face_id else "")
        )
        # Each attribute asked for, by the service's name, one line each under its face.
        attributes = wire.get("faceAttributes") or {}
        lines += [f"    {name}: {compact(attributes.get(name))}" for name in args.attributes or []]
    console.result(data, "\n".join(lines))
    if picture:
        picture.write(faces, console)
    return EXIT_OK
