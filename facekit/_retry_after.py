"""Retry-After parsing: the wait a reply asks for, from its headers or its message.

A pure module of its own (no facekit imports) because both the error mapping and the
retry decisions need it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["retry_after_seconds"]


_MESSAGE_WAIT = re.compile(r"try again in (\d+(?:\.\d+)?)\s*(milliseconds|ms|seconds?|s)\b", re.I)


def retry_after_seconds(
    headers: Mapping[str, str],
    message: str | None = None,
    *,
    now: datetime | None = None,
) -> float | None:
    """Seconds the server asked to wait, from retry-after-ms, Retry-After or the message.

    Retry-After may be delta-seconds or an HTTP date; the gateway's 429 body says
    "Rate limit is exceeded. Try again in 26 seconds." Invalid values are ignored.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in ("retry-after-ms", "x-ms-retry-after-ms"):
        millis = _parse_float(lowered.get(name))
        if millis is not None:
            return millis / 1000.0
    value = lowered.get("retry-after")
    if value is not None:
        seconds = _parse_float(value)
        if seconds is not None:
            return seconds
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            current = now if now is not None else datetime.now(UTC)
            return max((when - current).total_seconds(), 0.0)
    if message:
        match = _MESSAGE_WAIT.search(message)
        if match:
            amount = float(match.group(1))
            unit = match.group(2).lower()
            return amount / 1000.0 if unit in ("ms", "milliseconds") else amount
    return None


def _parse_float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if number != number or number < 0 or number == float("inf"):
        return None
    return number
