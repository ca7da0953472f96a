"""Helpers of the bulk-enrollment tests: a photo folder, and what the service holds."""

from __future__ import annotations

from pathlib import Path

from facekit import FaceClient
from facekit.emulator import synthetic_face


def family(root: Path, people: int = 6, per_person: int = 3) -> Path:
    """`root/person-NN/<v>.png` of synthetic faces the emulator recognises."""
    for p in range(people):
        folder = root / f"person-{p:02d}"
        folder.mkdir(parents=True)
        for v in range(per_person):
            (folder / f"{v}.png").write_bytes(synthetic_face(f"person-{p:02d}", v))
    return root


async def census(face: FaceClient, group: str, large: bool = True) -> tuple[int, int, int]:
    """(persons, faces, distinct face tags) of a group on the service."""
    resource = face.large_person_groups if large else face.person_groups
    persons = faces = 0
    tags = set()
    async for person in resource.persons.list(group):
        persons += 1
        for face_id in person.persisted_face_ids:
            stored = await resource.persons.get_face(group, person.person_id, face_id)
            faces += 1
            tags.add(stored.user_data)
    return persons, faces, len(tags)
