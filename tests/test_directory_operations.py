"""Every PersonDirectory example of every version against facekit's call for it.

The examples: the 18 PersonDirectory and dynamic person group examples of v1.0-preview, the
v1.2-preview.1 ones (with its operation status and its identify/verify against the
directory), and persondirectory-examples/ (v1.1-preview.1 and older revisions of it,
v1.2). For each, the expected request (method, path, query, body, headers) is derived from
the example's parameters and the operation in its own version's spec, with the client
speaking that version; the example's response is served back, and every field of it must
be in what facekit returns: the model, or for a 202 the poller (where it is followed, the
`Location`, the body the service accepted with).

What the examples cannot be taken literally for is written down here, one case each:
placeholders for images and image URLs; v1.1+'s `https://contoso.com/operationstatus` (a
foreign host, which facekit rightly refuses: served on the client's own endpoint instead,
and refused as it is in a test of its own); v1.0-preview's targetFace written
"[10, 10, 100, 100]" (facekit sends the csv every other version documents); and older
v1.1-preview.1 revisions that name the body "resource" and name four operations otherwise
(`RENAMED` in directory_spec.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import yarl

from facekit import (
    AuthenticationError,
    BadRequestError,
    DirectoryOperationPoller,
    FaceAdditionPoller,
    FaceAPIError,
    FaceClient,
    FaceResponseError,
    FaceValidationError,
    KeyCredential,
    NotFoundError,
    PersonCreationPoller,
    QuotaExceededError,
    RateLimiter,
    RateLimitError,
)
from facekit.models import DynamicPersonGroupMembers, DynamicPersonGroupReferences
from facekit.models._serde import structure
from facekit.resources.person_directory import OPERATIONS as TABLE

from .conftest import ENDPOINT, FAST_RETRY, KEY, image_bytes
from .directory_spec import (
    COLLECTED,
    RECOGNITION_ONLY,
    V10_PREVIEW,
    V12_PREVIEW,
    Example,
    all_examples,
    collected_examples,
    operations,
    recognition_examples,
    v10_preview_examples,
    v12_preview_examples,
)
from .fake_transport import Canned, FakeTransport, Sent
from .test_operations import assert_carries

IMAGE = image_bytes(4096)
#: Stands in for v1.0-preview's "{Image Url here}".
IMAGE_URL = "https://images.example.org/faces/mike.jpg"
UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
EXAMPLES = {example.name: example for example in all_examples()}


# -- the example's values -----------------------------------------------------------------


@dataclass
class Args:
    """An example's parameters as facekit's calls take them."""

    example: Example

    def __getitem__(self, name: str) -> Any:
        return self.example.parameters[name]

    def get(self, name: str) -> Any:
        return self.example.parameters.get(name)

    @property
    def body(self) -> dict[str, Any]:
        """The JSON body (older v1.1-preview.1 revisions call it "resource")."""
        params = self.example.parameters
        found: dict[str, Any] = params.get("body", params.get("resource", {}))
        return found

    @property
    def top(self) -> int | None:
        """`top` (v1.0-preview types it as a string)."""
        value = self.get("top")
        return None if value is None else int(value)

    @property
    def target_face(self) -> tuple[int, ...] | None:
        """targetFace: "10,10,100,100", or v1.0-preview's "[10, 10, 100, 100]"."""
        value = self.get("targetFace")
        if value is None:
            return None
        return tuple(int(v) for v in re.findall(r"\d+", value))

    @property
    def image(self) -> Any:
        """The image: the bytes of a stream example, or the URL of a URL example."""
        params = self.example.parameters
        if "Image" in params or "imageContent" in params:
            return IMAGE
        if "ImageUrl" in params:
            return IMAGE_URL
        return self.body["url"]


Invoke = Callable[[FaceClient, Args], Awaitable[Any]]


def _add_face(c: FaceClient, a: Args) -> Awaitable[Any]:
    return c.person_directory.begin_add_face(
        a["personId"],
        a.image,
        recognition_model=a["recognitionModel"],
        user_data=a.get("userData"),
        target_face=a.target_face,
        detection_model=a.get("detectionModel"),
    )


def _create_group(c: FaceClient, a: Args) -> Awaitable[Any]:
    return c.person_directory.begin_create_dynamic_person_group(
        a["dynamicPersonGroupId"],
        name=a.body["name"],
        user_data=a.body.get("userData"),
        add_person_ids=a.body.get("addPersonIds"),
    )


def _update_group(c: FaceClient, a: Args) -> Awaitable[Any]:
    return c.person_directory.begin_update_dynamic_person_group(
        a["dynamicPersonGroupId"],
        name=a.body.get("name"),
        user_data=a.body.get("userData"),
        add_person_ids=a.body.get("addPersonIds"),
        remove_person_ids=a.body.get("removePersonIds"),
    )


