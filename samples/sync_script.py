"""facekit without an event loop: a plain script (or a Flask view, a Celery task).

`facekit.sync.FaceClient` is the blocking twin of `facekit.FaceClient`: no async, no
await, the same methods and errors. One client serves many threads at once: here a thread
pool enrolls a family, then the script trains the group and identifies a group photo.

Runs against FACE_ENDPOINT / FACE_KEY when both are set, otherwise against facekit's
built-in Face emulator on 127.0.0.1 (no Azure subscription needed).
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor

from facekit import KeyCredential, NotFoundError
from facekit.emulator import EmulatorSettings, FaceEmulator, group_photo, synthetic_face
from facekit.models import RecognitionModelName
from facekit.sync import FaceClient

GROUP = "facekit-sync-script"
FAMILY = ["anna", "bill", "clara", "dev"]
MODEL: RecognitionModelName = "recognition_04"


def enroll(face: FaceClient, name: str) -> str:
    person = face.large_person_groups.persons.create(GROUP, name=name)
    for variant in range(3):
        face.large_person_groups.persons.add_face(
            GROUP, person.person_id, synthetic_face(name, variant)
        )
    return person.person_id


def run(endpoint: str, key: str) -> None:
    with FaceClient(endpoint, KeyCredential(key)) as face:
        with contextlib.suppress(NotFoundError):
            face.large_person_groups.delete(GROUP)
        face.large_person_groups.create(GROUP, name="Sync family", recognition_model=MODEL)
        # One client, four threads at once (as a web server's worker threads would).
        with ThreadPoolExecutor(len(FAMILY)) as pool:
            person_ids = list(pool.map(lambda name: enroll(face, name), FAMILY))
        names = dict(zip(person_ids, FAMILY, strict=True))
        listed = [person.name for person in face.large_person_groups.persons.list(GROUP)]
        print(f"enrolled {len(listed)} people from {len(FAMILY)} threads")

        poller = face.large_person_groups.begin_train(GROUP)
        status = poller.result(timeout=600)
        print(f"training {status.status}")

        photo = group_photo([("clara", 7), ("stranger", 1), ("bill", 8)])
        detected = face.detect(photo, return_face_id=True, recognition_model=MODEL)
        face_ids = [d.face_id for d in detected if d.face_id]
        for result in face.identify(face_ids, large_person_group_id=GROUP):
            best = result.candidates[0] if result.candidates else None
            print(f"  face {result.face_id[:8]}: {names[best.person_id] if best else 'nobody'}")
        face.large_person_groups.delete(GROUP)
        try:
            face.large_person_groups.get(GROUP)
        except NotFoundError as error:
            print(f"deleted: {error.code}")


def main() -> None:
    endpoint, key = os.environ.get("FACE_ENDPOINT"), os.environ.get("FACE_KEY")
    if endpoint and key:
        run(endpoint, key)
        return
    print("no FACE_ENDPOINT/FACE_KEY set: using facekit's built-in Face emulator")
    emulator = FaceEmulator(settings=EmulatorSettings(training_base_seconds=0.3))
    with emulator.in_thread():
        run(emulator.endpoint, emulator.key)


if __name__ == "__main__":
    main()
