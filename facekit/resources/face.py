"""Face operations: detect, find similar, group, identify, verify (Face_*)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final, Unpack

import attrs

from .. import _validation as check
from .._options import check_call_options
from ..coalesce import Coalescer, CoalesceSettings
from ..images import ImageInput, ProgressCallback, image_request
from ..models import DetectedFace, GroupResult, IdentifyResult, SimilarFace, VerifyResult
from ..models.enums import DetectionModel, FaceAttributeType, FindSimilarMatchMode, RecognitionModel
from ..models.names import (
    DetectionModelName,
    FaceAttributeName,
    FindSimilarModeName,
    RecognitionModelName,
)
from ..models.requests import (
    FindSimilarBody,
    GroupBody,
    IdentifyBody,
    ImageUrlBody,
    VerifyFaceToFaceBody,
    VerifyFaceToPersonBody,
)
from ..session import CallOptions
from .person_directory import check_targets, identify_person_ids

if TYPE_CHECKING:
    from ..session import FaceSession

__all__ = ["FaceOperations", "detect_query"]

#: Every operation of this resource in the REST API (v1.0 operationIds) and the method
#: that sends it.
OPERATIONS: Final[Mapping[str, str]] = {
    "Face_DetectWithStream": "FaceOperations.detect",
    "Face_DetectWithUrl": "FaceOperations.detect",
    "Face_FindSimilar": "FaceOperations.find_similar",
    "Face_Group": "FaceOperations.group",
    "Face_Identify": "FaceOperations.identify",
    "Face_VerifyFaceToFace": "FaceOperations.verify_face_to_face",
    "Face_VerifyFaceToPerson": "FaceOperations.verify_face_to_person",
}

MATCH_MODES = ("matchPerson", "matchFace")


class FaceOperations:
    """The Face_* operations; FaceClient offers them as its own methods.

    All of them only read state, so facekit retries them freely.
    """

    _session: FaceSession
    #: How identify calls are coalesced when they ask to be (None: not unless per call).
    _coalesce: CoalesceSettings | None = None
    _coalescer: Coalescer | None = None

    def _identify_coalescer(self) -> Coalescer:
        """The coalescer of this client's identify calls, made on first use."""
        if self._coalescer is None:
            settings = self._coalesce or CoalesceSettings()
            self._coalescer = Coalescer(settings, self._session.rate_limiter)
        return self._coalescer

    async def detect(
        self,
        image: ImageInput,
        *,
        return_face_id: bool | None = None,
        return_face_landmarks: bool | None = None,
        return_face_attributes: Sequence[FaceAttributeName | FaceAttributeType] | None = None,
        recognition_model: RecognitionModelName | RecognitionModel | None = None,
        return_recognition_model: bool | None = None,
        detection_model: DetectionModelName | DetectionModel | None = None,
        face_id_time_to_live: int | None = None,
        allow_retired_attributes: bool = False,
        progress: ProgressCallback | None = None,
        **options: Unpack[CallOptions],
    ) -> list[DetectedFace]:
        """Detect faces in an image or at a URL, largest first (at most 100).

        Parameters left at None are not sent, so the service's defaults apply. The
        service returns face ids unless `return_face_id=False` (v1.2 declares the default
        true, and v1.0 behaves the same), and face ids need Limited Access approval: a
        resource without it must pass `return_face_id=False`, or the call fails with
        `LimitedAccessError`. The retired and limited attributes (age, gender, emotion,
        smile, facialHair, hair, makeup) are refused before sending unless
        `allow_retired_attributes=True`; emotion, gender and makeup exist only in v1.0.
        """
        params = detect_query(
            self._session.config.api_version,
            return_face_id=return_face_id,
            return_face_landmarks=return_face_landmarks,
            return_face_attributes=return_face_attributes,
            recognition_model=recognition_model,
            return_recognition_model=return_recognition_model,
            detection_model=detection_model,
            face_id_time_to_live=face_id_time_to_live,
            allow_retired_attributes=allow_retired_attributes,
        )
        url, upload = image_request(image, progress)
        return await self._session.call(
            "POST",
            ["detect"],
            params=params,
            json=ImageUrlBody(url=url) if url is not None else None,
            upload=upload,
            idempotent=True,
            result=list[DetectedFace],
            options=options,
        )

    async def find_similar(
        self,
        face_id: str,
        *,
        face_ids: Sequence[str] | None = None,
        face_list_id: str | None = None,
        large_face_list_id: str | None = None,
        max_num_of_candidates_returned: int | None = None,
        mode: FindSimilarModeName | FindSimilarMatchMode | None = None,
        **options: Unpack[CallOptions],
    ) -> list[SimilarFace]:
        """Faces similar to `face_id` among exactly one of face_ids, a face list or a large one."""
        check.exactly_one(
            face_ids=face_ids, face_list_id=face_list_id, large_face_list_id=large_face_list_id
        )
        body = FindSimilarBody(
            face_id=check.uuid_id("face_id", face_id),
            face_ids=(
                check.uuid_list("face_ids", face_ids, min_items=1, max_items=1000)
                if face_ids is not None
                else None
            ),
            face_list_id=check.optional_container_id("face_list_id", face_list_id),
            large_face_list_id=check.optional_container_id(
                "large_face_list_id", large_face_list_id
            ),
            max_num_of_candidates_returned=check.int_range(
                "max_num_of_candidates_returned", max_num_of_candidates_returned, 1, 1000
            ),
            mode=check.choice("mode", mode, MATCH_MODES),
        )
        return await self._session.call(
            "POST",
            ["findsimilars"],
            json=body,
            idempotent=True,
            result=list[SimilarFace],
            options=options,
        )

    async def group(self, face_ids: Sequence[str], **options: Unpack[CallOptions]) -> GroupResult:
        """Partition 2..1000 faces into groups of the same person."""
        body = GroupBody(
            face_ids=check.uuid_list("face_ids", face_ids, min_items=2, max_items=1000)
        )
        return await self._session.call(
            "POST", ["group"], json=body, idempotent=True, result=GroupResult, options=options
        )

    async def identify(
        self,
        face_ids: Sequence[str],
        *,
        person_group_id: str | None = None,
        large_person_group_id: str | None = None,
        max_num_of_candidates_returned: int | None = None,
        confidence_threshold: float | None = None,
        dynamic_person_group_id: str | None = None,
        person_ids: Sequence[str] | None = None,
        coalesce: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> list[IdentifyResult]:
        """Who each of 1..10 faces is, in exactly one target.

        The target is a trained (large) person group, or the PersonDirectory: a dynamic
        person group (`dynamic_person_group_id`) or 1..30 directory persons (`person_ids`;
        `["*"]` is every person). The directory needs no training.
        `max_num_of_candidates_returned` left at None takes the service's default: one
        candidate per face in v1.0 and v1.0-preview, ten since v1.1.

        `coalesce` (None: the client's `coalesce_identify`) shares one request of up to
        10 face ids with concurrent calls of the same target, parameters and options
        (see facekit.coalesce); the result is this call's faces only, in the order given
        (10 face ids fill a request alone and go as without coalescing). A face the
        service refuses (FaceNotFound) fails only the call that sent it.
        """
        check_targets(
            self._session.config.api_version,
            person_group_id=person_group_id,
            large_person_group_id=large_person_group_id,
            dynamic_person_group_id=dynamic_person_group_id,
            person_ids=person_ids,
        )
        body = IdentifyBody(
            face_ids=check.uuid_list("face_ids", face_ids, min_items=1, max_items=10),
            person_group_id=check.optional_container_id("person_group_id", person_group_id),
            large_person_group_id=check.optional_container_id(
                "large_person_group_id", large_person_group_id
            ),
            max_num_of_candidates_returned=check.int_range(
                "max_num_of_candidates_returned", max_num_of_candidates_returned, 1, 100
            ),
            confidence_threshold=check.unit_interval("confidence_threshold", confidence_threshold),
            dynamic_person_group_id=check.optional_container_id(
                "dynamic_person_group_id", dynamic_person_group_id
            ),
            person_ids=identify_person_ids(person_ids) if person_ids is not None else None,
        )
        wanted = check.flag("coalesce", coalesce)
        if not (self._coalesce is not None if wanted is None else wanted):
            return await self._send_identify(body, options)
        settings = check_call_options(options, self._session.config)
        key = (
            body.person_group_id,
            body.large_person_group_id,
            body.dynamic_person_group_id,
            None if body.person_ids is None else tuple(body.person_ids),
            body.max_num_of_candidates_returned,
            body.confidence_threshold,
            settings.timeout,
            settings.retry,
            tuple(sorted(settings.headers.items())),
        )

        async def send(face_ids: list[str]) -> list[IdentifyResult]:
            return await self._send_identify(attrs.evolve(body, face_ids=face_ids), options)

        return await self._identify_coalescer().identify(key, body.face_ids, send)

    async def _send_identify(
        self, body: IdentifyBody, options: CallOptions
    ) -> list[IdentifyResult]:
        return await self._session.call(
            "POST",
            ["identify"],
            json=body,
            idempotent=True,
            result=list[IdentifyResult],
            options=options,
        )

    async def verify_face_to_face(
        self, face_id1: str, face_id2: str, **options: Unpack[CallOptions]
    ) -> VerifyResult:
        """Whether two detected faces belong to the same person."""
        body = VerifyFaceToFaceBody(
            face_id1=check.uuid_id("face_id1", face_id1),
            face_id2=check.uuid_id("face_id2", face_id2),
        )
        return await self._session.call(
            "POST", ["verify"], json=body, idempotent=True, result=VerifyResult, options=options
        )

    async def verify_face_to_person(
        self,
        face_id: str,
        person_id: str,
        *,
        person_group_id: str | None = None,
        large_person_group_id: str | None = None,
        person_directory: bool = False,
        **options: Unpack[CallOptions],
    ) -> VerifyResult:
        """Whether a detected face belongs to a person of exactly one (large) person group.

        With `person_directory=True` instead, the person is one of the PersonDirectory.
        """
        directory = check.flag("person_directory", person_directory)
        check_targets(
            self._session.config.api_version,
            person_group_id=person_group_id,
            large_person_group_id=large_person_group_id,
            person_directory=True if directory else None,
        )
        body = VerifyFaceToPersonBody(
            face_id=check.uuid_id("face_id", face_id),
            person_id=check.uuid_id("person_id", person_id),
            person_group_id=check.optional_container_id("person_group_id", person_group_id),
            large_person_group_id=check.optional_container_id(
                "large_person_group_id", large_person_group_id
            ),
        )
        return await self._session.call(
            "POST", ["verify"], json=body, idempotent=True, result=VerifyResult, options=options
        )


def detect_query(
    api_version: str,
    *,
    return_face_id: bool | None,
    return_face_landmarks: bool | None,
    return_face_attributes: Sequence[FaceAttributeName | FaceAttributeType] | None,
    recognition_model: RecognitionModelName | RecognitionModel | None,
    return_recognition_model: bool | None,
    detection_model: DetectionModelName | DetectionModel | None,
    face_id_time_to_live: int | None,
    allow_retired_attributes: bool,
) -> dict[str, object]:
    """The query of a detect request in `api_version`, every option checked."""
    detection = check.model_name("detection_model", detection_model)
    landmarks = check.flag("return_face_landmarks", return_face_landmarks)
    check.landmarks_allowed(landmarks, detection)
    allow_retired = check.flag("allow_retired_attributes", allow_retired_attributes)
    recognition = check.model_name("recognition_model", recognition_model)
    return {
        "returnFaceId": check.flag("return_face_id", return_face_id),
        "returnFaceLandmarks": landmarks,
        "returnFaceAttributes": check.face_attributes(
            return_face_attributes,
            detection,
            api_version=api_version,
            allow_retired=bool(allow_retired),
            recognition_model=recognition,
        ),
        "recognitionModel": recognition,
        "returnRecognitionModel": check.flag("return_recognition_model", return_recognition_model),
        "detectionModel": detection,
        "faceIdTimeToLive": check.int_range(
            "face_id_time_to_live", face_id_time_to_live, 60, 86400
        ),
    }
