"""Every example request in examples/v1.0, sent to the emulator, gets a reply like the example's.

For each of Microsoft's 69 example files the request (method, path, query, body) is derived from
the spec and the example's parameters, as tests/test_operations.py does, after creating in a
fresh emulator what the example refers to (with the example's own container ids). Ids the
service generates (personId, persistedFaceId, faceId, snapshotId, operationId) cannot be chosen
by a client, so the example's ids are replaced by the real ones created for it. The reply must
have the example's status code, the example's headers (same shape), and a JSON body of the same
structure: every key of the example at every level, each value of the same JSON type (a `null`
in the example matches null or absence), and extra keys only where the spec declares them
(optional fields the example leaves out; they are listed in EXTRA_KEYS).

This checks the emulator against the spec without the facekit client.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from facekit.emulator import EmulatorSettings, FaceEmulator, SnapshotStore, synthetic_face
from facekit.emulator.images import Rect, analyze_image, attributes

from . import directory_support
from .spec import EXAMPLES, SPEC, operations

UUID = r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"

#: The example's targetFace is (10, 10, 100, 100): the face of a 128 px synthetic picture is
#: inside it (the default 256 px picture has its face at about (55, 90, 132, 132)).
TARGET_FACE_IMAGE_SIZE = 128

#: Keys the emulator sends that the example leaves out: optional fields the spec declares.
EXTRA_KEYS: dict[str, set[str]] = {
    # The PersonGroup example omits lastSuccessfulTrainingDateTime; the LargePersonGroup and
    # LargeFaceList examples (same TrainingStatus schema) carry it.
    "GetPersonGroupTrainingStatus": {"$.lastSuccessfulTrainingDateTime"},
}


# -- the spec ---------------------------------------------------------------------------------

#: Example file stem -> its operation.
OPERATIONS = {Path(op["example"]).stem: op for op in operations()}


def _definition(
    schema: dict[str, Any] | None, definitions: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The schema with its $ref followed (in v1.0's definitions unless others are given)."""
    known = SPEC["definitions"] if definitions is None else definitions
    while schema is not None and "$ref" in schema:
        schema = known[schema["$ref"].rsplit("/", 1)[-1]]
    return schema or {}


def _properties(
    schema: dict[str, Any] | None, definitions: dict[str, Any] | None = None
) -> dict[str, Any]:
    schema = _definition(schema, definitions)
    props = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        props.update(_properties(part, definitions))
    return props


# -- comparing shapes -------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not a JSON value: {value!r}")


@dataclass
class Shape:
    problems: list[str] = field(default_factory=list)
    extras: set[str] = field(default_factory=set)


def compare(
    expected: Any,
    actual: Any,
    schema: dict[str, Any] | None,
    where: str,
    shape: Shape,
    definitions: dict[str, Any] | None = None,
) -> None:
    """Record where `actual` is not shaped like `expected` (keys, JSON types, first elements).

    The schema's $refs are followed in v1.0's definitions, or in `definitions` (a later
    version's).
    """
    if expected is None:
        if actual is not None:
            shape.problems.append(f"{where}: the example has null, got {actual!r}")
        return
    if _json_type(expected) != _json_type(actual):
        shape.problems.append(
            f"{where}: expected {_json_type(expected)}, got {_json_type(actual)} ({actual!r:.80})"
        )
        return
    if isinstance(expected, dict):
        props = _properties(schema, definitions)
        for key, value in expected.items():
            if key not in actual:
                if value is not None:
                    shape.problems.append(f"{where}.{key}: missing")
                continue
            compare(value, actual[key], props.get(key), f"{where}.{key}", shape, definitions)
        for key in sorted(actual.keys() - expected.keys()):
            shape.extras.add(f"{where}.{key}")
            if key not in props:
                shape.problems.append(f"{where}.{key}: not a property of the spec's schema")
    elif isinstance(expected, list):
        if expected and not actual:
            # Every example's arrays are given data by the setup below, so an empty one is wrong.
            shape.problems.append(f"{where}: the example's array has elements, got []")
        elif expected:
            items = _definition(schema, definitions).get("items")
            compare(expected[0], actual[0], items, f"{where}[0]", shape, definitions)


