"""Every operation of v1.2, v1.2-preview.1 and v1.3-preview.1 against Microsoft's example for it.

As tests/test_operations.py does for v1.0: the expected request (method, path, query,
headers, JSON, octet-stream or multipart body) is derived from the version's spec and the
example's parameters, the example's response is served back through the fake transport,
and every field of it must arrive in the parsed result (under its snake_case name, or the
name the model declares for it).

The examples of the PersonDirectory, dynamic person groups, identify and verify against
them and GetOperationResult are replayed by tests/test_directory_operations.py (and against
the emulator by tests/test_emulator_directory_examples.py): see DIRECTORY.
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
from facekit.models._serde import FaceEnum, parse_datetime, wire_name

from .conftest import KEY, fake_client, image_bytes
from .directory_spec import all_examples
from .fake_transport import Canned, FakeTransport, Sent, form_parts
from .spec_versions import example, example_cases, examples_folder, operations
from .test_operations import CALLS as V1_0_CALLS
from .test_operations import IMAGE as V1_0_IMAGE
from .test_operations import IMAGE_URL as V1_0_IMAGE_URL
from .test_operations import _query_value, assert_carries

VERSIONS = ("v1.2", "v1.2-preview.1", "v1.3-preview.1")
#: v1.0-preview speaks v1.0's operationIds: its examples go through v1.0's calls.
LEGACY_PREVIEW = "v1.0-preview"
IMAGE = image_bytes(4096)
#: Placeholder URLs of the examples are not URLs; this one stands in for them.
IMAGE_URL = V1_0_IMAGE_URL


def _is_directory(operation_id: str) -> bool:
    """PersonDirectory, dynamic person groups and the operations that follow them."""
    return (
        operation_id.startswith(("PersonDirectoryOperations_", "PersonDirectory_"))
        or operation_id == "GetOperationResult"
        or operation_id
        in (
            "FaceRecognitionOperations_IdentifyFromDynamicPersonGroup",
            "FaceRecognitionOperations_IdentifyFromPersonDirectory",
            "FaceRecognitionOperations_VerifyFromPersonDirectory",
        )
    )


#: The operations of these versions whose examples the PersonDirectory's tests replay.
DIRECTORY = frozenset(
    op["operation_id"]
    for version in (*VERSIONS, LEGACY_PREVIEW)
    for op in operations(version)
    if _is_directory(op["operation_id"])
)

Invoke = Callable[[FaceClient, dict[str, Any]], Awaitable[Any]]


def _kwargs(body: dict[str, Any], *skip: str) -> dict[str, Any]:
    """A JSON body's fields as facekit's keyword arguments (faceListId -> face_list_id)."""
    return {_snake(k): v for k, v in body.items() if k not in skip}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _target(params: dict[str, Any]) -> Any:
    value = params.get("targetFace")
    if isinstance(value, str):
        return [int(part) for part in value.split(",")]
    return value


def _url(params: dict[str, Any]) -> str:
    url = params["body"]["url"]
    return url if url.startswith(("http://", "https://")) else IMAGE_URL


def _attributes(params: dict[str, Any]) -> Any:
    value = params.get("returnFaceAttributes")
    return value.split(",") if isinstance(value, str) else value


def _detect_options(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "return_face_id": p.get("returnFaceId"),
        "return_face_landmarks": p.get("returnFaceLandmarks"),
        "return_face_attributes": _attributes(p),
        "recognition_model": p.get("recognitionModel"),
        "return_recognition_model": p.get("returnRecognitionModel"),
        "detection_model": p.get("detectionModel"),
        "face_id_time_to_live": p.get("faceIdTimeToLive"),
    }


def _add_face(p: dict[str, Any], image: Any) -> dict[str, Any]:
    return {
        "image": image,
        "user_data": p.get("userData"),
        "target_face": _target(p),
        "detection_model": p.get("detectionModel"),
    }


#: How facekit spells each option of a liveness session (wire name -> keyword).
SESSION_OPTIONS = {
    "livenessOperationMode": "liveness_operation_mode",
    "sendResultsToClient": "send_results_to_client",
    "deviceCorrelationIdSetInClient": "device_correlation_id_set_in_client",
    "enableSessionImage": "enable_session_image",
    "livenessModelVersion": "liveness_model_version",
    "livenessSingleModalModel": "liveness_model_version",
    "deviceCorrelationId": "device_correlation_id",
    "authTokenTimeToLiveInSeconds": "auth_token_time_to_live",
    "numberOfClientAttemptsAllowed": "number_of_client_attempts_allowed",
    "userCorrelationId": "user_correlation_id",
    "userCorrelationIdSetInClient": "user_correlation_id_set_in_client",
    "expectedClientIpAddress": "expected_client_ip_address",
    "returnVerifyImageHash": "return_verify_image_hash",
    "verifyConfidenceThreshold": "verify_confidence_threshold",
}


def _session_options(p: dict[str, Any]) -> dict[str, Any]:
    """A creation's options from the example: its body, its form fields or its Parameters."""
    fields = p.get("body")
    if fields is None and "Parameters" in p:
        fields = json.loads(p["Parameters"])
    if fields is None:
        fields = {k: v for k, v in p.items() if k in SESSION_OPTIONS}
    return {SESSION_OPTIONS[k]: v for k, v in fields.items()}


