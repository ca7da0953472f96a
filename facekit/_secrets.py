"""Keeping the credential out of what a caller can see: reprs, messages and frame locals.

Pure helpers with no facekit imports, shared by the session and the transport adapters.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "MIN_REDACTED_SECRET",
    "REDACTED",
    "SecretHeaders",
    "SecretText",
    "describe",
    "redact",
    "shorten",
]

#: Secrets shorter than this are not searched for in text (they would mangle it).
MIN_REDACTED_SECRET = 8
REDACTED = "<redacted>"
# A reason longer than this is cut short (an error message, not a dump).
_MAX_DETAIL = 300


class SecretHeaders(dict[str, str]):
    """Request headers carrying a credential, as a dict whose repr hides every value.

    HTTP libraries want a dict; a frame's rendered locals then never show the key or token.
    """

    def __repr__(self) -> str:
        return f"<{len(self)} request headers: {', '.join(self)}>"


class SecretText(str):
    """A secret string (a Limited Access token) whose repr hides it.

    It is still the string where it is used (a header value); a frame's rendered locals
    and the reprs of what holds it show only that it is there.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "<secret>"


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret of at least MIN_REDACTED_SECRET characters replaced."""
    for secret in secrets:
        if len(secret) >= MIN_REDACTED_SECRET:
            text = text.replace(secret, REDACTED)
    return text


def describe(what: str, exc: BaseException, secrets: Iterable[str]) -> str:
    """`what: Type: text` for an error message, with every secret cut out.

    Only str() is used: the repr of an HTTP library's errors may include the request
    headers. A hostile reply can be echoed into the text (a status line made of the
    request), so the secrets are removed from it as well, before it is shortened: a cut
    through a secret would leave half of it.
    """
    text = redact(str(exc), secrets).replace("\n", " ").strip()
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    if len(detail) > _MAX_DETAIL:
        detail = detail[: _MAX_DETAIL - 3] + "..."
    return f"{what}: {detail}"


def shorten(value: str) -> str:
    """The repr of `value` for a message, cut to 40 characters.

    What a reply or a caller sent is quoted, never dumped.
    """
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
