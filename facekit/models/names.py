"""Names the API takes as plain strings, as `Literal` types for IDEs and type checkers.

A parameter typed with one of these takes the string (`detection_model="detection_03"`)
or the matching enum member (`DetectionModel.DETECTION_03`); a type checker refuses a
misspelt string such as `"detection_99"`. At run time facekit's own checks decide, as
before: they take any well-formed model name, so a model the service adds after this
release can be sent. To send one while type-checking, wrap it in its enum:
`RecognitionModel("recognition_05")` keeps a value it does not know.

The values are those of the Face API specs (v1.0 through v1.3-preview.1); a test holds
them equal to the specs' enums.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

__all__ = [
    "DetectionModelName",
    "FaceAttributeName",
    "FindSimilarModeName",
    "LivenessOperationModeName",
    "RecognitionModelName",
    "SnapshotApplyModeName",
    "SnapshotObjectTypeName",
]

DetectionModelName: TypeAlias = Literal["detection_01", "detection_02", "detection_03"]
"""A detection model (detection_02 returns no landmarks or attributes)."""

RecognitionModelName: TypeAlias = Literal[
    "recognition_01", "recognition_02", "recognition_03", "recognition_04"
]
"""A recognition model; a group's, list's or directory face's is fixed at creation."""

FaceAttributeName: TypeAlias = Literal[
    "age",
    "gender",
    "headPose",
    "smile",
    "facialHair",
    "glasses",
    "emotion",
    "hair",
    "makeup",
    "occlusion",
    "accessories",
    "blur",
    "exposure",
    "noise",
    "mask",
    "qualityForRecognition",
]
"""An attribute detect can return, in any API version.

emotion, gender and makeup exist only in v1.0; the retired and limited ones are refused at
run time unless `allow_retired_attributes=True`.
"""

FindSimilarModeName: TypeAlias = Literal["matchPerson", "matchFace"]
"""How find-similar matches: faces of the same person, or alike faces."""

LivenessOperationModeName: TypeAlias = Literal["Passive", "PassiveActive"]
"""How a liveness session checks the end user."""

SnapshotObjectTypeName: TypeAlias = Literal[
    "FaceList", "LargeFaceList", "LargePersonGroup", "PersonGroup"
]
"""The kind of group or list a snapshot is taken of."""

SnapshotApplyModeName: TypeAlias = Literal["CreateNew"]
"""How a snapshot is applied (CreateNew: the target must not exist yet)."""