def _containers(prefix: str, kind: str, attribute: str, id_name: str) -> dict[str, Invoke]:
    """A group's or list's own operations (create, get, list, update, delete, training)."""

    def res(c: FaceClient) -> Any:
        return getattr(c, attribute)

    calls: dict[str, Invoke] = {
        f"{prefix}_Create{kind}": lambda c, p: res(c).create(p[id_name], **_kwargs(p["body"])),
        f"{prefix}_Get{kind}": lambda c, p: res(c).get(
            p[id_name], return_recognition_model=p.get("returnRecognitionModel")
        ),
        f"{prefix}_Update{kind}": lambda c, p: res(c).update(p[id_name], **_kwargs(p["body"])),
        f"{prefix}_Delete{kind}": lambda c, p: res(c).delete(p[id_name]),
    }
    if kind == "FaceList":
        calls[f"{prefix}_Get{kind}s"] = lambda c, p: res(c).list(
            return_recognition_model=p.get("returnRecognitionModel")
        )
    else:
        calls[f"{prefix}_Get{kind}s"] = lambda c, p: (
            res(c)
            .list(
                start=p.get("start"),
                top=p.get("top"),
                return_recognition_model=p.get("returnRecognitionModel"),
            )
            .page()
        )
        calls[f"{prefix}_Train{kind}"] = lambda c, p: res(c).train(p[id_name])
        calls[f"{prefix}_Get{kind}TrainingStatus"] = lambda c, p: res(c).get_training_status(
            p[id_name]
        )
    return calls


def _persons(kind: str, attribute: str, id_name: str) -> dict[str, Invoke]:
    """A (large) person group's persons and their faces."""
    prefix = "PersonGroupOperations"

    def persons(c: FaceClient) -> Any:
        return getattr(c, attribute).persons

    return {
        f"{prefix}_Create{kind}Person": lambda c, p: persons(c).create(
            p[id_name], **_kwargs(p["body"])
        ),
        f"{prefix}_Get{kind}Persons": lambda c, p: (
            persons(c).list(p[id_name], start=p.get("start"), top=p.get("top")).page()
        ),
        f"{prefix}_Get{kind}Person": lambda c, p: persons(c).get(p[id_name], p["personId"]),
        f"{prefix}_Update{kind}Person": lambda c, p: persons(c).update(
            p[id_name], p["personId"], **_kwargs(p["body"])
        ),
        f"{prefix}_Delete{kind}Person": lambda c, p: persons(c).delete(p[id_name], p["personId"]),
        f"{prefix}_Add{kind}PersonFace": lambda c, p: persons(c).add_face(
            p[id_name], p["personId"], **_add_face(p, IMAGE)
        ),
        f"{prefix}_Add{kind}PersonFaceFromUrl": lambda c, p: persons(c).add_face(
            p[id_name], p["personId"], **_add_face(p, _url(p))
        ),
        f"{prefix}_Get{kind}PersonFace": lambda c, p: persons(c).get_face(
            p[id_name], p["personId"], p["persistedFaceId"]
        ),
        f"{prefix}_Update{kind}PersonFace": lambda c, p: persons(c).update_face(
            p[id_name], p["personId"], p["persistedFaceId"], user_data=p["body"]["userData"]
        ),
        f"{prefix}_Delete{kind}PersonFace": lambda c, p: persons(c).delete_face(
            p[id_name], p["personId"], p["persistedFaceId"]
        ),
    }


