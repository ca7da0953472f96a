"""Enumerations of the Face API. All parse case-insensitively and tolerate new values."""

from __future__ import annotations

from ._serde import FaceEnum

__all__ = [
    "AccessoryType",
    "BlurLevel",
    "DetectionModel",
    "ExposureLevel",
    "FaceAttributeType",
    "FindSimilarMatchMode",
    "Gender",
    "GlassesType",
    "HairColorType",
    "MaskType",
    "NoiseLevel",
    "OperationStatusType",
    "QualityForRecognition",
    "RecognitionModel",
    "SnapshotApplyMode",
    "SnapshotObjectType",
    "TrainingStatusType",
]


class RecognitionModel(FaceEnum):
    """The model that extracts face features; a group's or list's is fixed at creation."""

    RECOGNITION_01 = "recognition_01"
    RECOGNITION_02 = "recognition_02"
    RECOGNITION_03 = "recognition_03"
    RECOGNITION_04 = "recognition_04"


class DetectionModel(FaceEnum):
    """The model that finds faces (detection_02 returns no landmarks or attributes)."""

    DETECTION_01 = "detection_01"
    DETECTION_02 = "detection_02"
    DETECTION_03 = "detection_03"


class FaceAttributeType(FaceEnum):
    """An attribute detect can return (`return_face_attributes`)."""

    AGE = "age"
    GENDER = "gender"
    HEAD_POSE = "headPose"
    SMILE = "smile"
    FACIAL_HAIR = "facialHair"
    GLASSES = "glasses"
    EMOTION = "emotion"
    HAIR = "hair"
    MAKEUP = "makeup"
    OCCLUSION = "occlusion"
    ACCESSORIES = "accessories"
    BLUR = "blur"
    EXPOSURE = "exposure"
    NOISE = "noise"
    MASK = "mask"
    QUALITY_FOR_RECOGNITION = "qualityForRecognition"


class Gender(FaceEnum):
    """Values of the `gender` attribute."""

    MALE = "male"
    FEMALE = "female"


class GlassesType(FaceEnum):
    """Values of the `glasses` attribute."""

    NO_GLASSES = "noGlasses"
    READING_GLASSES = "readingGlasses"
    SUNGLASSES = "sunglasses"
    SWIMMING_GOGGLES = "swimmingGoggles"


class HairColorType(FaceEnum):
    """Colours of the `hair` attribute's `hair_color` entries."""

    UNKNOWN = "unknown"
    WHITE = "white"
    GRAY = "gray"
    BLOND = "blond"
    BROWN = "brown"
    RED = "red"
    BLACK = "black"
    OTHER = "other"


class AccessoryType(FaceEnum):
    """Kinds of the `accessories` attribute's entries."""

    HEAD_WEAR = "headWear"
    GLASSES = "glasses"
    MASK = "mask"


class BlurLevel(FaceEnum):
    """Levels of the `blur` attribute."""

    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"


class ExposureLevel(FaceEnum):
    """Levels of the `exposure` attribute."""

    UNDER_EXPOSURE = "UnderExposure"
    GOOD_EXPOSURE = "GoodExposure"
    OVER_EXPOSURE = "OverExposure"


class NoiseLevel(FaceEnum):
    """Levels of the `noise` attribute."""

    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"


class MaskType(FaceEnum):
    """Kinds of the `mask` attribute."""

    NO_MASK = "noMask"
    FACE_MASK = "faceMask"
    OTHER_MASK_OR_OCCLUSION = "otherMaskOrOcclusion"
    UNCERTAIN = "uncertain"


class QualityForRecognition(FaceEnum):
    """Whether a face's image is good enough to recognise it (attribute)."""

    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"


class FindSimilarMatchMode(FaceEnum):
    """How find-similar matches: faces of the same person, or alike faces."""

    MATCH_PERSON = "matchPerson"
    MATCH_FACE = "matchFace"


class TrainingStatusType(FaceEnum):
    """The state of a training."""

    NOT_STARTED = "notstarted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class OperationStatusType(FaceEnum):
    """The state of a snapshot take or apply operation."""

    NOT_STARTED = "notstarted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class SnapshotObjectType(FaceEnum):
    """What a snapshot holds: the kind of group or list it was taken of."""

    FACE_LIST = "FaceList"
    LARGE_FACE_LIST = "LargeFaceList"
    LARGE_PERSON_GROUP = "LargePersonGroup"
    PERSON_GROUP = "PersonGroup"


class SnapshotApplyMode(FaceEnum):
    """How a snapshot is applied (CreateNew: the target must not exist yet)."""

    CREATE_NEW = "CreateNew"
