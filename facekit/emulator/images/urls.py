"""Where the emulator serves synthetic faces, so URL operations can use them."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

__all__ = ["IMAGE_URL_PREFIX", "image_url_path", "parse_image_url_path"]

#: Where the emulator serves synthetic faces (see `image_url_path`).
IMAGE_URL_PREFIX = "/_emulator/faces/"


def image_url_path(identity: str, variant: int = 0) -> str:
    """The emulator path serving `synthetic_face(identity, variant)`.

    The identity is percent-encoded with no safe characters (a ``/`` becomes ``%2F``).
    """
    return f"{IMAGE_URL_PREFIX}{quote(identity, safe='')}/{int(variant)}.png"


_URL_PATH = re.compile(r"/_emulator/faces/([^/]*)/(-?[0-9]+)\.png")


def parse_image_url_path(raw_path: str) -> tuple[str, int] | None:
    """(identity, variant) from a still percent-encoded path made by `image_url_path`.

    Pass the raw path (e.g. aiohttp's ``request.raw_path`` without the query): decoding it
    first would turn an encoded ``/`` in the identity into a path separator.
    """
    match = _URL_PATH.fullmatch(raw_path.split("?", 1)[0])
    if match is None:
        return None
    return unquote(match.group(1)), int(match.group(2))