def _list_faces(kind: str, attribute: str, id_name: str) -> dict[str, Invoke]:
    """The faces of a face list or large face list."""
    prefix = "FaceListOperations"

    def lists(c: FaceClient) -> Any:
        return getattr(c, attribute)

    calls: dict[str, Invoke] = {
        f"{prefix}_Add{kind}Face": lambda c, p: lists(c).add_face(
            p[id_name], **_add_face(p, IMAGE)
        ),
        f"{prefix}_Add{kind}FaceFromUrl": lambda c, p: lists(c).add_face(
            p[id_name], **_add_face(p, _url(p))
        ),
        f"{prefix}_Delete{kind}Face": lambda c, p: lists(c).delete_face(
            p[id_name], p["persistedFaceId"]
        ),
    }
    if kind == "LargeFaceList":
        calls[f"{prefix}_Get{kind}Faces"] = lambda c, p: (
            lists(c).list_faces(p[id_name], start=p.get("start"), top=p.get("top")).page()
        )
        calls[f"{prefix}_Get{kind}Face"] = lambda c, p: lists(c).get_face(
            p[id_name], p["persistedFaceId"]
        )
        calls[f"{prefix}_Update{kind}Face"] = lambda c, p: lists(c).update_face(
            p[id_name], p["persistedFaceId"], user_data=p["body"]["userData"]
        )
    return calls


# How facekit calls each operation, fed with the example's parameter values.
CALLS: dict[str, Invoke] = {
    "FaceDetectionOperations_Detect": lambda c, p: c.detect(IMAGE, **_detect_options(p)),
    "FaceDetectionOperations_DetectFromUrl": lambda c, p: c.detect(_url(p), **_detect_options(p)),
    "FaceDetectionOperations_DetectFromSessionImageId": lambda c, p: (
        c.liveness.detect_from_session_image(p["body"]["sessionImageId"], **_detect_options(p))
    ),
    "FaceRecognitionOperations_FindSimilar": lambda c, p: c.find_similar(
        p["body"]["faceId"], **_kwargs(p["body"], "faceId")
    ),
    "FaceRecognitionOperations_FindSimilarFromFaceList": lambda c, p: c.find_similar(
        p["body"]["faceId"], **_kwargs(p["body"], "faceId")
    ),
    "FaceRecognitionOperations_FindSimilarFromLargeFaceList": lambda c, p: c.find_similar(
        p["body"]["faceId"], **_kwargs(p["body"], "faceId")
    ),
    "FaceRecognitionOperations_Group": lambda c, p: c.group(p["body"]["faceIds"]),
    "FaceRecognitionOperations_IdentifyFromPersonGroup": lambda c, p: c.identify(
        p["body"]["faceIds"], **_kwargs(p["body"], "faceIds")
    ),
    "FaceRecognitionOperations_IdentifyFromLargePersonGroup": lambda c, p: c.identify(
        p["body"]["faceIds"], **_kwargs(p["body"], "faceIds")
    ),
    "FaceRecognitionOperations_VerifyFaceToFace": lambda c, p: c.verify_face_to_face(
        p["body"]["faceId1"], p["body"]["faceId2"]
    ),
    "FaceRecognitionOperations_VerifyFromPersonGroup": lambda c, p: c.verify_face_to_person(
        p["body"]["faceId"], p["body"]["personId"], **_kwargs(p["body"], "faceId", "personId")
    ),
    "FaceRecognitionOperations_VerifyFromLargePersonGroup": lambda c, p: c.verify_face_to_person(
        p["body"]["faceId"], p["body"]["personId"], **_kwargs(p["body"], "faceId", "personId")
    ),
    # Liveness sessions
    "LivenessSessionOperations_CreateLivenessSession": lambda c, p: c.liveness.create_session(
        **_session_options(p)
    ),
    "LivenessSessionOperations_GetLivenessSessionResult": lambda c, p: (
        c.liveness.get_session_result(p["sessionId"])
    ),
    "LivenessSessionOperations_DeleteLivenessSession": lambda c, p: c.liveness.delete_session(
        p["sessionId"]
    ),
    "LivenessSessionOperations_GetLivenessSessions": lambda c, p: c.liveness.list_sessions(
        start=p.get("start"), top=p.get("top")
    ).page(),
    "LivenessSessionOperations_GetLivenessSessionAuditEntries": lambda c, p: (
        c.liveness.list_session_audit_entries(
            p["sessionId"], start=p.get("start"), top=p.get("top")
        ).page()
    ),
    # v1.2 and v1.3-preview.1 upload the image with the session; the previews' JSON
    # overload of the same operationId leaves it to the device.
    "LivenessSessionOperations_CreateLivenessWithVerifySession": lambda c, p: (
        c.liveness.create_with_verify_session(
            None if c.api_version == "v1.2-preview.1" else IMAGE, **_session_options(p)
        )
    ),
    "LivenessSessionOperations_CreateLivenessWithVerifySessionWithVerifyImage": lambda c, p: (
        c.liveness.create_with_verify_session(IMAGE, **_session_options(p))
    ),
    "LivenessSessionOperations_GetLivenessWithVerifySessionResult": lambda c, p: (
        c.liveness.get_with_verify_session_result(p["sessionId"])
    ),
    "LivenessSessionOperations_DeleteLivenessWithVerifySession": lambda c, p: (
        c.liveness.delete_with_verify_session(p["sessionId"])
    ),
    "LivenessSessionOperations_GetLivenessWithVerifySessions": lambda c, p: (
        c.liveness.list_with_verify_sessions(start=p.get("start"), top=p.get("top")).page()
    ),
    "LivenessSessionOperations_GetLivenessWithVerifySessionAuditEntries": lambda c, p: (
        c.liveness.list_with_verify_session_audit_entries(
            p["sessionId"], start=p.get("start"), top=p.get("top")
        ).page()
    ),
    "LivenessSessionOperations_GetSessionImage": lambda c, p: c.liveness.get_session_image(
        p["sessionImageId"]
    ),
    "LivenessSessionOperations_GetSettings": lambda c, p: c.liveness.get_settings(),
    "LivenessSessionOperations_PatchSettings": lambda c, p: c.liveness.update_settings(
        abuse_monitoring_enabled=p["body"]["enabled"]
    ),
    "LivenessSessionOperations_GetClientAssetsAccessToken": lambda c, p: (
        c.liveness.get_client_assets_access_token()
    ),
}
CALLS.update(_containers("PersonGroupOperations", "PersonGroup", "person_groups", "personGroupId"))
CALLS.update(
    _containers(
        "PersonGroupOperations", "LargePersonGroup", "large_person_groups", "largePersonGroupId"
    )
)
CALLS.update(_containers("FaceListOperations", "FaceList", "face_lists", "faceListId"))
CALLS.update(
    _containers("FaceListOperations", "LargeFaceList", "large_face_lists", "largeFaceListId")
)
CALLS.update(_persons("PersonGroup", "person_groups", "personGroupId"))
CALLS.update(_persons("LargePersonGroup", "large_person_groups", "largePersonGroupId"))
CALLS.update(_list_faces("FaceList", "face_lists", "faceListId"))
CALLS.update(_list_faces("LargeFaceList", "large_face_lists", "largeFaceListId"))


