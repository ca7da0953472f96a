"""Async iteration over the Face API's start/top lists."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, TypeVar

from .errors import FaceResponseError

T = TypeVar("T")

__all__ = ["AsyncPager"]

#: The page size the service uses when `top` is not given.
SERVICE_PAGE_SIZE = 1000


class AsyncPager(Generic[T]):
    """A list operation: `async for` walks every page; `await pager.page()` fetches one.

    Pages continue after the id of the last item (the service's exclusive `start`), and
    end with a page shorter than `top`. The service sorts lists by id, so each page must
    end past the previous one: a server that ignores `start`, or an empty or repeated id,
    is a FaceResponseError ("cursor did not advance") instead of an endless walk; an item
    at or before `start` on a later page (an inclusive cursor) is not yielded twice.

    Ids compare as strings (ordinal), unless `order` maps an id to what it sorts by (liveness
    audit entries have numeric ids: "10" comes after "9").
    """

    def __init__(
        self,
        fetch: Callable[[str | None, int | None], Awaitable[list[T]]],
        key: Callable[[T], str],
        *,
        start: str | None = None,
        top: int | None = None,
        order: Callable[[str], Any] | None = None,
    ) -> None:
        self._fetch = fetch
        self._key = key
        self.start = start
        self.top = top
        self._order = order

    async def page(self) -> list[T]:
        """One page, exactly as asked: from `start`, at most `top` items."""
        return await self._fetch(self.start, self.top)

    async def pages(self) -> AsyncIterator[list[T]]:
        """Every page in turn, from `start` to the end of the list."""
        size = self.top or SERVICE_PAGE_SIZE
        start = self.start
        while True:
            items = await self._fetch(start, size)
            if len(items) >= size:
                cursor = self._key(items[-1])
                if not advances(start, cursor, self._order):
                    raise FaceResponseError(
                        f"list cursor did not advance: a full page after start={start!r} "
                        f"ended with id {cursor!r}; the service should list ids in "
                        "ascending order after start"
                    )
            full = len(items) >= size
            if start is not None:
                # The cursor is exclusive: an item at or before it (a server that takes
                # start as inclusive repeats the last item of the page before) is dropped.
                items = [
                    item for item in items if not _at_or_before(self._key(item), start, self._order)
                ]
            if items:
                yield items
            if not full:
                return
            start = cursor

    async def __aiter__(self) -> AsyncIterator[T]:
        async for items in self.pages():
            for item in items:
                yield item

    async def collect(self) -> list[T]:
        """All items of all pages in one list."""
        return [item async for item in self]

    def __repr__(self) -> str:
        return f"AsyncPager(start={self.start!r}, top={self.top!r})"


def _at_or_before(key: object, start: str, order: Callable[[str], Any] | None = None) -> bool:
    if not isinstance(key, str):
        return False
    if order is None:
        return key <= start
    return bool(_sort_key(key, order) <= _sort_key(start, order))


def advances(start: str | None, cursor: object, order: Callable[[str], Any] | None = None) -> bool:
    """Whether a page's last id moves the walk forward: a non-empty string past `start`.

    Exclusive, in ordinal string order as the service compares ids (or by `order`).
    """
    if not isinstance(cursor, str) or not cursor:
        return False
    if start is None:
        return True
    if order is None:
        return cursor > start
    return bool(_sort_key(cursor, order) > _sort_key(start, order))


def _sort_key(value: str, order: Callable[[str], Any]) -> Any:
    try:
        return order(value)
    except (TypeError, ValueError):
        raise FaceResponseError(
            f"list cursor {value[:64]!r} cannot be ordered as the list's ids are"
        ) from None