def header_pattern(value: str) -> re.Pattern[str]:
    """The example's header value with its UUIDs as wildcards: "/operations/{uuid}"."""
    return re.compile(UUID.join(re.escape(part) for part in re.split(UUID, value)))


# -- talking to the emulator ------------------------------------------------------------------


def settings() -> EmulatorSettings:
    return EmulatorSettings(
        training_queue_seconds=0.05, training_base_seconds=0.1, snapshot_base_seconds=0.1
    )


def _rich_identity() -> str:
    """A synthetic person whose attributes fill every array of the detect example."""
    for number in range(1000):
        identity = f"person-{number}"
        (face,) = analyze_image(synthetic_face(identity, 0)).faces
        values = attributes(face, ["hair", "accessories"], "detection_01", "recognition_01")
        if values["hair"]["hairColor"] and len(values["accessories"]) >= 1:
            return identity
    raise AssertionError("no synthetic person with hair colours and accessories")


RICH = _rich_identity()
KIND_PATHS = {
    "PersonGroup": "persongroups",
    "LargePersonGroup": "largepersongroups",
    "FaceList": "facelists",
    "LargeFaceList": "largefacelists",
}
ID_PARAMS = {
    "PersonGroup": "personGroupId",
    "LargePersonGroup": "largePersonGroupId",
    "FaceList": "faceListId",
    "LargeFaceList": "largeFaceListId",
}


class Api(directory_support.Http):
    """Plain HTTP to the emulator's /face/v1.0, failing on any unexpected status."""

    def __init__(self, session: aiohttp.ClientSession, emu: FaceEmulator) -> None:
        super().__init__(session, emu, "v1.0")

    async def container(self, kind: str, container_id: str) -> str:
        path = f"/{KIND_PATHS[kind]}/{container_id}"
        await self.ok(
            "PUT",
            path,
            json_body={
                "name": f"{container_id}-name",
                "userData": f"data of {container_id}",
                "recognitionModel": "recognition_01",
            },
        )
        return path

    async def person(self, group_path: str, name: str = "mike") -> str:
        body = await self.ok(
            "POST", group_path + "/persons", json_body={"name": name, "userData": f"{name} data"}
        )
        return str(body["personId"])

    async def face(self, owner_path: str, identity: str, variant: int = 0) -> str:
        body = await self.ok(
            "POST",
            owner_path + "/persistedfaces",
            image=synthetic_face(identity, variant),
            params={"userData": f"face of {identity}"},
        )
        return str(body["persistedFaceId"])

    async def train(self, path: str) -> None:
        await self.ok("POST", path + "/train", expect=202)
        for _ in range(500):
            status = await self.ok("GET", path + "/training")
            if status["status"] in ("succeeded", "failed"):
                assert status["status"] == "succeeded", status
                return
            await _pause()
        raise AssertionError(f"training of {path} did not finish")

    async def detect(self, identity: str, variant: int = 0) -> str:
        (face,) = await self.ok(
            "POST",
            "/detect",
            image=synthetic_face(identity, variant),
            params={"returnFaceId": "true", "recognitionModel": "recognition_01"},
        )
        return str(face["faceId"])

    async def snapshot(
        self, object_id: str, scope: list[str], user_data: str = "snapshot data"
    ) -> tuple[str, str]:
        """(operationId, snapshotId) of a FaceList snapshot taken to the end."""
        path = await self.container("FaceList", object_id)
        await self.face(path, "snap")
        async with self.session.post(
            self.base + "/snapshots",
            json={
                "type": "FaceList",
                "objectId": object_id,
                "applyScope": scope,
                "userData": user_data,
            },
        ) as response:
            assert response.status == 202, await response.text()
            operation_id = response.headers["Operation-Location"].rsplit("/", 1)[-1]
        status = await self.operation(operation_id)
        return operation_id, status["resourceLocation"].rsplit("/", 1)[-1]

    async def operation(self, operation_id: str) -> dict[str, Any]:
        for _ in range(500):
            status = await self.ok("GET", f"/operations/{operation_id}")
            if status["status"] in ("succeeded", "failed"):
                assert status["status"] == "succeeded", status
                return dict(status)
            await _pause()
        raise AssertionError(f"operation {operation_id} did not finish")


