"""Limited Access: the ISV token option, the typed 403, and retired attributes refused early."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from facekit import (
    FaceClient,
    FaceValidationError,
    ForbiddenError,
    KeyCredential,
    LimitedAccessError,
    QuotaExceededError,
)
from facekit.emulator import EmulatorSettings, FaceEmulator, SnapshotStore, synthetic_face
from facekit.errors import LIMITED_ACCESS_FORM, error_from_response
from facekit.models import FaceAttributeName

from .conftest import ENDPOINT, KEY, fake_client, image_bytes, quick_client_options
from .fake_transport import FakeTransport
from .hostile_server import secret_findings

#: Looks like a real token, so that any leak is found by a plain search.
ISV_TOKEN = "isv-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
IMAGE = image_bytes(4096)
FACE_ID = "c5c24a82-6845-4031-9d5d-978df9175426"
NOT_APPROVED = {
    "error": {
        "code": "UnsupportedFeature",
        "message": "Feature is not supported, please apply for access at "
        "https://aka.ms/facerecognition.",
    }
}


def client(fake: FakeTransport, version: str = "v1.2", **options: object) -> FaceClient:
    return fake_client(fake, version, **options)


def leaked(error: BaseException) -> list[str]:
    """Where the token shows in `error`, its chain, or its frames' rendered locals.

    Called outside `assert`, whose rewriting would keep its arguments as the test frame's
    own locals; the token is read from the module, never held by a test's frame.
    """
    return secret_findings(error, (ISV_TOKEN,))


#: A service quoting the token back, in its body and a header.
ECHO = {"error": {"code": "UnsupportedFeature", "message": f"token {ISV_TOKEN} refused"}}


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


# -- the typed error --------------------------------------------------------------------------


def test_a_403_unsupported_feature_is_a_limited_access_error_pointing_to_the_form() -> None:
    error = error_from_response(403, {}, _json(NOT_APPROVED))
    assert isinstance(error, LimitedAccessError)
    assert isinstance(error, ForbiddenError)
    assert (error.status, error.code) == (403, "UnsupportedFeature")
    # The service's own words stay in .message; the hint is in the text only.
    assert error.message == NOT_APPROVED["error"]["message"]
    text = str(error)
    assert text.startswith("(UnsupportedFeature) Feature is not supported")
    assert LIMITED_ACCESS_FORM == "https://aka.ms/facerecognition"
    assert f"apply for Limited Access at {LIMITED_ACCESS_FORM}" in text
    assert "return_face_id=False" in text
    assert text.endswith("[HTTP 403]")


def test_other_403s_are_not_limited_access_errors() -> None:
    quota = error_from_response(
        403, {}, _json({"error": {"code": "QuotaExceeded", "message": "Limit reached."}})
    )
    assert type(quota) is QuotaExceededError
    gateway = error_from_response(
        403, {}, _json({"error": {"statusCode": 403, "message": "Out of call volume quota."}})
    )
    assert not isinstance(gateway, LimitedAccessError)


# -- the LimitedAccessToken header ------------------------------------------------------------


@pytest.mark.parametrize("version", ["v1.0", "v1.2"])
async def test_the_token_goes_in_every_request_to_the_endpoint(
    fake: FakeTransport, version: str
) -> None:
    fake.post(re.compile(r".*/detect.*"), payload=[], repeat=True)
    fake.get(
        re.compile(r".*/persongroups/family$"), payload={"personGroupId": "family", "name": "F"}
    )
    async with client(fake, version, limited_access_token=ISV_TOKEN) as face:
        await face.detect(IMAGE)
        await face.person_groups.get("family")
        plain = face.with_options(timeout=5)
        await plain.detect(IMAGE)
    assert [r.headers.get("LimitedAccessToken") for r in fake.requests] == [ISV_TOKEN] * 3
    assert all(r.url.path.startswith(f"/face/{version}/") for r in fake.requests)


async def test_without_the_option_no_token_header_is_sent(fake: FakeTransport) -> None:
    fake.post(re.compile(r".*/detect.*"), payload=[])
    async with client(fake) as face:
        await face.detect(IMAGE)
    assert not any(name.lower() == "limitedaccesstoken" for name in fake.requests[0].headers)


async def test_a_copy_can_replace_the_token(fake: FakeTransport) -> None:
    fake.post(re.compile(r".*/detect.*"), payload=[], repeat=True)
    async with client(fake, limited_access_token=ISV_TOKEN) as face:
        await face.with_options(limited_access_token="isv-another-token-of-another-isv").detect(
            IMAGE
        )
    assert fake.requests[0].headers["LimitedAccessToken"] == "isv-another-token-of-another-isv"


#: Unusable tokens, one carrying the secret (taken by index: no local of a test holds it).
BAD_TOKENS: tuple[Any, ...] = ("", "   ", f"{ISV_TOKEN}\r\nX-Injected: 1", 42)


@pytest.mark.parametrize("index", range(len(BAD_TOKENS)))
async def test_an_unusable_token_is_refused_without_showing_it(
    fake: FakeTransport, index: int
) -> None:
    with pytest.raises(FaceValidationError) as caught:
        FaceClient(ENDPOINT, KeyCredential(KEY), limited_access_token=BAD_TOKENS[index])
    assert caught.value.parameter == "limited_access_token"
    # Not in the message, nor in any frame's locals as an error reporter renders them.
    findings = leaked(caught.value)
    assert findings == []
    async with client(fake) as face:
        with pytest.raises(FaceValidationError) as copied:
            face.with_options(limited_access_token=BAD_TOKENS[index])
    findings = leaked(copied.value)
    assert findings == []


async def test_another_bad_option_beside_the_token_does_not_show_it() -> None:
    with pytest.raises(FaceValidationError) as caught:
        FaceClient(ENDPOINT, KeyCredential(KEY), limited_access_token=ISV_TOKEN, timeout=-1)
    assert caught.value.parameter == "timeout"
    findings = leaked(caught.value)
    assert findings == []


@pytest.mark.parametrize(
    "name", ["LimitedAccessToken", "limitedaccesstoken", " LimitedAccessToken"]
)
async def test_the_token_cannot_travel_as_a_plain_header(fake: FakeTransport, name: str) -> None:
    with pytest.raises(FaceValidationError, match="limited_access_token=") as caught:
        FaceClient(ENDPOINT, KeyCredential(KEY), headers={name: ISV_TOKEN})
    assert ISV_TOKEN not in str(caught.value)
    async with client(fake) as face:
        with pytest.raises(FaceValidationError, match="limited_access_token="):
            await face.detect(IMAGE, headers={name: ISV_TOKEN})
    assert fake.requests == []


async def test_the_token_is_never_shown(
    fake: FakeTransport, caplog: pytest.LogCaptureFixture
) -> None:
    # A service (or a proxy) quoting the token back: in the error, its message and the
    # captured headers it is cut out, as the key is.
    fake.post(
        re.compile(r".*/identify$"),
        status=403,
        payload=ECHO,
        headers={"x-echo": ISV_TOKEN, "x-ms-error-code": "UnsupportedFeature"},
    )
    caplog.set_level(logging.DEBUG, logger="facekit")
    async with client(fake, limited_access_token=ISV_TOKEN) as face:
        with face.capture_responses() as responses, pytest.raises(LimitedAccessError) as caught:
            await face.identify([FACE_ID], person_group_id="family")
        shown = [
            repr(face),
            repr(face._session.config),
            repr(face._session),
            str(caught.value),
            repr(caught.value),
            caught.value.message,
            str(dict(responses[-1].headers)),
            repr(responses[-1]),
            responses[-1].body.decode(),
            caplog.text,
        ]
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    findings = leaked(caught.value)
    assert findings == []
    for text in shown:
        assert ISV_TOKEN not in text
    assert "<redacted>" in caught.value.message


# -- retired attributes -----------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v1.0", "v1.2"])
@pytest.mark.parametrize("attribute", ["age", "smile", "facialHair", "hair"])
async def test_a_limited_attribute_is_refused_before_sending_unless_opted_in(
    fake: FakeTransport, version: str, attribute: FaceAttributeName
) -> None:
    fake.post(re.compile(r".*/detect.*"), payload=[])
    async with client(fake, version) as face:
        with pytest.raises(FaceValidationError, match="allow_retired_attributes=True") as caught:
            await face.detect(IMAGE, return_face_attributes=["headPose", attribute])
        assert caught.value.parameter == "return_face_attributes"
        assert attribute in str(caught.value)
        assert fake.requests == []
        await face.detect(
            IMAGE, return_face_attributes=["headPose", attribute], allow_retired_attributes=True
        )
    assert fake.requests[0].url.query["returnFaceAttributes"] == f"headPose,{attribute}"


@pytest.mark.parametrize("attribute", ["emotion", "gender", "makeup"])
async def test_attributes_gone_after_v1_0_are_refused_even_when_opted_in(
    fake: FakeTransport, attribute: FaceAttributeName
) -> None:
    fake.post(re.compile(r".*/detect.*"), payload=[])
    async with client(fake, "v1.2") as face:
        with pytest.raises(FaceValidationError, match=r"not in Face API v1\.2") as caught:
            await face.detect(
                IMAGE, return_face_attributes=[attribute], allow_retired_attributes=True
            )
    assert "v1.0, v1.0-preview" in str(caught.value)
    assert fake.requests == []
    async with client(fake, "v1.0") as face:
        await face.detect(IMAGE, return_face_attributes=[attribute], allow_retired_attributes=True)
    assert fake.requests[0].url.query["returnFaceAttributes"] == attribute


async def test_allow_retired_attributes_must_be_a_flag(fake: FakeTransport) -> None:
    async with client(fake) as face:
        with pytest.raises(FaceValidationError) as caught:
            await face.detect(IMAGE, allow_retired_attributes="yes")  # type: ignore[arg-type]
    assert caught.value.parameter == "allow_retired_attributes"


# -- against the emulator: a resource without approval ----------------------------------------


@pytest.fixture
async def unapproved() -> AsyncIterator[FaceEmulator]:
    settings = EmulatorSettings(limited_access_approved=False, limited_access_tokens=(ISV_TOKEN,))
    async with FaceEmulator(settings=settings, snapshot_store=SnapshotStore()) as emu:
        yield emu


async def test_without_approval_face_ids_fail_typed_and_detect_without_them_works(
    unapproved: FaceEmulator,
) -> None:
    options = quick_client_options()
    async with FaceClient(unapproved.endpoint, KeyCredential(unapproved.key), **options) as face:
        # The service returns face ids by default, so a plain detect needs approval.
        with pytest.raises(LimitedAccessError, match=r"aka\.ms/facerecognition"):
            await face.detect(synthetic_face("ann"))
        (found,) = await face.detect(synthetic_face("ann"), return_face_id=False)
        assert found.face_id is None
        assert found.face_rectangle.width > 0


async def test_an_isv_token_unlocks_identification(unapproved: FaceEmulator) -> None:
    options = quick_client_options()
    endpoint, key = unapproved.endpoint, KeyCredential(unapproved.key)
    async with FaceClient(endpoint, key, limited_access_token=ISV_TOKEN, **options) as face:
        first, second = [
            (await face.detect(synthetic_face("ann", variant)))[0].face_id for variant in (1, 2)
        ]
        assert first is not None
        assert second is not None
        verdict = await face.verify_face_to_face(first, second)
        assert verdict.is_identical
    wrong = "isv-ffffffffffffffffffffffffffffffff"
    async with FaceClient(endpoint, key, limited_access_token=wrong, **options) as face:
        with pytest.raises(LimitedAccessError) as caught:
            await face.verify_face_to_face(first, second)
    assert wrong not in str(caught.value)
