"""The service's JSON: every record as the Face API writes it, per API version.

The one place that knows the wire's names (camelCase), its timestamps, which fields each
version sends and how it spells statuses ("notstarted" in v1.0, "notStarted" later), and
where an operation is found (Operation-Location). The HTTP handlers reply with these shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from .images.attributes import attributes, landmarks
from .recognition import Grouping, Identification, SimilarFace, Verdict
from .settings import Kind
from .state import (
    Container,
    Detection,
    DetectOptions,
    Operation,
    Person,
    Snapshot,
    StoredFace,
    TrainingStatus,
)

__all__ = [
    "added_face",
    "container",
    "created_person",
    "detections",
    "error",
    "face_list",
    "gateway_error",
    "grouping",
    "identifications",
    "is_modern",
    "iso",
    "operation_location",
    "operation_status",
    "persisted_face",
    "person",
    "similar_faces",
    "snapshot",
    "training_location",
    "training_status",
    "verdict",
]

_ID_KEYS = {
    Kind.PERSON_GROUP: "personGroupId",
    Kind.LARGE_PERSON_GROUP: "largePersonGroupId",
    Kind.FACE_LIST: "faceListId",
    Kind.LARGE_FACE_LIST: "largeFaceListId",
}


def is_modern(version: str) -> bool:
    """v1.2, its preview and v1.3-preview.1: camelCase statuses, operation-Location."""
    return version not in ("v1.0", "v1.0-preview")


def iso(timestamp: float) -> str:
    """UTC timestamp as the service writes it (7 fractional digits, Z)."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def _status(phase: str, *, camel: bool) -> str:
    return "notStarted" if phase == "notstarted" and camel else phase


# -- errors ---------------------------------------------------------------------------------


def error(code: str, message: str) -> dict[str, Any]:
    """The service's error body."""
    return {"error": {"code": code, "message": message}}


def gateway_error(status: int, message: str) -> dict[str, Any]:
    """The API gateway's error body (a rate-limit 429 has a statusCode, not a code)."""
    return {"error": {"statusCode": status, "message": message}}


# -- containers, persons, faces -------------------------------------------------------------


def container(item: Container, *, with_model: bool) -> dict[str, Any]:
    """A group or list as Get/List write it; a face list's Get adds its persisted faces."""
    body: dict[str, Any] = {_ID_KEYS[item.kind]: item.container_id, "name": item.name}
    if item.user_data is not None:
        body["userData"] = item.user_data
    if with_model:
        body["recognitionModel"] = item.recognition_model
    return body


def face_list(item: Container, *, with_model: bool) -> dict[str, Any]:
    """FaceList_Get: the list and its persisted faces."""
    body = container(item, with_model=with_model)
    body["persistedFaces"] = [persisted_face(f) for f in item.faces.values()]
    return body


def person(item: Person) -> dict[str, Any]:
    """A person as Get/List write it."""
    body: dict[str, Any] = {"personId": item.person_id, "name": item.name}
    if item.user_data is not None:
        body["userData"] = item.user_data
    body["persistedFaceIds"] = list(item.faces)
    return body


def created_person(item: Person) -> dict[str, Any]:
    """The reply to a person's creation."""
    return {"personId": item.person_id}


def persisted_face(item: StoredFace) -> dict[str, Any]:
    """A persisted face as Get/List write it."""
    body: dict[str, Any] = {"persistedFaceId": item.persisted_face_id}
    if item.user_data is not None:
        body["userData"] = item.user_data
    return body


def added_face(item: StoredFace) -> dict[str, Any]:
    """The reply to an added face."""
    return {"persistedFaceId": item.persisted_face_id}


# -- trainings and operations ---------------------------------------------------------------


def training_status(status: TrainingStatus, version: str) -> dict[str, Any]:
    """TrainingStatus as `version` writes it.

    v1.0 and its preview write "notstarted" and every field, nulls too; v1.2 writes
    "notStarted" and leaves out the null fields but message.
    """
    modern = is_modern(version)
    body: dict[str, Any] = {
        "status": _status(status.status, camel=modern),
        "createdDateTime": iso(status.created_at),
        "lastActionDateTime": None if status.last_action_at is None else iso(status.last_action_at),
        "message": status.message,
    }
    if status.last_success_at is not None:
        body["lastSuccessfulTrainingDateTime"] = iso(status.last_success_at)
    if modern:
        body = {k: v for k, v in body.items() if v is not None or k == "message"}
    return body


