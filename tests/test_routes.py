"""API versions: the route table matches the specs, and a client refuses what its version lacks."""

from __future__ import annotations

import pytest

from facekit import FaceClient, FaceValidationError, KeyCredential
from facekit._routes import ROUTES, VERSIONS
from facekit._versions import operation_ids, require_route, versions_having

from .conftest import ENDPOINT, KEY
from .fake_transport import FakeTransport
from .spec_routes import VERSIONS as SPEC_VERSIONS
from .spec_routes import spec_routes


def test_the_route_table_is_what_the_specs_say() -> None:
    assert VERSIONS == SPEC_VERSIONS
    for version in VERSIONS:
        generated = {
            (method, template, tuple(sorted(ids)))
            for (method, template), ids in spec_routes(version).items()
        }
        assert set(ROUTES[version]) == generated, version


@pytest.mark.parametrize(
    ("version", "method", "path", "expected"),
    [
        ("v1.0", "GET", ["persongroups", "g", "persons"], ("PersonGroupPerson_List",)),
        ("v1.0", "POST", ["snapshots"], ("Snapshot_Take",)),
        ("v1.2", "POST", ["snapshots"], None),
        ("v1.0", "POST", ["detectLiveness-sessions"], None),
        (
            "v1.2",
            "POST",
            ["persongroups", "g", "train"],
            ("PersonGroupOperations_TrainPersonGroup",),
        ),
        ("v1.0-preview", "POST", ["persons"], ("PersonDirectory_CreatePerson",)),
        ("v1.2", "DELETE", ["persons", "p"], None),
        ("v1.0", "GET", ["persongroups", "g", "nonsense"], None),
    ],
)
def test_a_route_is_found_in_the_versions_that_have_it(
    version: str, method: str, path: list[str], expected: tuple[str, ...] | None
) -> None:
    assert operation_ids(version, method, path) == expected


def test_the_versions_that_have_a_route_are_named_oldest_first() -> None:
    assert versions_having("POST", ["snapshots"]) == ["v1.0", "v1.0-preview"]
    assert versions_having("DELETE", ["persons", "x"])[0] == "v1.0-preview"
    with pytest.raises(
        FaceValidationError,
        match=r"Snapshot_Take is not in Face API v1.2; it is in v1.0, v1.0-preview",
    ):
        require_route("v1.2", "POST", ["snapshots"])
    with pytest.raises(FaceValidationError, match="no API version has it"):
        require_route("v1.2", "GET", ["nowhere"])


async def test_a_call_its_version_lacks_fails_before_sending(fake: FakeTransport) -> None:
    async with FaceClient(ENDPOINT, KeyCredential(KEY), api_version="v1.2", transport=fake) as face:
        with pytest.raises(FaceValidationError, match=r"not in Face API v1\.2") as caught:
            await face._session.call("GET", ["persons"], idempotent=True)
    assert caught.value.parameter == "api_version"
    assert "it is in v1.0-preview, v1.1-preview.1, v1.2-preview.1" in str(caught.value)
    assert fake.requests == []


async def test_snapshots_go_to_v1_0_whatever_the_clients_version(fake: FakeTransport) -> None:
    # The only version that has them; the public service retired them in 2023.
    fake.get(f"{ENDPOINT}/face/v1.0/snapshots", payload=[])
    async with FaceClient(ENDPOINT, KeyCredential(KEY), api_version="v1.2", transport=fake) as face:
        assert await face.snapshots.list() == []
    assert [r.url.path for r in fake.requests] == ["/face/v1.0/snapshots"]


@pytest.mark.parametrize("version", VERSIONS)
async def test_every_version_can_be_chosen_and_goes_to_its_path(
    fake: FakeTransport, version: str
) -> None:
    async with FaceClient(
        ENDPOINT, KeyCredential(KEY), api_version=version, transport=fake
    ) as face:
        assert face.api_version == version
        assert face.api_path == f"/face/{version}"
        url = face._session.url_for(["persongroups", "g"], method="GET")
    assert url.path == f"/face/{version}/persongroups/g"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"api_version": "v9"}, "must be one of v1.0, v1.0-preview"),
        ({"api_version": 1.2}, "must be one of"),
        ({"api_path": "/face/v7"}, "/face/<version>"),
        ({"api_path": "face/v1.0"}, "must start with '/'"),
        ({"api_path": "/face/v1.0", "api_version": "v1.2"}, "give one"),
    ],
)
def test_an_unknown_version_is_refused(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(FaceValidationError, match=message):
        FaceClient(ENDPOINT, KeyCredential(KEY), **arguments)  # type: ignore[arg-type]


async def test_the_older_api_path_names_a_version_and_copies_can_change_it(
    fake: FakeTransport,
) -> None:
    async with FaceClient(
        ENDPOINT, KeyCredential(KEY), api_path="/face/v1.0-preview/", transport=fake
    ) as face:
        assert face.api_version == "v1.0-preview"
        newer = face.with_options(api_version="v1.2")
        assert (newer.api_version, face.api_version) == ("v1.2", "v1.0-preview")
        assert face.with_options(api_path="/face/v1.0").api_version == "v1.0"
