"""Results of detect, find similar, group, identify and verify."""

from __future__ import annotations

import attrs

from .enums import (
    AccessoryType,
    BlurLevel,
    ExposureLevel,
    Gender,
    GlassesType,
    HairColorType,
    MaskType,
    NoiseLevel,
    QualityForRecognition,
    RecognitionModel,
)

__all__ = [
    "Accessory",
    "Blur",
    "Coordinate",
    "DetectedFace",
    "Emotion",
    "Exposure",
    "FaceAttributes",
    "FaceLandmarks",
    "FaceRectangle",
    "FacialHair",
    "GroupResult",
    "Hair",
    "HairColor",
    "HeadPose",
    "IdentifyCandidate",
    "IdentifyResult",
    "Makeup",
    "Mask",
    "Noise",
    "Occlusion",
    "SimilarFace",
    "VerifyResult",
]


@attrs.frozen(kw_only=True)
class FaceRectangle:
    """Where a face is in the image, in pixels."""

    left: int
    top: int
    width: int
    height: int

    def as_target_face(self) -> tuple[int, int, int, int]:
        """The (left, top, width, height) tuple that `target_face` parameters take."""
        return (self.left, self.top, self.width, self.height)


@attrs.frozen(kw_only=True)
class Coordinate:
    """A point of the image, in pixels."""

    x: float
    y: float


@attrs.frozen(kw_only=True)
class FaceLandmarks:
    """The 27 landmarks of a face; each may be missing if the service omits it."""

    pupil_left: Coordinate | None = None
    pupil_right: Coordinate | None = None
    nose_tip: Coordinate | None = None
    mouth_left: Coordinate | None = None
    mouth_right: Coordinate | None = None
    eyebrow_left_outer: Coordinate | None = None
    eyebrow_left_inner: Coordinate | None = None
    eye_left_outer: Coordinate | None = None
    eye_left_top: Coordinate | None = None
    eye_left_bottom: Coordinate | None = None
    eye_left_inner: Coordinate | None = None
    eyebrow_right_inner: Coordinate | None = None
    eyebrow_right_outer: Coordinate | None = None
    eye_right_inner: Coordinate | None = None
    eye_right_top: Coordinate | None = None
    eye_right_bottom: Coordinate | None = None
    eye_right_outer: Coordinate | None = None
    nose_root_left: Coordinate | None = None
    nose_root_right: Coordinate | None = None
    nose_left_alar_top: Coordinate | None = None
    nose_right_alar_top: Coordinate | None = None
    nose_left_alar_out_tip: Coordinate | None = None
    nose_right_alar_out_tip: Coordinate | None = None
    upper_lip_top: Coordinate | None = None
    upper_lip_bottom: Coordinate | None = None
    under_lip_top: Coordinate | None = None
    under_lip_bottom: Coordinate | None = None


@attrs.frozen(kw_only=True)
class FacialHair:
    """The `facialHair` attribute: each kind's length from 0 to 1."""

    moustache: float | None = None
    beard: float | None = None
    sideburns: float | None = None


@attrs.frozen(kw_only=True)
class HeadPose:
    """The `headPose` attribute: roll, yaw and pitch in degrees."""

    roll: float | None = None
    yaw: float | None = None
    pitch: float | None = None


@attrs.frozen(kw_only=True)
class Emotion:
    """The `emotion` attribute: a confidence from 0 to 1 per emotion."""

    anger: float | None = None
    contempt: float | None = None
    disgust: float | None = None
    fear: float | None = None
    happiness: float | None = None
    neutral: float | None = None
    sadness: float | None = None
    surprise: float | None = None


@attrs.frozen(kw_only=True)
class HairColor:
    """One colour of the `hair` attribute, with its confidence."""

    color: HairColorType | None = None
    confidence: float | None = None


@attrs.frozen(kw_only=True)
class Hair:
    """The `hair` attribute: baldness (0 to 1), whether the hair is hidden, its colours."""

    bald: float | None = None
    invisible: bool | None = None
    hair_color: list[HairColor] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class Makeup:
    """The `makeup` attribute: eye and lip makeup."""

    eye_makeup: bool | None = None
    lip_makeup: bool | None = None


@attrs.frozen(kw_only=True)
class Occlusion:
    """The `occlusion` attribute: whether forehead, eyes or mouth are covered."""

    forehead_occluded: bool | None = None
    eye_occluded: bool | None = None
    mouth_occluded: bool | None = None


@attrs.frozen(kw_only=True)
class Accessory:
    """One entry of the `accessories` attribute, with its confidence."""

    type: AccessoryType | None = None
    confidence: float | None = None


@attrs.frozen(kw_only=True)
class Blur:
    """The `blur` attribute: a level and a value from 0 to 1."""

    blur_level: BlurLevel | None = None
    value: float | None = None


@attrs.frozen(kw_only=True)
class Exposure:
    """The `exposure` attribute: a level and a value from 0 to 1."""

    exposure_level: ExposureLevel | None = None
    value: float | None = None


@attrs.frozen(kw_only=True)
class Noise:
    """The `noise` attribute: a level and a value from 0 to 1."""

    noise_level: NoiseLevel | None = None
    value: float | None = None


@attrs.frozen(kw_only=True)
class Mask:
    """The `mask` attribute: its kind and whether it covers nose and mouth."""

    type: MaskType | None = None
    nose_and_mouth_covered: bool | None = None


@attrs.frozen(kw_only=True)
class FaceAttributes:
    """The attributes asked for with `return_face_attributes`; the rest stay None."""

    age: float | None = None
    gender: Gender | None = None
    smile: float | None = None
    facial_hair: FacialHair | None = None
    glasses: GlassesType | None = None
    head_pose: HeadPose | None = None
    emotion: Emotion | None = None
    hair: Hair | None = None
    makeup: Makeup | None = None
    occlusion: Occlusion | None = None
    accessories: list[Accessory] | None = None
    blur: Blur | None = None
    exposure: Exposure | None = None
    noise: Noise | None = None
    mask: Mask | None = None
    quality_for_recognition: QualityForRecognition | None = None


@attrs.frozen(kw_only=True)
class DetectedFace:
    """One face found by detect; `face_id` is None when detect ran with `return_face_id=False`."""

    face_rectangle: FaceRectangle
    face_id: str | None = None
    recognition_model: RecognitionModel | None = None
    face_landmarks: FaceLandmarks | None = None
    face_attributes: FaceAttributes | None = None


@attrs.frozen(kw_only=True)
class SimilarFace:
    """A find-similar candidate: `face_id` for faceIds, `persisted_face_id` for lists."""

    confidence: float
    face_id: str | None = None
    persisted_face_id: str | None = None


@attrs.frozen(kw_only=True)
class GroupResult:
    """Faces partitioned by similarity; `messy_group` holds faces similar to none."""

    groups: list[list[str]]
    messy_group: list[str] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class IdentifyCandidate:
    """A person of the group a face may be, with identify's confidence."""

    person_id: str
    confidence: float


@attrs.frozen(kw_only=True)
class IdentifyResult:
    """Candidates for one query face, best first; empty when nobody matched."""

    face_id: str
    candidates: list[IdentifyCandidate]


@attrs.frozen(kw_only=True)
class VerifyResult:
    """Whether two faces (or a face and a person) are the same person, and how sure."""

    is_identical: bool
    confidence: float