CASES = example_cases(VERSIONS, elsewhere=DIRECTORY)
LEGACY_CASES = example_cases([LEGACY_PREVIEW], elsewhere=DIRECTORY)


def test_every_example_file_is_replayed_here_or_by_the_directory_tests() -> None:
    by_directory_tests = {e.path for e in all_examples()}
    for version, expected_files, expected_cases in (
        ("v1.2", 76, 73),
        ("v1.2-preview.1", 102, 78),
        ("v1.3-preview.1", 80, 77),
    ):
        files = {p.name for p in examples_folder(version).glob("*.json")}
        assert len(files) == expected_files, version
        ran = {c.values[1]["example"] for c in CASES if c.values[0] == version}
        directory = {op["example"] for op in operations(version) if op["operation_id"] in DIRECTORY}
        assert ran | directory == files, version
        assert not ran & directory
        assert {examples_folder(version) / name for name in directory} <= by_directory_tests
        assert len(ran) == expected_cases, version
    # v1.0-preview: v1.0's 69 operations here, its PersonDirectory's in the directory tests.
    assert len(LEGACY_CASES) == 69
    assert {c.values[1]["operation_id"] for c in LEGACY_CASES} == set(V1_0_CALLS)
    legacy_files = {p.name for p in examples_folder(LEGACY_PREVIEW).glob("*.json")}
    legacy_directory = {
        op["example"] for op in operations(LEGACY_PREVIEW) if op["operation_id"] in DIRECTORY
    }
    assert {c.values[1]["example"] for c in LEGACY_CASES} | legacy_directory == legacy_files
    assert {
        examples_folder(LEGACY_PREVIEW) / name for name in legacy_directory
    } <= by_directory_tests
    # 3 in v1.2 and v1.3-preview.1, 24 in v1.2-preview.1 (20 of them CRUD), and
    # v1.0-preview's PersonDirectory operations.
    assert len(DIRECTORY) == 24 + sum(
        1 for op in operations(LEGACY_PREVIEW) if op["operation_id"].startswith("PersonDirectory")
    )
    # Every operation replayed has a call, and every call is replayed.
    assert {c.values[1]["operation_id"] for c in CASES} == set(CALLS)


