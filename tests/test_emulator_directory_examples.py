"""Every PersonDirectory example request, sent to the emulator, gets a reply like the example's.

As tests/test_emulator_examples.py does for v1.0: for each example (the 18 of v1.0-preview,
the v1.2-preview.1 ones, persondirectory-examples/) the request is derived from the spec of
the example's version and its parameters, after creating in a fresh emulator what it refers
to. Ids the service generates are replaced by real ones. The reply must have one of the
example's success statuses, each of its headers (a relative Operation-Location as
"/operations/{uuid}", an absolute one on the emulator's own host under the version's path,
where the examples put https://contoso.com/operationstatus), and a JSON body of the same
shape: every key, each value of the same JSON type (a null in the example matches null or
absence), extra keys only where the spec's schema declares them.

The emulator's clock is the test's: operations are moved to their end where an example needs
what they do (a face in use, a group's persons).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
import yarl

from facekit.emulator import EmulatorSettings, FaceEmulator, SnapshotStore, synthetic_face
from facekit.emulator.images import Rect, analyze_image

from .directory_spec import Example, all_examples, spec
from .directory_support import Api, Clock

SETTINGS = EmulatorSettings(directory_operation_seconds=1.0, training_queue_seconds=0.2)
UUID = r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"
EXAMPLES = {example.name: example for example in all_examples()}
#: The example's targetFace (10, 10, 100, 100) holds the face of a 128 px synthetic picture.
TARGET_FACE_IMAGE_SIZE = 128


# -- shapes ---------------------------------------------------------------------------------


def _definition(version: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    while schema is not None and "$ref" in schema:
        schema = spec(version)["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema or {}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def compare(
    version: str, expected: Any, actual: Any, schema: dict[str, Any] | None, where: str
) -> list[str]:
    """Where `actual` is not shaped like `expected` (keys, JSON types, first elements)."""
    if expected is None:
        return [] if actual is None else [f"{where}: the example has null, got {actual!r}"]
    if _json_type(expected) != _json_type(actual):
        return [f"{where}: expected {_json_type(expected)}, got {actual!r:.80}"]
    problems: list[str] = []
    definition = _definition(version, schema)
    if isinstance(expected, dict):
        props = definition.get("properties", {})
        for key, value in expected.items():
            if key not in actual:
                if value is not None:
                    problems.append(f"{where}.{key}: missing")
                continue
            problems += compare(version, value, actual[key], props.get(key), f"{where}.{key}")
        problems += [
            f"{where}.{key}: not a property of the spec's schema"
            for key in sorted(actual.keys() - expected.keys())
            if key not in props
        ]
    elif isinstance(expected, list) and expected:
        if not actual:
            problems.append(f"{where}: the example's array has elements, got []")
        else:
            items = definition.get("items")
            problems += compare(version, expected[0], actual[0], items, f"{where}[0]")
    return problems


def header_matches(example_value: str, actual: str, version: str, endpoint: str) -> bool:
    """A relative example location: same text, any UUID; an absolute one: ours, any path."""
    if example_value.startswith("/"):
        pattern = UUID.join(re.escape(part) for part in re.split(UUID, example_value))
        return re.fullmatch(pattern, actual) is not None
    url, ours = yarl.URL(actual), yarl.URL(endpoint)
    return url.is_absolute() and url.host == ours.host and url.path.startswith(f"/face/{version}/")


# -- what an example refers to ------------------------------------------------------------------


@dataclass
class Prepared:
    subs: dict[str, str] = field(default_factory=dict)
    identity: str = "ann"
    variant: int = 1

    def sub(self, example_value: str, real: str) -> None:
        self.subs[example_value.lower()] = real


def action(example: Example) -> str:
    return example.operation.operation_id.split("_", 1)[-1]


def body_of(example: Example) -> dict[str, Any]:
    params = example.parameters
    found: dict[str, Any] = params.get("body", params.get("resource", {}))
    return found


def is_uuid(value: str) -> bool:
    return re.fullmatch(UUID, value) is not None


async def prepare(example: Example, api: Api, clock: Clock) -> Prepared:
    """Create what the example's request refers to; the clock ends at every operation's end."""
    params, body, name = example.parameters, body_of(example), action(example)
    prepared = Prepared()
    if "personId" in params:
        person_id, _ = await api.person("ann")
        prepared.sub(params["personId"], person_id)
        # (v1.0-preview's GetPerson example names a model its spec's operation does not take.)
        takes_model = any(p["name"] == "recognitionModel" for p in example.operation.params)
        if takes_model and not name.startswith("Add"):
            face_id, _ = await api.face(person_id, "ann", 1, model=params["recognitionModel"])
            if "persistedFaceId" in params:
                prepared.sub(params["persistedFaceId"], face_id)
        if name.endswith("References"):
            await api.ok(
                "PUT",
                "/dynamicpersongroups/team",
                202,
                json_body={"name": "T", "addPersonIds": [person_id]},
            )
    for key in ("addPersonIds", "removePersonIds"):
        for example_id in body.get(key, []):
            if is_uuid(example_id):
                prepared.sub(example_id, (await api.person(example_id[:8]))[0])
    group_id = params.get("dynamicPersonGroupId")
    if group_id is not None and not name.startswith("Create"):
        members = []
        if name.endswith("Persons"):
            members = sorted([(await api.person(n))[0] for n in ("ann", "bob")])
            if params.get("start") and params["start"] != "00000000-0000-0000-0000-000000000000":
                prepared.sub(params["start"], members[0])
        await api.ok(
            "PUT",
            f"/dynamicpersongroups/{group_id}",
            202 if members else 200,
            json_body={
                "name": "Team",
                "userData": "team",
                **({"addPersonIds": members} if members else {}),
            },
        )
    if name in ("GetPersons",):
        for person in ("ann", "bob"):
            await api.person(person)
    if name in ("GetDynamicPersonGroups", "ListDynamicPersonGroups"):
        start = params.get("start", "group")
        for suffix in ("2", "3"):
            await api.ok(
                "PUT",
                f"/dynamicpersongroups/{start}{suffix}",
                json_body={"name": "G", "userData": "g"},
            )
    if name == "GetOperationResult":
        _, operation_id = await api.person("ann")
        prepared.sub(params["operationId"], operation_id)
    if name.startswith(("Identify", "Verify")):
        await _prepare_recognition(example, api, clock, prepared)
    clock.advance(30.0)
    return prepared


async def _prepare_recognition(
    example: Example, api: Api, clock: Clock, prepared: Prepared
) -> None:
    body = body_of(example)
    # v1.2 identifies against the directory but has no operations to fill it.
    maker = Api(api.session, api.emu, "v1.2-preview.1")
    person_id, _ = await maker.person("ann")
    await maker.face(person_id, "ann", 1)
    for example_id in [*body.get("personIds", []), *[body.get("personId")] * ("personId" in body)]:
        prepared.sub(example_id, person_id)
    group_id = body.get("dynamicPersonGroupId")
    if group_id is not None:
        await maker.ok(
            "PUT",
            f"/dynamicpersongroups/{group_id}",
            202,
            json_body={"name": "Team", "userData": "team", "addPersonIds": [person_id]},
        )
    clock.advance(30.0)
    # The query is the enrolled picture itself, so it clears the example's threshold of 0.7.
    query = await api.detect("ann", variant=1)
    for example_id in body.get("faceIds", [body.get("faceId")]):
        prepared.sub(example_id, query)


# -- the request ------------------------------------------------------------------------------


def _substitute(value: Any, subs: dict[str, str]) -> Any:
    if isinstance(value, str):
        return subs.get(value.lower(), value)
    if isinstance(value, list):
        return [_substitute(v, subs) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, subs) for k, v in value.items()}
    return value


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    json_body: Any = None
    image: bytes | None = None


def build_request(example: Example, prepared: Prepared, emu: FaceEmulator) -> Request:
    params = _substitute(example.parameters, prepared.subs)
    op = example.operation
    path = op.path
    query: dict[str, str] = {}
    request = Request(op.method, "", query)
    url_image = False
    for spec_param in op.params:
        name, where = spec_param["name"], spec_param["in"]
        if where == "body":
            if name in ("Image", "imageContent") and name in params:
                size = TARGET_FACE_IMAGE_SIZE if "targetFace" in params else 256
                request.image = synthetic_face(prepared.identity, prepared.variant, size=size)
            elif name == "ImageUrl" or (name == "body" and "url" in params.get("body", {})):
                url_image = True
                request.json_body = {"url": emu.image_url(prepared.identity, prepared.variant)}
            elif name in params or "resource" in params:
                request.json_body = params.get(name, params.get("resource"))
            continue
        if name not in params:
            continue
        if where == "path":
            path = path.replace("{" + name + "}", quote(str(params[name]), safe=""))
        elif where == "query":
            query[name] = str(params[name])
    if "targetFace" in query:
        target = Rect(*(int(v) for v in re.findall(r"\d+", query["targetFace"])))
        image = request.image or synthetic_face(prepared.identity, prepared.variant)
        (face,) = analyze_image(image).faces
        if url_image:
            # The emulator serves 256 px pictures, whose face is outside (10, 10, 100, 100).
            rect = face.rect
            target = Rect(rect.left, rect.top, rect.width, rect.height)
        query["targetFace"] = f"{target.left},{target.top},{target.width},{target.height}"
    request.path = f"/face/{example.version}{path}"
    return request


# -- the test ------------------------------------------------------------------------------------


@pytest.fixture
async def api(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Api, Clock]]:
    example: Example = EXAMPLES[request.node.callspec.params["name"]]
    clock = Clock()
    async with (
        FaceEmulator(settings=SETTINGS, snapshot_store=SnapshotStore(), clock=clock) as emu,
        aiohttp.ClientSession(headers={"Ocp-Apim-Subscription-Key": emu.key}) as session,
    ):
        yield Api(session, emu, example.version), clock


def _ids() -> list[Any]:
    return [
        pytest.param(
            name, id=name.replace("persondirectory-examples/", "pd/").replace("/examples/", "/")
        )
        for name in sorted(EXAMPLES)
    ]


def _junk_ids(example: Example) -> bool:
    body = body_of(example)
    ids = [*body.get("addPersonIds", []), *body.get("removePersonIds", [])]
    return any(not is_uuid(i) for i in ids)


async def _send(api: Api, request: Request) -> tuple[int, Any, Any]:
    return await api.send(
        request.method,
        request.path.removeprefix(f"/face/{api.version}"),
        json_body=request.json_body,
        image=request.image,
        params=request.query,
    )


@pytest.mark.parametrize("name", _ids())
async def test_example_request_gets_a_reply_shaped_like_the_example(
    name: str, api: tuple[Api, Clock]
) -> None:
    client, clock = api
    example = EXAMPLES[name]
    prepared = await prepare(example, client, clock)
    request = build_request(example, prepared, client.emu)
    if _junk_ids(example):
        # Its ids are not UUIDs, as the spec's format says they are: the service refuses.
        status, body, _ = await _send(client, request)
        assert (status, body["error"]["code"]) == (400, "BadArgument")
        for key in ("addPersonIds", "removePersonIds"):
            request.json_body[key] = [(await client.person())[0]]
    status, body, headers = await _send(client, request)
    successes = {int(s): r for s, r in example.responses.items() if s.startswith("2")}
    assert status in successes, (status, body)
    expected = successes[status]
    for header_name, value in expected.get("header", expected.get("headers", {})).items():
        actual = headers.get(header_name)
        assert actual is not None, f"header {header_name} missing"
        assert header_matches(value, actual, example.version, client.emu.endpoint), actual
    if "body" not in expected:
        assert body is None
        return
    schema = example.operation.responses[str(status)].get("schema")
    assert compare(example.version, expected["body"], body, schema, "$") == []


def test_shape_comparison_catches_missing_keys_wrong_types_and_undeclared_extras() -> None:
    schema = {"$ref": "#/definitions/PersonDirectoryPerson"}
    expected = {"personId": "x", "name": "n", "userData": None, "list": [{"a": 1}]}
    actual = {"personId": 1, "userData": "u", "list": [], "extra": 1}
    assert compare("v1.2-preview.1", expected, actual, schema, "$") == [
        "$.personId: expected string, got 1",
        "$.name: missing",
        "$.userData: the example has null, got 'u'",
        "$.list: the example's array has elements, got []",
        "$.extra: not a property of the spec's schema",
    ]
    assert header_matches(
        "/operations/a63a3bdd-a1db-4d05-87b8-dbad6850062a",
        "/operations/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12,
        "v1.0-preview",
        "http://127.0.0.1:1",
    )
    assert not header_matches(
        "https://contoso.com/operationstatus",
        "https://contoso.com/face/v1.2-preview.1/x",
        "v1.2-preview.1",
        "http://127.0.0.1:1",
    )