#: How facekit sends each operation (by the action after the operationId's prefix),
#: fed with the example's values.
CALLS: dict[str, Invoke] = {
    "CreatePerson": lambda c, a: c.person_directory.begin_create_person(
        name=a.body["name"], user_data=a.body.get("userData")
    ),
    "GetPersons": lambda c, a: c.person_directory.list_persons(
        start=a.get("start"), top=a.top
    ).page(),
    "GetPerson": lambda c, a: c.person_directory.get_person(a["personId"]),
    "UpdatePerson": lambda c, a: c.person_directory.update_person(
        a["personId"], name=a.body.get("name"), user_data=a.body.get("userData")
    ),
    "DeletePerson": lambda c, a: c.person_directory.begin_delete_person(a["personId"]),
    "AddPersonFace": _add_face,
    "AddPersonFaceFromUrl": _add_face,
    "AddPersonFaceFromStream": _add_face,
    "GetPersonFaces": lambda c, a: c.person_directory.list_faces(
        a["personId"], recognition_model=a["recognitionModel"]
    ),
    "GetPersonFace": lambda c, a: c.person_directory.get_face(
        a["personId"], a["persistedFaceId"], recognition_model=a["recognitionModel"]
    ),
    "UpdatePersonFace": lambda c, a: c.person_directory.update_face(
        a["personId"],
        a["persistedFaceId"],
        recognition_model=a["recognitionModel"],
        user_data=a.body["userData"],
    ),
    "DeletePersonFace": lambda c, a: c.person_directory.begin_delete_face(
        a["personId"], a["persistedFaceId"], recognition_model=a["recognitionModel"]
    ),
    "CreateDynamicPersonGroup": _create_group,
    "CreateDynamicPersonGroupWithPerson": _create_group,
    "UpdateDynamicPersonGroup": _update_group,
    "UpdateDynamicPersonGroupWithPersonChanges": _update_group,
    "GetDynamicPersonGroup": lambda c, a: c.person_directory.get_dynamic_person_group(
        a["dynamicPersonGroupId"]
    ),
    "DeleteDynamicPersonGroup": lambda c, a: c.person_directory.begin_delete_dynamic_person_group(
        a["dynamicPersonGroupId"]
    ),
    "GetDynamicPersonGroups": lambda c, a: c.person_directory.list_dynamic_person_groups(
        start=a.get("start"), top=a.top
    ).page(),
    "GetDynamicPersonGroupPersons": lambda c, a: (
        c.person_directory.list_dynamic_person_group_persons(
            a["dynamicPersonGroupId"], start=a.get("start"), top=a.top
        ).page()
    ),
    "GetDynamicPersonGroupReferences": lambda c, a: (
        c.person_directory.list_dynamic_person_group_references(
            a["personId"], start=a.get("start"), top=a.top
        ).page()
    ),
    "GetOperationResult": lambda c, a: c.person_directory.get_operation_status(a["operationId"]),
    "IdentifyFromDynamicPersonGroup": lambda c, a: c.identify(
        a.body["faceIds"],
        dynamic_person_group_id=a.body["dynamicPersonGroupId"],
        max_num_of_candidates_returned=a.body["maxNumOfCandidatesReturned"],
        confidence_threshold=a.body["confidenceThreshold"],
    ),
    "IdentifyFromPersonDirectory": lambda c, a: c.identify(
        a.body["faceIds"],
        person_ids=a.body["personIds"],
        max_num_of_candidates_returned=a.body["maxNumOfCandidatesReturned"],
        confidence_threshold=a.body["confidenceThreshold"],
    ),
    "VerifyFromPersonDirectory": lambda c, a: c.verify_face_to_person(
        a.body["faceId"], a.body["personId"], person_directory=True
    ),
}
# v1.0-preview names three listings otherwise.
CALLS["ListDynamicPersonGroups"] = CALLS["GetDynamicPersonGroups"]
CALLS["ListDynamicPersonGroupPersons"] = CALLS["GetDynamicPersonGroupPersons"]
CALLS["ListDynamicPersonGroupPersonReferences"] = CALLS["GetDynamicPersonGroupReferences"]
#: Pagers of ids: the page's model carries the example's fields, the pager yields the ids.
ID_PAGES = {
    "personIds": DynamicPersonGroupMembers,
    "dynamicPersonGroupIds": DynamicPersonGroupReferences,
}


def action(example: Example) -> str:
    return example.operation.operation_id.split("_", 1)[-1]


def invalid_ids(example: Example) -> list[str]:
    """Person ids of the example's body that are not UUIDs (the spec says they are)."""
    body = Args(example).body
    ids = [*body.get("addPersonIds", []), *body.get("removePersonIds", [])]
    return [i for i in ids if not UUID.fullmatch(i)]


