"""Every example of v1.2, v1.2-preview.1 and v1.3-preview.1, sent to the emulator, gets its reply.

As tests/test_emulator_examples.py does for v1.0: what an example refers to is created
first (with the example's own container ids; ids the service makes up are replaced by the
real ones), the request is derived from the spec and the example, and the reply must have
the example's status, its headers and a body shaped like the example's (every key, JSON
types, optional keys the example leaves out listed in EXTRA_KEYS). Liveness examples get
their sessions, attempts (through the emulator's device control call) and session images.
Issue 12's examples (PersonDirectory) are left to it, as in tests/test_contract_versions.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from facekit.emulator import FaceEmulator, SnapshotStore, synthetic_face

from .spec_versions import example, example_cases, spec
from .test_contract_versions import DIRECTORY
from .test_emulator_examples import (
    ID_PARAMS,
    RICH,
    TARGET_FACE_IMAGE_SIZE,
    Api,
    Shape,
    _substitute,
    compare,
    header_pattern,
    settings,
)

VERSIONS = ("v1.2", "v1.2-preview.1", "v1.3-preview.1")
#: The examples' operation-Location is a placeholder, not a location of theirs.
PLACEHOLDER_LOCATION = "https://contoso.com/operationstatus"
#: The kind of container each operation name speaks of, longest names first.
KINDS = ("LargePersonGroup", "LargeFaceList", "PersonGroup", "FaceList")

#: Keys the emulator sends that an example leaves out: optional fields the spec declares.
EXTRA_KEYS: dict[tuple[str, str], set[str]] = {
    # The previews' audit entries: the example's answer body is empty, the emulator's says
    # what the device was told (LivenessResponseBody declares these fields).
    # (Their audit entries' first is the failed attempt, whose answer body is as empty as
    # the example's.)
    ("v1.2-preview.1", "LivenessSessionOperations_GetLivenessSessionResult"): {
        "$.result.response.body.livenessDecision",
        "$.result.response.body.target",
        "$.result.response.body.modelVersionUsed",
        "$.result.sessionImageId",
    },
    # The examples' face list has no faces; the emulator's has one (FaceList declares them).
    **{(v, "FaceListOperations_GetFaceList"): {"$.persistedFaces"} for v in VERSIONS},
    # The previews' audit of a with-verify session: the hash of the verify image, asked for.
    ("v1.2-preview.1", "LivenessSessionOperations_GetLivenessWithVerifySessionAuditEntries"): {
        "$[0].verifyImageHash"
    },
    # v1.3-preview.1 says whether abuse monitoring watched the session (its create example
    # of a plain session shows it; the with-verify one leaves it out).
    ("v1.3-preview.1", "LivenessSessionOperations_CreateLivenessWithVerifySession"): {
        "$.isAbuseMonitoringEnabled"
    },
}
#: Find-similar examples whose candidates carry the other id than the spec's own field
#: descriptions say ("faceId ... when find by faceIds", "persistedFaceId ... when find by
#: faceListId or largeFaceListId"); the emulator follows the descriptions (and v1.0).
SWAPPED_IDS = {
    ("v1.2", "FaceRecognitionOperations_FindSimilar"),
    ("v1.2", "FaceRecognitionOperations_FindSimilarFromFaceList"),
    ("v1.2", "FaceRecognitionOperations_FindSimilarFromLargeFaceList"),
    ("v1.2-preview.1", "FaceRecognitionOperations_FindSimilar"),
    ("v1.2-preview.1", "FaceRecognitionOperations_FindSimilarFromFaceList"),
}


class VersionApi(Api):
    """Plain HTTP to the emulator's /face/<version>."""

    def __init__(self, session: aiohttp.ClientSession, emu: FaceEmulator, version: str) -> None:
        super().__init__(session, emu)
        self.version = version
        self.base = f"{emu.endpoint}/face/{version}"

    @property
    def ga(self) -> bool:
        return self.version != "v1.2-preview.1"

    def sessions(self, verify: bool) -> str:
        name = "detectLivenessWithVerify" if verify else "detectLiveness"
        return f"/{name}-sessions" if self.ga else f"/{name}/singleModal/sessions"

    async def liveness_session(
        self, verify: bool, *, image: bytes | None = None, **options: Any
    ) -> dict[str, Any]:
        """A new session (with-verify ones from `image`); its id and auth token."""
        fields = {"livenessOperationMode": "Passive", **options}
        path = self.sessions(verify)
        if not verify:
            return dict(await self.ok("POST", path, json_body=fields))
        data = aiohttp.FormData()
        if self.ga:
            for name, value in fields.items():
                data.add_field(name, json.dumps(value) if isinstance(value, bool) else str(value))
            data.add_field(
                "verifyImage", image or synthetic_face("ann", 1), filename="verify-image"
            )
        else:
            data.add_field("Parameters", json.dumps(fields))
            data.add_field(
                "VerifyImage", image or synthetic_face("ann", 1), filename="verify-image"
            )
        async with self.session.post(self.base + path, data=data) as response:
            raw = await response.read()
            assert response.status == 200, raw
            created: dict[str, Any] = json.loads(raw)
            return created

    async def device(self, created: dict[str, Any], **body: Any) -> dict[str, Any]:
        """An attempt of the end user's device, through the emulator's control call."""
        async with self.session.post(
            f"{self.emu.endpoint}/_emulator/liveness/{created['sessionId']}/attempt",
            json=body,
            headers={"Authorization": f"Bearer {created['authToken']}"},
        ) as response:
            raw = await response.read()
            assert response.status == 200, raw
            outcome: dict[str, Any] = json.loads(raw)
            return outcome