def training_location(base: str, version: str, operation_id: str) -> dict[str, str]:
    """Headers of a training's 202: since v1.1 it is followed at operation-Location.

    `base` is the endpoint the request came to (scheme and host).
    """
    if not is_modern(version):
        return {}
    return {"operation-Location": f"{base}/face/{version}/operations/{operation_id}"}


def operation_location(operation: Operation) -> dict[str, str]:
    """Headers of a snapshot take/apply's 202: a location relative to the API path."""
    return {"Operation-Location": f"/operations/{operation.operation_id}"}


def operation_status(operation: Operation, now: float, version: str) -> dict[str, Any]:
    """OperationStatus at `now`: v1.2 (operationId, finishedTime) or v1.0's shape.

    v1.0 writes "notstarted", v1.0-preview "notStarted" and a finishedTime once done.
    """
    phase = operation.phase(now)
    last = min(now, operation.ends_at)
    if is_modern(version):
        return {
            "operationId": operation.operation_id,
            "status": _status(phase, camel=True),
            "createdTime": iso(operation.created_at),
            "lastActionTime": iso(last),
            "finishedTime": iso(operation.ends_at) if operation.done else None,
            "message": operation.message,
        }
    body: dict[str, Any] = {
        "status": _status(phase, camel=version != "v1.0"),
        "createdTime": iso(operation.created_at),
        "lastActionTime": iso(last),
        "resourceLocation": operation.resource_location if phase == "succeeded" else None,
        "message": operation.message if phase == "failed" else None,
    }
    if version == "v1.0-preview" and operation.done:
        body["finishedTime"] = iso(operation.ends_at)
    return body


# -- snapshots ------------------------------------------------------------------------------


def snapshot(item: Snapshot) -> dict[str, Any]:
    """A snapshot as Get/List write it."""
    body: dict[str, Any] = {
        "id": item.snapshot_id,
        "account": item.account_id,
        "type": item.kind.label,
        "applyScope": list(item.apply_scope),
        "createdTime": iso(item.created_at),
        "lastUpdateTime": iso(item.updated_at),
    }
    if item.user_data is not None:
        body["userData"] = item.user_data
    return body


# -- detect and recognition -----------------------------------------------------------------


def detections(found: Iterable[Detection], options: DetectOptions) -> list[dict[str, Any]]:
    """Detect's faces with what the request asked for: id, model, landmarks, attributes."""
    return [_detection(item, options) for item in found]


def _detection(item: Detection, options: DetectOptions) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if item.face_id is not None:
        body["faceId"] = item.face_id
    if options.return_recognition_model:
        body["recognitionModel"] = options.recognition_model
    rect = item.face.rect
    body["faceRectangle"] = {
        "top": rect.top,
        "left": rect.left,
        "width": rect.width,
        "height": rect.height,
    }
    if options.return_landmarks:
        body["faceLandmarks"] = landmarks(item.face)
    if options.attributes:
        body["faceAttributes"] = attributes(
            item.face, options.attributes, options.detection_model, options.recognition_model
        )
    return body


def _confidence(value: float) -> float:
    """Confidences are written with five decimals."""
    return round(value, 5)


def identifications(results: Sequence[Identification]) -> list[dict[str, Any]]:
    """Identify's answer."""
    return [
        {
            "faceId": result.face_id,
            "candidates": [
                {"personId": c.person_id, "confidence": _confidence(c.confidence)}
                for c in result.candidates
            ],
        }
        for result in results
    ]


def verdict(result: Verdict) -> dict[str, Any]:
    """Verify's answer."""
    return {"isIdentical": result.is_identical, "confidence": _confidence(result.confidence)}


def similar_faces(results: Sequence[SimilarFace]) -> list[dict[str, Any]]:
    """Find-similar's answer: faceId or persistedFaceId, with the confidence."""
    return [
        {
            ("persistedFaceId" if s.persisted else "faceId"): s.face_id,
            "confidence": _confidence(s.confidence),
        }
        for s in results
    ]


def grouping(result: Grouping) -> dict[str, Any]:
    """Group's answer."""
    return {"groups": [list(g) for g in result.groups], "messyGroup": list(result.messy)}