# -- the expected request -------------------------------------------------------------------


@dataclass
class Expected:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    stream: bool


def expected_request(example: Example, args: Args) -> Expected:
    op = example.operation
    path = op.path
    query: dict[str, str] = {}
    body: Any = None
    stream = False
    params = example.parameters
    for spec_param in op.params:
        name, where = spec_param["name"], spec_param["in"]
        if where == "body":
            if name in ("Image", "imageContent"):
                stream = name in params
            elif name == "ImageUrl":
                body = {"url": IMAGE_URL}
            elif name in params or "resource" in params:
                body = args.body
            continue
        if name not in params:
            continue
        if where == "path":
            path = path.replace("{" + name + "}", quote(str(params[name]), safe=""))
        elif where == "query":
            query[name] = (
                ",".join(str(v) for v in args.target_face or ())
                if name == "targetFace"
                else str(params[name])
            )
    return Expected(op.method, f"/face/{example.version}{path}", query, body, stream)


# -- comparing what came back -----------------------------------------------------------------


def on_our_endpoint(value: str) -> str:
    """An absolute example URL moved to the client's endpoint (a relative one as it is)."""
    url = yarl.URL(value)
    if not url.is_absolute():
        return value
    return str(yarl.URL(ENDPOINT).with_path(url.path).with_query(url.query))


