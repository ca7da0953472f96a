"""The request path, made leaner (issue 15): what it sends and logs is what it always sent.

The session precomputes what is constant per client (headers, default call settings, the
URLs of the routes it calls) and skips work nobody asked for (log records when logging is
off, option checks when no option is given); these tests pin what a request looks like on
the transport, so that none of that changes what is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import threading
import uuid
import warnings
from typing import Any

import cattrs
import pytest
import yarl
from aiohttp import web
from aiohttp.test_utils import TestServer

from facekit import (
    FaceClient,
    FaceError,
    FaceResponseError,
    FaceValidationError,
    KeyCredential,
    RateLimiter,
)
from facekit.models import LivenessSession, PersonGroup
from facekit.models._serde import structure
from facekit.session import USER_AGENT, _new_request_id
from tests.conftest import BASE, ENDPOINT, FAST_RETRY, KEY, UNIT_VERSION
from tests.fake_transport import FakeTransport

GROUP = {"personGroupId": "family", "name": "Family", "userData": "u"}
GROUP_URL = f"{BASE}/persongroups/family"
LIST_URL = f"{BASE}/persongroups?top=1000"
REQUEST_ID = "x-ms-client-request-id"
UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def without_request_id(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name != REQUEST_ID}


async def test_a_get_sends_exactly_facekits_headers(client: FaceClient, fake: FakeTransport):
    fake.get(GROUP_URL, payload=GROUP)
    await client.person_groups.get("family")
    (sent,) = fake.sent()
    assert without_request_id(sent.headers) == {
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
        "Accept-Encoding": "gzip, deflate",
        "Ocp-Apim-Subscription-Key": KEY,
    }
    assert list(sent.headers) == [
        "User-Agent",
        "Accept",
        "Accept-Encoding",
        REQUEST_ID,
        "Ocp-Apim-Subscription-Key",
    ]


async def test_a_json_body_adds_its_content_type_and_a_call_its_own_headers(
    client: FaceClient, fake: FakeTransport
):
    fake.patch(GROUP_URL, status=200)
    await client.person_groups.update("family", name="F", headers={"x-trace": "t1"})
    (sent,) = fake.sent()
    assert without_request_id(sent.headers) == {
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
        "Accept-Encoding": "gzip, deflate",
        "x-trace": "t1",
        "Content-Type": "application/json",
        "Ocp-Apim-Subscription-Key": KEY,
    }


async def test_client_headers_come_before_a_calls_and_a_call_may_name_its_request_id(
    fake: FakeTransport,
):
    fake.get(GROUP_URL, payload=GROUP, repeat=True)
    async with FaceClient(
        ENDPOINT,
        KeyCredential(KEY),
        api_version=UNIT_VERSION,
        transport=fake,
        rate_limiter=RateLimiter(10_000, burst=10_000),
        headers={"x-app": "a", "x-trace": "client"},
    ) as face:
        await face.person_groups.get("family")
        await face.person_groups.get("family", headers={"x-trace": "call", REQUEST_ID: "mine"})
        copy = face.with_options(headers={"x-copy": "c"})
        await copy.person_groups.get("family")
        await face.person_groups.get("family")
    first, second, third, fourth = (sent.headers for sent in fake.sent())
    assert (first["x-app"], first["x-trace"]) == ("a", "client")
    assert (second["x-app"], second["x-trace"], second[REQUEST_ID]) == ("a", "call", "mine")
    # A call's headers are its own: the next call of the same client goes without them.
    assert (third["x-app"], third["x-copy"]) == ("a", "c")
    assert "x-copy" not in fourth
    assert fourth["x-trace"] == "client"
    assert UUID_TEXT.match(fourth[REQUEST_ID])


async def test_every_call_gets_a_fresh_version_4_uuid_as_its_request_id(
    client: FaceClient, fake: FakeTransport
):
    fake.get(GROUP_URL, payload=GROUP, repeat=True)
    with client.capture_responses() as responses:
        for _ in range(200):
            await client.person_groups.get("family")
    ids = [sent.headers[REQUEST_ID] for sent in fake.sent()]
    assert len(set(ids)) == 200
    for value in ids:
        parsed = uuid.UUID(value)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == value
        assert UUID_TEXT.match(value)
    assert [response.client_request_id for response in responses] == ids


async def test_a_raw_response_names_the_url_its_call_went_to(
    client: FaceClient, fake: FakeTransport
):
    other = f"{BASE}/persongroups/friends"
    fake.get(GROUP_URL, payload=GROUP, repeat=True)
    fake.get(other, payload=GROUP, repeat=True)
    fake.get(f"{BASE}/operations/op-1", payload={}, repeat=True)
    with client.capture_responses() as responses:
        for _ in range(2):
            await client.person_groups.get("family")
            await client.person_groups.get("friends")
        # A URL the session did not build (a poll's Operation-Location, say).
        await client._session.send("GET", yarl.URL(f"{BASE}/operations/op-1"), idempotent=True)
    assert [response.url for response in responses] == [
        GROUP_URL,
        other,
        GROUP_URL,
        other,
        f"{BASE}/operations/op-1",
    ]
    assert [str(sent.url) for sent in fake.sent()] == [r.url for r in responses]


async def test_retries_resend_the_same_headers(client: FaceClient, fake: FakeTransport):
    fake.get(GROUP_URL, status=503)
    fake.get(GROUP_URL, payload=GROUP)
    await client.person_groups.get("family", headers={"x-trace": "t"})
    first, second = fake.sent()
    assert first.headers == second.headers
    assert first.headers["x-trace"] == "t"


async def test_per_call_options_are_still_checked_and_applied(
    client: FaceClient, fake: FakeTransport
):
    fake.get(GROUP_URL, payload=GROUP, repeat=True)
    with pytest.raises(FaceValidationError, match="timeout"):
        await client.person_groups.get("family", timeout=0)
    with pytest.raises(FaceValidationError, match="unknown option"):
        await client.person_groups.get("family", retries=2)  # type: ignore[call-arg]
    with pytest.raises(FaceValidationError, match="headers"):
        await client.person_groups.get("family", headers={"Ocp-Apim-Subscription-Key": "x"})
    assert fake.sent() == []
    await client.person_groups.get("family", timeout=7.5)
    await client.person_groups.get("family")
    with_timeout, plain = fake.sent()
    assert with_timeout.timeout == 7.5
    assert plain.timeout == client.timeout


async def test_the_same_route_twice_and_another_id_go_to_their_own_urls(
    client: FaceClient, fake: FakeTransport
):
    fake.get(GROUP_URL, payload=GROUP, repeat=True)
    fake.get(f"{BASE}/persongroups/other", payload={**GROUP, "personGroupId": "other"})
    fake.get(LIST_URL, payload=[GROUP], repeat=True)
    await client.person_groups.get("family")
    await client.person_groups.get("family")
    await client.person_groups.get("other")
    groups = [group async for group in client.person_groups.list()]
    assert [str(sent.url) for sent in fake.sent()] == [
        GROUP_URL,
        GROUP_URL,
        f"{BASE}/persongroups/other",
        LIST_URL,
    ]
    assert groups == [PersonGroup(person_group_id="family", name="Family", user_data="u")]


async def test_a_route_the_version_lacks_is_refused_every_time(
    client: FaceClient, fake: FakeTransport
):
    for _ in range(2):
        with pytest.raises(FaceValidationError, match=r"not in Face API v1\.0"):
            await client.liveness.get_session_result("0b6a7d2c")
    assert fake.sent() == []


async def test_debug_logging_still_records_each_attempt_without_the_key(
    client: FaceClient, fake: FakeTransport, caplog: pytest.LogCaptureFixture
):
    fake.get(GROUP_URL, status=503, headers={"apim-request-id": "req-1"})
    fake.get(GROUP_URL, payload=GROUP, headers={"apim-request-id": "req-2"})
    caplog.set_level(logging.DEBUG, logger="facekit")
    await client.person_groups.get("family")
    messages = [record.getMessage() for record in caplog.records]
    (request_id,) = {sent.headers[REQUEST_ID] for sent in fake.sent()}
    assert len(messages) == 3
    assert messages[0].startswith("GET /face/v1.0/persongroups/family -> 503 in ")
    assert f"attempt 1, client request id {request_id}, request id req-1" in messages[0]
    assert messages[1].startswith("retrying GET /face/v1.0/persongroups/family after HTTP 503")
    assert "attempt 2" in messages[2]
    assert "req-2" in messages[2]
    assert all(KEY not in message for message in messages)
    assert KEY not in caplog.text


async def test_logging_at_info_records_the_retry_only(
    client: FaceClient, fake: FakeTransport, caplog: pytest.LogCaptureFixture
):
    fake.get(GROUP_URL, status=503)
    fake.get(GROUP_URL, payload=GROUP)
    caplog.set_level(logging.INFO, logger="facekit")
    await client.person_groups.get("family")
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1
    assert messages[0].startswith("retrying GET")


def test_request_ids_are_uuid4_text_with_every_variant_digit() -> None:
    ids = [_new_request_id() for _ in range(4000)]
    assert len(set(ids)) == len(ids)
    for value in ids:
        parsed = uuid.UUID(value)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == value
    # The random bits around the fixed ones are all used: the variant digit takes its
    # four values, and the version digit's neighbours take all sixteen.
    assert {value[19] for value in ids} == set("89ab")
    assert {value[15] for value in ids} == set("0123456789abcdef")


def test_a_forked_child_never_repeats_its_parents_request_ids() -> None:
    _new_request_id()  # the parent has random bits in hand that a child must not reuse
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking a process that has threads; none are used here.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.write(write_end, " ".join(_new_request_id() for _ in range(50)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        child = set(pipe.read().split())
    os.waitpid(pid, 0)
    parent = {_new_request_id() for _ in range(50)}
    assert len(child) == 50
    assert not child & parent


def test_request_ids_from_many_threads_are_all_different() -> None:
    ids: list[str] = []

    def take() -> None:
        ids.extend(_new_request_id() for _ in range(2000))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 16000
    assert len(set(ids)) == 16000


def test_the_session_keeps_a_bounded_number_of_built_urls(client: FaceClient) -> None:
    session = client.person_groups._session
    urls = [
        session.url_for(["persongroups", f"group-{index}"], method="GET") for index in range(2000)
    ]
    assert [str(url) for url in urls] == [f"{BASE}/persongroups/group-{i}" for i in range(2000)]
    assert 0 < len(session._urls) <= 512
    # A URL asked for again is the same, whether it was kept or built anew.
    assert session.url_for(["persongroups", "group-1999"], method="GET") == urls[-1]
    assert session.url_for(["persongroups", "group-0"], method="GET") == urls[0]
    with pytest.raises(FaceValidationError, match="invalid path segment"):
        session.url_for(["persongroups", ".."], method="GET")


async def test_on_the_wire_the_headers_are_facekits_and_the_http_librarys_framing() -> None:
    seen: list[tuple[str, list[str], dict[str, str]]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append((request.method, list(request.headers), dict(request.headers)))
        status = 202 if request.path.endswith("/train") else 200
        return web.json_response(GROUP if request.method == "GET" else None, status=status)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    async with (
        TestServer(app, host="127.0.0.1") as server,
        FaceClient(
            f"http://127.0.0.1:{server.port}",
            KeyCredential(KEY),
            api_version=UNIT_VERSION,
            rate_limiter=RateLimiter(10_000, burst=10_000),
        ) as face,
    ):
        await face.person_groups.get("family")
        await face.person_groups.get("family", timeout=9)
        await face.person_groups.delete("family")
        await face.person_groups.train("family")
        await face.person_groups.update("family", name="F")
    common = [
        "Host",
        "User-Agent",
        "Accept",
        "Accept-Encoding",
        REQUEST_ID,
        "Ocp-Apim-Subscription-Key",
    ]
    assert [(method, names) for method, names, _ in seen] == [
        ("GET", common),
        ("GET", common),
        ("DELETE", [*common, "Content-Length"]),
        ("POST", [*common, "Content-Length"]),
        ("PATCH", [*common[:5], "Content-Type", "Ocp-Apim-Subscription-Key", "Content-Length"]),
    ]
    assert seen[-1][2]["Content-Type"] == "application/json"
    assert {headers["Content-Length"] for _, _, headers in seen[2:4]} == {"0"}


async def test_a_reply_quoting_the_key_is_scrubbed_in_headers_and_body(
    client: FaceClient, fake: FakeTransport
):
    fake.get(
        GROUP_URL,
        payload={**GROUP, "userData": f"echo {KEY}"},
        headers={"x-first": "plain", "x-echo": f"key={KEY};", "x-last": "plain"},
    )
    fake.get(f"{BASE}/persongroups/other", payload=GROUP, headers={"x-split": KEY[:16]})
    with client.capture_responses() as responses:
        group = await client.person_groups.get("family")
        await client.person_groups.get("other")
    echoed, plain = responses
    assert echoed.headers["x-echo"] == "key=<redacted>;"
    assert (echoed.headers["x-first"], echoed.headers["x-last"]) == ("plain", "plain")
    assert KEY.encode() not in echoed.body
    assert b"echo <redacted>" in echoed.body
    assert group.user_data == "echo <redacted>"
    # Half a key is no key: it stays as it came.
    assert plain.headers["x-split"] == KEY[:16]


async def test_a_key_hidden_in_json_escapes_or_a_header_name_is_scrubbed_too(
    client: FaceClient, fake: FakeTransport
) -> None:
    escaped = "".join(f"\\u{ord(char):04x}" for char in KEY)
    body = '{"personGroupId": "family", "userData": "tab\\there", "name": "' + escaped + '"}'
    fake.get(GROUP_URL, body=body.encode(), headers={f"x-{KEY}": "v", "apim-request-id": "r"})
    fake.get(
        GROUP_URL,
        status=400,
        body=('{"error": {"code": "BadArgument", "message": "' + escaped + '"}}').encode(),
    )
    with client.capture_responses() as responses:
        group = await client.person_groups.get("family")
        with pytest.raises(FaceError) as caught:
            await client.person_groups.get("family")
    assert group.name == "<redacted>"
    assert group.user_data == "tab\there"  # the other escapes decode as they did
    (echoed, refused) = responses
    assert KEY not in repr(dict(echoed.headers))
    assert echoed.headers["apim-request-id"] == "r"
    assert KEY not in str(echoed.json())
    assert KEY not in str(caught.value)
    assert KEY not in str(refused.json())
    assert "<redacted>" in str(caught.value)


async def test_a_request_id_the_client_names_is_sent_and_reported(fake: FakeTransport) -> None:
    fake.get(GROUP_URL, payload=GROUP, repeat=True)
    async with _unit_client(fake, headers={"X-MS-Client-Request-Id": "client-named"}) as face:
        with face.capture_responses() as responses:
            await face.person_groups.get("family")
            await face.person_groups.get("family", headers={REQUEST_ID: "call-named"})
    first, second = fake.sent()
    assert first.headers["X-MS-Client-Request-Id"] == "client-named"
    assert REQUEST_ID not in first.headers  # not a second id beside it
    assert responses[0].client_request_id == "client-named"
    assert second.headers[REQUEST_ID] == "call-named"
    assert responses[1].client_request_id == "call-named"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            {"personGroupId": "family", "name": "Family", "userData": None},
            PersonGroup(person_group_id="family", name="Family"),
            id="null-optional",
        ),
        pytest.param(
            {"personGroupId": "family", "name": "Family", "extra": None},
            PersonGroup(person_group_id="family", name="Family"),
            id="null-unknown",
        ),
        pytest.param(
            {"personGroupId": "family", "name": "Family", "userData": "u"},
            PersonGroup(person_group_id="family", name="Family", user_data="u"),
            id="no-null",
        ),
    ],
)
def test_structuring_drops_nulls_of_optional_fields_and_leaves_the_reply_as_it_was(
    data: dict[str, object], expected: PersonGroup
) -> None:
    before = dict(data)
    assert structure(data, PersonGroup) == expected
    assert data == before


def test_a_null_required_field_is_still_refused() -> None:
    with pytest.raises(cattrs.BaseValidationError):
        structure({"personGroupId": "family", "name": None}, PersonGroup)


@pytest.mark.parametrize(
    "data",
    [
        {"id": "s1", "status": "NotStarted"},
        {"sessionId": "s1", "status": "NotStarted"},
        # Both: the field's own name wins.
        {"sessionId": "s1", "id": "other", "status": "NotStarted"},
        {"id": "s1", "status": None},
    ],
)
def test_an_alias_fills_its_field_and_the_reply_is_not_changed(data: dict[str, object]) -> None:
    before = dict(data)
    session = structure(data, LivenessSession)
    assert session.session_id == "s1"
    assert data == before


class _CountingLimiter:
    """A limiter of its own, with a `try_acquire` too: the client must not call it."""

    def __init__(self) -> None:
        self.tries = 0
        self.acquires = 0

    def try_acquire(self) -> bool:
        self.tries += 1
        return True

    async def acquire(self) -> None:
        self.acquires += 1

    def pause(self, seconds: float) -> None:
        pass


class _AuditedLimiter(RateLimiter):
    """A RateLimiter subclass counting its acquisitions (an `acquire` of its own)."""

    acquires = 0

    async def acquire(self) -> None:
        type(self).acquires += 1
        await super().acquire()


class _Delegating:
    """A wrapper forwarding what it does not define to a RateLimiter."""

    def __init__(self) -> None:
        self.inner = RateLimiter(10_000, burst=10_000)
        self.acquires = 0

    async def acquire(self) -> None:
        self.acquires += 1
        await self.inner.acquire()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _unit_client(fake: FakeTransport, **options: Any) -> FaceClient:
    """A client of the unit API version over `fake`, with fast retries."""
    return FaceClient(
        ENDPOINT,
        KeyCredential(KEY),
        api_version=UNIT_VERSION,
        retry_policy=FAST_RETRY,
        transport=fake,
        **options,
    )


async def _two_attempts(fake: FakeTransport, limiter: Any) -> None:
    fake.get(GROUP_URL, status=503, payload={"error": {"code": "Busy", "message": "busy"}})
    fake.get(GROUP_URL, payload=GROUP)
    async with _unit_client(fake, rate_limiter=limiter) as face:
        await face.person_groups.get("family")
    assert len(fake.sent()) == 2


async def test_a_free_slot_of_a_rate_limiter_is_taken_without_awaiting_acquire(
    fake: FakeTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    awaited: list[int] = []
    original = RateLimiter.acquire

    async def counted(self: RateLimiter) -> None:
        awaited.append(1)
        await original(self)

    monkeypatch.setattr(RateLimiter, "acquire", counted)
    limiter = RateLimiter(10_000, burst=10_000)
    await _two_attempts(fake, limiter)
    assert awaited == []  # both attempts found a free slot
    assert limiter.expected_wait() == 0.0


async def test_a_full_rate_limiter_is_awaited(fake: FakeTransport) -> None:
    limiter = RateLimiter(1000)
    assert limiter.try_acquire()  # the one slot is taken: the next one is 1 ms away
    assert not limiter.try_acquire()
    await _two_attempts(fake, limiter)


@pytest.mark.parametrize(
    "make",
    [_CountingLimiter, lambda: _AuditedLimiter(10_000, burst=10_000), _Delegating],
    ids=["a limiter of its own", "a RateLimiter with its own acquire", "a wrapper"],
)
async def test_every_attempt_awaits_the_acquire_of_a_limiter_that_has_its_own(
    fake: FakeTransport, make: Any
) -> None:
    _AuditedLimiter.acquires = 0
    limiter = make()
    await _two_attempts(fake, limiter)
    assert limiter.acquires == 2  # one per attempt
    assert getattr(limiter, "tries", 0) == 0


async def test_an_acquire_set_on_the_instance_is_awaited(fake: FakeTransport) -> None:
    limiter = RateLimiter(10_000, burst=10_000)
    calls: list[int] = []

    async def acquire() -> None:
        calls.append(1)

    limiter.acquire = acquire  # type: ignore[method-assign]
    await _two_attempts(fake, limiter)
    assert calls == [1, 1]


async def test_a_real_limiter_still_spaces_attempts_that_find_no_free_slot(
    fake: FakeTransport,
) -> None:
    for _ in range(3):
        fake.get(GROUP_URL, payload=GROUP)
    limiter = RateLimiter(20)  # one slot per 50 ms
    async with _unit_client(fake, rate_limiter=limiter) as face:
        started = asyncio.get_running_loop().time()
        await asyncio.gather(*(face.person_groups.get("family") for _ in range(3)))
        took = asyncio.get_running_loop().time() - started
    assert took >= 0.09  # the second and third waited their slots


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1}',
        b'  {"a": 1}  ',
        b'{"a": 1}\n',
        b"[1, 2]",
        b'"text"',
        b"3",
        b"null",
        b'{"a": 1} x',
        b'{"a": 1}\x0b',
        b'{"a": 1}{"b": 2}',
        b"\xef\xbb\xbf{}",
        b"{",
        b"nope",
        b"\xff\xfe",
        b'{"a": -Infinity}',
        b"\t\r\n",
        b"\x0c",
        b" \x0b\n",
    ],
)
def test_a_body_is_json_exactly_when_the_json_module_says_so(body: bytes) -> None:
    import json

    from facekit.errors import FaceResponseError
    from facekit.session import RawResponse

    response = RawResponse(
        method="GET",
        url=GROUP_URL,
        status=200,
        headers={},
        body=body,
        request_id=None,
        client_request_id="c",
        attempts=1,
        elapsed=0.0,
    )
    try:
        # Empty means no bytes, or only JSON's own whitespace (not \x0b or \x0c).
        expected: Any = json.loads(body.decode("utf-8")) if body.strip(b" \t\n\r") else None
    except ValueError:
        with pytest.raises(FaceResponseError, match="is not JSON"):
            response.json()
    else:
        assert response.json() == expected


@pytest.mark.parametrize("captured", [False, True], ids=["nobody looks", "captured"])
async def test_a_2xx_reply_that_does_not_fit_is_the_same_error_with_or_without_a_capture(
    client: FaceClient, fake: FakeTransport, captured: bool
) -> None:
    # Without a capture no RawResponse is built on the way: the error must still be the
    # one `parse` gives, naming the path, the status and the service's request id.
    fake.get(
        GROUP_URL, payload={"personGroupId": 5, "name": "F"}, headers={"apim-request-id": "r9"}
    )
    fake.get(GROUP_URL, body=b"{not json", headers={"apim-request-id": "r10"})
    errors = []
    for _ in range(2):
        looking = client.capture_responses() if captured else contextlib.nullcontext()
        with looking, pytest.raises(FaceResponseError) as caught:
            await client.person_groups.get("family")
        errors.append(caught.value)
    mismatch, not_json = errors
    assert "GET /face/v1.0/persongroups/family answered a body that does not match" in str(mismatch)
    assert (mismatch.status, mismatch.request_id) == (200, "r9")
    assert "answered a body that is not JSON" in str(not_json)
    assert (not_json.status, not_json.request_id) == (200, "r10")
