"""The emulated PersonDirectory over plain HTTP: operations on a clock, cascades, errors.

No facekit client here: requests are written by hand, as the specs describe them, against
an emulator whose clock the test moves. A directory operation runs
`directory_operation_seconds` (1 s here) after the earlier operations of the same person or
dynamic person group, with `training_queue_seconds` (0.2 s) in notStarted first.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from facekit.emulator import EmulatorSettings, FaceEmulator, SnapshotStore, synthetic_face

from .directory_support import MODEL, Api, Clock

SETTINGS = EmulatorSettings(directory_operation_seconds=1.0, training_queue_seconds=0.2)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def emu(clock: Clock) -> AsyncIterator[FaceEmulator]:
    async with FaceEmulator(settings=SETTINGS, snapshot_store=SnapshotStore(), clock=clock) as e:
        yield e


@pytest.fixture
async def session(emu: FaceEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"Ocp-Apim-Subscription-Key": emu.key}) as s:
        yield s


@pytest.fixture(params=["v1.0-preview", "v1.1-preview.1", "v1.2-preview.1"])
def api(request: pytest.FixtureRequest, session: aiohttp.ClientSession, emu: FaceEmulator) -> Api:
    return Api(session, emu, request.param)


def preview(session: aiohttp.ClientSession, emu: FaceEmulator) -> Api:
    return Api(session, emu, "v1.2-preview.1")


# -- operations advance with the clock -------------------------------------------------------


async def test_an_operation_goes_notstarted_running_succeeded_with_the_clock(
    api: Api, clock: Clock
) -> None:
    person_id, operation_id = await api.person()
    first = await api.status(operation_id)
    assert first["status"] == "notStarted"
    assert first.get("finishedTime") is None
    clock.advance(0.5)
    assert (await api.status(operation_id))["status"] == "running"
    clock.advance(0.5)
    done = await api.status(operation_id)
    assert done["status"] == "succeeded"
    assert done["createdTime"] == first["createdTime"]
    assert done["finishedTime"] is not None
    if api.version == "v1.0-preview":
        assert "operationId" not in done
        assert done["resourceLocation"] == f"/persons/{person_id}"
    else:
        assert done["operationId"] == operation_id
        assert "resourceLocation" not in done


async def test_a_person_is_listed_at_once_and_its_id_named_by_location(api: Api) -> None:
    status, body, headers = await api.send("POST", "/persons", json_body={"name": "ann"})
    assert status == 202
    person_id = body["personId"]
    assert await api.ok("GET", f"/persons/{person_id}") == {"personId": person_id, "name": "ann"}
    if api.version == "v1.0-preview":
        assert "Location" not in headers
    else:
        assert headers["Location"] == f"{api.base}/persons/{person_id}"


async def test_operations_on_one_person_run_one_after_another_and_persons_in_parallel(
    api: Api, clock: Clock
) -> None:
    ann, created = await api.person("ann")
    bob, _ = await api.person("bob")
    _, first = await api.face(ann, "ann", 1)
    _, second = await api.face(ann, "ann", 2)
    _, other = await api.face(bob, "bob", 1)
    clock.advance(1.5)
    # ann's creation is done and her first face runs; her second waits for it.
    assert (await api.status(created))["status"] == "succeeded"
    assert (await api.status(first))["status"] == "running"
    assert (await api.status(second))["status"] == "notStarted"
    # bob's face runs beside ann's, after bob's own creation.
    assert (await api.status(other))["status"] == "running"
    clock.advance(1.0)
    assert (await api.status(first))["status"] == "succeeded"
    assert (await api.status(second))["status"] == "running"
    clock.advance(1.0)
    assert (await api.status(second))["status"] == "succeeded"


async def test_a_face_is_used_for_recognition_only_once_its_add_succeeded(
    api: Api, clock: Clock
) -> None:
    ann, _ = await api.person("ann")
    face_id, _ = await api.face(ann, "ann", 1)
    # Listed at once...
    listed = await api.ok("GET", f"/persons/{ann}/recognitionModels/{MODEL}/{api.faces_leaf()}")
    assert listed == {"personId": ann, "persistedFaceIds": [face_id]}
    query = await api.detect("ann")
    # ... but not recognised while the person's creation and the add run.
    assert await api.identify(query, personIds=["*"]) == []
    clock.advance(1.5)
    assert await api.identify(query, personIds=["*"]) == []
    clock.advance(0.5)
    assert await api.identify(query, personIds=["*"]) == [ann]
    assert await api.identify(query, personIds=[ann]) == [ann]
    verdict = await api.ok("POST", "/verify", json_body={"faceId": query, "personId": ann})
    assert verdict["isIdentical"] is True


async def test_faces_are_kept_apart_by_recognition_model(api: Api, clock: Clock) -> None:
    ann, _ = await api.person("ann")
    await api.face(ann, "ann", 1, model="recognition_03")
    clock.advance(2.0)
    leaf = api.faces_leaf()
    assert (await api.ok("GET", f"/persons/{ann}/recognitionModels/{MODEL}/{leaf}"))[
        "persistedFaceIds"
    ] == []
    # A face detected with recognition_04 finds nobody; one detected with recognition_03 does.
    assert await api.identify(await api.detect("ann"), personIds=["*"]) == []
    query = await api.detect("ann", model="recognition_03")
    assert await api.identify(query, personIds=["*"]) == [ann]
    await api.error(
        "POST",
        "/verify",
        404,
        "PersistedFaceNotFound",
        json_body={"faceId": await api.detect("ann"), "personId": ann},
    )


# -- dynamic person groups -----------------------------------------------------------------------


async def test_a_group_is_created_empty_at_once_or_with_persons_by_an_operation(
    api: Api, clock: Clock
) -> None:
    ann, _ = await api.person("ann")
    status, _, _ = await api.send("PUT", "/dynamicpersongroups/empty", json_body={"name": "E"})
    assert status == 200
    status, _, headers = await api.send(
        "PUT", "/dynamicpersongroups/team", json_body={"name": "T", "addPersonIds": [ann]}
    )
    assert status == 202
    operation_id = await api.operation_of(headers)
    # The group exists at once; its persons show when the operation succeeded.
    assert (await api.ok("GET", "/dynamicpersongroups/team"))["name"] == "T"
    assert await api.members("team") == []
    clock.advance(1.0)
    assert (await api.status(operation_id))["status"] == "succeeded"
    assert await api.members("team") == [ann]
    refs = await api.ok("GET", f"/persons/{ann}/dynamicPersonGroupReferences")
    assert refs["dynamicPersonGroupIds"] == ["team"]
    assert (refs.get("personId") == ann) == (api.version == "v1.0-preview")
    await api.error(
        "PUT", "/dynamicpersongroups/team", 409, "DynamicPersonGroupExists", json_body={"name": "x"}
    )


async def test_membership_changes_through_a_long_running_update(api: Api, clock: Clock) -> None:
    ann, _ = await api.person("ann")
    bob, _ = await api.person("bob")
    await api.face(ann, "ann", 1)
    await api.face(bob, "bob", 1)
    await api.ok("PUT", "/dynamicpersongroups/team", json_body={"name": "T"})
    clock.advance(2.0)
    status, _, _ = await api.send(
        "PATCH", "/dynamicpersongroups/team", json_body={"addPersonIds": [ann, bob]}
    )
    assert status == 202
    query = await api.detect("bob")
    assert await api.identify(query, dynamicPersonGroupId="team") == []
    clock.advance(1.0)
    assert sorted(await api.members("team")) == sorted([ann, bob])
    assert await api.identify(query, dynamicPersonGroupId="team") == [bob]
    status, _, _ = await api.send(
        "PATCH", "/dynamicpersongroups/team", json_body={"removePersonIds": [bob]}
    )
    assert status == 202
    clock.advance(1.0)
    assert await api.members("team") == [ann]
    assert await api.identify(query, dynamicPersonGroupId="team") == []
    # bob is still in the directory.
    assert await api.identify(query, personIds=["*"]) == [bob]


async def test_a_name_only_update_is_at_once_except_in_v1_0_preview(api: Api, clock: Clock) -> None:
    await api.ok("PUT", "/dynamicpersongroups/team", json_body={"name": "T"})
    status, _, _ = await api.send("PATCH", "/dynamicpersongroups/team", json_body={"name": "U"})
    assert status == (202 if api.version == "v1.0-preview" else 200)
    assert (await api.ok("GET", "/dynamicpersongroups/team"))["name"] == "U"


async def test_deleting_a_person_removes_it_from_every_group_when_it_succeeds(
    api: Api, clock: Clock
) -> None:
    ann, _ = await api.person("ann")
    bob, _ = await api.person("bob")
    for group in ("g1", "g2"):
        await api.ok(
            "PUT",
            f"/dynamicpersongroups/{group}",
            202,
            json_body={"name": group, "addPersonIds": [ann, bob]},
        )
    clock.advance(2.0)
    status, _, headers = await api.send("DELETE", f"/persons/{ann}")
    assert status == 202
    operation_id = await api.operation_of(headers)
    assert sorted(await api.members("g1")) == sorted([ann, bob])
    clock.advance(1.0)
    assert (await api.status(operation_id))["status"] == "succeeded"
    assert await api.members("g1") == [bob]
    assert await api.members("g2") == [bob]
    await api.error("GET", f"/persons/{ann}", 404, "PersonNotFound")
    await api.error("GET", f"/persons/{ann}/dynamicPersonGroupReferences", 404, "PersonNotFound")


async def test_deleting_a_group_leaves_its_persons(api: Api, clock: Clock) -> None:
    ann, _ = await api.person("ann")
    await api.ok(
        "PUT", "/dynamicpersongroups/team", 202, json_body={"name": "T", "addPersonIds": [ann]}
    )
    clock.advance(1.0)
    await api.ok("DELETE", "/dynamicpersongroups/team", 202)
    assert (await api.ok("GET", "/dynamicpersongroups/team"))["name"] == "T"
    clock.advance(1.0)
    await api.error("GET", "/dynamicpersongroups/team", 404, "DynamicPersonGroupNotFound")
    assert (await api.ok("GET", f"/persons/{ann}"))["personId"] == ann


async def test_an_operation_fails_when_what_it_works_on_is_gone_by_its_turn(
    api: Api, clock: Clock
) -> None:
    ann, _ = await api.person("ann")
    await api.ok("DELETE", f"/persons/{ann}", 202)
    # Sent before the deletion took effect, the add runs after it: it fails.
    _, operation_id = await api.face(ann, "ann", 1)
    clock.advance(3.0)
    failed = await api.status(operation_id)
    assert failed["status"] == "failed"
    assert ann in failed["message"]


async def test_lists_page_by_id_from_start(api: Api, clock: Clock) -> None:
    ids = sorted([(await api.person(name))[0] for name in ("a", "b", "c")])
    page = await api.ok("GET", "/persons", params={"start": ids[0], "top": "1"})
    assert [p["personId"] for p in page] == [ids[1]]
    for name in ("g3", "g1", "g2"):
        await api.ok("PUT", f"/dynamicpersongroups/{name}", json_body={"name": name})
    groups = await api.ok("GET", "/dynamicpersongroups", params={"start": "g1"})
    assert [g["dynamicPersonGroupId"] for g in groups] == ["g2", "g3"]
    await api.ok("PATCH", "/dynamicpersongroups/g1", 202, json_body={"addPersonIds": ids})
    clock.advance(1.0)
    members = await api.ok(
        "GET", "/dynamicpersongroups/g1/persons", params={"start": ids[0], "top": "1"}
    )
    assert members["personIds"] == [ids[1]]


# -- errors ---------------------------------------------------------------------------------------


async def test_missing_and_malformed_ids_are_the_services_errors(api: Api) -> None:
    leaf = api.faces_leaf()
    missing = "00000000-0000-4000-8000-000000000000"
    assert "not found" in await api.error("GET", f"/persons/{missing}", 404, "PersonNotFound")
    assert "invalid" in await api.error("GET", "/persons/nope", 404, "PersonNotFound")
    ann, _ = await api.person("ann")
    await api.error(
        "GET",
        f"/persons/{ann}/recognitionModels/{MODEL}/{leaf}/{missing}",
        404,
        "PersistedFaceNotFound",
    )
    await api.error(
        "GET", f"/persons/{ann}/recognitionModels/recognition_9/{leaf}", 400, "BadArgument"
    )
    await api.error("GET", "/dynamicpersongroups/nope", 404, "DynamicPersonGroupNotFound")
    await api.error("GET", "/dynamicpersongroups/No_Upper", 400, "BadArgument")
    await api.error(
        "PUT",
        "/dynamicpersongroups/team",
        404,
        "PersonNotFound",
        json_body={"name": "T", "addPersonIds": [missing]},
    )
    await api.error("GET", "/persons", 400, "BadArgument", params={"start": "not-a-person-id"})
    await api.error("GET", "/persons", 400, "BadArgument", params={"top": "1001"})


async def test_the_spec_limits_are_enforced(api: Api, emu: FaceEmulator) -> None:
    await api.error("POST", "/persons", 400, "BadArgument", json_body={"name": "x" * 129})
    await api.error("POST", "/persons", 400, "BadArgument", json_body={"userData": "no name"})
    await api.error(
        "POST", "/persons", 400, "BadArgument", json_body={"name": "a", "userData": "x" * 16385}
    )
    ann, _ = await api.person("ann")
    faces = f"/persons/{ann}/recognitionModels/{MODEL}/{api.faces_leaf()}"
    await api.error(
        "POST",
        faces,
        400,
        "BadArgument",
        image=synthetic_face("ann"),
        params={"userData": "x" * 1025},
    )
    await api.error("POST", faces, 400, "InvalidImage", image=b"\x89PNG" + b"0" * 2000)
    # 248 faces per person and model: fill the record, then one more is refused.
    person = emu.account.directory.persons[ann]
    first_id, _ = await api.face(ann, "ann", 1)
    stored = person.faces[MODEL][first_id]
    for index in range(247):
        person.faces[MODEL][f"{index:08d}-0000-4000-8000-000000000000"] = stored
    await api.error("POST", faces, 403, "QuotaExceeded", image=synthetic_face("ann", 2))
    # Other models have their own 248.
    await api.face(ann, "ann", 2, model="recognition_03")


async def test_identify_against_the_directory_is_validated(api: Api) -> None:
    query = await api.detect("ann")
    ann, _ = await api.person("ann")
    many = [ann] * 31
    await api.error(
        "POST", "/identify", 400, "BadArgument", json_body={"faceIds": [query], "personIds": many}
    )
    await api.error(
        "POST",
        "/identify",
        400,
        "BadArgument",
        json_body={"faceIds": [query], "personIds": ["*", ann]},
    )
    await api.error(
        "POST",
        "/identify",
        400,
        "IncompatibleIdentificationScopeParametersCombination",
        json_body={"faceIds": [query], "personIds": [ann], "dynamicPersonGroupId": "team"},
    )
    await api.error(
        "POST",
        "/identify",
        400,
        "IncompatibleIdentificationScopeParametersCombination",
        json_body={"faceIds": [query], "personIds": [ann], "personGroupId": "family"},
    )
    await api.error(
        "POST",
        "/identify",
        400,
        "DynamicPersonGroupNotFound",
        json_body={"faceIds": [query], "dynamicPersonGroupId": "nobody"},
    )
    await api.error(
        "POST",
        "/identify",
        400,
        "PersonNotFound",
        json_body={"faceIds": [query], "personIds": ["00000000-0000-4000-8000-000000000000"]},
    )


# -- versions -------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v1.0", "v1.2"])
async def test_versions_without_the_directory_do_not_serve_it(
    version: str, session: aiohttp.ClientSession, emu: FaceEmulator
) -> None:
    api = Api(session, emu, version)
    status, body, _ = await api.send("POST", "/persons", json_body={"name": "ann"})
    assert (status, body["error"]["code"]) == (404, "404")
    status, _, _ = await api.send("GET", "/dynamicpersongroups")
    assert status == 404


async def test_each_spelling_of_the_faces_segment_is_served_in_its_versions_only(
    session: aiohttp.ClientSession, emu: FaceEmulator
) -> None:
    ann, _ = await preview(session, emu).person("ann")
    for version, leaf, expect in [
        ("v1.0-preview", "persistedFaces", 200),
        ("v1.0-preview", "persistedfaces", 404),
        ("v1.2-preview.1", "persistedfaces", 200),
        ("v1.2-preview.1", "persistedFaces", 404),
    ]:
        api = Api(session, emu, version)
        status, _, _ = await api.send("GET", f"/persons/{ann}/recognitionModels/{MODEL}/{leaf}")
        assert status == expect, (version, leaf)


async def test_v1_2_identifies_and_verifies_against_persons_made_in_a_preview(
    session: aiohttp.ClientSession, emu: FaceEmulator, clock: Clock
) -> None:
    maker = preview(session, emu)
    ann, _ = await maker.person("ann")
    await maker.face(ann, "ann", 1)
    clock.advance(2.0)
    ga = Api(session, emu, "v1.2")
    query = await ga.detect("ann")
    assert await ga.identify(query, personIds=[ann]) == [ann]
    verdict = await ga.ok("POST", "/verify", json_body={"faceId": query, "personId": ann})
    assert verdict["isIdentical"] is True


async def test_v1_0_knows_no_directory_and_ignores_its_fields(
    session: aiohttp.ClientSession, emu: FaceEmulator
) -> None:
    api = Api(session, emu, "v1.0")
    query = await api.detect("ann")
    await api.error(
        "POST",
        "/identify",
        400,
        "PersonGroupIdAndLargePersonGroupIdBothNull",
        json_body={"faceIds": [query], "personIds": ["*"]},
    )


# -- the v1.0-preview flow over plain REST, against `facekit emulator` --------------------------


def _request(base: str, key: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any, Any]:
    data = kwargs.get("image")
    headers = {"Ocp-Apim-Subscription-Key": key}
    if data is not None:
        headers["Content-Type"] = "application/octet-stream"
    elif "json" in kwargs:
        data = json.dumps(kwargs["json"]).encode()
        headers["Content-Type"] = "application/json"
    query = "?" + "&".join(f"{k}={v}" for k, v in kwargs.get("params", {}).items())
    request = urllib.request.Request(base + path + query, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None, response.headers
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read()), error.headers


def _wait(base: str, key: str, headers: Any) -> None:
    location = headers["Operation-Location"]
    assert location.startswith("/operations/")
    for _ in range(200):
        _, status, _ = _request(base, key, "GET", location)
        if status["status"] in ("succeeded", "failed"):
            assert status["status"] == "succeeded", status
            return
        time.sleep(0.05)
    raise AssertionError(f"{location} did not finish")


def test_the_v1_0_preview_flow_works_over_plain_rest_against_the_emulator_command() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "facekit", "emulator", "--port", "0", "--key", "k3y"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        endpoint, deadline = "", time.monotonic() + 20
        while not endpoint and time.monotonic() < deadline:
            line = process.stdout.readline()
            if line.startswith("endpoint: "):
                endpoint = line.split(": ", 1)[1].strip()
        base, key = f"{endpoint}/face/v1.0-preview", "k3y"
        faces_of = "/recognitionModels/recognition_04/persistedFaces"
        persons = {}
        # Create persons, poll; add faces, poll.
        for name in ("ann", "bob"):
            status, body, headers = _request(base, key, "POST", "/persons", json={"name": name})
            assert status == 202
            _wait(base, key, headers)
            persons[name] = body["personId"]
            status, body, headers = _request(
                base,
                key,
                "POST",
                f"/persons/{persons[name]}{faces_of}",
                image=synthetic_face(name, 1),
            )
            assert status == 202
            _wait(base, key, headers)
        # A dynamic person group with them.
        status, _, headers = _request(
            base,
            key,
            "PUT",
            "/dynamicpersongroups/team",
            json={"name": "Team", "addPersonIds": list(persons.values())},
        )
        assert status == 202
        _wait(base, key, headers)
        # Identify in the group and in the whole directory; verify.
        _, (face,), _ = _request(
            base,
            key,
            "POST",
            "/detect",
            image=synthetic_face("bob", 4),
            params={"returnFaceId": "true", "recognitionModel": "recognition_04"},
        )
        for target in ({"dynamicPersonGroupId": "team"}, {"personIds": ["*"]}):
            status, (result,), _ = _request(
                base, key, "POST", "/identify", json={"faceIds": [face["faceId"]], **target}
            )
            assert result["candidates"][0]["personId"] == persons["bob"], target
        status, verdict, _ = _request(
            base,
            key,
            "POST",
            "/verify",
            json={"faceId": face["faceId"], "personId": persons["bob"]},
        )
        assert verdict["isIdentical"] is True
        # Delete: the person leaves the group; then the group.
        status, _, headers = _request(base, key, "DELETE", f"/persons/{persons['bob']}")
        assert status == 202
        _wait(base, key, headers)
        _, members, _ = _request(base, key, "GET", "/dynamicpersongroups/team/persons")
        assert members["personIds"] == [persons["ann"]]
        status, _, headers = _request(base, key, "DELETE", "/dynamicpersongroups/team")
        _wait(base, key, headers)
        assert _request(base, key, "GET", "/dynamicpersongroups/team")[0] == 404
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


async def test_operations_take_effect_in_the_order_they_end_not_the_order_they_were_sent(
    api: Api, clock: Clock
) -> None:
    ann, _ = await api.person("ann")
    await api.ok("PUT", "/dynamicpersongroups/team", json_body={"name": "T"})
    clock.advance(1.0)
    # Two additions queue on the group (ending at +1 s and +2 s); the deletion, sent after
    # them, runs on the person and ends at +1 s: before the second addition.
    await api.ok("PATCH", "/dynamicpersongroups/team", 202, json_body={"addPersonIds": [ann]})
    _, _, headers = await api.send(
        "PATCH", "/dynamicpersongroups/team", json_body={"addPersonIds": [ann]}
    )
    late = await api.operation_of(headers)
    await api.ok("DELETE", f"/persons/{ann}", 202)
    clock.advance(5.0)
    failed = await api.status(late)
    assert failed["status"] == "failed"
    assert ann in failed["message"]
    assert await api.members("team") == []
