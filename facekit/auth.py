"""Credentials: a subscription key, or bearer tokens from an async token provider."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import NamedTuple, Protocol, runtime_checkable

import anyio

from .errors import FaceError, FaceValidationError

__all__ = [
    "COGNITIVE_SERVICES_SCOPE",
    "AccessToken",
    "KeyCredential",
    "TokenCredential",
]

#: The Microsoft Entra ID scope for Azure AI services.
COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"

KEY_HEADER = "Ocp-Apim-Subscription-Key"


class KeyCredential:
    """A Face resource key, sent as `Ocp-Apim-Subscription-Key`; `update()` rotates it."""

    __slots__ = ("_key",)

    def __init__(self, key: str) -> None:
        self._key = checked_key(key)

    @property
    def key(self) -> str:
        """The key requests are sent with now."""
        return self._key

    def update(self, key: str) -> None:
        """Replace the key; requests sent from now on use the new one."""
        self._key = checked_key(key)

    def __repr__(self) -> str:
        return "KeyCredential(key=<redacted>)"


class CredentialTypeError(FaceValidationError, TypeError):
    """A credential of the wrong type or an empty key (a TypeError too, as it always was)."""


def checked_key(key: str, parameter: str = "key") -> str:
    """`key` if a header can carry it as it is, else FaceValidationError naming `parameter`.

    The error never holds a word of the key.
    """
    if not isinstance(key, str) or not key.strip():
        del key
        raise CredentialTypeError(parameter, "give a non-empty key string")
    problem = _key_problem(key)
    if problem:
        del key
        raise FaceValidationError(parameter, f"{problem}; copy the key again from the resource")
    return key


def _key_problem(key: str) -> str | None:
    # A key the service could match is printable ASCII: anything else would be sent changed
    # (trimmed, re-encoded, emptied) or break the request, and could never work.
    if key != key.strip():
        return "has spaces or line breaks around it"
    if not key.isascii():
        return "has characters that are not ASCII"
    if not key.isprintable():
        return "has control characters"
    return None


class AccessToken(NamedTuple):
    """A bearer token and its expiry as seconds since the epoch (azure-identity's shape)."""

    token: str
    expires_on: int

    def __repr__(self) -> str:
        return f"AccessToken(token=<redacted>, expires_on={self.expires_on!r})"


@runtime_checkable
class TokenCredential(Protocol):
    """Anything with azure-identity's async `get_token(*scopes)`, e.g. DefaultAzureCredential."""

    async def get_token(self, *scopes: str) -> AccessToken:
        """A bearer token for `scopes` (facekit asks for the Cognitive Services scope)."""
        ...


class BearerTokenCache:
    """Caches a token and refreshes it before it expires; one refresh at a time."""

    def __init__(
        self,
        credential: TokenCredential,
        *,
        scope: str = COGNITIVE_SERVICES_SCOPE,
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credential = credential
        self._scope = scope
        self._margin = refresh_margin
        self._clock = clock
        self._token: AccessToken | None = None
        self._lock: anyio.Lock | None = None

    def _fresh(self) -> bool:
        token = self._token
        return token is not None and token.expires_on - self._clock() > self._margin

    async def token(self) -> str:
        """The token to send: fetched first (by one caller at a time) if none is fresh."""
        if not self._fresh():
            if self._lock is None:
                self._lock = anyio.Lock()
            async with self._lock:
                if not self._fresh():
                    self._token = _checked(await self._credential.get_token(self._scope))
        assert self._token is not None
        return self._token.token

    def cached(self) -> str | None:
        """The cached token, if any (no I/O): what error messages must never show."""
        return self._token.token if self._token is not None else None

    def invalidate(self) -> None:
        """Forget the cached token, e.g. after the service refused it with 401."""
        self._token = None

    def __repr__(self) -> str:
        return f"BearerTokenCache(scope={self._scope!r}, token=<redacted>)"


def _checked(token: object) -> AccessToken:
    # Read through attributes, never repr(): a provider's token object may print its secret.
    value = getattr(token, "token", None)
    expires_on = getattr(token, "expires_on", None)
    if not isinstance(value, str) or not value.strip():
        problem = "no token string"
    elif isinstance(expires_on, bool) or not isinstance(expires_on, int | float):
        problem = "no numeric expires_on"
    elif not math.isfinite(expires_on):
        problem = "a non-finite expires_on"
    else:
        return AccessToken(value, int(expires_on))
    # Nothing of the token may stay in this frame's locals once the error is on its way.
    del token, value
    raise FaceError(f"the token credential returned {problem}")


Credential = KeyCredential | TokenCredential
