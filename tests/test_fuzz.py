"""Fuzzed calls of the whole public API: each works or raises a FaceError subclass, and a
FaceValidationError means nothing was sent.

Every operation of the client and its resources is called with arguments drawn per
parameter from plausible values (to get past the first check and reach the wire) and
hostile ones (wrong types, NaN, huge numbers, control characters, malformed URLs, odd
objects), with hostile per-call options now and then; the transport answers with one of
a handful of replies, well-formed or not.
"""

from __future__ import annotations

import asyncio
import inspect
import io
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facekit import (
    AsyncPager,
    FaceClient,
    FaceError,
    FaceValidationError,
    KeyCredential,
    Poller,
    PollingPolicy,
    RateLimiter,
    RetryPolicy,
)

from .conftest import ENDPOINT, KEY, image_bytes
from .fake_transport import Canned, FakeTransport, Sent

UUID = "25985303-c537-4467-b41d-bdb45cd95ca1"
OTHER = "015839fb-fbd9-4f79-ace9-7675fc2f1dd9"
FAST = RetryPolicy(max_retries=1, backoff_base=0.001, backoff_max=0.002, max_retry_after=0.01)
QUICK = PollingPolicy(initial=0.001, maximum=0.002, jitter=0)

# Plausible values by parameter name: enough to pass client-side checks and reach the wire.
PLAUSIBLE: dict[str, list[Any]] = {
    "container_id": ["family"],
    "group_id": ["family"],
    "list_id": ["faces"],
    "large_face_list_id": ["faces", None],
    "face_list_id": ["faces", None],
    "person_group_id": ["family", None],
    "large_person_group_id": ["family", None],
    "object_id": ["family"],
    "person_id": [UUID],
    "persisted_face_id": [OTHER],
    "face_id": [UUID],
    "face_id1": [UUID],
    "face_id2": [OTHER],
    "snapshot_id": [UUID],
    "operation_id": [UUID],
    "face_ids": [[UUID, OTHER], [UUID]],
    "apply_scope": [[UUID]],
    "image": [image_bytes(), "https://example.com/face.jpg"],
    "name": ["Ann"],
    "user_data": ["u", None],
    "recognition_model": ["recognition_04", None],
    "detection_model": ["detection_03", None],
    "return_face_id": [True, None],
    "return_face_landmarks": [False, None],
    "return_face_attributes": [["qualityForRecognition"], None],
    "return_recognition_model": [True, None],
    "face_id_time_to_live": [600, None],
    "progress": [None, lambda sent, total: None],
    "target_face": [(1, 2, 30, 40), None],
    "max_num_of_candidates_returned": [5, None],
    "confidence_threshold": [0.5, None],
    "mode": [None, "matchFace", "CreateNew"],
    "type": ["PersonGroup"],
    "start": [None, "a"],
    "top": [None, 10],
    "polling": [QUICK],
    "token": [],
}


class Opaque:
    """An object no API expects."""


async def _text_chunks() -> AsyncIterator[Any]:
    yield "not bytes"


def _raises(*args: Any) -> None:
    raise RuntimeError("a progress callback failed")


HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.binary(max_size=40),
    st.lists(st.one_of(st.text(max_size=8), st.integers(), st.just(UUID)), max_size=12),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=3),
    st.sampled_from(
        [
            "a\r\nb",
            "\x00",
            "../..",
            ".",
            "",
            "x" * 300,
            "http://[::1",
            "http://h:p\\@h2/x",
            "ftp://example.com/x",
            UUID.upper(),
            [UUID] * 1001,
            (1, 2, 3),
            (-1, 0, 0, 0),
            Opaque(),
            io.StringIO("text"),
            _text_chunks,
            _raises,
            float("nan"),
            -0.0,
            2**64,
        ]
    ),
)

OPTIONS = st.dictionaries(
    st.sampled_from(["timeout", "headers", "max_retries", "timout"]),
    st.one_of(
        HOSTILE,
        st.sampled_from(
            [
                {"x-a": "1"},
                {"x-a": "a\nb"},
                {"authorization ": "x"},
                {"X-A": 5},
                0.5,
                0,
            ]
        ),
    ),
    max_size=2,
)

REPLIES: list[tuple[int, dict[str, str], str]] = [
    (200, {}, "{}"),
    (200, {}, "[]"),
    (200, {}, '{"personGroupId": "family", "name": "x"}'),
    (202, {"Operation-Location": f"/operations/{UUID}"}, ""),
    (202, {"Operation-Location": "http://h:p\\@h2/x"}, ""),
    (400, {}, '{"error": {"code": "BadArgument", "message": "no"}}'),
    (429, {"Retry-After": "0"}, "[" * 5000),
    (500, {}, "<html>"),
    (200, {}, '{"status": "cancelled", "createdTime": "2020-01-01T00:00:00Z"}'),
    (200, {}, '{"status": "succeeded", "createdDateTime": "2020-01-01T00:00:00"}'),
]


def _operations(face: FaceClient) -> list[tuple[str, Callable[..., Any]]]:
    owners: dict[str, Any] = {
        "client": face,
        "person_groups": face.person_groups,
        "large_person_groups": face.large_person_groups,
        "face_lists": face.face_lists,
        "large_face_lists": face.large_face_lists,
        "snapshots": face.snapshots,
        "person_groups.persons": face.person_groups.persons,
        "large_person_groups.persons": face.large_person_groups.persons,
    }
    skip = {"aclose", "capture_responses"}
    found = []
    for owner_name, owner in owners.items():
        for name, method in inspect.getmembers(owner, callable):
            if name.startswith("_") or name in skip or inspect.isclass(method):
                continue
            found.append((f"{owner_name}.{name}", method))
    return sorted(found, key=lambda item: item[0])