def headers_of(response: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = response.get("header", response.get("headers", {}))
    return headers


def header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


# -- the client -----------------------------------------------------------------------------


async def client_of(version: str, fake: FakeTransport) -> FaceClient:
    return FaceClient(
        ENDPOINT,
        KeyCredential(KEY),
        api_version=version,
        retry_policy=FAST_RETRY,
        rate_limiter=RateLimiter(10_000, burst=10_000),
        transport=fake,
    )


def replies(success: bool) -> list[Any]:
    """(example, status) of every success (or error) reply of every example."""
    return [
        pytest.param(example.name, status, id=_short(example.name) + f"-{status}")
        for example in all_examples()
        for status in example.responses
        if status.startswith("2") == success
    ]


def _short(name: str) -> str:
    return name.replace("persondirectory-examples/", "pd/").replace("/examples/", "/")


# -- the tests -------------------------------------------------------------------------------


def test_every_directory_example_on_disk_is_used() -> None:
    directory = re.compile(r"PersonDirectory|DynamicPersonGroup|GetOperationResult")
    for examples, folder, count in [
        (v10_preview_examples(), V10_PREVIEW / "examples", 18),
        (v12_preview_examples(), V12_PREVIEW / "examples", 24),
        (collected_examples(), COLLECTED, 33),
        *((recognition_examples(), folder / "examples", 3) for folder in RECOGNITION_ONLY),
    ]:
        on_disk = {p.name for p in folder.glob("*.json") if directory.search(p.name)}
        assert {e.path.name for e in examples} == on_disk
        assert len(on_disk) == count
    assert len(EXAMPLES) == 18 + 24 + 33 + 3 + 3
    for example in EXAMPLES.values():
        assert action(example) in CALLS, example.name


def test_every_directory_operation_of_every_spec_has_an_example_here() -> None:
    named = {e.operation.operation_id for e in all_examples()}
    for version in ("v1.0-preview", "v1.1-preview.1", "v1.2-preview.1"):
        ids = {i for i in operations(version) if i.startswith("PersonDirectory")}
        ids |= {"GetOperationResult"} & set(operations(version))
        assert ids <= set(TABLE), (version, ids - set(TABLE))
        assert ids <= named, (version, ids - named)


@pytest.mark.parametrize(("name", "status"), replies(success=True))
async def test_example_request_and_reply(name: str, status: str, fake: FakeTransport) -> None:
    example = EXAMPLES[name]
    args = Args(example)
    response = example.responses[status]
    reply_headers = {k: on_our_endpoint(v) for k, v in headers_of(response).items()}
    reply_body = response.get("body")
    sent: list[Sent] = []

    def answer(request: Sent) -> Canned:
        sent.append(request)
        return Canned(
            status=int(status),
            body=json.dumps(reply_body) if reply_body is not None else "",
            headers={"Content-Type": "application/json", "apim-request-id": "r1", **reply_headers},
        )

    fake.add(re.compile(r".*"), method=example.operation.method, callback=answer)
    async with await client_of(example.version, fake) as client:
        if invalid_ids(example):
            # The example's own ids break the spec (`format: uuid`): refused, nothing sent.
            with pytest.raises(FaceValidationError, match="must be a UUID"):
                await CALLS[action(example)](client, args)
            assert sent == []
            body = args.body
            for key in ("addPersonIds", "removePersonIds"):
                body[key] = [f"00000000-0000-4000-8000-00000000000{i}" for i in range(2)]
        result = await CALLS[action(example)](client, args)

    assert len(sent) == 1
    request = sent[0]
    expected = expected_request(example, args)
    assert request.method == expected.method
    assert request.url.path == expected.path
    assert dict(request.url.query) == expected.query
    assert request.headers["Ocp-Apim-Subscription-Key"] == KEY
    assert request.headers["User-Agent"].startswith("facekit/")
    assert request.headers["x-ms-client-request-id"]
    if expected.stream:
        assert request.headers["Content-Type"] == "application/octet-stream"
        assert request.data == IMAGE
    else:
        assert request.json == expected.body
        assert request.data is None

    if isinstance(result, DirectoryOperationPoller):
        check_poller(example, int(status), result, reply_headers, reply_body)
    elif reply_body is None:
        assert result is None
    elif isinstance(reply_body, dict) and set(reply_body) & set(ID_PAGES):
        (key,) = set(reply_body) & set(ID_PAGES)
        # The pager yields the ids; the page's model (what facekit parses) has every field.
        assert result == reply_body[key]
        assert_carries(structure(reply_body, ID_PAGES[key]), reply_body)
    else:
        assert_carries(result, reply_body)


def check_poller(
    example: Example,
    status: int,
    poller: DirectoryOperationPoller[Any],
    headers: dict[str, str],
    body: Any,
) -> None:
    if status != 202:
        # Applied at once: nothing to follow.
        assert poller.done()
        assert poller.location is None
        return
    assert not poller.done()
    assert poller.status is None
    operation, location = header(headers, "Operation-Location"), header(headers, "Location")
    if operation is not None:
        assert poller.location == operation
        assert poller.resource_location == location
    else:
        # Older v1.1-preview.1 revisions name the status by `Location` alone.
        assert example.version == "v1.1-preview.1"
        assert poller.location == location
    assert poller.url is not None
    assert poller.url.host == yarl.URL(ENDPOINT).host
    if poller.location is not None and poller.location.startswith("/"):
        assert str(poller.url) == f"{ENDPOINT}/face/{example.version}{poller.location}"
        assert poller.operation_id == poller.location.rsplit("/", 1)[-1]
    if isinstance(poller, PersonCreationPoller | FaceAdditionPoller):
        assert_carries(poller.accepted, body)
    else:
        assert body is None


@pytest.mark.parametrize(("name", "status"), replies(success=False))
async def test_example_error_reply_is_the_right_error(
    name: str, status: str, fake: FakeTransport
) -> None:
    example = EXAMPLES[name]
    body = example.responses[status]["body"]
    fake.add(re.compile(r".*"), method=example.operation.method, payload=body, status=int(status))
    expected: dict[str, type[FaceAPIError]] = {
        "400": BadRequestError,
        "401": AuthenticationError,
        "403": QuotaExceededError,
        "404": NotFoundError,
        "429": RateLimitError,
    }
    async with await client_of(example.version, fake) as client:
        with pytest.raises(expected[status]) as caught:
            await CALLS[action(example)](client, Args(example))
    error = caught.value
    assert error.status == int(status)
    inner = body["error"]
    assert error.code == str(inner.get("code", inner.get("statusCode")))
    assert error.message == inner["message"]


async def test_a_foreign_operation_location_as_in_the_examples_is_refused(
    fake: FakeTransport,
) -> None:
    # v1.1+ examples answer https://contoso.com/operationstatus: not the client's endpoint.
    example = EXAMPLES["v1.2-preview.1/examples/PersonDirectoryOperations_CreatePerson.json"]
    response = example.responses["202"]
    fake.post(
        re.compile(r".*"),
        status=202,
        payload=response["body"],
        headers=headers_of(response),
    )
    async with await client_of("v1.2-preview.1", fake) as client:
        with pytest.raises(FaceResponseError, match=r"contoso\.com") as caught:
            await client.person_directory.begin_create_person(name="ann")
    assert "85c0c630-c9c9-40f8-8a4e-f9ae4f926ea5" in str(caught.value)  # what was accepted
    assert all(sent.url.host != "contoso.com" for sent in fake.requests)


async def test_v1_0_preview_errors_in_the_bare_shape_its_spec_declares_are_read(
    fake: FakeTransport,
) -> None:
    # v1.0-preview's PersonDirectory operations declare {"code", "message"} without the
    # {"error": ...} envelope of every other operation.
    person = "25985303-c537-4467-b41d-bdb45cd95ca1"
    fake.get(
        re.compile(r".*/persons/.*"),
        status=404,
        payload={"code": "PersonNotFound", "message": f"Person {person} is not found."},
    )
    async with await client_of("v1.0-preview", fake) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.person_directory.get_person(person)
    assert (caught.value.code, caught.value.message) == (
        "PersonNotFound",
        f"Person {person} is not found.",
    )
