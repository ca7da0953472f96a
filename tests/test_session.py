"""The core session: retries by idempotency, safety of the key, options, raw access, cleanup."""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from facekit import (
    AccessToken,
    AuthenticationError,
    FaceClient,
    FaceConnectionError,
    FaceError,
    FaceResponseError,
    FaceTimeoutError,
    FaceValidationError,
    KeyCredential,
    NotFoundError,
    RateLimiter,
    RateLimitError,
    ServerError,
)
from facekit._aiohttp_transport import AiohttpTransport

from .conftest import BASE, ENDPOINT, FAST_RETRY, KEY, UNIT_VERSION, image_bytes
from .fake_transport import FakeTransport, connector_error

PERSON_ID = "25985303-c537-4467-b41d-bdb45cd95ca1"
GROUP_URL = f"{BASE}/persongroups/family"
ADD_FACE_URL = re.compile(
    rf"{re.escape(BASE)}/persongroups/family/persons/{PERSON_ID}/persistedfaces.*"
)
FACE = {"persistedFaceId": "015839fb-fbd9-4f79-ace9-7675fc2f1dd9"}
GROUP = {"personGroupId": "family", "name": "Family"}


# -- retries by idempotency -----------------------------------------------------------------


async def test_a_read_is_retried_after_a_server_error(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(
        GROUP_URL, status=503, payload={"error": {"code": "ServiceUnavailable", "message": "busy"}}
    )
    fake.get(GROUP_URL, payload=GROUP)
    with client.capture_responses() as responses:
        group = await client.person_groups.get("family")
    assert group.name == "Family"
    assert responses[-1].attempts == 2


async def test_retries_keep_one_client_request_id(client: FaceClient, fake: FakeTransport) -> None:
    fake.get(GROUP_URL, status=500)
    fake.get(GROUP_URL, payload=GROUP)
    await client.person_groups.get("family")
    ids = {sent.headers["x-ms-client-request-id"] for sent in fake.sent()}
    assert len(fake.sent()) == 2
    assert len(ids) == 1


async def test_adding_a_face_is_not_retried_after_a_server_error(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.post(
        ADD_FACE_URL, status=500, payload={"error": {"code": "InternalError", "message": "x"}}
    )
    with pytest.raises(ServerError) as caught:
        await client.person_groups.persons.add_face("family", PERSON_ID, image_bytes())
    assert caught.value.possibly_applied
    assert "may have taken effect" in str(caught.value)
    assert len(fake.sent("POST")) == 1


async def test_adding_a_face_is_not_retried_after_a_broken_connection(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.post(ADD_FACE_URL, exception=aiohttp.ServerDisconnectedError())
    with pytest.raises(FaceConnectionError) as caught:
        await client.person_groups.persons.add_face("family", PERSON_ID, image_bytes())
    assert caught.value.possibly_applied
    (sent,) = fake.sent("POST")
    client_request_id = sent.headers["x-ms-client-request-id"]
    assert caught.value.client_request_id == client_request_id
    assert client_request_id in str(caught.value)


async def test_adding_a_face_is_retried_after_429(client: FaceClient, fake: FakeTransport) -> None:
    fake.post(
        ADD_FACE_URL,
        status=429,
        headers={"Retry-After": "0"},
        payload={"error": {"statusCode": 429, "message": "Rate limit is exceeded."}},
    )
    fake.post(ADD_FACE_URL, payload=FACE)
    face = await client.person_groups.persons.add_face("family", PERSON_ID, image_bytes())
    assert face.persisted_face_id == FACE["persistedFaceId"]
    assert len(fake.sent("POST")) == 2


async def test_adding_a_face_is_retried_when_the_connection_was_refused(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.post(ADD_FACE_URL, exception=connector_error("westus.api.cognitive.microsoft.com"))
    fake.post(ADD_FACE_URL, payload=FACE)
    face = await client.person_groups.persons.add_face("family", PERSON_ID, image_bytes())
    assert face.persisted_face_id == FACE["persistedFaceId"]


async def test_a_concurrent_operation_conflict_is_retried_even_for_writes(
    client: FaceClient, fake: FakeTransport
) -> None:
    conflict = {"error": {"code": "ConcurrentOperationConflict", "message": "try later"}}
    fake.post(ADD_FACE_URL, status=409, payload=conflict)
    fake.post(ADD_FACE_URL, payload=FACE)
    await client.person_groups.persons.add_face("family", PERSON_ID, image_bytes())
    assert len(fake.sent("POST")) == 2


async def test_a_read_is_retried_after_a_broken_connection(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(GROUP_URL, exception=aiohttp.ServerDisconnectedError())
    fake.get(GROUP_URL, payload=GROUP)
    assert (await client.person_groups.get("family")).person_group_id == "family"


async def test_a_timeout_surfaces_as_face_timeout_error_after_retries(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(GROUP_URL, exception=TimeoutError(), repeat=True)
    with pytest.raises(FaceTimeoutError):
        await client.person_groups.get("family")
    assert len(fake.sent()) == 1 + FAST_RETRY.max_retries


async def test_max_retries_per_call_overrides_the_client(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(GROUP_URL, status=503, repeat=True)
    with pytest.raises(ServerError):
        await client.person_groups.get("family", max_retries=0)
    assert len(fake.sent()) == 1


async def test_a_retry_after_beyond_the_cap_surfaces_at_once(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(GROUP_URL, status=429, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimitError) as caught:
        await client.person_groups.get("family")
    assert caught.value.retry_after == 3600
    assert len(fake.sent()) == 1


async def test_a_not_found_is_not_retried(client: FaceClient, fake: FakeTransport) -> None:
    fake.get(
        GROUP_URL,
        status=404,
        headers={"apim-request-id": "abc-123"},
        payload={
            "error": {
                "code": "PersonGroupNotFound",
                "message": "Person group 'family' is not found.",
            }
        },
    )
    with pytest.raises(NotFoundError) as caught:
        await client.person_groups.get("family")
    assert caught.value.code == "PersonGroupNotFound"
    assert caught.value.request_id == "abc-123"
    assert len(fake.sent()) == 1


# -- malformed replies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('{"name": "Family"}', "person_group_id"),
        ("<html>gateway error</html>", "not JSON"),
        ("[1, 2]", "PersonGroup"),
        ('{"personGroupId": 5, "name": "x"}', "person_group_id"),
        ("", "PersonGroup"),
        ('\ufeff{"personGroupId": "family", "name": "x"}', "not JSON"),
        ('{"personGroupId": "family", "name": "x"} {}', "not JSON"),
        ("NaN garbage", "not JSON"),
    ],
)
async def test_a_malformed_reply_is_a_clear_response_error(
    client: FaceClient, fake: FakeTransport, body: str, fragment: str
) -> None:
    fake.get(GROUP_URL, body=body, headers={"apim-request-id": "r-9"})
    with pytest.raises(FaceResponseError) as caught:
        await client.person_groups.get("family")
    assert fragment in str(caught.value)
    assert caught.value.request_id == "r-9"


async def test_a_take_without_operation_location_is_a_response_error(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.post(f"{BASE}/snapshots", status=202)
    with pytest.raises(FaceResponseError, match="Operation-Location"):
        await client.snapshots.take("PersonGroup", "family", [PERSON_ID])


# -- the key goes to the endpoint's host only ---------------------------------------------------


async def test_a_redirect_is_not_followed(client: FaceClient, fake: FakeTransport) -> None:
    fake.get(GROUP_URL, status=302, headers={"Location": "https://evil.example.com/steal"})
    with pytest.raises(FaceResponseError, match="redirect"):
        await client.person_groups.get("family")
    assert all(sent.url.host != "evil.example.com" for sent in fake.requests)


async def test_an_operation_location_on_another_host_is_refused(client: FaceClient) -> None:
    with pytest.raises(FaceResponseError, match=r"evil\.example\.com"):
        client._session.resolve_location("https://evil.example.com/operations/x")


def test_a_relative_operation_location_resolves_under_the_api_path(client: FaceClient) -> None:
    url = client._session.resolve_location("/operations/a63a3bdd-a1db-4d05-87b8-dbad6850062a")
    assert str(url) == f"{BASE}/operations/a63a3bdd-a1db-4d05-87b8-dbad6850062a"
    absolute = f"{BASE}/operations/a63a3bdd-a1db-4d05-87b8-dbad6850062a"
    assert str(client._session.resolve_location(absolute)) == absolute


async def test_sending_to_another_host_is_refused_before_anything_is_sent(
    client: FaceClient, fake: FakeTransport
) -> None:
    import yarl

    with pytest.raises(FaceValidationError):
        await client._session.send("GET", yarl.URL("https://evil.example.com/x"), idempotent=True)
    assert fake.requests == []


async def test_an_id_cannot_change_the_path(client: FaceClient) -> None:
    url = client._session.url_for(["persongroups", "a/b?c#d"], method="GET")
    assert url.raw_path == "/face/v1.0/persongroups/a%2Fb%3Fc%23d"


# -- endpoint and api path -------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://westus.api.cognitive.microsoft.com",
        "https://westus.api.cognitive.microsoft.com/",
        "https://contoso-face.cognitiveservices.azure.com/",
    ],
)
async def test_endpoints_with_or_without_trailing_slash(endpoint: str) -> None:
    async with FaceClient(endpoint, KeyCredential(KEY)) as face:
        assert (
            str(face._session.url_for(["detect"], method="POST"))
            == endpoint.rstrip("/") + "/face/v1.2/detect"
        )


async def test_the_api_path_can_be_set(fake: FakeTransport) -> None:
    fake.get(f"{ENDPOINT}/face/v1.0-preview/persongroups/family", payload=GROUP)
    async with FaceClient(
        ENDPOINT, KeyCredential(KEY), api_path="/face/v1.0-preview/", transport=fake
    ) as face:
        await face.person_groups.get("family")


# -- per-call options, copies and raw access ------------------------------------------------------


async def test_per_call_headers_are_sent(client: FaceClient, fake: FakeTransport) -> None:
    fake.get(GROUP_URL, payload=GROUP)
    await client.person_groups.get("family", headers={"x-trace": "t1"})
    assert fake.sent()[0].headers["x-trace"] == "t1"


async def test_per_call_timeout_reaches_the_transport(
    client: FaceClient, fake: FakeTransport
) -> None:
    # tests/test_transport.py checks that the adapter hands it to aiohttp.
    fake.get(GROUP_URL, payload=GROUP)
    await client.person_groups.get("family", timeout=2.5)
    assert fake.sent()[0].timeout == 2.5


async def test_with_options_shares_connections_and_keeps_the_original(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(GROUP_URL, payload=GROUP, repeat=True)
    patient = client.with_options(timeout=120, headers={"x-team": "enroll"}, max_retries=7)
    await patient.person_groups.get("family")
    await client.person_groups.get("family")
    first, second = fake.sent()
    assert first.headers["x-team"] == "enroll"
    assert first.timeout == 120
    assert "x-team" not in second.headers
    assert patient._session.transport is client._session.transport
    assert patient.rate_limiter is client.rate_limiter
    assert patient._session.config.retry.max_retries == 7
    await patient.aclose()
    assert not client._session.closed


async def test_raw_responses_give_status_headers_and_request_id(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(GROUP_URL, payload=GROUP, headers={"apim-request-id": "req-42", "x-extra": "1"})
    with client.capture_responses() as responses:
        group = await client.person_groups.get("family")
    assert group.person_group_id == "family"
    (raw,) = responses
    assert (raw.status, raw.request_id, raw.headers["x-extra"]) == (200, "req-42", "1")
    assert raw.client_request_id == fake.sent()[0].headers["x-ms-client-request-id"]


async def test_raw_responses_of_concurrent_tasks_stay_apart(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(GROUP_URL, payload=GROUP, repeat=True)

    async def one() -> int:
        with client.capture_responses() as responses:
            await client.person_groups.get("family")
            await asyncio.sleep(0)
        return len(responses)

    assert list(await asyncio.gather(one(), one(), one())) == [1, 1, 1]


# -- secrets never show -------------------------------------------------------------------------


async def test_no_secret_in_logs_reprs_or_errors(
    client: FaceClient, fake: FakeTransport, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="facekit")
    fake.get(GROUP_URL, status=503)
    fake.get(
        GROUP_URL,
        status=401,
        payload={
            "error": {"code": "401", "message": "Access denied due to invalid subscription key."}
        },
    )
    with pytest.raises(AuthenticationError) as caught:
        await client.person_groups.get("family")
    texts = [
        caplog.text,
        repr(client),
        repr(client._session),
        repr(client._session.credential),
        str(caught.value),
        repr(caught.value),
    ]
    assert caplog.records, "the retry should have been logged"
    assert all(KEY not in text for text in texts)


async def test_logs_show_method_path_status_and_retries(
    client: FaceClient, fake: FakeTransport, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="facekit")
    fake.get(GROUP_URL, status=503)
    fake.get(GROUP_URL, payload=GROUP, headers={"apim-request-id": "req-7"})
    await client.person_groups.get("family")
    assert "GET /face/v1.0/persongroups/family -> 503" in caplog.text
    assert "retrying GET /face/v1.0/persongroups/family" in caplog.text
    assert "-> 200" in caplog.text
    assert "req-7" in caplog.text


# -- cleanup and cancellation against a real loopback server --------------------------------------


@pytest.fixture
async def slow_server() -> AsyncIterator[TestServer]:
    release = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response(GROUP)

    app = web.Application()
    app.router.add_get("/face/v1.0/persongroups/{group}", hang)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        release.set()
        await server.close()


@pytest.fixture
async def group_server() -> AsyncIterator[TestServer]:
    async def group(request: web.Request) -> web.Response:
        return web.json_response(GROUP)

    app = web.Application()
    app.router.add_get("/face/v1.0/persongroups/{group}", group)
    server = TestServer(app, host="127.0.0.1")
    async with server:
        yield server


async def test_cancelling_a_caller_leaves_no_task_and_no_open_session(
    slow_server: TestServer,
) -> None:
    before = asyncio.all_tasks()
    async with FaceClient(
        f"http://127.0.0.1:{slow_server.port}",
        KeyCredential(KEY),
        api_version=UNIT_VERSION,
        rate_limiter=RateLimiter(100),
    ) as face:
        call = asyncio.create_task(face.person_groups.get("family"))
        await asyncio.sleep(0.2)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
    transport = face._session.transport
    assert isinstance(transport, AiohttpTransport)
    assert transport.closed
    assert transport._session is None
    # The loopback server's own handler task is still waiting; no client-side task may remain.
    leftover = [t for t in asyncio.all_tasks() - before if "web_protocol" not in repr(t)]
    assert leftover == []


async def test_a_real_timeout_is_reported_as_such(slow_server: TestServer) -> None:
    async with FaceClient(
        f"http://127.0.0.1:{slow_server.port}",
        KeyCredential(KEY),
        api_version=UNIT_VERSION,
        timeout=0.2,
        max_retries=1,
        rate_limiter=RateLimiter(100),
    ) as face:
        with pytest.raises(FaceTimeoutError):
            await face.person_groups.get("family")


async def test_a_caller_owned_session_stays_open(group_server: TestServer) -> None:
    async with aiohttp.ClientSession() as own:
        async with FaceClient(
            f"http://127.0.0.1:{group_server.port}",
            KeyCredential(KEY),
            api_version=UNIT_VERSION,
            session=own,
        ) as face:
            assert (await face.person_groups.get("family")).name == "Family"
        assert not own.closed


async def test_a_closed_client_refuses_to_send(fake: FakeTransport) -> None:
    face = FaceClient(ENDPOINT, KeyCredential(KEY), transport=fake)
    await face.aclose()
    with pytest.raises(Exception, match="closed"):
        await face.person_groups.get("family")
    assert fake.requests == []
    assert fake.closed


async def test_the_connection_cap_reaches_the_connector(group_server: TestServer) -> None:
    async with FaceClient(
        f"http://127.0.0.1:{group_server.port}",
        KeyCredential(KEY),
        api_version=UNIT_VERSION,
        max_connections=4,
    ) as face:
        await face.person_groups.get("family")
        transport = face._session.transport
        assert isinstance(transport, AiohttpTransport)
        assert transport.client_session().connector.limit == 4  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["Ocp-Apim-Subscription-Key", "authorization", "Host"])
async def test_client_and_copy_headers_cannot_replace_credential_headers(name: str) -> None:
    with pytest.raises(FaceValidationError):
        FaceClient(ENDPOINT, KeyCredential(KEY), headers={name: "x"})
    async with FaceClient(ENDPOINT, KeyCredential(KEY)) as face:
        with pytest.raises(FaceValidationError):
            face.with_options(headers={name: "x"})


class _BrokenFile:
    """A binary file whose read fails, like a disk error halfway through."""

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        raise OSError(5, "Input/output error")


async def test_a_local_read_error_is_the_images_fault_not_the_networks(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.post(ADD_FACE_URL, payload=FACE)
    with pytest.raises(FaceValidationError) as caught:
        await client.person_groups.persons.add_face("family", PERSON_ID, _BrokenFile())  # type: ignore[arg-type]
    assert caught.value.parameter == "image"
    assert "Input/output error" in str(caught.value)


async def test_a_misspelt_option_is_refused_not_ignored(
    client: FaceClient, fake: FakeTransport
) -> None:
    with pytest.raises(FaceValidationError, match="timout") as caught:
        await client.person_groups.get("family", timout=5)  # type: ignore[call-arg]
    assert "timeout" in str(caught.value)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("option", "value"),
    [("timeout", 0), ("timeout", -1), ("max_retries", -1), ("max_retries", 1.5)],
)
async def test_out_of_range_call_options_are_refused(
    client: FaceClient, fake: FakeTransport, option: str, value: float
) -> None:
    with pytest.raises(FaceValidationError) as caught:
        await client.person_groups.get("family", **{option: value})  # type: ignore[arg-type]
    assert caught.value.parameter == option
    assert fake.requests == []


# -- caller mistakes are refused before anything is sent ----------------------------------------


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0, 0, True, "5", None])
async def test_a_per_call_timeout_must_be_a_finite_positive_number(
    client: FaceClient, fake: FakeTransport, value: Any
) -> None:
    with pytest.raises(FaceValidationError) as caught:
        await client.person_groups.get("family", timeout=value)
    assert caught.value.parameter == "timeout"
    assert fake.requests == []


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("timeout", float("nan")),
        ("timeout", float("inf")),
        ("connect_timeout", float("nan")),
        ("connect_timeout", -2),
        ("max_retries", -1),
        ("max_retries", 2.5),
        ("max_connections", "8"),
        ("max_response_bytes", 10),
        ("max_response_bytes", 2.0**30),
        ("retry_policy", "fast"),
        ("rate_limiter", 10),
        ("headers", [("x-a", "1")]),
    ],
)
def test_client_options_out_of_range_are_validation_errors(option: str, value: Any) -> None:
    with pytest.raises(FaceValidationError) as caught:
        FaceClient(ENDPOINT, KeyCredential(KEY), **{option: value})
    assert caught.value.parameter == option


@pytest.mark.parametrize(
    "endpoint", ["http://[::1", "https://h:99999", "https://h:p\\@evil", 5, None, "ftp://x"]
)
def test_a_malformed_endpoint_is_a_validation_error(endpoint: Any) -> None:
    with pytest.raises(FaceValidationError):
        FaceClient(endpoint, KeyCredential(KEY))


@pytest.mark.parametrize(
    "name",
    [
        "ocp-apim-subscription-key ",
        " Ocp-Apim-Subscription-Key",
        "OCP-APIM-SUBSCRIPTION-KEY",
        "Authorization\t",
        "HOST",
        "Content-Length",
        "transfer-encoding",
        "Accept-Encoding",
    ],
)
async def test_a_protected_header_is_refused_however_it_is_spelt(
    client: FaceClient, fake: FakeTransport, name: str
) -> None:
    with pytest.raises(FaceValidationError, match="set by facekit"):
        await client.person_groups.get("family", headers={name: "x"})
    with pytest.raises(FaceValidationError, match="set by facekit"):
        FaceClient(ENDPOINT, KeyCredential(KEY), headers={name: "x"})
    assert fake.requests == []


@pytest.mark.parametrize(
    "headers",
    [
        {"x-trace": "a\r\nOcp-Apim-Subscription-Key: stolen"},
        {"x-trace": "a\nb"},
        {"x-trace": "a\0b"},
        {"x-trace": "a\x7fb"},
        {"x-trace\r\nx-other": "a"},
        {"x trace": "a"},
        {"x-trace:": "a"},
        {"": "a"},
        {"x-trace": 5},
        {5: "a"},
        {"x-trace": None},
        {"x-trace": b"bytes"},
    ],
)
async def test_a_header_that_could_split_the_request_is_refused(
    client: FaceClient, fake: FakeTransport, headers: dict[Any, Any]
) -> None:
    with pytest.raises(FaceValidationError) as caught:
        await client.person_groups.get("family", headers=headers)
    assert caught.value.parameter == "headers"
    assert "stolen" not in str(caught.value)
    assert fake.requests == []


async def test_a_header_value_with_a_tab_and_non_ascii_is_sent(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(GROUP_URL, payload=GROUP)
    await client.person_groups.get("family", headers={"x-trace": "a\tb é"})
    assert fake.sent()[0].headers["x-trace"] == "a\tb é"


@pytest.mark.parametrize("url", ["http://[::1", "http://h:p\\@h2/face.jpg", "https://h:70000/x"])
async def test_a_malformed_image_url_is_a_validation_error(
    client: FaceClient, fake: FakeTransport, url: str
) -> None:
    with pytest.raises(FaceValidationError) as caught:
        await client.detect(url)
    assert caught.value.parameter == "image"
    assert fake.requests == []


@pytest.mark.parametrize("options", [["timeout"], "timeout", 5])
async def test_options_that_are_not_a_mapping_are_refused(client: FaceClient, options: Any) -> None:
    with pytest.raises(FaceValidationError):
        await client._session.send(
            "GET",
            client._session.url_for(["persongroups"], method="GET"),
            idempotent=True,
            options=options,
        )


# -- replies: size cap, secrets ------------------------------------------------------------------


async def test_with_options_can_lower_the_reply_cap(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(GROUP_URL, payload={**GROUP, "userData": "u" * 4000}, repeat=True)
    small = client.with_options(max_response_bytes=2048)
    with pytest.raises(FaceResponseError, match="max_response_bytes"):
        await small.person_groups.get("family")
    assert (await client.person_groups.get("family")).name == "Family"


async def test_a_raw_response_repr_shows_no_body_or_headers(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(GROUP_URL, payload=GROUP, headers={"x-secret-ish": "h" * 40})
    with client.capture_responses() as responses:
        await client.person_groups.get("family")
    text = repr(responses[0])
    assert "Family" not in text
    assert "h" * 40 not in text
    assert "bytes>" in text


def test_an_access_token_repr_hides_the_token() -> None:
    token = AccessToken("eyJ-secret-token", 123)
    assert "eyJ-secret-token" not in repr(token)
    assert token.token == "eyJ-secret-token"


class _BadTokens:
    def __init__(self, token: Any) -> None:
        self.token = token

    async def get_token(self, *scopes: str) -> Any:
        return self.token


@pytest.mark.parametrize(
    "token",
    [
        AccessToken("eyJ-secret-token", float("nan")),  # type: ignore[arg-type]
        AccessToken("eyJ-secret-token", "soon"),  # type: ignore[arg-type]
        AccessToken("", 4_102_444_800),
        None,
    ],
)
async def test_a_credential_giving_a_bad_token_is_a_face_error_without_the_token(
    fake: FakeTransport, token: Any
) -> None:
    async with FaceClient(
        ENDPOINT, _BadTokens(token), retry_policy=FAST_RETRY, transport=fake
    ) as face:
        with pytest.raises(FaceError) as caught:
            await face.person_groups.get("family")
    rendered = "".join(
        traceback.TracebackException(
            type(caught.value), caught.value, caught.value.__traceback__, capture_locals=True
        ).format()
    )
    assert "eyJ-secret-token" not in rendered
    assert fake.requests == []
