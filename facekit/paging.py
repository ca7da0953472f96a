"""Async iteration over the Face API's start/top lists."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")

__all__ = ["AsyncPager"]

#: The page size the service uses when `top` is not given.
SERVICE_PAGE_SIZE = 1000


class AsyncPager(Generic[T]):
    """A list operation: `async for item in pager` walks every page; `await pager.page()`
    fetches one.

    Pages continue after the id of the last item (the service's exclusive `start`), and
    end with a page shorter than `top`.
    """

    def __init__(
        self,
        fetch: Callable[[str | None, int | None], Awaitable[list[T]]],
        key: Callable[[T], str],
        *,
        start: str | None = None,
        top: int | None = None,
    ) -> None:
        self._fetch = fetch
        self._key = key
        self.start = start
        self.top = top

    async def page(self) -> list[T]:
        """One page, exactly as asked: from `start`, at most `top` items."""
        return await self._fetch(self.start, self.top)

    async def pages(self) -> AsyncIterator[list[T]]:
        """Every page in turn, from `start` to the end of the list."""
        size = self.top or SERVICE_PAGE_SIZE
        start = self.start
        while True:
            items = await self._fetch(start, size)
            if items:
                yield items
            if len(items) < size:
                return
            start = self._key(items[-1])

    async def __aiter__(self) -> AsyncIterator[T]:
        async for items in self.pages():
            for item in items:
                yield item

    async def collect(self) -> list[T]:
        """All items of all pages in one list."""
        return [item async for item in self]

    def __repr__(self) -> str:
        return f"AsyncPager(start={self.start!r}, top={self.top!r})"
