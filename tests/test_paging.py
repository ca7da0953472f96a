"""start/top paging: AsyncPager on its own, and every list operation that pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import yarl

from facekit import AsyncPager, FaceClient, FaceResponseError
from facekit.paging import SERVICE_PAGE_SIZE

from .conftest import BASE
from .fake_transport import FakeTransport

# -- AsyncPager with a fake fetch ---------------------------------------------------------


class FakeList:
    """A sorted list served with the service's exclusive start and top."""

    def __init__(self, count: int) -> None:
        self.items = [f"id{i:03d}" for i in range(count)]
        self.calls: list[tuple[str | None, int | None]] = []

    async def fetch(self, start: str | None, top: int | None) -> list[str]:
        self.calls.append((start, top))
        after = [item for item in self.items if start is None or item > start]
        return after[: top or SERVICE_PAGE_SIZE]


def _pager(fake: FakeList, **kwargs: Any) -> AsyncPager[str]:
    return AsyncPager(fake.fetch, lambda item: item, **kwargs)


# (description, items in the list, start, top, the (start, top) of every fetch)
WALKS: list[tuple[str, int, str | None, int | None, list[tuple[str | None, int]]]] = [
    ("short last page", 5, None, 2, [(None, 2), ("id001", 2), ("id003", 2)]),
    ("full last page", 4, None, 2, [(None, 2), ("id001", 2), ("id003", 2)]),
    ("one short page", 3, None, 10, [(None, 10)]),
    ("empty list", 0, None, 2, [(None, 2)]),
    ("from a caller's start", 5, "id001", 2, [("id001", 2), ("id003", 2)]),
    ("no top: service page size", 3, None, None, [(None, SERVICE_PAGE_SIZE)]),
    ("top 1", 2, None, 1, [(None, 1), ("id000", 1), ("id001", 1)]),
]


@pytest.mark.parametrize(
    ("count", "start", "top", "expected_calls"),
    [pytest.param(*row[1:], id=row[0]) for row in WALKS],
)
async def test_async_for_walks_every_page_after_the_last_id(
    count: int,
    start: str | None,
    top: int | None,
    expected_calls: list[tuple[str | None, int]],
) -> None:
    fake = FakeList(count)

    items = [item async for item in _pager(fake, start=start, top=top)]

    assert items == [item for item in fake.items if start is None or item > start]
    assert fake.calls == expected_calls


async def test_creating_a_pager_fetches_nothing() -> None:
    fake = FakeList(3)

    pager = _pager(fake, top=2)

    assert fake.calls == []
    assert repr(pager) == "AsyncPager(start=None, top=2)"


@pytest.mark.parametrize(("start", "top"), [(None, None), ("id001", None), (None, 2), ("id001", 2)])
async def test_page_fetches_exactly_what_the_caller_asked(
    start: str | None, top: int | None
) -> None:
    fake = FakeList(5)

    await _pager(fake, start=start, top=top).page()

    assert fake.calls == [(start, top)]


async def test_pages_yields_one_list_per_page() -> None:
    fake = FakeList(5)

    pages = [page async for page in _pager(fake, top=2).pages()]

    assert pages == [["id000", "id001"], ["id002", "id003"], ["id004"]]


async def test_pages_yields_no_empty_page() -> None:
    fake = FakeList(4)

    pages = [page async for page in _pager(fake, top=2).pages()]

    assert pages == [["id000", "id001"], ["id002", "id003"]]


async def test_collect_returns_every_item() -> None:
    fake = FakeList(7)

    assert await _pager(fake, top=3).collect() == fake.items


async def test_a_pager_can_be_walked_twice() -> None:
    fake = FakeList(3)
    pager = _pager(fake, top=2)

    first = await pager.collect()
    second = await pager.collect()

    assert first == second == fake.items


# -- the list operations ------------------------------------------------------------------


