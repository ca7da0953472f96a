"""facekit quick start: enroll a family concurrently, train, and identify a new photo.

Runs against FACE_ENDPOINT / FACE_KEY when both are set, otherwise against a local stand-in
of the Face service on 127.0.0.1 (no Azure subscription needed).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import contextlib

from facekit import FaceClient, KeyCredential, NotFoundError

GROUP = "facekit-quickstart"
FAMILY = ["Anna", "Bill", "Clara", "Dev"]


def photo(name: str, variant: int) -> bytes:
    """Stand-in image bytes (2 KB) for one photo of a person."""
    seed = f"{name}-{variant}".encode()
    return (seed * (2048 // len(seed) + 1))[:2048]


async def enroll(face: FaceClient, name: str) -> str:
    person = await face.large_person_groups.persons.create(GROUP, name=name)
    # Faces of one person go one after another: the service serializes them anyway.
    for variant in range(3):
        await face.large_person_groups.persons.add_face(
            GROUP, person.person_id, photo(name, variant)
        )
    return person.person_id


async def run(endpoint: str, key: str) -> None:
    async with FaceClient(endpoint, KeyCredential(key)) as face:
        print(f"endpoint {endpoint}")
        with contextlib.suppress(NotFoundError):
            await face.large_person_groups.delete(GROUP)
        await face.large_person_groups.create(
            GROUP, name="Quick start family", recognition_model="recognition_04"
        )
        started = time.perf_counter()
        person_ids = await asyncio.gather(*(enroll(face, name) for name in FAMILY))
        names = dict(zip(person_ids, FAMILY, strict=True))
        print(
            f"enrolled {len(FAMILY)} people, 3 faces each, concurrently in "
            f"{time.perf_counter() - started:.2f} s"
        )

        await face.large_person_groups.train(GROUP)
        status = await face.large_person_groups.get_training_status(GROUP)
        while status.status not in ("succeeded", "failed"):
            await asyncio.sleep(1)
            status = await face.large_person_groups.get_training_status(GROUP)
        print(f"training {status.status}")

        detected = await face.detect(
            photo("Clara", 1), return_face_id=True, recognition_model="recognition_04"
        )
        face_ids = [d.face_id for d in detected if d.face_id]
        for result in await face.identify(face_ids, large_person_group_id=GROUP):
            best = result.candidates[0] if result.candidates else None
            who = f"{names[best.person_id]} ({best.confidence:.2f})" if best else "nobody"
            print(f"identified face {result.face_id[:8]}… as {who}")
        await face.large_person_groups.delete(GROUP)


async def main() -> None:
    endpoint, key = os.environ.get("FACE_ENDPOINT"), os.environ.get("FACE_KEY")
    if endpoint and key:
        await run(endpoint, key)
        return
    import _loopback_face

    runner, local = await _loopback_face.start()
    print("no FACE_ENDPOINT/FACE_KEY set: using a local stand-in Face service")
    try:
        await run(local, _loopback_face.KEY)
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