@dataclass
class Prepared:
    subs: dict[str, str] = field(default_factory=dict)
    identity: str = RICH

    def sub(self, example_value: str, real: str) -> None:
        self.subs[example_value.lower()] = real


def _kind_of(name: str) -> str:
    return next(kind for kind in KINDS if kind in name)


async def prepare(operation_id: str, params: dict[str, Any], api: VersionApi) -> Prepared:
    """Create what the example refers to, in a fresh emulator."""
    family, action = operation_id.split("_", 1)
    prepared = Prepared()
    if family == "LivenessSessionOperations" or action == "DetectFromSessionImageId":
        await _prepare_liveness(action, params, api, prepared)
    elif family == "FaceRecognitionOperations":
        await _prepare_recognition(action, params.get("body", {}), api, prepared)
    elif family in ("PersonGroupOperations", "FaceListOperations"):
        await _prepare_container(action, params, api, prepared)
    return prepared


async def _prepare_container(
    action: str, params: dict[str, Any], api: VersionApi, prepared: Prepared
) -> None:
    kind = _kind_of(action)
    id_name = ID_PARAMS[kind]
    if action.startswith("Create") and not action.endswith("Person"):
        return
    if action == f"Get{kind}s":
        start = params.get("start")
        for container_id in [f"{start}2", f"{start}3"] if start else ["list1", "list2"]:
            await api.container(kind, container_id.replace("-", "a")[:64])
        return
    path = await api.container(kind, params[id_name])
    if action == f"Get{kind}" and kind == "FaceList":
        await api.face(path, "listed")
    elif action in (f"Train{kind}", f"Get{kind}TrainingStatus"):
        owner = f"{path}/persons/{await api.person(path)}" if "Person" in kind else path
        await api.face(owner, "trainee")
        if action.endswith("TrainingStatus"):
            await api.train(path)
    elif action == f"Get{kind}Faces":
        face_ids = sorted([await api.face(path, "stored", v) for v in range(3)])
        prepared.sub(params["start"], face_ids[0])
    elif action in (f"Get{kind}Face", f"Update{kind}Face", f"Delete{kind}Face"):
        prepared.sub(params["persistedFaceId"], await api.face(path, "stored"))
    elif action == f"Get{kind}Persons":
        person_ids = []
        for name in ("ryan", "david", "mike"):
            person_id = await api.person(path, name)
            await api.face(f"{path}/persons/{person_id}", name)
            person_ids.append(person_id)
        prepared.sub(params["start"], min(person_ids))
    elif "personId" in params:
        person_id = await api.person(path)
        prepared.sub(params["personId"], person_id)
        person = f"{path}/persons/{person_id}"
        if action == f"Get{kind}Person":
            await api.face(person, "mike")
        elif "persistedFaceId" in params:
            prepared.sub(params["persistedFaceId"], await api.face(person, "mike"))