# -- what the example says should go out ---------------------------------------------------------


@attrs.frozen
class Expected:
    method: str
    path: str
    query: dict[str, str]
    json: Any = None
    stream: bool = False
    #: Text fields of a multipart body, and the name of its file field.
    form: dict[str, str] | None = None
    file_field: str | None = None


def expected_request(version: str, op: dict[str, Any], params: dict[str, Any]) -> Expected:
    path = op["path"]
    query: dict[str, str] = {}
    json_body: Any = None
    stream = False
    form: dict[str, str] | None = None
    file_field = None
    for spec_param in op["params"]:
        name, where = spec_param["name"], spec_param["in"]
        if where == "path":
            path = path.replace("{" + name + "}", quote(str(params[name]), safe=""))
        elif where == "query":
            if name in params:
                query[name] = _query_value(params[name])
        elif where == "body":
            if "application/octet-stream" in op["consumes"] or name == "Image":
                stream = True
            elif name == "ImageUrl":
                json_body = {"url": IMAGE_URL}
            elif name in params:
                json_body = params[name]
                if isinstance(json_body, dict) and "url" in json_body:
                    json_body = {**json_body, "url": _url(params)}
        elif where == "formData":
            form = {} if form is None else form
            if spec_param.get("type") == "file":
                file_field = name
                continue
            value = params.get(name, params.get("body", {}).get(name))
            if value is not None:
                form[name] = _query_value(value)
    return Expected(
        method=op["method"],
        path=f"/face/{version}{path}",
        query=query,
        json=json_body,
        stream=stream,
        form=form,
        file_field=file_field,
    )


# -- what the parsed reply must carry ------------------------------------------------------------


def _field_for(parsed: Any, key: str) -> str | None:
    """The attribute of `parsed` the wire key `key` lands in (declared renames included)."""
    for field in attrs.fields(type(parsed)):
        names = {
            field.metadata.get("wire", wire_name(field.name)),
            *field.metadata.get("aliases", ()),
        }
        if key in names:
            return str(field.name)
    return None


def carries(parsed: Any, wire: Any, where: str = "$") -> None:
    """Every value the service sent is in the parsed model.

    Enums compare as the service's values do, without regard to case (v1.2 writes "high"
    and "realFace" where the enums say "High" and "realface").
    """
    if wire is None:
        assert parsed in (None, []), f"{where}: expected nothing, got {parsed!r}"
    elif isinstance(wire, dict):
        assert attrs.has(type(parsed)), f"{where}: expected a model, got {parsed!r}"
        for key, value in wire.items():
            attribute = _field_for(parsed, key)
            if value == {} and attribute is None:
                continue
            assert attribute is not None, f"{where}.{key} was dropped by the model"
            carries(getattr(parsed, attribute), value, f"{where}.{key}")
    elif isinstance(wire, list):
        assert isinstance(parsed, list), where
        assert len(parsed) == len(wire), where
        for index, (item, raw) in enumerate(zip(parsed, wire, strict=True)):
            carries(item, raw, f"{where}[{index}]")
    elif isinstance(parsed, datetime):
        assert parsed == parse_datetime(wire), where
        assert parsed.tzinfo is not None, f"{where}: naive datetime"
    elif isinstance(parsed, FaceEnum):
        assert parsed.value.lower() == str(wire).lower(), f"{where}: {parsed!r} != {wire!r}"
    elif isinstance(wire, float | int) and not isinstance(wire, bool):
        assert parsed == pytest.approx(wire), where
    else:
        assert parsed == wire, f"{where}: {parsed!r} != {wire!r}"


def test_carries_catches_a_dropped_field_a_wrong_value_and_a_short_list() -> None:
    from facekit.models import LivenessSession

    parsed = LivenessSession(session_id="s", status=None)
    with pytest.raises(AssertionError, match="dropped"):
        carries(parsed, {"sessionId": "s", "unheardOf": 1})
    with pytest.raises(AssertionError, match=r"\$\.id: .s. != .t."):
        carries(parsed, {"id": "t"})
    with pytest.raises(AssertionError, match=r"results\.attempts"):
        carries(parsed, {"results": {"attempts": [{"attemptId": 1}]}})


