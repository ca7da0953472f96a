"""PNG writing, and the ``facekit`` metadata chunk that records who a picture shows.

The chunk is a ``tEXt`` chunk with the keyword ``facekit`` holding
``{"faces": [{"identity", "variant", "rect": [l, t, w, h]}]}``, so the bytes alone say who
they show, whichever way they reach the emulator.
"""

from __future__ import annotations

import json
import random
import struct
import zlib
from collections.abc import Sequence

from .records import IMAGE_MIN_BYTES, FoundFace, Rect
from .traits import random_bytes

__all__ = ["META_KEYWORD", "PNG_SIGNATURE", "chunk", "encode_png", "parse_meta"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
META_KEYWORD = b"facekit"
#: Private, ancillary, safe-to-copy chunk used to pad images to a requested size.
_PAD_CHUNK = b"fkPd"
_ZLIB_LEVEL = 3


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and CRC."""
    return b"".join(
        (
            struct.pack(">I", len(data)),
            kind,
            data,
            struct.pack(">I", zlib.crc32(data, zlib.crc32(kind))),
        )
    )


def encode_png(
    width: int,
    height: int,
    raw: bytes,
    faces: Sequence[FoundFace],
    padding: random.Random,
    pad_to: int | None,
) -> bytes:
    """An 8-bit RGB PNG of the filtered scanlines `raw`, recording `faces`.

    It is at least 1 KB, or exactly `pad_to` bytes when that is larger, padded with a
    private chunk of random bytes drawn from `padding`.
    """
    entries = [
        {
            "identity": face.identity,
            "variant": face.variant,
            "rect": [face.rect.left, face.rect.top, face.rect.width, face.rect.height],
        }
        for face in faces
    ]
    meta = json.dumps({"faces": entries}, ensure_ascii=True, separators=(",", ":"))
    head = b"".join(
        (
            PNG_SIGNATURE,
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
            chunk(b"tEXt", META_KEYWORD + b"\x00" + meta.encode("ascii")),
            chunk(b"IDAT", zlib.compress(raw, _ZLIB_LEVEL)),
        )
    )
    end = chunk(b"IEND", b"")
    target = max(pad_to or 0, IMAGE_MIN_BYTES)
    missing = target - len(head) - len(end)
    if missing > 0:
        # A chunk costs 12 bytes besides its data; when even that does not fit, overshoot.
        head += chunk(_PAD_CHUNK, random_bytes(padding, max(0, missing - 12)))
    return head + end


def parse_meta(meta: bytes | None, width: int, height: int) -> tuple[FoundFace, ...] | None:
    """Faces recorded by `synthetic_face` / `group_photo`; None when absent or malformed."""
    if meta is None:
        return None
    try:
        doc = json.loads(meta.decode("latin-1"))
    except ValueError:
        return None
    entries = doc.get("faces") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        return None
    faces: list[FoundFace] = []
    for entry in entries:
        if not isinstance(entry, dict):
            return None
        identity, variant, rect = entry.get("identity"), entry.get("variant"), entry.get("rect")
        if not isinstance(identity, str) or type(variant) is not int:
            return None
        if not isinstance(rect, list) or len(rect) != 4 or not all(type(v) is int for v in rect):
            return None
        left, top, w, h = rect
        if left < 0 or top < 0 or w <= 0 or h <= 0 or left + w > width or top + h > height:
            return None
        faces.append(FoundFace(identity, variant, Rect(left, top, w, h)))
    return tuple(faces)
