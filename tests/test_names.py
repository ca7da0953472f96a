"""Model, attribute and mode names as Literal types: mypy refuses a typo, the specs agree.

The Literal aliases of facekit.models.names type the parameters; the enums of
facekit.models and the run-time checks keep their own lists. These tests hold all three
equal to the enums of Microsoft's specs (tests/fixtures/<version>/Face.json), and run mypy
on a small user program to see that a misspelt name is an error and a right one is not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest
from mypy import api as mypy_api

from facekit import _validation
from facekit.models import (
    DetectionModel,
    DetectionModelName,
    FaceAttributeName,
    FaceAttributeType,
    FindSimilarMatchMode,
    FindSimilarModeName,
    LivenessOperationMode,
    LivenessOperationModeName,
    RecognitionModel,
    RecognitionModelName,
    SnapshotApplyMode,
    SnapshotApplyModeName,
    SnapshotObjectType,
    SnapshotObjectTypeName,
)
from facekit.resources import face, liveness, snapshots

from .fake_transport import FakeTransport
from .spec_versions import FIXTURES, spec

VERSIONS = sorted(folder.name for folder in FIXTURES.iterdir() if (folder / "Face.json").is_file())

#: Each Literal alias, its enum, and the specs' enum (x-ms-enum name) it must equal.
NAMES: list[tuple[Any, type[Any], str]] = [
    (DetectionModelName, DetectionModel, "DetectionModel"),
    (RecognitionModelName, RecognitionModel, "RecognitionModel"),
    (FaceAttributeName, FaceAttributeType, "FaceAttributeType"),
    (FindSimilarModeName, FindSimilarMatchMode, "FindSimilarMatchMode"),
    (LivenessOperationModeName, LivenessOperationMode, "LivenessOperationMode"),
    (SnapshotObjectTypeName, SnapshotObjectType, "SnapshotObjectType"),
    (SnapshotApplyModeName, SnapshotApplyMode, "SnapshotApplyMode"),
]


def spec_enum(document: Any, name: str) -> set[str]:
    """Every value of the enums the document names `name` (x-ms-enum), wherever they are."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("x-ms-enum", {}).get("name") == name:
                found.update(node["enum"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return found


def test_every_fixture_version_is_read() -> None:
    assert {"v1.0", "v1.0-preview", "v1.1-preview.1", "v1.2", "v1.3-preview.1"} <= set(VERSIONS)


@pytest.mark.parametrize(("alias", "enum", "spec_name"), NAMES, ids=[n[2] for n in NAMES])
def test_each_literal_holds_the_values_of_every_spec_version(
    alias: Any, enum: type[Any], spec_name: str
) -> None:
    in_specs: set[str] = set()
    for version in VERSIONS:
        in_specs |= spec_enum(spec(version), spec_name)
    assert in_specs, f"no spec names an enum {spec_name}"
    values = get_args(alias)
    assert len(values) == len(set(values))
    assert set(values) == in_specs
    assert {member.value for member in enum} == in_specs


def test_the_run_time_checks_take_the_same_names() -> None:
    assert set(get_args(FaceAttributeName)) == _validation.FACE_ATTRIBUTES
    assert set(face.MATCH_MODES) == set(get_args(FindSimilarModeName))
    assert set(liveness.OPERATION_MODES) == set(get_args(LivenessOperationModeName))
    assert set(snapshots.SNAPSHOT_TYPES) == set(get_args(SnapshotObjectTypeName))
    assert set(snapshots.APPLY_MODES) == set(get_args(SnapshotApplyModeName))


async def test_a_model_newer_than_the_literal_is_sent_when_wrapped_in_its_enum(
    fake: FakeTransport, client: Any
) -> None:
    fake.post(re.compile(r".*/detect.*"), payload=[])
    newer = RecognitionModel("recognition_05")
    await client.detect(b"\xff" * 2048, return_face_id=False, recognition_model=newer)
    assert fake.requests[0].url.query["recognitionModel"] == "recognition_05"


#: A user's program: every line ending in "# error" must be a mypy error, no other line.
PROGRAM = """\
from facekit import FaceClient
from facekit.bulk import enroll_people
from facekit.models import DetectionModel, FaceAttributeType, RecognitionModel


async def use(face: FaceClient, config_value: str) -> None:
    await face.detect(b"", detection_model="detection_03")
    await face.detect(b"", detection_model=DetectionModel.DETECTION_01)
    await face.detect(b"", detection_model="detection_99")  # error
    await face.detect(b"", recognition_model="recognition_04")
    await face.detect(b"", recognition_model=RecognitionModel(config_value))
    await face.detect(b"", recognition_model="recognition_4")  # error
    await face.detect(b"", recognition_model=config_value)  # error
    await face.detect(b"", return_face_attributes=["headPose", "qualityForRecognition"])
    await face.detect(b"", return_face_attributes=[FaceAttributeType.MASK, "blur"])
    await face.detect(b"", return_face_attributes=["headPose", "headpose"])  # error
    await face.find_similar("f", face_ids=["g"], mode="matchFace")
    await face.find_similar("f", face_ids=["g"], mode="matchFaces")  # error
    await face.person_groups.create("g", name="n", recognition_model="recognition_03")
    await face.large_face_lists.create("g", name="n", recognition_model="recognition_5")  # error
    await face.face_lists.add_face("l", b"", detection_model="detection_02")
    await face.face_lists.add_face("l", b"", detection_model="detection-02")  # error
    await face.person_directory.list_faces("p", recognition_model="recognition_04")
    await face.person_directory.list_faces("p", recognition_model="recog_04")  # error
    await face.liveness.create_session(liveness_operation_mode="PassiveActive")
    await face.liveness.create_session(liveness_operation_mode="Active")  # error
    await enroll_people(face, "g", "root", recognition_model="recognition_04")
    await enroll_people(face, "g", "root", detection_model="detection_04")  # error
    group = await face.person_groups.get("g", return_recognition_model=True)
    await face.detect(b"", recognition_model=group.recognition_model)
"""


def test_mypy_refuses_misspelt_names_and_takes_right_ones(tmp_path: Path) -> None:
    program = tmp_path / "user_program.py"
    program.write_text(PROGRAM)
    expected = {
        number for number, line in enumerate(PROGRAM.splitlines(), 1) if line.endswith("# error")
    }
    stdout, stderr, _ = mypy_api.run(
        [
            "--strict",
            "--no-incremental",
            "--config-file",
            "",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(program),
        ]
    )
    reported = {
        int(found.group(1))
        for found in re.finditer(rf"^{re.escape(str(program))}:(\d+): error:", stdout, re.M)
    }
    assert reported == expected, stdout + stderr
    assert len(expected) == 10