async def _prepare_recognition(
    action: str, body: dict[str, Any], api: VersionApi, prepared: Prepared
) -> None:
    if action.startswith("FindSimilar"):
        if "faceIds" in body:
            for candidate, variant in zip(body["faceIds"], (1, 2), strict=False):
                prepared.sub(candidate, await api.detect("alice", variant))
        else:
            kind = "LargeFaceList" if "largeFaceListId" in body else "FaceList"
            path = await api.container(kind, body[ID_PARAMS[kind]])
            await api.face(path, "alice", 1)
            await api.face(path, "bob", 1)
            if kind == "LargeFaceList":
                await api.train(path)
        prepared.sub(body["faceId"], await api.detect("alice"))
    elif action == "Group":
        people = [("alice", 0), ("alice", 1), ("bob", 0), ("alice", 2)]
        people += [("bob", 1), ("carol", 0), ("dave", 0), ("alice", 3)]
        for example_id, (identity, variant) in zip(body["faceIds"], people, strict=False):
            prepared.sub(example_id, await api.detect(identity, variant))
    elif action.startswith("Identify"):
        kind = "LargePersonGroup" if "largePersonGroupId" in body else "PersonGroup"
        group = await api.container(kind, body[ID_PARAMS[kind]])
        for name in ("alice", "bob"):
            await api.face(f"{group}/persons/{await api.person(group, name)}", name, 1)
        await api.train(group)
        for example_id, name in zip(body["faceIds"], ("alice", "bob"), strict=False):
            prepared.sub(example_id, await api.detect(name))
    elif action == "VerifyFaceToFace":
        prepared.sub(body["faceId1"], await api.detect("alice", 0))
        prepared.sub(body["faceId2"], await api.detect("alice", 1))
    else:
        kind = "LargePersonGroup" if "largePersonGroupId" in body else "PersonGroup"
        group = await api.container(kind, body[ID_PARAMS[kind]])
        person_id = await api.person(group, "alice")
        await api.face(f"{group}/persons/{person_id}", "alice", 1)
        prepared.sub(body["personId"], person_id)
        prepared.sub(body["faceId"], await api.detect("alice"))


async def _prepare_liveness(
    action: str, params: dict[str, Any], api: VersionApi, prepared: Prepared
) -> None:
    verify = "WithVerify" in action
    mask = {"code": "FaceWithMaskDetected", "message": "Mask detected on face image."}
    if action in ("GetSettings", "PatchSettings", "GetClientAssetsAccessToken") or (
        action.startswith("Create")
    ):
        return
    if action in ("GetLivenessSessions", "GetLivenessWithVerifySessions"):
        for _ in range(2):
            created = await api.liveness_session(verify, deviceCorrelationId="device-7")
            await api.device(created, live=True)
        return
    if api.version == "v1.3-preview.1":
        # Abuse monitoring on, and the same face seen in another session first.
        await api.ok("PATCH", "/settings", json_body={"enabled": True})
        other = await api.liveness_session(verify, enableSessionImage=True)
        await api.device(other, live=True, identity="ann")
    options: dict[str, Any] = {"enableSessionImage": True, "deviceCorrelationId": "device-7"}
    if verify:
        options["returnVerifyImageHash"] = True
    created = await api.liveness_session(verify, **options)
    first = await api.device(created, error=mask, identity="ann")
    assert first["succeeded"] is False
    second = await api.device(created, live=True, identity="ann")
    if "sessionId" in params:
        prepared.sub(params["sessionId"], created["sessionId"])
    image_id = second["sessionImageId"]
    if "sessionImageId" in params:
        prepared.sub(params["sessionImageId"], image_id)
    if "body" in params and "sessionImageId" in params["body"]:
        prepared.sub(params["body"]["sessionImageId"], image_id)