async def _pause() -> None:
    await asyncio.sleep(0.02)


# -- creating what an example refers to -------------------------------------------------------


@dataclass
class Prepared:
    #: Example value (lower-cased) -> the real id to send instead.
    subs: dict[str, str] = field(default_factory=dict)
    #: Query parameters added to the example's.
    query: dict[str, str] = field(default_factory=dict)
    #: Who is in the picture sent (stream) or pointed to (URL).
    identity: str = RICH
    variant: int = 0

    def sub(self, example_value: str, real: str) -> None:
        self.subs[example_value.lower()] = real


async def prepare(operation_id: str, params: dict[str, Any], api: Api) -> Prepared:
    family, action = operation_id.split("_", 1)
    prepared = Prepared()
    if family in KIND_PATHS:
        await _prepare_container(family, action, params, api, prepared)
    elif family.endswith("Person"):
        await _prepare_person(family.removesuffix("Person"), action, params, api, prepared)
    elif family == "Face":
        await _prepare_face(action, params, api, prepared)
    else:
        assert family == "Snapshot", operation_id
        await _prepare_snapshot(action, params, api, prepared)
    return prepared


async def _prepare_container(
    kind: str, action: str, params: dict[str, Any], api: Api, prepared: Prepared
) -> None:
    if action == "Create":
        return
    if action == "List":
        start = params.get("start")
        ids = [start, f"{start}2", f"{start}3"] if start else ["list1", "list2"]
        for container_id in ids:
            await api.container(kind, container_id)
        return
    path = await api.container(kind, params[ID_PARAMS[kind]])
    if action == "Get" and kind == "FaceList":
        await api.face(path, "listed")
    elif action in ("Train", "GetTrainingStatus"):
        owner = f"{path}/persons/{await api.person(path)}" if "Person" in kind else path
        await api.face(owner, "trainee")
        if action == "GetTrainingStatus":
            await api.train(path)
    elif action in ("GetFace", "UpdateFace", "DeleteFace"):
        prepared.sub(params["persistedFaceId"], await api.face(path, "stored"))
    elif action == "ListFaces":
        face_ids = sorted([await api.face(path, "stored", v) for v in range(3)])
        # "start" is exclusive: after the first of three faces, two remain for top=2.
        prepared.sub(params["start"], face_ids[0])


async def _prepare_person(
    kind: str, action: str, params: dict[str, Any], api: Api, prepared: Prepared
) -> None:
    group = await api.container(kind, params[ID_PARAMS[kind]])
    if action == "Create":
        return
    if action == "List":
        person_ids = []
        for name in ("ryan", "david", "mike"):
            person_id = await api.person(group, name)
            await api.face(f"{group}/persons/{person_id}", name)
            person_ids.append(person_id)
        prepared.sub(params["start"], min(person_ids))
        return
    person_id = await api.person(group)
    prepared.sub(params["personId"], person_id)
    person = f"{group}/persons/{person_id}"
    if action == "Get":
        await api.face(person, "mike")
    elif action in ("GetFace", "UpdateFace", "DeleteFace"):
        prepared.sub(params["persistedFaceId"], await api.face(person, "mike"))


async def _prepare_face(action: str, params: dict[str, Any], api: Api, prepared: Prepared) -> None:
    body = params.get("body", {})
    if action.startswith("DetectWith"):
        # The example's reply carries faceLandmarks although its parameters leave
        # returnFaceLandmarks at its default (false); ask for them as the reply shows them.
        prepared.query["returnFaceLandmarks"] = "true"
    elif action == "FindSimilar":
        path = await api.container("LargeFaceList", body["largeFaceListId"])
        await api.face(path, "alice", 1)
        await api.face(path, "bob", 1)
        await api.train(path)
        prepared.sub(body["faceId"], await api.detect("alice"))
    elif action == "Group":
        # Two groups (4 and 2 faces) and the rest alone, as in the example's reply.
        people = [("alice", 0), ("alice", 1), ("bob", 0), ("alice", 2)]
        people += [("bob", 1), ("carol", 0), ("dave", 0), ("alice", 3)]
        for example_id, (identity, variant) in zip(body["faceIds"], people, strict=True):
            prepared.sub(example_id, await api.detect(identity, variant))
    elif action == "Identify":
        group = await api.container("LargePersonGroup", body["largePersonGroupId"])
        for name in ("alice", "bob"):
            await api.face(f"{group}/persons/{await api.person(group, name)}", name, 1)
        await api.train(group)
        for example_id, name in zip(body["faceIds"], ("alice", "bob"), strict=True):
            prepared.sub(example_id, await api.detect(name))
    elif action == "VerifyFaceToFace":
        prepared.sub(body["faceId1"], await api.detect("alice", 0))
        prepared.sub(body["faceId2"], await api.detect("alice", 1))
    else:
        assert action == "VerifyFaceToPerson", action
        group = await api.container("LargePersonGroup", body["largePersonGroupId"])
        person_id = await api.person(group, "alice")
        await api.face(f"{group}/persons/{person_id}", "alice", 1)
        prepared.sub(body["personId"], person_id)
        prepared.sub(body["faceId"], await api.detect("alice"))


