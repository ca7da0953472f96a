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
    RECOGNITION_01 = "recognition_01"
    RECOGNITION_02 = "recognition_02"
    RECOGNITION_03 = "recognition_03"
    RECOGNITION_04 = "recognition_04"


class DetectionModel(FaceEnum):
    DETECTION_01 = "detection_01"
    DETECTION_02 = "detection_02"
    DETECTION_03 = "detection_03"


class FaceAttributeType(FaceEnum):
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
    MALE = "male"
    FEMALE = "female"


class GlassesType(FaceEnum):
    NO_GLASSES = "noGlasses"
    READING_GLASSES = "readingGlasses"
    SUNGLASSES = "sunglasses"
    SWIMMING_GOGGLES = "swimmingGoggles"


class HairColorType(FaceEnum):
    UNKNOWN = "unknown"
    WHITE = "white"
    GRAY = "gray"
    BLOND = "blond"
    BROWN = "brown"
    RED = "red"
    BLACK = "black"
    OTHER = "other"


class AccessoryType(FaceEnum):
    HEAD_WEAR = "headWear"
    GLASSES = "glasses"
    MASK = "mask"


class BlurLevel(FaceEnum):
    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"


class ExposureLevel(FaceEnum):
    UNDER_EXPOSURE = "UnderExposure"
    GOOD_EXPOSURE = "GoodExposure"
    OVER_EXPOSURE = "OverExposure"


class NoiseLevel(FaceEnum):
    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"


class MaskType(FaceEnum):
    NO_MASK = "noMask"
    FACE_MASK = "faceMask"
    OTHER_MASK_OR_OCCLUSION = "otherMaskOrOcclusion"
    UNCERTAIN = "uncertain"


class QualityForRecognition(FaceEnum):
    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"


class FindSimilarMatchMode(FaceEnum):
    MATCH_PERSON = "matchPerson"
    MATCH_FACE = "matchFace"


class TrainingStatusType(FaceEnum):
    NOT_STARTED = "notstarted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class OperationStatusType(FaceEnum):
    NOT_STARTED = "notstarted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class SnapshotObjectType(FaceEnum):
    FACE_LIST = "FaceList"
    LARGE_FACE_LIST = "LargeFaceList"
    LARGE_PERSON_GROUP = "LargePersonGroup"
    PERSON_GROUP = "PersonGroup"


class SnapshotApplyMode(FaceEnum):
    CREATE_NEW = "CreateNew"