# -- the request ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def send(
    api: VersionApi, op: dict[str, Any], params: dict[str, Any], prepared: Prepared
) -> tuple[int, Any, bytes]:
    """The example's request, as derived from the spec; (status, headers, body) of the reply."""
    params = _substitute(params, prepared.subs)
    path = op["path"]
    query: dict[str, str] = {}
    kwargs: dict[str, Any] = {}
    form: aiohttp.FormData | None = None
    for spec_param in op["params"]:
        name, where = spec_param["name"], spec_param["in"]
        if where == "path":
            path = path.replace("{" + name + "}", quote(str(params[name]), safe=""))
        elif where == "query" and name in params:
            value = params[name]
            query[name] = ",".join(map(str, value)) if isinstance(value, list) else _text(value)
        elif where == "body" and "application/octet-stream" in op["consumes"]:
            size = TARGET_FACE_IMAGE_SIZE if "targetFace" in params else 256
            kwargs["data"] = synthetic_face(prepared.identity, 0, size=size)
            kwargs["headers"] = {"Content-Type": "application/octet-stream"}
        elif where == "body" and name in params:
            body = params[name]
            if isinstance(body, dict) and "url" in body:
                body = {"url": api.emu.image_url(prepared.identity)}
            kwargs["json"] = body
        elif where == "formData":
            form = form or aiohttp.FormData()
            if spec_param.get("type") == "file":
                form.add_field(name, synthetic_face("ann", 1), filename="verify-image")
                continue
            value = params.get(name, params.get("body", {}).get(name))
            if value is not None:
                form.add_field(name, _text(value))
    if "targetFace" in query and "json" in kwargs:
        # The emulator's URL images are 256 px: point targetFace at their face.
        query.pop("targetFace")
    if form is not None:
        kwargs["data"] = form
    async with api.session.request(
        op["method"], api.base + path, params=query, **kwargs
    ) as response:
        return response.status, response.headers, await response.read()


def _as_described(candidates: list[dict[str, Any]], request: dict[str, Any]) -> Any:
    """The example's candidates with the id the spec describes for the request made."""
    wanted = "faceId" if "faceIds" in request else "persistedFaceId"
    other = "persistedFaceId" if wanted == "faceId" else "faceId"
    fixed = []
    for candidate in candidates:
        assert other in candidate, "the example is no longer swapped: drop it from SWAPPED_IDS"
        fixed.append({(wanted if k == other else k): v for k, v in candidate.items()})
    return fixed


CASES = example_cases(VERSIONS, elsewhere=DIRECTORY)


def test_every_example_but_the_directorys_is_replayed_here() -> None:
    # The directory's: tests/test_emulator_directory_examples.py.
    counts = {v: sum(1 for c in CASES if c.values[0] == v) for v in VERSIONS}
    assert counts == {"v1.2": 73, "v1.2-preview.1": 78, "v1.3-preview.1": 77}


@pytest.mark.parametrize(("version", "op"), CASES)
async def test_example_request_gets_a_reply_shaped_like_the_example(
    version: str, op: dict[str, Any]
) -> None:
    data = example(version, op["example"])
    assert data is not None
    ((status_text, expected),) = data["responses"].items()
    expected_headers: dict[str, str] = expected.get("headers", expected.get("header", {}))
    async with (
        FaceEmulator(settings=settings(), snapshot_store=SnapshotStore()) as emu,
        aiohttp.ClientSession(headers={"Ocp-Apim-Subscription-Key": emu.key}) as session,
    ):
        api = VersionApi(session, emu, version)
        prepared = await prepare(op["operation_id"], data["parameters"], api)
        status, headers, raw = await send(api, op, data["parameters"], prepared)
        endpoint = emu.endpoint

    assert status == int(status_text), raw
    for name, value in expected_headers.items():
        assert name in headers, f"header {name} missing"
        if value == PLACEHOLDER_LOCATION:
            assert re.fullmatch(rf"{re.escape(endpoint)}/face/{version}/\S+", headers[name])
        else:
            assert header_pattern(value).fullmatch(headers[name]), (name, headers[name], value)
    if "body" not in expected:
        assert raw == b""
        return
    if op["operation_id"] == "LivenessSessionOperations_GetSessionImage":
        # The example's body stands for the image's bytes.
        assert raw.startswith(b"\x89PNG")
        return
    assert headers.get("Content-Type", "").startswith("application/json")
    body = expected["body"]
    if (version, op["operation_id"]) in SWAPPED_IDS:
        body = _as_described(body, data["parameters"]["body"])
    shape = Shape()
    schema = op["responses"][status_text].get("schema")
    compare(body, json.loads(raw), schema, "$", shape, spec(version)["definitions"])
    assert shape.problems == []
    assert shape.extras == EXTRA_KEYS.get((version, op["operation_id"]), set())