async def _prepare_snapshot(
    action: str, params: dict[str, Any], api: Api, prepared: Prepared
) -> None:
    body = params.get("body", {})
    own = api.emu.subscription_id
    if action == "Take":
        path = await api.container(body["type"], body["objectId"])
        await api.face(path, "snap")
    elif action == "List":
        await api.snapshot("source-face-list-id", [*params["applyScope"], own])
    elif action == "GetOperationStatus":
        operation_id, _ = await api.snapshot("source-face-list-id", [own])
        prepared.sub(params["operationId"], operation_id)
    else:
        assert action in ("Get", "Update", "Delete", "Apply"), action
        scope = ["35230F59-AA9C-45E0-AB5E-C859BF1A5429", own]
        _, snapshot_id = await api.snapshot("source-face-list-id", scope)
        prepared.sub(params["snapshotId"], snapshot_id)


# -- the request --------------------------------------------------------------------------------


def _substitute(value: Any, subs: dict[str, str]) -> Any:
    if isinstance(value, str):
        return subs.get(value.lower(), value)
    if isinstance(value, list):
        return [_substitute(v, subs) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, subs) for k, v in value.items()}
    return value


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    json_body: Any = None
    image: bytes | None = None


def build_request(
    op: dict[str, Any], params: dict[str, Any], prepared: Prepared, emu: FaceEmulator
) -> Request:
    params = _substitute(params, prepared.subs)
    path = op["path"]
    query: dict[str, str] = {}
    request = Request(op["method"], "", query)
    url_image = False
    for spec_param in op["params"]:
        name, where = spec_param["name"], spec_param["in"]
        if name not in params:
            continue
        if where == "path":
            path = path.replace("{" + name + "}", quote(str(params[name]), safe=""))
        elif where == "query":
            query[name] = _query_value(params[name])
        elif name == "ImageUrl":
            url_image = True
            request.json_body = {"url": emu.image_url(prepared.identity, prepared.variant)}
        elif name == "Image":
            size = TARGET_FACE_IMAGE_SIZE if "targetFace" in params else 256
            request.image = synthetic_face(prepared.identity, prepared.variant, size=size)
        else:
            request.json_body = params[name]
    if "targetFace" in query:
        target = Rect(*params["targetFace"])
        image = (
            synthetic_face(prepared.identity, prepared.variant)
            if url_image
            else request.image or b""
        )
        (face,) = analyze_image(image).faces
        if url_image:
            # The emulator serves 256 px pictures only, whose face is not inside the example's
            # (10, 10, 100, 100): point targetFace at the face instead.
            rect = face.rect
            query["targetFace"] = f"{rect.left},{rect.top},{rect.width},{rect.height}"
        else:
            assert _inside(face.rect, target), (face.rect, target)
    query.update(prepared.query)
    request.path = "/face/v1.0" + path
    return request


def _inside(face: Rect, target: Rect) -> bool:
    return (
        target.left <= face.left
        and target.top <= face.top
        and face.left + face.width <= target.left + target.width
        and face.top + face.height <= target.top + target.height
    )


# -- the tests ----------------------------------------------------------------------------------


