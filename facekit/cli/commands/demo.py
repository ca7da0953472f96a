"""`facekit demo`: the tour, end to end, in well under a minute.

Against the embedded emulator (no endpoint configured) it makes a synthetic family photo
set, bulk-enrolls it concurrently, trains with the poller, identifies everyone in a group
photo, shows verify and find-similar, and moves the group to a second Face resource with a
snapshot followed through Operation-Location (snapshots are v1.0 only and retired by the
public service; the emulator keeps them).
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...annotate import identify_labels
from ...auth import KeyCredential
from ...bulk import EnrollmentProgress, enroll_people
from ...bulk.journal import state_folder
from ...errors import FaceValidationError, NotFoundError
from ...models.names import RecognitionModelName
from ..connection import connect
from ..console import Console, ProgressBar
from ..errors import EXIT_OK, EXIT_PARTIAL
from ..pictures import demo_picture_path, save_demo_picture

if TYPE_CHECKING:
    from ...client import FaceClient
    from ...emulator import FaceEmulator

GROUP = "facekit-demo-family"
FAMILY = ("anna", "bill", "clara", "dev", "emma", "farid")
PHOTOS_EACH = 4
MODEL: RecognitionModelName = "recognition_04"


def make_photos(root: Path) -> None:
    """Write PHOTOS_EACH synthetic photos of each of the FAMILY into root/<name>/."""
    from ...emulator import synthetic_face

    for name in FAMILY:
        folder = root / name
        folder.mkdir(parents=True)
        for variant in range(PHOTOS_EACH):
            (folder / f"{name}-{variant}.png").write_bytes(synthetic_face(name, variant))


async def run(args: argparse.Namespace, console: Console) -> int:
    """The tour against the embedded emulator; EXIT_PARTIAL if a step did not see what it should.

    With --json, stdout gets a summary of what each step saw (its lines go to stderr).
    """
    started = time.monotonic()
    picture = demo_picture_path(args, state_folder() / "demo" / "group-photo.png")
    summary: dict[str, Any] = {}
    async with connect(args, console) as (face, emulator):
        if emulator is None:
            raise FaceValidationError(
                "endpoint",
                "the demo's synthetic faces are recognised by facekit's emulator only; "
                "unset FACE_ENDPOINT to run it",
            )
        with contextlib.suppress(NotFoundError):
            await face.large_person_groups.delete(GROUP)
        with tempfile.TemporaryDirectory(prefix="facekit-demo-") as folder:
            root = Path(folder)
            make_photos(root)
            console.say(
                f"1. made {len(FAMILY) * PHOTOS_EACH} synthetic photos of "
                f"{len(FAMILY)} people in {root}/<person>/"
            )
            ok = await enroll_and_train(face, root, console, summary)
        ok = await recognise(face, emulator, console, summary, picture) and ok
        ok = await migrate(face, emulator, console, summary) and ok
        await face.large_person_groups.delete(GROUP)
    elapsed = time.monotonic() - started
    console.say(f"done in {elapsed:.1f} s")
    console.result({"ok": ok, **summary, "seconds": round(elapsed, 1)})
    return EXIT_OK if ok else EXIT_PARTIAL


async def enroll_and_train(
    face: FaceClient, root: Path, console: Console, summary: dict[str, Any]
) -> bool:
    """Bulk-enroll the photos into the demo group and train it; whether both succeeded."""
    bar = ProgressBar(console.err, "   enrolling")

    def progress(p: EnrollmentProgress) -> None:
        bar.update(p.images_done + p.images_failed, p.images_total, "faces")

    console.say(
        f"2. bulk-enrolling them into large person group '{GROUP}', "
        "6 people at a time, within the S0 rate limit of 10 requests/s"
    )
    try:
        report = await enroll_people(
            face, GROUP, root, large=True, concurrency=6, recognition_model=MODEL, progress=progress
        )
    finally:
        bar.close()
    console.say(
        f"   {report.persons_created} persons, {report.faces_added} faces added, "
        f"{len(report.failures)} failed, in {report.elapsed:.1f} s"
    )
    console.say("3. training, followed by a poller")
    poller = await face.large_person_groups.begin_train(GROUP)
    seen = ""
    async for status in poller:
        if str(status.status) != seen:
            seen = str(status.status)
            console.say(f"   training: {seen}")
    summary["enrolled"] = {
        "group": GROUP,
        "persons": report.persons_created,
        "faces": report.faces_added,
        "failed": len(report.failures),
    }
    summary["training"] = seen
    return report.ok and seen == "succeeded"


async def recognise(
    face: FaceClient,
    emulator: FaceEmulator,
    console: Console,
    summary: dict[str, Any],
    picture: Path | None = None,
) -> bool:
    """Identify, verify and find-similar on fresh photos; whether each found the right faces.

    The group photo is drawn, with the names, at `picture` (None: Pillow is missing).
    """
    from ...emulator import group_photo, synthetic_face

    names = {p.person_id: p.name async for p in face.large_person_groups.persons.list(GROUP)}
    cast = [("clara", 9), ("a-stranger", 1), ("bill", 9), ("dev", 9)]
    console.say("4. identifying everyone in a group photo of clara, a stranger, bill and dev")
    photo = group_photo(cast)
    faces = await face.detect(
        photo, return_face_id=True, return_face_landmarks=True, recognition_model=MODEL
    )
    ordered = sorted(faces, key=lambda f: f.face_rectangle.left)
    results = {
        r.face_id: r
        for r in await face.identify(
            [f.face_id for f in ordered if f.face_id], large_person_group_id=GROUP
        )
    }
    found = []
    for detected in ordered:
        result = results.get(detected.face_id or "")
        best = result.candidates[0] if result and result.candidates else None
        who = f"{names.get(best.person_id)} ({best.confidence:.2f})" if best else "nobody known"
        found.append(names.get(best.person_id) if best else None)
        console.say(f"   face at x={detected.face_rectangle.left}: {who}")
    labels = identify_labels(ordered, list(results.values()), names)
    saved = save_demo_picture(picture, photo, ordered, labels, console)
    summary["picture"] = None if saved is None else str(saved)

    console.say("5. verify: two photos of anna, then anna and emma")
    anna_a, anna_b, emma = [
        (await face.detect(synthetic_face(n, v), return_face_id=True, recognition_model=MODEL))[
            0
        ].face_id
        or ""
        for n, v in (("anna", 10), ("anna", 11), ("emma", 10))
    ]
    same = await face.verify_face_to_face(anna_a, anna_b)
    other = await face.verify_face_to_face(anna_a, emma)
    console.say(
        f"   anna/anna: identical={same.is_identical} ({same.confidence:.2f}); "
        f"anna/emma: identical={other.is_identical} ({other.confidence:.2f})"
    )

    console.say("6. find-similar: which face of the group photo looks like a new photo of bill")
    query = (
        await face.detect(
            emulator.image_url("bill", 12), return_face_id=True, recognition_model=MODEL
        )
    )[0].face_id or ""
    similar = await face.find_similar(query, face_ids=[f.face_id for f in ordered if f.face_id])
    where = {f.face_id: f.face_rectangle.left for f in ordered}
    for match in similar:
        console.say(f"   the face at x={where.get(match.face_id or '')} ({match.confidence:.2f})")
    summary["identified"] = found
    summary["verify"] = {"annaAnna": same.is_identical, "annaEmma": other.is_identical}
    summary["similarToBill"] = [where.get(m.face_id or "") for m in similar]
    return (
        found == ["clara", None, "bill", "dev"]
        and same.is_identical
        and not other.is_identical
        and len(similar) == 1
    )


async def migrate(
    face: FaceClient, emulator: FaceEmulator, console: Console, summary: dict[str, Any]
) -> bool:
    """Snapshot the group to a second emulated resource and identify there; whether it worked."""
    from ...client import FaceClient
    from ...emulator import FaceEmulator, group_photo
    from ...session import capture_responses

    # A second Face resource with its own key: snapshots move between subscriptions.
    async with (
        FaceEmulator(snapshot_store=emulator.account.snapshot_store) as target_service,
        FaceClient(target_service.endpoint, _key(target_service.key)) as target,
    ):
        console.say("7. snapshot: copying the group to another Face resource")
        console.say(
            "   (through API v1.0, the only version with snapshots; the public service retired "
            "them on 30 June 2023 - re-enroll with facekit.bulk there instead)"
        )
        with capture_responses() as raw:
            take = await face.snapshots.begin_take(
                "LargePersonGroup", GROUP, [target_service.subscription_id]
            )
        console.say(f"   take answered HTTP {raw[-1].status}, Operation-Location: {take.location}")
        snapshot_id = await take
        console.say(f"   snapshot {snapshot_id} taken after {take.polls} status poll(s)")
        apply = await target.snapshots.begin_apply(snapshot_id, "family-copy")
        location = await apply
        console.say(f"   applied on the other resource as {location}")
        faces = await target.detect(
            group_photo([("emma", 13)]), return_face_id=True, recognition_model=MODEL
        )
        (result,) = await target.identify(
            [faces[0].face_id or ""], large_person_group_id="family-copy"
        )
        person = (
            await target.large_person_groups.persons.get(
                "family-copy", result.candidates[0].person_id
            )
            if result.candidates
            else None
        )
        console.say(
            f"   identified there without retraining: {person.name if person else 'nobody'}"
        )
        await face.snapshots.delete(snapshot_id)
    summary["snapshot"] = {
        "id": snapshot_id,
        "appliedAs": location,
        "identifiedThere": person.name if person else None,
    }
    return person is not None and person.name == "emma"


def _key(key: str) -> KeyCredential:
    return KeyCredential(key)
