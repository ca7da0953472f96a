"""Migrate a trained large person group to another Face resource with a snapshot.

Moving a group between Face resources (another region, another subscription) by enrolling
everyone again would need every original image and a new training. A snapshot copies the
group as it is, persons, faces and training included: the source resource takes it for a
list of target subscriptions, the target resource applies it under a new id, and the copy
identifies people right away, with no retraining.

The sample enrolls and trains a group on the source, takes a snapshot for the target's
subscription, applies it on the target, identifies a new photo against the copy and
finally deletes the snapshot (it would otherwise linger for 48 hours).

    python samples/snapshot_migration.py
        two Face emulators with different keys and subscriptions that share one snapshot
        store, as two subscriptions of one Azure instance do.

    FACE_ENDPOINT=... FACE_KEY=... \\
    TARGET_FACE_ENDPOINT=... TARGET_FACE_KEY=... TARGET_SUBSCRIPTION_ID=... \\
        python samples/snapshot_migration.py [--keep]
        the same between two real resources (the target's Azure subscription id is what
        the snapshot's apply scope names). The demo groups are deleted unless --keep.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from facekit import FaceClient, KeyCredential, NotFoundError, PollingPolicy, RateLimiter
from facekit.bulk import enroll_people
from facekit.emulator import EmulatorSettings, FaceEmulator, SnapshotStore, synthetic_face
from facekit.models import RecognitionModelName

SOURCE_GROUP = "facekit-migration-source"
TARGET_GROUP = "facekit-migration-target"
MODEL: RecognitionModelName = "recognition_04"
PEOPLE = tuple(f"employee-{n:02d}" for n in range(16))
FACES_PER_PERSON = 3
#: Who the new photo shows, and a picture of them the group has never seen.
NEWCOMER_PHOTO = ("employee-11", 9)
#: Snapshot operations take seconds to minutes; poll briskly at first, then back off.
POLLING = PollingPolicy(initial=0.2, maximum=10)


@dataclass(frozen=True)
class Resource:
    endpoint: str
    key: str
    subscription_id: str | None = None
    emulated: bool = False


async def enroll_source(source: FaceClient) -> None:
    people = {name: [synthetic_face(name, v) for v in range(FACES_PER_PERSON)] for name in PEOPLE}
    report = await enroll_people(
        source, SOURCE_GROUP, people, large=True, recognition_model=MODEL, train=True
    )
    if not report.ok:
        raise SystemExit(f"enrolling the source group failed: {report.failures}")
    training = report.training.status if report.training else "not run"
    print(
        f"source: {report.persons_created} persons, {report.faces_added} faces, training {training}"
    )


async def migrate(source: FaceClient, target: FaceClient, target_subscription: str) -> str:
    """Copy the source group to the target; returns the snapshot id."""
    started = time.monotonic()
    take = await source.snapshots.begin_take(
        "LargePersonGroup",
        SOURCE_GROUP,
        apply_scope=[target_subscription],
        user_data="facekit snapshot_migration sample",
        polling=POLLING,
    )
    snapshot_id: str = await take.result(timeout=600)
    print(f"snapshot {snapshot_id} taken in {time.monotonic() - started:.1f} s")

    # The target sees the snapshot because its subscription is in the apply scope.
    snapshot = await target.snapshots.get(snapshot_id)
    print(
        f"target sees the snapshot: a {snapshot.type} for "
        f"{len(snapshot.apply_scope)} subscription(s)"
    )

    started = time.monotonic()
    apply = await target.snapshots.begin_apply(snapshot_id, TARGET_GROUP, polling=POLLING)
    location: str = await apply.result(timeout=600)
    print(f"applied on the target as {location} in {time.monotonic() - started:.1f} s")
    return snapshot_id


async def identify_on_target(target: FaceClient) -> bool:
    """Identify a new photo against the copy; it was never trained on the target."""
    training = await target.large_person_groups.get_training_status(TARGET_GROUP)
    print(f"target training status (carried by the snapshot): {training.status}")
    names: dict[str, str | None] = {}
    faces = 0
    async for person in target.large_person_groups.persons.list(TARGET_GROUP):
        names[person.person_id] = person.name
        faces += len(person.persisted_face_ids)
    print(f"target group: {len(names)} persons, {faces} faces")

    who, variant = NEWCOMER_PHOTO
    detected = await target.detect(
        synthetic_face(who, variant), return_face_id=True, recognition_model=MODEL
    )
    face_ids = [d.face_id for d in detected if d.face_id]
    if not face_ids:
        print("no face detected in the new photo")
        return False
    [result] = await target.identify(face_ids[:1], large_person_group_id=TARGET_GROUP)
    if not result.candidates:
        print("new photo: nobody known on the target")
        return False
    best = result.candidates[0]
    name = names.get(best.person_id)
    print(f"new photo identified on the target as {name} (confidence {best.confidence:.2f})")
    return name == who


def client(resource: Resource) -> FaceClient:
    # The emulators are not rate limited; real resources keep facekit's S0 default.
    limiter = RateLimiter(100) if resource.emulated else None
    return FaceClient(resource.endpoint, KeyCredential(resource.key), rate_limiter=limiter)


async def run(source_resource: Resource, target_resource: Resource, *, keep: bool) -> int:
    if target_resource.subscription_id is None:
        raise ValueError("the target's subscription id is needed for the apply scope")
    async with client(source_resource) as source, client(target_resource) as target:
        # The sample's own ids: start clean, since applying refuses an existing target.
        with contextlib.suppress(NotFoundError):
            await source.large_person_groups.delete(SOURCE_GROUP)
        with contextlib.suppress(NotFoundError):
            await target.large_person_groups.delete(TARGET_GROUP)

        await enroll_source(source)
        snapshot_id = await migrate(source, target, target_resource.subscription_id)
        try:
            identified = await identify_on_target(target)
        finally:
            # Only the account that took a snapshot may delete it.
            await source.snapshots.delete(snapshot_id)
            print(f"snapshot {snapshot_id} deleted")
        if not keep:
            await source.large_person_groups.delete(SOURCE_GROUP)
            await target.large_person_groups.delete(TARGET_GROUP)
    print("migration verified" if identified else "migration FAILED: wrong identification")
    return 0 if identified else 1


def fast_settings() -> EmulatorSettings:
    # Each account needs its own settings: they carry its subscription id.
    return EmulatorSettings(training_base_seconds=0.3, snapshot_base_seconds=0.5)


async def emulated(keep: bool) -> int:
    print("no FACE_ENDPOINT/FACE_KEY set: using two facekit Face emulators")
    # One store, two accounts: snapshots travel between them as within one Azure instance.
    store = SnapshotStore()
    async with (
        FaceEmulator(snapshot_store=store, settings=fast_settings()) as source,
        FaceEmulator(snapshot_store=store, settings=fast_settings()) as target,
    ):
        print(f"source {source.endpoint} (subscription {source.subscription_id[:8]}...)")
        print(f"target {target.endpoint} (subscription {target.subscription_id[:8]}...)")
        code = await run(
            Resource(source.endpoint, source.key, emulated=True),
            Resource(target.endpoint, target.key, target.subscription_id, emulated=True),
            keep=keep,
        )
        # The emulator can prove what a real resource cannot: the copy was never trained.
        trainings = target.log.count("LargePersonGroup_Train")
        print(f"train requests received by the target: {trainings}")
        return code if trainings == 0 else 1


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Copy a large person group with a snapshot.")
    parser.add_argument("--keep", action="store_true", help="keep both groups at the end")
    return parser.parse_args(argv)


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    env = os.environ
    endpoint, key = env.get("FACE_ENDPOINT"), env.get("FACE_KEY")
    if not (endpoint and key):
        return await emulated(args.keep)
    target = Resource(
        env.get("TARGET_FACE_ENDPOINT", ""),
        env.get("TARGET_FACE_KEY", ""),
        env.get("TARGET_SUBSCRIPTION_ID") or None,
    )
    if not (target.endpoint and target.key and target.subscription_id):
        print(
            "with FACE_ENDPOINT/FACE_KEY, set TARGET_FACE_ENDPOINT, TARGET_FACE_KEY and "
            "TARGET_SUBSCRIPTION_ID too",
            file=sys.stderr,
        )
        return 2
    return await run(Resource(endpoint, key), target, keep=args.keep)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
