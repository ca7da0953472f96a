"""The service's error replies, as state and checks raise them."""

from __future__ import annotations

__all__ = ["ServiceError", "bad"]


class ServiceError(Exception):
    """An error reply of the service: HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def bad(message: str) -> ServiceError:
    """The service's 400 BadArgument with `message`."""
    return ServiceError(400, "BadArgument", message)
