"""`async with` for anything that closes with `aclose()`."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class AsyncClosing:
    """`async with` for a class with `aclose()`.

    Entering returns the object; leaving, however it leaves, closes it.
    """

    async def aclose(self) -> None:
        """Release what the object holds (each subclass says what)."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
