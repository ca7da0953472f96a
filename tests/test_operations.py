"""Every Face v1.0 operation against Microsoft's own example for it.

The expected request (method, path, query, headers, body) is derived from the swagger spec
and the example's parameters, not written by hand; the example's response is served back and
every field in it must arrive in the parsed result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

import attrs
import pytest

from facekit import FaceClient
from facekit.models import OperationLocation
from facekit.models._serde import FaceEnum, parse_datetime

from .conftest import KEY, image_bytes
from .fake_transport import Canned, FakeTransport, Sent
from .spec import EXAMPLES, operations

# Placeholders in the examples ("{Image Url here}") are not URLs; this one stands in for them.
IMAGE_URL = "https://images.example.org/faces/family.jpg"
IMAGE = image_bytes(4096)

Invoke = Callable[[FaceClient, dict[str, Any]], Awaitable[Any]]


OPERATIONS = {op["operation_id"]: op for op in operations()}


def _p(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda params: params[name]


# How facekit calls each operation, fed with the example's parameter values.
CALLS: dict[str, Invoke] = {
    # Face
    "Face_DetectWithUrl": lambda c, p: c.detect(
        IMAGE_URL,
        return_face_attributes=p["returnFaceAttributes"],
        # The example asks for every attribute, the retired ones included.
        allow_retired_attributes=True,
        recognition_model=p["recognitionModel"],
        return_recognition_model=p["returnRecognitionModel"],
        detection_model=p["detectionModel"],
    ),
    "Face_DetectWithStream": lambda c, p: c.detect(
        IMAGE,
        return_face_attributes=p["returnFaceAttributes"],
        # The example asks for every attribute, the retired ones included.
        allow_retired_attributes=True,
        recognition_model=p["recognitionModel"],
        return_recognition_model=p["returnRecognitionModel"],
        detection_model=p["detectionModel"],
    ),
    "Face_FindSimilar": lambda c, p: c.find_similar(
        p["body"]["faceId"],
        large_face_list_id=p["body"]["largeFaceListId"],
        max_num_of_candidates_returned=p["body"]["maxNumOfCandidatesReturned"],
        mode=p["body"]["mode"],
    ),
    "Face_Group": lambda c, p: c.group(p["body"]["faceIds"]),
    "Face_Identify": lambda c, p: c.identify(
        p["body"]["faceIds"],
        large_person_group_id=p["body"]["largePersonGroupId"],
        max_num_of_candidates_returned=p["body"]["maxNumOfCandidatesReturned"],
        confidence_threshold=p["body"]["confidenceThreshold"],
    ),
    "Face_VerifyFaceToFace": lambda c, p: c.verify_face_to_face(
        p["body"]["faceId1"], p["body"]["faceId2"]
    ),
    "Face_VerifyFaceToPerson": lambda c, p: c.verify_face_to_person(
        p["body"]["faceId"],
        p["body"]["personId"],
        large_person_group_id=p["body"]["largePersonGroupId"],
    ),
    # FaceList
    "FaceList_Create": lambda c, p: c.face_lists.create(
        p["faceListId"],
        name=p["body"]["name"],
        user_data=p["body"]["userData"],
        recognition_model=p["body"]["recognitionModel"],
    ),
    "FaceList_Get": lambda c, p: c.face_lists.get(
        p["faceListId"], return_recognition_model=p["returnRecognitionModel"]
    ),
    "FaceList_Update": lambda c, p: c.face_lists.update(
        p["faceListId"], name=p["body"]["name"], user_data=p["body"]["userData"]
    ),
    "FaceList_Delete": lambda c, p: c.face_lists.delete(p["faceListId"]),
    "FaceList_List": lambda c, p: c.face_lists.list(
        return_recognition_model=p["returnRecognitionModel"]
    ),
    "FaceList_DeleteFace": lambda c, p: c.face_lists.delete_face(
        p["faceListId"], p["persistedFaceId"]
    ),
    "FaceList_AddFaceFromUrl": lambda c, p: c.face_lists.add_face(
        p["faceListId"],
        IMAGE_URL,
        user_data=p["userData"],
        target_face=p["targetFace"],
        detection_model=p["detectionModel"],
    ),
    "FaceList_AddFaceFromStream": lambda c, p: c.face_lists.add_face(
        p["faceListId"],
        IMAGE,
        user_data=p["userData"],
        target_face=p["targetFace"],
        detection_model=p["detectionModel"],
    ),
    # LargeFaceList
    "LargeFaceList_Create": lambda c, p: c.large_face_lists.create(
        p["largeFaceListId"],
        name=p["body"]["name"],
        user_data=p["body"]["userData"],
        recognition_model=p["body"]["recognitionModel"],
    ),
    "LargeFaceList_Get": lambda c, p: c.large_face_lists.get(
        p["largeFaceListId"], return_recognition_model=p["returnRecognitionModel"]
    ),
    "LargeFaceList_Update": lambda c, p: c.large_face_lists.update(
        p["largeFaceListId"], name=p["body"]["name"], user_data=p["body"]["userData"]
    ),
    "LargeFaceList_Delete": lambda c, p: c.large_face_lists.delete(p["largeFaceListId"]),
    "LargeFaceList_List": lambda c, p: c.large_face_lists.list(
        return_recognition_model=p["returnRecognitionModel"]
    ).page(),
    "LargeFaceList_Train": lambda c, p: c.large_face_lists.train(p["largeFaceListId"]),
    "LargeFaceList_GetTrainingStatus": lambda c, p: c.large_face_lists.get_training_status(
        p["largeFaceListId"]
    ),
    "LargeFaceList_AddFaceFromUrl": lambda c, p: c.large_face_lists.add_face(
        p["largeFaceListId"],
        IMAGE_URL,
        user_data=p["userData"],
        target_face=p["targetFace"],
        detection_model=p["detectionModel"],
    ),
    "LargeFaceList_AddFaceFromStream": lambda c, p: c.large_face_lists.add_face(
        p["largeFaceListId"],
        IMAGE,
        user_data=p["userData"],
        target_face=p["targetFace"],
        detection_model=p["detectionModel"],
    ),
    "LargeFaceList_ListFaces": lambda c, p: c.large_face_lists.list_faces(
        p["largeFaceListId"], start=p["start"], top=p["top"]
    ).page(),
    "LargeFaceList_GetFace": lambda c, p: c.large_face_lists.get_face(
        p["largeFaceListId"], p["persistedFaceId"]
    ),
    "LargeFaceList_UpdateFace": lambda c, p: c.large_face_lists.update_face(
        p["largeFaceListId"], p["persistedFaceId"], user_data=p["body"]["userData"]
    ),
    "LargeFaceList_DeleteFace": lambda c, p: c.large_face_lists.delete_face(
        p["largeFaceListId"], p["persistedFaceId"]
    ),
    # Snapshot
    "Snapshot_Take": lambda c, p: c.snapshots.take(
        p["body"]["type"],
        p["body"]["objectId"],
        p["body"]["applyScope"],
        user_data=p["body"]["userData"],
    ),
    "Snapshot_List": lambda c, p: c.snapshots.list(type=p["type"], apply_scope=p["applyScope"]),
    "Snapshot_Get": lambda c, p: c.snapshots.get(p["snapshotId"]),
    "Snapshot_Update": lambda c, p: c.snapshots.update(
        p["snapshotId"], apply_scope=p["body"]["applyScope"], user_data=p["body"]["userData"]
    ),
    "Snapshot_Delete": lambda c, p: c.snapshots.delete(p["snapshotId"]),
    "Snapshot_Apply": lambda c, p: c.snapshots.apply(
        p["snapshotId"], p["body"]["objectId"], mode=p["body"]["mode"]
    ),
    "Snapshot_GetOperationStatus": lambda c, p: c.snapshots.get_operation_status(p["operationId"]),
}


def _group_calls(prefix: str, attr: str, id_name: str) -> dict[str, Invoke]:
    """PersonGroup and LargePersonGroup (with persons and faces) share their call shapes."""

    def res(c: FaceClient) -> Any:
        return getattr(c, attr)

    return {
        f"{prefix}_Create": lambda c, p: res(c).create(
            p[id_name],
            name=p["body"]["name"],
            user_data=p["body"]["userData"],
            recognition_model=p["body"]["recognitionModel"],
        ),
        f"{prefix}_Get": lambda c, p: res(c).get(
            p[id_name], return_recognition_model=p["returnRecognitionModel"]
        ),
        f"{prefix}_Update": lambda c, p: res(c).update(
            p[id_name], name=p["body"]["name"], user_data=p["body"]["userData"]
        ),
        f"{prefix}_Delete": lambda c, p: res(c).delete(p[id_name]),
        f"{prefix}_List": lambda c, p: (
            res(c)
            .list(
                start=p["start"], top=p["top"], return_recognition_model=p["returnRecognitionModel"]
            )
            .page()
        ),
        f"{prefix}_Train": lambda c, p: res(c).train(p[id_name]),
        f"{prefix}_GetTrainingStatus": lambda c, p: res(c).get_training_status(p[id_name]),
        f"{prefix}Person_Create": lambda c, p: res(c).persons.create(
            p[id_name], name=p["body"]["name"], user_data=p["body"]["userData"]
        ),
        f"{prefix}Person_List": lambda c, p: (
            res(c).persons.list(p[id_name], start=p["start"], top=p["top"]).page()
        ),
        f"{prefix}Person_Get": lambda c, p: res(c).persons.get(p[id_name], p["personId"]),
        f"{prefix}Person_Update": lambda c, p: res(c).persons.update(
            p[id_name], p["personId"], name=p["body"]["name"], user_data=p["body"]["userData"]
        ),
        f"{prefix}Person_Delete": lambda c, p: res(c).persons.delete(p[id_name], p["personId"]),
        f"{prefix}Person_AddFaceFromUrl": lambda c, p: res(c).persons.add_face(
            p[id_name],
            p["personId"],
            IMAGE_URL,
            user_data=p["userData"],
            target_face=p["targetFace"],
            detection_model=p["detectionModel"],
        ),
        f"{prefix}Person_AddFaceFromStream": lambda c, p: res(c).persons.add_face(
            p[id_name],
            p["personId"],
            IMAGE,
            user_data=p["userData"],
            target_face=p["targetFace"],
            detection_model=p["detectionModel"],
        ),
        f"{prefix}Person_GetFace": lambda c, p: res(c).persons.get_face(
            p[id_name], p["personId"], p["persistedFaceId"]
        ),
        f"{prefix}Person_UpdateFace": lambda c, p: res(c).persons.update_face(
            p[id_name], p["personId"], p["persistedFaceId"], user_data=p["body"]["userData"]
        ),
        f"{prefix}Person_DeleteFace": lambda c, p: res(c).persons.delete_face(
            p[id_name], p["personId"], p["persistedFaceId"]
        ),
    }


CALLS.update(_group_calls("PersonGroup", "person_groups", "personGroupId"))
CALLS.update(_group_calls("LargePersonGroup", "large_person_groups", "largePersonGroupId"))


def test_every_operation_of_the_spec_has_a_call_and_every_example_is_used() -> None:
    assert len(OPERATIONS) == 69
    assert set(CALLS) == set(OPERATIONS)
    used = {op["example"] for op in OPERATIONS.values()}
    on_disk = {p.name for p in EXAMPLES.glob("*.json")}
    assert used == on_disk
    assert len(on_disk) == 69


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _expected_request(op: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    path = op["path"]
    query: dict[str, str] = {}
    body: Any = None
    stream = False
    for spec_param in op["params"]:
        name, where = spec_param["name"], spec_param["in"]
        if name not in params:
            continue
        if where == "path":
            path = path.replace("{" + name + "}", quote(str(params[name]), safe=""))
        elif where == "query":
            query[name] = _query_value(params[name])
        elif name == "ImageUrl":
            body = {"url": IMAGE_URL}
        elif name == "Image":
            stream = True
        else:
            body = params[name]
    return {
        "method": op["method"],
        "path": "/face/v1.0" + path,
        "query": query,
        "body": body,
        "stream": stream,
    }


def _success(example: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    ((status, response),) = example["responses"].items()
    headers = response.get("header", response.get("headers", {}))
    return int(status), response.get("body"), headers


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def assert_carries(parsed: Any, wire: Any, where: str = "$") -> None:
    """Every value the service sent is in the parsed model, under its snake_case name."""
    if wire is None:
        assert parsed in (None, []), f"{where}: expected nothing, got {parsed!r}"
    elif isinstance(wire, dict):
        assert attrs.has(type(parsed)), f"{where}: expected a model, got {parsed!r}"
        for key, value in wire.items():
            attribute = _snake(key)
            assert hasattr(parsed, attribute), f"{where}.{key} was dropped by the model"
            assert_carries(getattr(parsed, attribute), value, f"{where}.{key}")
    elif isinstance(wire, list):
        assert isinstance(parsed, list), where
        assert len(parsed) == len(wire), where
        for index, (item, raw) in enumerate(zip(parsed, wire, strict=True)):
            assert_carries(item, raw, f"{where}[{index}]")
    elif isinstance(parsed, datetime):
        assert parsed == parse_datetime(wire), where
        assert parsed.tzinfo is not None, f"{where}: naive datetime"
    elif isinstance(parsed, FaceEnum):
        # Enums parse case-insensitively: "notStarted" is the member "notstarted".
        assert parsed.value.lower() == str(wire).lower(), f"{where}: {parsed!r} != {wire!r}"
    elif isinstance(wire, float | int) and not isinstance(wire, bool):
        assert parsed == pytest.approx(wire), where
    else:
        assert parsed == wire, f"{where}: {parsed!r} != {wire!r}"


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
async def test_operation_matches_microsofts_example(
    operation_id: str, client: FaceClient, fake: FakeTransport
) -> None:
    op = OPERATIONS[operation_id]
    example = json.loads((EXAMPLES / op["example"]).read_text())
    params = example["parameters"]
    expected = _expected_request(op, params)
    status, reply_body, reply_headers = _success(example)
    sent: list[Sent] = []

    def reply(request: Sent) -> Canned:
        sent.append(request)
        return Canned(
            status=status,
            body=json.dumps(reply_body) if reply_body is not None else "",
            headers={
                "Content-Type": "application/json",
                "apim-request-id": "req-1",
                **reply_headers,
            },
        )

    fake.add(re.compile(r".*"), method=op["method"], callback=reply)
    result = await CALLS[operation_id](client, params)

    assert len(sent) == 1
    request = sent[0]
    url = request.url
    assert url.path == expected["path"]
    assert dict(url.query) == expected["query"]
    headers = request.headers
    assert headers["Ocp-Apim-Subscription-Key"] == KEY
    assert headers["User-Agent"].startswith("facekit/")
    assert headers["x-ms-client-request-id"]
    if expected["stream"]:
        assert headers["Content-Type"] == "application/octet-stream"
        assert request.data == IMAGE
        assert request.json is None
    else:
        assert request.json == expected["body"]
        assert request.data is None

    if isinstance(result, OperationLocation):
        location = reply_headers["Operation-Location"]
        assert result.location == location
        assert location.endswith(result.operation_id)
    elif reply_body is None:
        assert result is None
    else:
        assert_carries(result, reply_body)