# -- the test -------------------------------------------------------------------------------------


def replay_of(
    version: str, op: dict[str, Any]
) -> tuple[dict[str, Any], Expected, str, Any, dict[str, str]]:
    """The example's parameters, the request they make, and its reply's status, body, headers."""
    data = example(version, op["example"])
    assert data is not None
    params = data["parameters"]
    ((status_text, response),) = data["responses"].items()
    headers = response.get("headers", response.get("header", {}))
    return params, expected_request(version, op, params), status_text, response.get("body"), headers


@pytest.mark.parametrize(("version", "op"), CASES)
async def test_operation_matches_microsofts_example(
    version: str, op: dict[str, Any], fake: FakeTransport
) -> None:
    params, expected, status_text, reply_body, reply_headers = replay_of(version, op)
    binary = op["operation_id"] == "LivenessSessionOperations_GetSessionImage"
    sent: list[Sent] = []

    def reply(request: Sent) -> Canned:
        sent.append(request)
        if binary:
            body = reply_body.encode()
        else:
            body = json.dumps(reply_body).encode() if reply_body is not None else b""
        content_type = "application/octet-stream" if binary else "application/json"
        return Canned(
            status=int(status_text),
            body=body,
            headers={"Content-Type": content_type, "apim-request-id": "req-1", **reply_headers},
        )

    fake.add(re.compile(r".*"), method=op["method"], callback=reply)
    async with fake_client(fake, version) as face:
        result = await CALLS[op["operation_id"]](face, params)

    (request,) = sent
    assert request.method == expected.method
    assert request.url.path == expected.path
    assert dict(request.url.query) == expected.query
    headers = request.headers
    assert headers["Ocp-Apim-Subscription-Key"] == KEY
    assert headers["User-Agent"].startswith("facekit/")
    assert headers["x-ms-client-request-id"]
    if expected.form is not None:
        parts = form_parts(request)
        assert expected.file_field is not None
        assert parts.pop(expected.file_field) == ("verify-image", IMAGE)
        if "Parameters" in expected.form:
            (filename, text) = parts.pop("Parameters")
            assert filename is None
            assert json.loads(text) == json.loads(expected.form.pop("Parameters"))
        assert {name: content.decode() for name, (_, content) in parts.items()} == expected.form
        assert all(filename is None for filename, _ in parts.values())
    elif expected.stream:
        assert headers["Content-Type"] == "application/octet-stream"
        assert request.data == IMAGE
    elif expected.json is not None:
        assert headers["Content-Type"] == "application/json"
        assert request.json == expected.json
    else:
        # A body-less request carries no Content-Type (train, GET, DELETE).
        assert "Content-Type" not in headers
        assert request.data is None

    if binary:
        assert result == reply_body.encode()
    elif reply_body is None:
        assert result is None
    else:
        carries(result, reply_body)


@pytest.mark.parametrize(("version", "op"), LEGACY_CASES)
async def test_a_v1_0_preview_operation_matches_microsofts_example(
    version: str, op: dict[str, Any], fake: FakeTransport
) -> None:
    # The calls of tests/test_operations.py, on a client of v1.0-preview. Snapshots are the
    # exception: they always go to v1.0 (the only version whose routes the service kept).
    params, expected, status_text, reply_body, reply_headers = replay_of(version, op)
    if op["operation_id"].startswith("Snapshot_"):
        expected = attrs.evolve(
            expected, path=expected.path.replace(f"/face/{version}", "/face/v1.0")
        )
    fake.add(
        re.compile(r".*"),
        method=op["method"],
        status=int(status_text),
        body=json.dumps(reply_body) if reply_body is not None else "",
        headers={"Content-Type": "application/json", **reply_headers},
    )
    async with fake_client(fake, version) as face:
        result = await V1_0_CALLS[op["operation_id"]](face, params)

    (request,) = fake.requests
    assert (request.method, request.url.path) == (expected.method, expected.path)
    assert dict(request.url.query) == expected.query
    assert request.headers["Ocp-Apim-Subscription-Key"] == KEY
    if expected.stream:
        assert request.headers["Content-Type"] == "application/octet-stream"
        assert request.data == V1_0_IMAGE
    elif expected.json is not None:
        assert request.json == expected.json
    else:
        assert "Content-Type" not in request.headers
    if isinstance(result, OperationLocation):
        assert result.location == reply_headers["Operation-Location"]
    elif reply_body is None:
        assert result is None
    else:
        assert_carries(result, reply_body)
