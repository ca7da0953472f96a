"""The emulator's "detector": the service's size rule, format sniffing and image sizes.

`analyze_image` reads the header of a PNG, JPEG, GIF or BMP and returns the faces recorded in
a synthetic PNG, or one face identified by the content hash of any other readable image.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

from .png import META_KEYWORD, PNG_SIGNATURE, parse_meta
from .records import (
    IMAGE_MAX_BYTES,
    IMAGE_MIN_BYTES,
    MIN_FACE_PIXELS,
    FoundFace,
    ImageError,
    ImageInfo,
    Rect,
)

__all__ = ["analyze_image"]


def analyze_image(data: bytes) -> ImageInfo:
    """Check and "detect" an image as the service would.

    Raises `ImageError` ``"size"`` outside 1 KB..6 MB, then ``"decode"`` unless the bytes
    start like a readable PNG (every chunk's CRC checked up to IEND), JPEG (a start-of-frame
    segment before the scan), GIF (87a/89a) or BMP. A synthetic PNG yields the faces recorded
    in it (unfiltered: the caller applies any minimum face size). Any other image yields one
    face, identity ``"content:" + sha256(data).hexdigest()``, variant 0, centred, with a side
    of half the smaller dimension but at least 36 px - or no face below 36 x 36 pixels.
    """
    data = bytes(data)
    size = len(data)
    if size < IMAGE_MIN_BYTES:
        raise ImageError("size", f"image is {size} bytes, smaller than 1 KB")
    if size > IMAGE_MAX_BYTES:
        raise ImageError("size", f"image is {size} bytes, larger than 6 MB")
    recorded: tuple[FoundFace, ...] | None = None
    if data.startswith(PNG_SIGNATURE):
        fmt = "png"
        width, height, recorded = _read_png(data)
    elif data.startswith(b"\xff\xd8\xff"):
        fmt = "jpeg"
        width, height = _read_jpeg(data)
    elif data.startswith((b"GIF87a", b"GIF89a")):
        fmt = "gif"
        width, height = _read_gif(data)
    elif data.startswith(b"BM"):
        fmt = "bmp"
        width, height = _read_bmp(data)
    else:
        raise ImageError("decode", "not a JPEG, PNG, GIF or BMP image")
    if recorded is not None:
        return ImageInfo(fmt, width, height, recorded)
    return ImageInfo(fmt, width, height, _content_faces(data, width, height))


def _content_faces(data: bytes, width: int, height: int) -> tuple[FoundFace, ...]:
    smaller = min(width, height)
    if smaller < MIN_FACE_PIXELS:
        return ()
    side = min(smaller, max(MIN_FACE_PIXELS, smaller // 2))
    rect = Rect((width - side) // 2, (height - side) // 2, side, side)
    identity = "content:" + hashlib.sha256(data).hexdigest()
    return (FoundFace(identity, 0, rect),)


def _decode_error(what: str) -> ImageError:
    return ImageError("decode", what)


_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}


def _read_png(data: bytes) -> tuple[int, int, tuple[FoundFace, ...] | None]:
    pos = len(PNG_SIGNATURE)
    width = height = 0
    meta: bytes | None = None
    first_idat: bytes | None = None
    seen_ihdr = False
    while True:
        if pos + 8 > len(data):
            raise _decode_error("PNG is truncated (no IEND chunk)")
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            raise _decode_error("PNG is truncated")
        if not kind.isalpha() or not kind.isascii():
            raise _decode_error("PNG chunk type is garbled")
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(body, zlib.crc32(kind)) != crc:
            raise _decode_error(f"PNG chunk {kind.decode('ascii')} has a bad CRC")
        pos = end
        if not seen_ihdr:
            if kind != b"IHDR" or length != 13:
                raise _decode_error("PNG does not start with an IHDR chunk")
            width, height, depth, colour, compression, filtering, interlace = struct.unpack(
                ">IIBBBBB", body
            )
            if not (0 < width <= 0x7FFFFFFF and 0 < height <= 0x7FFFFFFF):
                raise _decode_error("PNG has a zero or huge dimension")
            if depth not in _PNG_DEPTHS.get(colour, ()) or compression or filtering:
                raise _decode_error("PNG header has an unsupported format")
            if interlace not in (0, 1):
                raise _decode_error("PNG header has an unknown interlace method")
            seen_ihdr = True
        elif kind == b"IEND":
            break
        elif kind == b"IDAT":
            if first_idat is None:
                first_idat = body
        elif kind == b"tEXt" and meta is None and body.startswith(META_KEYWORD + b"\x00"):
            meta = body[len(META_KEYWORD) + 1 :]
    if first_idat is None:
        raise _decode_error("PNG has no image data")
    if len(first_idat) >= 2:
        cmf, flg = first_idat[0], first_idat[1]
        if cmf & 0x0F != 8 or (cmf << 8 | flg) % 31:
            raise _decode_error("PNG image data is not a zlib stream")
    return width, height, parse_meta(meta, width, height)


#: Start-of-frame markers (all but DHT C4, JPG C8 and DAC CC).
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _read_jpeg(data: bytes) -> tuple[int, int]:
    pos = 2
    size = len(data)
    while True:
        if pos >= size:
            raise _decode_error("JPEG ends before a start-of-frame segment")
        if data[pos] != 0xFF:
            raise _decode_error("JPEG segment marker is garbled")
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            raise _decode_error("JPEG is truncated")
        marker = data[pos]
        pos += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            continue  # standalone markers carry no length
        if marker in (0xD8, 0xD9, 0xDA, 0x00):
            raise _decode_error("JPEG has no start-of-frame segment before its data")
        if pos + 2 > size:
            raise _decode_error("JPEG is truncated")
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2 or pos + length > size:
            raise _decode_error("JPEG segment is truncated")
        if marker in _JPEG_SOF:
            if length < 8:
                raise _decode_error("JPEG start-of-frame segment is too short")
            height, width = struct.unpack_from(">HH", data, pos + 3)
            if not width or not height:
                raise _decode_error("JPEG has a zero dimension")
            return width, height
        pos += length


def _read_gif(data: bytes) -> tuple[int, int]:
    if len(data) < 13:
        raise _decode_error("GIF is truncated")
    width, height = struct.unpack_from("<HH", data, 6)
    if not width or not height:
        raise _decode_error("GIF has a zero dimension")
    return width, height


def _read_bmp(data: bytes) -> tuple[int, int]:
    if len(data) < 26:
        raise _decode_error("BMP is truncated")
    offset, header = struct.unpack_from("<II", data, 10)
    if header == 12:
        width, height, planes, bits = struct.unpack_from("<HHHH", data, 18)
    elif header in (40, 52, 56, 64, 108, 124):
        if len(data) < 14 + header:
            raise _decode_error("BMP header is truncated")
        width, height, planes, bits = struct.unpack_from("<iiHH", data, 18)
    else:
        raise _decode_error("BMP has an unknown header")
    height = abs(height)
    if width <= 0 or height == 0 or planes != 1 or bits not in (1, 2, 4, 8, 16, 24, 32):
        raise _decode_error("BMP header is garbled")
    if not 14 + header <= offset <= len(data):
        raise _decode_error("BMP pixel data offset is out of range")
    return width, height
