"""What changes between v1.0 and v1.2, end to end against the emulator, through the client."""

from __future__ import annotations

from typing import Any

import pytest

from facekit import FaceClient, KeyCredential, PollingPolicy
from facekit.emulator import EmulatorSettings, FaceEmulator, synthetic_face

QUICK = PollingPolicy(initial=0.02, maximum=0.1, jitter=0.0)
PEOPLE = ("ann", "bob", "cid", "dee", "eve", "fay", "gus", "hal", "ivy", "jon", "kim", "lou")


@pytest.fixture
def emulator_settings() -> EmulatorSettings:
    """Quick trainings and snapshot operations."""
    return EmulatorSettings(
        training_queue_seconds=0.01,
        training_base_seconds=0.05,
        training_seconds_per_face=0.0,
        snapshot_base_seconds=0.05,
    )


@pytest.mark.parametrize(("version", "candidates"), [("v1.0", 1), ("v1.2", 10)])
async def test_identify_proposes_one_candidate_in_v1_0_and_ten_in_v1_2(
    emulator: FaceEmulator, face_options: dict[str, Any], version: str, candidates: int
) -> None:
    # Twelve persons, all above a threshold of 0: only the service's default caps the list.
    emulator.seed_group("crowd", {name: [1] for name in PEOPLE}, large=True)
    async with FaceClient(
        emulator.endpoint, KeyCredential(emulator.key), api_version=version, **face_options
    ) as face:
        (query,) = await face.detect(
            synthetic_face("ann", 5), return_face_id=True, recognition_model="recognition_04"
        )
        assert query.face_id is not None
        (result,) = await face.identify(
            [query.face_id], large_person_group_id="crowd", confidence_threshold=0.0
        )
        assert len(result.candidates) == candidates
        best = await face.large_person_groups.persons.get("crowd", result.candidates[0].person_id)
        assert best.name == "ann"
        # Asked for explicitly, any version gives as many as asked.
        (three,) = await face.identify(
            [query.face_id],
            large_person_group_id="crowd",
            confidence_threshold=0.0,
            max_num_of_candidates_returned=3,
        )
        assert len(three.candidates) == 3


async def test_a_v1_2_client_takes_and_applies_snapshots_through_v1_0(
    face: FaceClient, emulator: FaceEmulator
) -> None:
    assert face.api_version == "v1.2"
    emulator.seed_group("fam", {"ann": [1]}, large=True)
    take = await face.snapshots.begin_take(
        "LargePersonGroup", "fam", [emulator.subscription_id], polling=QUICK
    )
    snapshot_id = await take
    assert (await face.snapshots.get(snapshot_id)).type == "LargePersonGroup"
    location = await (await face.snapshots.begin_apply(snapshot_id, "fam-copy", polling=QUICK))
    assert location.endswith("/largepersongroups/fam-copy")
    snapshot_calls = {
        r.version for r in emulator.log.requests if "snapshot" in r.path or "/operations/" in r.path
    }
    assert snapshot_calls == {"v1.0"}
    # The copy is a v1.2 group like any other.
    assert (await face.large_person_groups.get("fam-copy")).large_person_group_id == "fam-copy"