def _operation_names() -> list[str]:
    face = object.__new__(FaceClient)
    face._init_from(
        FaceClient(ENDPOINT, KeyCredential(KEY))._session,
        owner=False,
    )
    return [name for name, _ in _operations(face)]


OPERATION_NAMES = _operation_names()


async def _finish(result: Any) -> Any:
    """Drive what an operation returned: await a coroutine, walk a pager, await a poller."""
    if inspect.isawaitable(result) and not isinstance(result, Poller):
        result = await result
    if isinstance(result, AsyncPager):
        return await result.collect()
    if isinstance(result, Poller):
        return await result.result(timeout=0.2)
    return result


async def _call(data: st.DataObject, name: str) -> None:
    sent: list[str] = []

    def reply(request: Sent) -> Canned:
        sent.append(str(request.url))
        status, headers, body = data.draw(st.sampled_from(REPLIES), label="reply")
        return Canned(status=status, headers=headers, body=body)

    fake = FakeTransport()
    for verb in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        fake.add(re.compile(r".*"), method=verb, callback=reply, repeat=True)
    async with FaceClient(
        ENDPOINT,
        KeyCredential(KEY),
        retry_policy=FAST,
        rate_limiter=RateLimiter(100_000, burst=100_000),
        transport=fake,
    ) as face:
        method = dict(_operations(face))[name]
        arguments: dict[str, Any] = {}
        for parameter in inspect.signature(method).parameters.values():
            if parameter.kind is parameter.VAR_KEYWORD:
                continue
            plausible = PLAUSIBLE.get(parameter.name, [])
            if plausible and data.draw(st.booleans(), label=f"{parameter.name} plausible"):  # type: ignore[arg-type]
                value = data.draw(st.sampled_from(plausible), label=parameter.name)
            elif parameter.default is not parameter.empty and data.draw(
                st.booleans(), label=f"{parameter.name} default"
            ):
                continue
            else:
                value = data.draw(HOSTILE, label=parameter.name)
                if value is _text_chunks:
                    value = _text_chunks()
            arguments[parameter.name] = value
        if any(p.kind is p.VAR_KEYWORD for p in inspect.signature(method).parameters.values()):
            arguments.update(data.draw(OPTIONS, label="options"))
        try:
            await asyncio.wait_for(_finish(method(**arguments)), 5)
        except FaceValidationError:
            assert sent == [], f"{name} raised FaceValidationError after sending"
        except FaceError:
            pass
        except Exception as exc:
            pytest.fail(f"{name}({arguments!r}) raised {type(exc).__name__}: {exc}")


@pytest.mark.parametrize("name", OPERATION_NAMES)
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_public_operation_works_or_raises_a_face_error(
    name: str, data: st.DataObject
) -> None:
    asyncio.run(_call(data, name))


@settings(max_examples=200, deadline=None, database=None)
@given(
    endpoint=st.one_of(HOSTILE, st.just("https://westus.api.cognitive.microsoft.com")),
    options=st.dictionaries(
        st.sampled_from(
            [
                "api_path",
                "timeout",
                "connect_timeout",
                "max_retries",
                "retry_policy",
                "rate_limiter",
                "max_connections",
                "max_response_bytes",
                "headers",
                "session",
                "transport",
                "allow_insecure_http",
            ]
        ),
        HOSTILE,
        max_size=3,
    ),
)
def test_building_a_client_works_or_raises_a_face_error(endpoint: Any, options: Any) -> None:
    async def build() -> None:
        try:
            async with FaceClient(endpoint, KeyCredential(KEY), **options) as face:
                copy = face.with_options(**{k: v for k, v in options.items() if k in COPYABLE})
                await copy.aclose()
        except FaceError:
            pass

    asyncio.run(build())


COPYABLE = {"timeout", "max_retries", "retry_policy", "headers", "api_path", "max_response_bytes"}


@settings(max_examples=200, deadline=None, database=None)
@given(
    cls=st.sampled_from([RetryPolicy, PollingPolicy, RateLimiter, KeyCredential]),
    values=st.lists(HOSTILE, max_size=4),
)
def test_settings_objects_take_good_values_or_raise_a_face_error(cls: Any, values: Any) -> None:
    names = [
        name
        for name, parameter in inspect.signature(cls).parameters.items()
        if name not in ("clock",) and parameter.kind is not parameter.VAR_KEYWORD
    ]
    arguments = dict(zip(names, values, strict=False))
    try:
        if cls is KeyCredential or cls is RateLimiter:
            first, *rest = list(arguments.items()) or [("_", None)]
            cls(first[1], **dict(rest)) if first[0] != "_" else cls("k" * 32)  # type: ignore[arg-type]
        else:
            cls(**arguments)
    except FaceError:
        pass


@settings(max_examples=300, deadline=None, database=None)
@given(token=st.one_of(HOSTILE, st.text(max_size=200).map(lambda t: "facekit-poller:1:" + t)))
def test_resuming_any_token_works_or_raises_a_validation_error(token: Any) -> None:
    async def resume() -> None:
        async with FaceClient(ENDPOINT, KeyCredential(KEY)) as face:
            with pytest.raises(FaceValidationError):
                face.resume_poller(token)

    asyncio.run(resume())
