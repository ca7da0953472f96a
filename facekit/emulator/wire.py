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
from .images.records import FoundFace
from .recognition import Grouping, Identification, SimilarFace, Verdict
from .settings import Kind
from .state import (
    Container,
    Detection,
    DetectOptions,
    DirectoryFace,
    DirectoryPerson,
    DynamicGroup,
    LivenessAttempt,
    LivenessSessionRecord,
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
    "directory_faces",
    "directory_operation_headers",
    "directory_person",
    "dynamic_group",
    "error",
    "face_list",
    "gateway_error",
    "group_members",
    "group_references",
    "grouping",
    "identifications",
    "is_modern",
    "iso",
    "liveness_audit_entry",
    "liveness_created",
    "liveness_session",
    "liveness_session_item",
    "liveness_settings",
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
    """v1.1 and later: camelCase statuses, trainings behind operation-Location."""
    return not version.startswith("v1.0")


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


def created_person(item: Person | DirectoryPerson) -> dict[str, Any]:
    """The reply to a person's creation (a directory person's 202 too)."""
    return {"personId": item.person_id}


def persisted_face(item: StoredFace | DirectoryFace) -> dict[str, Any]:
    """A persisted face (of a group, a list or a directory person) as Get/List write it."""
    body: dict[str, Any] = {"persistedFaceId": item.persisted_face_id}
    if item.user_data is not None:
        body["userData"] = item.user_data
    return body


def added_face(item: StoredFace | DirectoryFace) -> dict[str, Any]:
    """The reply to an added face (a directory face's 202 too)."""
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


# -- the PersonDirectory --------------------------------------------------------------------


def directory_person(item: DirectoryPerson) -> dict[str, Any]:
    """A directory person as Get/List write it."""
    body: dict[str, Any] = {"personId": item.person_id, "name": item.name}
    if item.user_data is not None:
        body["userData"] = item.user_data
    return body


def directory_faces(person_id: str, face_ids: Sequence[str]) -> dict[str, Any]:
    """A person's faces of one recognition model."""
    return {"personId": person_id, "persistedFaceIds": list(face_ids)}


def dynamic_group(item: DynamicGroup) -> dict[str, Any]:
    """A dynamic person group as Get/List write it."""
    body: dict[str, Any] = {"dynamicPersonGroupId": item.group_id, "name": item.name}
    if item.user_data is not None:
        body["userData"] = item.user_data
    return body


def group_members(person_ids: Sequence[str]) -> dict[str, Any]:
    """A page of the persons a dynamic person group references."""
    return {"personIds": list(person_ids)}


def group_references(person_id: str, group_ids: Sequence[str], version: str) -> dict[str, Any]:
    """A page of the groups that reference a person (v1.0-preview repeats the person id)."""
    if is_modern(version):
        return {"dynamicPersonGroupIds": list(group_ids)}
    return {"personId": person_id, "dynamicPersonGroupIds": list(group_ids)}


def directory_operation_headers(
    base: str, version: str, operation: Operation, location: str | None
) -> dict[str, str]:
    """Headers of a PersonDirectory write's 202.

    v1.0-preview: a relative Operation-Location. v1.1 and later: an absolute
    operation-Location, and `Location` (a path under the API, absolute on the wire): the
    created person or face, else the operation's own status (as older v1.1-preview.1
    replies name it, with `Location` alone).
    """
    if not is_modern(version):
        return {"Operation-Location": f"/operations/{operation.operation_id}"}
    api = f"{base}/face/{version}"
    headers = {"operation-Location": f"{api}/operations/{operation.operation_id}"}
    if location is not None:
        headers["Location"] = api + location
    return headers


# -- liveness sessions ------------------------------------------------------------------------


def _rectangle(face: FoundFace) -> dict[str, int]:
    rect = face.rect
    return {"top": rect.top, "left": rect.left, "width": rect.width, "height": rect.height}


def _targets(face: FoundFace) -> dict[str, Any]:
    return {"color": {"faceRectangle": _rectangle(face)}}


def _ga_attempt(
    record: LivenessSessionRecord, attempt: LivenessAttempt, version: str
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "attemptId": attempt.attempt_id,
        "attemptStatus": "Succeeded" if attempt.succeeded else "Failed",
    }
    if attempt.succeeded:
        result: dict[str, Any] = {
            "livenessDecision": attempt.decision,
            "targets": _targets(attempt.face),
            "digest": attempt.digest,
        }
        if attempt.session_image_id is not None:
            result["sessionImageId"] = attempt.session_image_id
        if attempt.verify is not None and record.reference is not None:
            confidence, identical = attempt.verify
            result["verifyResult"] = {"matchConfidence": confidence, "isIdentical": identical}
            if record.return_verify_image_hash:
                result["verifyImageHash"] = record.reference.image_hash
        body["result"] = result
    else:
        body["error"] = {
            "code": attempt.error_code,
            "message": attempt.error_message,
            "targets": _targets(attempt.face),
        }
    if version == "v1.3-preview.1":
        body["clientInformation"] = [{"ip": attempt.client_ip}]
        if record.abuse_monitoring:
            flagged = []
            for session_id, attempt_id, image_id in attempt.flagged:
                other: dict[str, Any] = {"attemptId": attempt_id, "sessionId": session_id}
                if image_id is not None:
                    other["sessionImageId"] = image_id
                flagged.append(other)
            body["abuseMonitoringResult"] = {
                "isAbuseDetected": bool(flagged),
                "otherFlaggedSessions": flagged,
            }
    return body


def liveness_session(record: LivenessSessionRecord, now: float, version: str) -> dict[str, Any]:
    """A session as `version` reads it back (and, in v1.2 and v1.3, creates it).

    v1.2 and v1.3-preview.1: status, model and every attempt, the latest first (with the
    verify image's face for with-verify sessions). The previews: the session's times,
    whether its token expired, and the audit entry of the latest attempt.
    """
    if version in ("v1.2-preview.1", "v1.1-preview.1"):
        preview = liveness_session_item(record, now)
        preview["status"] = record.preview_status()
        if record.attempts:
            preview["result"] = liveness_audit_entry(record, record.attempts[-1], version)
        return preview
    results: dict[str, Any] = {
        "attempts": [_ga_attempt(record, a, version) for a in reversed(record.attempts)]
    }
    if record.kind == "verify":
        reference = record.reference
        results["verifyReferences"] = (
            []
            if reference is None
            else [
                {
                    "referenceType": "image",
                    "faceRectangle": _rectangle(reference.face),
                    "qualityForRecognition": reference.quality,
                }
            ]
        )
    body: dict[str, Any] = {
        "sessionId": record.session_id,
        "authToken": record.auth_token,
        "status": record.status(now),
        "modelVersion": record.model_version,
    }
    if version == "v1.3-preview.1":
        body["isAbuseMonitoringEnabled"] = record.abuse_monitoring
        if record.expected_client_ip is not None:
            body["expectedClientIpAddress"] = record.expected_client_ip
    body["results"] = results
    return body


def liveness_created(record: LivenessSessionRecord) -> dict[str, Any]:
    """The previews' answer to a creation: the id and token (and the verify image's face)."""
    body: dict[str, Any] = {"sessionId": record.session_id, "authToken": record.auth_token}
    if record.reference is not None:
        body["verifyImage"] = {
            "faceRectangle": _rectangle(record.reference.face),
            "qualityForRecognition": record.reference.quality,
        }
    return body


def liveness_session_item(record: LivenessSessionRecord, now: float) -> dict[str, Any]:
    """A session as the previews list it."""
    body: dict[str, Any] = {
        "id": record.session_id,
        "createdDateTime": iso(record.created_at),
    }
    if record.attempts:
        body["sessionStartDateTime"] = iso(record.attempts[0].at)
    body["sessionExpired"] = record.expired(now)
    if record.device_correlation_id is not None:
        body["deviceCorrelationId"] = record.device_correlation_id
    body["authTokenTimeToLiveInSeconds"] = record.ttl
    return body


def liveness_audit_entry(
    record: LivenessSessionRecord, attempt: LivenessAttempt, version: str
) -> dict[str, Any]:
    """One attempt as the previews audit it: the device's request and the answer."""
    path = "detectlivenesswithverify" if record.kind == "verify" else "detectliveness"
    answer: dict[str, Any] = {}
    if attempt.succeeded:
        answer = {
            "livenessDecision": attempt.decision,
            "target": {
                "faceRectangle": _rectangle(attempt.face),
                "fileName": "content.bin",
                "timeOffsetWithinFile": 0,
                "imageType": "Color",
            },
            "modelVersionUsed": record.model_version,
        }
        if attempt.verify is not None and record.reference is not None:
            confidence, identical = attempt.verify
            answer["verifyResult"] = {
                "verifyImage": {
                    "faceRectangle": _rectangle(record.reference.face),
                    "qualityForRecognition": record.reference.quality,
                },
                "matchConfidence": confidence,
                "isIdentical": identical,
            }
    body: dict[str, Any] = {
        "id": attempt.audit_id,
        "sessionId": record.session_id,
        "requestId": attempt.request_id,
        "clientRequestId": attempt.client_request_id,
        "receivedDateTime": iso(attempt.at),
        "request": {
            "url": f"/face/{version}/{path}/singlemodal",
            "method": "POST",
            "contentLength": 18,
            "contentType": "multipart/form-data",
            "userAgent": "facekit-emulator (simulated device)",
        },
        "response": {
            "body": answer,
            "statusCode": 200 if attempt.succeeded else 400,
            "latencyInMilliseconds": 120,
        },
        "digest": attempt.digest,
    }
    if attempt.session_image_id is not None:
        body["sessionImageId"] = attempt.session_image_id
    if record.reference is not None and record.return_verify_image_hash:
        body["verifyImageHash"] = record.reference.image_hash
    return body


def liveness_settings(enabled: bool) -> dict[str, Any]:
    """v1.3-preview.1's liveness settings."""
    return {"livenessAbuseMonitoring": {"enabled": enabled}}