def test_every_example_file_belongs_to_one_operation_of_the_spec() -> None:
    on_disk = {p.stem for p in EXAMPLES.glob("*.json")}
    assert len(on_disk) == 69
    assert set(OPERATIONS) == on_disk
    assert len({op["operation_id"] for op in OPERATIONS.values()}) == 69


def test_shape_comparison_catches_missing_keys_wrong_types_and_undeclared_extras() -> None:
    schema = {"$ref": "#/definitions/TrainingStatus"}
    example = {"status": "succeeded", "createdDateTime": "x", "message": None, "n": [{"a": 1}]}
    shape = Shape()
    compare(
        example, {"status": 1, "lastSuccessfulTrainingDateTime": "y", "n": []}, schema, "$", shape
    )
    assert shape.problems == [
        "$.status: expected string, got number (1)",
        "$.createdDateTime: missing",
        "$.n: the example's array has elements, got []",
    ]
    assert shape.extras == {"$.lastSuccessfulTrainingDateTime"}
    shape = Shape()
    compare({"a": 1.5, "b": True}, {"a": 2, "b": True, "zzz": None}, None, "$", shape)
    assert shape.problems == ["$.zzz: not a property of the spec's schema"]
    assert header_pattern("/operations/a63a3bdd-a1db-4d05-87b8-dbad6850062a").fullmatch(
        "/operations/84276574-2A2A-4540-a1b0-f65d834d225b"
    )


async def test_detect_leaves_out_landmarks_unless_asked_as_the_spec_says() -> None:
    # Why the detect examples are sent with returnFaceLandmarks=true: their parameters leave it
    # at its default (false), yet their reply carries faceLandmarks.
    for name in ("DetectWithStream", "DetectWithUrl"):
        example = json.loads((EXAMPLES / f"{name}.json").read_text())
        assert "returnFaceLandmarks" not in example["parameters"]
        assert "faceLandmarks" in example["responses"]["200"]["body"][0]
    (spec_param,) = [
        p for p in OPERATIONS["DetectWithStream"]["params"] if p["name"] == "returnFaceLandmarks"
    ]
    assert spec_param["default"] is False
    async with (
        FaceEmulator(settings=settings(), snapshot_store=SnapshotStore()) as emu,
        aiohttp.ClientSession(headers={"Ocp-Apim-Subscription-Key": emu.key}) as session,
    ):
        (face,) = await Api(session, emu).ok("POST", "/detect", image=synthetic_face(RICH))
    assert "faceLandmarks" not in face


@pytest.mark.parametrize("example_name", sorted(OPERATIONS))
async def test_example_request_gets_a_reply_shaped_like_the_example(example_name: str) -> None:
    op = OPERATIONS[example_name]
    example = json.loads((EXAMPLES / f"{example_name}.json").read_text())
    ((status_text, expected),) = example["responses"].items()
    expected_status = int(status_text)
    expected_headers: dict[str, str] = expected.get("header", expected.get("headers", {}))
    async with (
        FaceEmulator(settings=settings(), snapshot_store=SnapshotStore()) as emu,
        aiohttp.ClientSession(headers={"Ocp-Apim-Subscription-Key": emu.key}) as session,
    ):
        api = Api(session, emu)
        prepared = await prepare(op["operation_id"], example["parameters"], api)
        request = build_request(op, example["parameters"], prepared, emu)
        kwargs: dict[str, Any] = {"params": request.query}
        if request.image is not None:
            kwargs["data"] = request.image
            kwargs["headers"] = {"Content-Type": "application/octet-stream"}
        elif request.json_body is not None:
            kwargs["json"] = request.json_body
        async with session.request(
            request.method, emu.endpoint + request.path, **kwargs
        ) as response:
            status, headers, raw = response.status, response.headers, await response.read()

    assert status == expected_status, raw
    for name, value in expected_headers.items():
        assert name in headers, f"header {name} missing"
        assert header_pattern(value).fullmatch(headers[name]), (name, headers[name], value)
    if "body" not in expected:
        assert raw == b""
        return
    assert headers.get("Content-Type", "").startswith("application/json")
    shape = Shape()
    schema = op["responses"][status_text].get("schema")
    compare(expected["body"], json.loads(raw), schema, "$", shape)
    assert shape.problems == []
    assert shape.extras == EXTRA_KEYS.get(example_name, set())
