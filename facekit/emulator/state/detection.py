"""Detect, and the face ids it hands out (they expire after their time to live)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..checks import (
    DETECTION_MODELS,
    RECOGNITION_MODELS,
    check_attributes,
    is_uuid,
    readable_image,
)
from ..errors import ServiceError, bad
from ..images.records import FoundFace
from ..recognition import Vector, feature_vector
from ..settings import EmulatorSettings

__all__ = ["DetectOptions", "DetectedFace", "DetectedFaces", "Detection"]

#: Detect answers at most this many faces, the largest first.
MAX_DETECTED_FACES = 100


@dataclass(frozen=True)
class DetectOptions:
    """What a detect request asks for (its query parameters, defaults applied)."""

    return_face_id: bool = True
    return_landmarks: bool = False
    attributes: Sequence[str] = field(default_factory=tuple)
    recognition_model: str = "recognition_01"
    return_recognition_model: bool = False
    detection_model: str = "detection_01"
    ttl: int = 86400


@dataclass(frozen=True)
class Detection:
    """A face detect found, with the face id it was given (None when none was asked for)."""

    face_id: str | None
    face: FoundFace


@dataclass
class DetectedFace:
    """A face id handed out by detect: who it shows, until when, for which model."""

    face_id: str
    identity: str
    variant: int
    vector: Vector
    recognition_model: str
    expires_at: float


class DetectedFaces:
    """The account's detected faces by face id."""

    def __init__(self, settings: EmulatorSettings, clock: Callable[[], float]) -> None:
        self.settings = settings
        self.clock = clock
        self._all: dict[str, DetectedFace] = {}

    def advance(self, now: float) -> None:
        """Forget the face ids that have expired by `now`."""
        expired = [fid for fid, face in self._all.items() if face.expires_at <= now]
        for face_id in expired:
            del self._all[face_id]

    def detect(self, image: bytes, options: DetectOptions) -> list[Detection]:
        """The faces in `image`, largest first, each given a face id when asked for."""
        detection_model = options.detection_model
        recognition_model = options.recognition_model
        if detection_model not in DETECTION_MODELS:
            raise bad("'detectionModel' is invalid.")
        if recognition_model not in RECOGNITION_MODELS:
            raise bad("'recognitionModel' is invalid.")
        check_attributes(options.attributes, detection_model, recognition_model, self.settings)
        if options.return_landmarks and detection_model == "detection_02":
            raise bad("'returnFaceLandmarks' is not supported by detection_02.")
        if not 60 <= options.ttl <= 86400:
            raise bad("'faceIdTimeToLive' is invalid, the valid range is [60, 86400].")
        found = readable_image(image).faces
        ordered = sorted(found, key=lambda f: f.rect.width * f.rect.height, reverse=True)
        now = self.clock()
        detections = []
        for face in ordered[:MAX_DETECTED_FACES]:
            face_id = None
            if options.return_face_id:
                face_id = str(uuid.uuid4())
                self._all[face_id] = DetectedFace(
                    face_id,
                    face.identity,
                    face.variant,
                    feature_vector(face.identity, face.variant),
                    recognition_model,
                    now + options.ttl,
                )
            detections.append(Detection(face_id, face))
        return detections

    def find(self, face_id: object, *, status: int = 400) -> DetectedFace:
        """A live face id, or FaceNotFound with `status` (a malformed id is a BadArgument)."""
        if not isinstance(face_id, str) or not is_uuid(face_id):
            raise bad("Face ID is invalid.")
        found = self._all.get(face_id.lower())
        if found is None:
            raise ServiceError(status, "FaceNotFound", f"Face {face_id} is not found.")
        return found

    def get(self, face_id: str) -> DetectedFace | None:
        """A live face id, or None."""
        return self._all.get(face_id.lower())
