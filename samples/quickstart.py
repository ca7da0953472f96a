"""facekit quick start: enroll a family concurrently, train, and identify a group photo.

Runs against FACE_ENDPOINT / FACE_KEY when both are set, otherwise against facekit's
built-in Face emulator on 127.0.0.1 (no Azure subscription needed).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

from facekit import FaceClient, KeyCredential, NotFoundError
from facekit.emulator import EmulatorSettings, FaceEmulator, group_photo, synthetic_face
from facekit.models import RecognitionModelName

GROUP = "facekit-quickstart"
FAMILY = ["anna", "bill", "clara", "dev"]
MODEL: RecognitionModelName = "recognition_04"


async def enroll(face: FaceClient, name: str) -> str:
    person = await face.large_person_groups.persons.create(GROUP, name=name)
    # Faces of one person go one after another: the service serializes them anyway.
    for variant in range(3):
        await face.large_person_groups.persons.add_face(
            GROUP, person.person_id, synthetic_face(name, variant)
        )
    return person.person_id


async def run(endpoint: str, key: str) -> None:
    async with FaceClient(endpoint, KeyCredential(key)) as face:
        print(f"endpoint {endpoint}")
        with contextlib.suppress(NotFoundError):
            await face.large_person_groups.delete(GROUP)
        await face.large_person_groups.create(
            GROUP, name="Quick start family", recognition_model=MODEL
        )
        started = time.perf_counter()
        person_ids = await asyncio.gather(*(enroll(face, name) for name in FAMILY))
        names = dict(zip(person_ids, FAMILY, strict=True))
        print(
            f"enrolled {len(FAMILY)} people, 3 faces each, concurrently in "
            f"{time.perf_counter() - started:.2f} s"
        )

        # A poller follows the training (Retry-After, backoff, a stale status ignored);
        # a failed training raises TrainingFailedError with the service's reason.
        poller = await face.large_person_groups.begin_train(GROUP)
        status = await poller.result(timeout=600)
        print(f"training {status.status}")

        photo = group_photo([("clara", 7), ("stranger", 1), ("bill", 8)])
        detected = await face.detect(photo, return_face_id=True, recognition_model=MODEL)
        face_ids = [d.face_id for d in detected if d.face_id]
        print(f"detected {len(face_ids)} faces in a group photo")
        for result in await face.identify(face_ids, large_person_group_id=GROUP):
            best = result.candidates[0] if result.candidates else None
            who = f"{names[best.person_id]} ({best.confidence:.2f})" if best else "nobody known"
            print(f"  face {result.face_id[:8]}: {who}")
        await face.large_person_groups.delete(GROUP)


async def main() -> None:
    endpoint, key = os.environ.get("FACE_ENDPOINT"), os.environ.get("FACE_KEY")
    if endpoint and key:
        await run(endpoint, key)
        return
    print("no FACE_ENDPOINT/FACE_KEY set: using facekit's built-in Face emulator")
    async with FaceEmulator(settings=EmulatorSettings(training_base_seconds=0.3)) as emulator:
        await run(emulator.endpoint, emulator.key)


if __name__ == "__main__":
    asyncio.run(main())