def _uuid(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


# (name, list call, path under BASE, JSON key of the id, id of item i, one item as JSON)
LISTS: list[tuple[str, Callable[..., AsyncPager[Any]], str, str, Callable[[int], str]]] = [
    (
        "person_groups.list",
        lambda c, **kw: c.person_groups.list(**kw),
        "/persongroups",
        "personGroupId",
        lambda i: f"group-{i}",
    ),
    (
        "large_person_groups.list",
        lambda c, **kw: c.large_person_groups.list(**kw),
        "/largepersongroups",
        "largePersonGroupId",
        lambda i: f"large-group-{i}",
    ),
    (
        "person_groups.persons.list",
        lambda c, **kw: c.person_groups.persons.list("family", **kw),
        "/persongroups/family/persons",
        "personId",
        _uuid,
    ),
    (
        "large_person_groups.persons.list",
        lambda c, **kw: c.large_person_groups.persons.list("family", **kw),
        "/largepersongroups/family/persons",
        "personId",
        _uuid,
    ),
    (
        "large_face_lists.list",
        lambda c, **kw: c.large_face_lists.list(**kw),
        "/largefacelists",
        "largeFaceListId",
        lambda i: f"list-{i}",
    ),
    (
        "large_face_lists.list_faces",
        lambda c, **kw: c.large_face_lists.list_faces("faces", **kw),
        "/largefacelists/faces/persistedfaces",
        "persistedFaceId",
        _uuid,
    ),
]

MODEL_ATTRIBUTE = {
    "personGroupId": "person_group_id",
    "largePersonGroupId": "large_person_group_id",
    "personId": "person_id",
    "largeFaceListId": "large_face_list_id",
    "persistedFaceId": "persisted_face_id",
}


def _item(key: str, identifier: str) -> dict[str, Any]:
    item: dict[str, Any] = {key: identifier}
    if key in ("personGroupId", "largePersonGroupId", "largeFaceListId"):
        item["name"] = f"name of {identifier}"
    return item


def _list_params() -> list[Any]:
    return [pytest.param(*row[1:], id=row[0]) for row in LISTS]


def _page_url(path: str, **query: Any) -> str:
    return str(yarl.URL(f"{BASE}{path}").with_query(query))


def _requests(fake: FakeTransport) -> list[tuple[str, yarl.URL]]:
    return [(sent.method, sent.url) for sent in fake.requests]


def _queries(fake: FakeTransport) -> list[dict[str, str]]:
    return [dict(url.query) for _, url in _requests(fake)]


def _ids(items: list[Any], key: str) -> list[str]:
    return [getattr(item, MODEL_ATTRIBUTE[key]) for item in items]


ListCall = Callable[..., AsyncPager[Any]]


@pytest.mark.parametrize(("call", "path", "key", "make_id"), _list_params())
async def test_async_for_walks_three_pages_continuing_after_the_last_id(
    client: FaceClient,
    fake: FakeTransport,
    call: ListCall,
    path: str,
    key: str,
    make_id: Callable[[int], str],
) -> None:
    ids = [make_id(i) for i in range(1, 6)]
    fake.get(_page_url(path, top=2), payload=[_item(key, i) for i in ids[0:2]])
    fake.get(_page_url(path, start=ids[1], top=2), payload=[_item(key, i) for i in ids[2:4]])
    fake.get(_page_url(path, start=ids[3], top=2), payload=[_item(key, i) for i in ids[4:]])

    items = [item async for item in call(client, top=2)]

    assert _ids(items, key) == ids
    assert [method for method, _ in _requests(fake)] == ["GET"] * 3
    assert {url.path for _, url in _requests(fake)} == {yarl.URL(f"{BASE}{path}").path}
    assert _queries(fake) == [
        {"top": "2"},
        {"start": ids[1], "top": "2"},
        {"start": ids[3], "top": "2"},
    ]


@pytest.mark.parametrize(("call", "path", "key", "make_id"), _list_params())
async def test_an_exactly_full_last_page_costs_one_more_request(
    client: FaceClient,
    fake: FakeTransport,
    call: ListCall,
    path: str,
    key: str,
    make_id: Callable[[int], str],
) -> None:
    ids = [make_id(i) for i in range(1, 5)]
    fake.get(_page_url(path, top=2), payload=[_item(key, i) for i in ids[0:2]])
    fake.get(_page_url(path, start=ids[1], top=2), payload=[_item(key, i) for i in ids[2:4]])
    fake.get(_page_url(path, start=ids[3], top=2), payload=[])

    items = await call(client, top=2).collect()

    assert _ids(items, key) == ids
    assert _queries(fake) == [
        {"top": "2"},
        {"start": ids[1], "top": "2"},
        {"start": ids[3], "top": "2"},
    ]


@pytest.mark.parametrize(("call", "path", "key", "make_id"), _list_params())
async def test_without_top_the_pager_asks_for_the_service_page_size(
    client: FaceClient,
    fake: FakeTransport,
    call: ListCall,
    path: str,
    key: str,
    make_id: Callable[[int], str],
) -> None:
    ids = [make_id(i) for i in range(1, 4)]
    fake.get(_page_url(path, top=1000), payload=[_item(key, i) for i in ids])

    items = [item async for item in call(client)]

    assert _ids(items, key) == ids
    assert _queries(fake) == [{"top": "1000"}]


@pytest.mark.parametrize(("call", "path", "key", "make_id"), _list_params())
async def test_iteration_starts_after_the_callers_start(
    client: FaceClient,
    fake: FakeTransport,
    call: ListCall,
    path: str,
    key: str,
    make_id: Callable[[int], str],
) -> None:
    ids = [make_id(i) for i in range(1, 5)]
    fake.get(_page_url(path, start=ids[0], top=2), payload=[_item(key, i) for i in ids[1:3]])
    fake.get(_page_url(path, start=ids[2], top=2), payload=[_item(key, i) for i in ids[3:]])

    items = await call(client, start=ids[0], top=2).collect()

    assert _ids(items, key) == ids[1:]
    assert _queries(fake) == [{"start": ids[0], "top": "2"}, {"start": ids[2], "top": "2"}]


@pytest.mark.parametrize(
    ("arguments", "query"),
    [
        pytest.param({}, {}, id="nothing"),
        pytest.param({"top": 3}, {"top": "3"}, id="top only"),
        pytest.param({"start": "s"}, {"start": "s"}, id="start only"),
        pytest.param({"start": "s", "top": 1000}, {"start": "s", "top": "1000"}, id="both"),
    ],
)
@pytest.mark.parametrize(("call", "path", "key", "make_id"), _list_params())
async def test_page_sends_exactly_the_callers_start_and_top(
    client: FaceClient,
    fake: FakeTransport,
    call: ListCall,
    path: str,
    key: str,
    make_id: Callable[[int], str],
    arguments: dict[str, Any],
    query: dict[str, str],
) -> None:
    # A full page that a walk would continue after: page() must still stop at one request.
    ids = [make_id(i) for i in range(1, 4)]
    fake.get(
        re.compile(re.escape(f"{BASE}{path}") + r"(\?.*)?$"),
        payload=[_item(key, i) for i in ids],
    )

    items = await call(client, **arguments).page()

    assert _ids(items, key) == ids
    assert _queries(fake) == [query]


@pytest.mark.parametrize(("call", "path", "key", "make_id"), _list_params())
async def test_pages_yields_the_pages_as_lists(
    client: FaceClient,
    fake: FakeTransport,
    call: ListCall,
    path: str,
    key: str,
    make_id: Callable[[int], str],
) -> None:
    ids = [make_id(i) for i in range(1, 4)]
    fake.get(_page_url(path, top=2), payload=[_item(key, i) for i in ids[0:2]])
    fake.get(_page_url(path, start=ids[1], top=2), payload=[_item(key, ids[2])])

    pages = [page async for page in call(client, top=2).pages()]

    assert [_ids(page, key) for page in pages] == [ids[0:2], ids[2:]]


@pytest.mark.parametrize(("call", "path", "key", "make_id"), _list_params())
async def test_listing_sends_nothing_until_iterated(
    client: FaceClient,
    fake: FakeTransport,
    call: ListCall,
    path: str,
    key: str,
    make_id: Callable[[int], str],
) -> None:
    pager = call(client, top=5)

    assert isinstance(pager, AsyncPager)
    assert fake.requests == []


async def test_return_recognition_model_is_sent_on_every_page(
    client: FaceClient, fake: FakeTransport
) -> None:
    groups = [
        {"personGroupId": f"g{i}", "name": "n", "recognitionModel": "recognition_04"}
        for i in range(3)
    ]
    fake.get(_page_url("/persongroups", top=2, returnRecognitionModel="true"), payload=groups[:2])
    fake.get(
        _page_url("/persongroups", start="g1", top=2, returnRecognitionModel="true"),
        payload=groups[2:],
    )

    items = await client.person_groups.list(top=2, return_recognition_model=True).collect()

    assert [group.recognition_model for group in items] == ["recognition_04"] * 3
    assert _queries(fake) == [
        {"top": "2", "returnRecognitionModel": "true"},
        {"start": "g1", "top": "2", "returnRecognitionModel": "true"},
    ]


async def test_per_call_headers_are_sent_on_every_page(
    client: FaceClient, fake: FakeTransport
) -> None:
    fake.get(_page_url("/largefacelists", top=1), payload=[{"largeFaceListId": "a", "name": "n"}])
    fake.get(_page_url("/largefacelists", start="a", top=1), payload=[])

    await client.large_face_lists.list(top=1, headers={"X-Trace": "walk"}).collect()

    sent = [request.headers["X-Trace"] for request in fake.requests]
    assert sent == ["walk", "walk"]


# -- a server whose cursor never advances -------------------------------------------------


class IgnoresStart(FakeList):
    """A list server that answers every page from the beginning."""

    async def fetch(self, start: str | None, top: int | None) -> list[str]:
        self.calls.append((start, top))
        return self.items[: top or SERVICE_PAGE_SIZE]


@pytest.mark.parametrize(
    ("server", "make_key"),
    [
        pytest.param(IgnoresStart(10), lambda item: item, id="start ignored"),
        pytest.param(FakeList(10), lambda item: "", id="empty id"),
        pytest.param(FakeList(10), lambda item: "id000", id="id that does not move"),
        pytest.param(FakeList(10), lambda item: None, id="no id"),
    ],
)
async def test_a_cursor_that_does_not_advance_is_a_response_error(
    server: FakeList, make_key: Callable[[str], Any]
) -> None:
    pager = AsyncPager(server.fetch, make_key, top=2)
    seen: list[str] = []

    async def walk() -> None:
        async for item in pager:
            seen.append(item)

    with pytest.raises(FaceResponseError, match="cursor did not advance"):
        await walk()

    # At most one page more than the walk needed, and nothing yielded twice.
    assert len(server.calls) <= 2
    assert len(seen) == len(set(seen))


class InclusiveStart(FakeList):
    """A server that takes `start` as inclusive: each page repeats the last item before."""

    async def fetch(self, start: str | None, top: int | None) -> list[str]:
        self.calls.append((start, top))
        after = [item for item in self.items if start is None or item >= start]
        return after[: top or SERVICE_PAGE_SIZE]


async def test_an_inclusive_cursor_yields_every_item_once() -> None:
    server = InclusiveStart(7)
    assert await AsyncPager(server.fetch, lambda item: item, top=3).collect() == server.items


async def test_collect_on_a_server_that_ignores_start_ends_with_an_error() -> None:
    server = IgnoresStart(1000)
    with pytest.raises(FaceResponseError, match="cursor did not advance"):
        await AsyncPager(server.fetch, lambda item: item).collect()
    assert len(server.calls) == 2


async def test_a_list_operation_that_ignores_start_stops_at_the_second_page(
    client: FaceClient, fake: FakeTransport
) -> None:
    same = [{"personId": _uuid(i)} for i in range(2)]
    fake.get(
        re.compile(re.escape(f"{BASE}/persongroups/family/persons") + r".*"),
        payload=same,
        repeat=True,
    )

    with pytest.raises(FaceResponseError, match="cursor did not advance"):
        await client.person_groups.persons.list("family", top=2).collect()

    assert len(_requests(fake)) == 2
