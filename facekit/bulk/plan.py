"""What a bulk enrollment is asked to do, checked before the first request.

A plan names every owner (a person, or the list itself) and its images. Each image gets
a key from its content (a path's bytes are hashed, bytes are hashed), so the same photo
is the same image on every machine and under any folder name; a URL's key is the URL
without its fragment and without the signature of an Azure Storage SAS token (which
changes with every token); `KeyedImage` gives any image a key of the caller's choosing. A
tag derived from (owner, key) marks the image's face on the service. Person names are
compared in Unicode NFC, so a folder copied from a Mac names the same person.
"""

from __future__ import annotations

import hashlib
import os
import stat
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs
import yarl

from .. import _validation as check
from ..errors import FaceValidationError

__all__ = [
    "IMAGE_SUFFIXES",
    "TAG_PREFIX",
    "EnrollmentPlan",
    "KeyedImage",
    "PlannedImage",
    "PlannedOwner",
    "images_from_folder",
    "people_from_folder",
    "person_tag",
    "plan_faces",
    "plan_people",
    "tag_for",
]

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp"})
TAG_PREFIX = "facekit:"
#: Faces one person may hold (PersonGroup, LargePersonGroup).
FACES_PER_PERSON = 248
#: Faces one face list may hold.
FACES_PER_FACE_LIST = 1000
#: Problems listed in one validation message; the rest are counted.
_SHOWN_PROBLEMS = 5
_HASH_CHUNK = 1024 * 1024

#: Query parameters of an Azure Storage SAS token: they change with every token, the image
#: does not, so they are left out of a signed URL's key.
_SAS_PARAMETERS = frozenset(
    [
        "sv",
        "ss",
        "srt",
        "sp",
        "se",
        "st",
        "spr",
        "sig",
        "sip",
        "si",
        "sr",
        "sdd",
        "skoid",
        "sktid",
        "skt",
        "ske",
        "sks",
        "skv",
        "saoid",
        "suoid",
        "scid",
        "rscc",
        "rscd",
        "rsce",
        "rscl",
        "rsct",
        "ses",
        "sduoid",
    ]
)
_KEY_MAX = 512


@attrs.frozen
class KeyedImage:
    """An image with a key of the caller's choosing (e.g. a photo id for a signed URL).

    The key names the image across runs and machines: the same key for the same owner is
    the same face, whatever the source's bytes or URL are now.
    """

    key: str
    source: os.PathLike[str] | bytes | bytearray | memoryview | str


#: A source bulk enrollment can read again on a later run: a path, bytes, an http(s) URL,
#: or any of them with a key of the caller's choosing.
BulkImage = os.PathLike[str] | bytes | bytearray | memoryview | str | KeyedImage


def url_key(url: str) -> str:
    """The key of an image URL: lower-case scheme and host, no fragment, no SAS signature."""
    parsed = yarl.URL(url).with_fragment(None)
    if "sig" in parsed.query:
        kept = [(k, v) for k, v in parsed.query.items() if k.lower() not in _SAS_PARAMETERS]
        parsed = parsed.with_query(kept)
    return "url:" + str(parsed)


def person_key(name: str) -> str:
    """The form of a person's name that identifies it (Unicode NFC)."""
    return unicodedata.normalize("NFC", name)


def tag_for(*parts: str) -> str:
    """The userData tag that marks a face (or person) facekit created for these parts."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]
    return TAG_PREFIX + digest


def person_tag(person: str) -> str:
    """The userData tag of the person enrolled under this name."""
    return tag_for("person", person_key(person))


@attrs.frozen(kw_only=True)
class PlannedImage:
    """One image to enroll: its content key, a label for people, and where to read it."""

    key: str
    label: str
    source: Path | bytes | str
    tag: str


@attrs.frozen(kw_only=True)
class PlannedOwner:
    """A person (by name) or, with the name "", the list itself, and its images."""

    name: str
    images: tuple[PlannedImage, ...]


@attrs.frozen(kw_only=True)
class EnrollmentPlan:
    """Everything a run will enroll, validated. Build it with `plan_people` or `plan_faces`."""

    owners: tuple[PlannedOwner, ...]
    #: Inputs that repeated an image of the same owner (same content) and were merged.
    merged: int = 0

    @property
    def images_total(self) -> int:
        """The number of images of all owners."""
        return sum(len(owner.images) for owner in self.owners)


def people_from_folder(root: str | os.PathLike[str]) -> dict[str, list[Path]]:
    """`root/<person>/<images>` as {person: [image paths]}, both sorted by name."""
    base = Path(root)
    if not base.is_dir():
        raise FaceValidationError("folder", f"{base} is not a folder")
    people: dict[str, list[Path]] = {}
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if images:
            people[folder.name] = images
    return people


def images_from_folder(root: str | os.PathLike[str]) -> list[Path]:
    """The images directly in a folder, sorted by name."""
    base = Path(root)
    if not base.is_dir():
        raise FaceValidationError("folder", f"{base} is not a folder")
    return sorted(p for p in base.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


class _Problems:
    def __init__(self, parameter: str) -> None:
        self.parameter = parameter
        self.items: list[str] = []

    def add(self, text: str) -> None:
        self.items.append(text)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = "; ".join(self.items[:_SHOWN_PROBLEMS])
        more = len(self.items) - _SHOWN_PROBLEMS
        count = f"{len(self.items)} problems" if len(self.items) > 1 else "1 problem"
        raise FaceValidationError(
            self.parameter,
            f"{count}, nothing was sent: {shown}" + (f"; and {more} more" if more > 0 else ""),
        )


def _is_text(name: str) -> bool:
    # A name read from a folder that is not UTF-8 holds lone surrogates (os.fsdecode's
    # escapes): no request, tag or journal line can carry it.
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(name: str | Path) -> str:
    r"""`name` printable: the byte a surrogate escape stands for as \xNN (else \udNNN)."""
    text = str(name)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _label(source: object, root: Path | None) -> str:
    if isinstance(source, os.PathLike):
        path = Path(source)
        if root is not None:
            try:
                return path.relative_to(root).as_posix()
            except ValueError:
                pass
        return str(path)
    if isinstance(source, str):
        return source
    return f"<{len(source) if isinstance(source, bytes | bytearray | memoryview) else '?'} bytes>"


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def _image(
    owner: str, source: object, root: Path | None, problems: _Problems
) -> PlannedImage | None:
    if isinstance(source, KeyedImage):
        if not isinstance(source.key, str) or not source.key.strip() or len(source.key) > _KEY_MAX:
            problems.add(f"{owner or 'list'}: a KeyedImage key must be 1..{_KEY_MAX} characters")
            return None
        inner = _image(owner, source.source, root, problems)
        if inner is None:
            return None
        key = "key:" + source.key
        return attrs.evolve(inner, key=key, tag=tag_for(owner, key))
    label = _label(source, root)
    where = f"{owner}/{label}" if owner and root is None else label
    if isinstance(source, os.PathLike):
        path = Path(source)
        try:
            info = path.stat()
        except OSError as exc:
            problems.add(f"{where}: cannot be read ({exc.strerror or exc})")
            return None
        if not stat.S_ISREG(info.st_mode):
            problems.add(f"{where}: not a regular file")
            return None
        if not check.IMAGE_MIN_BYTES <= info.st_size <= check.IMAGE_MAX_BYTES:
            problems.add(f"{where}: {info.st_size} bytes, outside 1 KB..6 MB")
            return None
        try:
            key = _hash_file(path)
        except OSError as exc:
            problems.add(f"{where}: cannot be read ({exc.strerror or exc})")
            return None
        return PlannedImage(key=key, label=label, source=path, tag=tag_for(owner, key))
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if not check.IMAGE_MIN_BYTES <= len(data) <= check.IMAGE_MAX_BYTES:
            problems.add(f"{where}: {len(data)} bytes, outside 1 KB..6 MB")
            return None
        key = "sha256:" + hashlib.sha256(data).hexdigest()
        return PlannedImage(key=key, label=label, source=data, tag=tag_for(owner, key))
    if isinstance(source, str):
        try:
            url = yarl.URL(source)
            usable = url.scheme in ("http", "https") and bool(url.host)
        except (ValueError, TypeError):
            usable = False
        if not usable:
            problems.add(f"{where}: a str must be an http(s) URL (pass a pathlib.Path for a file)")
            return None
        key = url_key(source)
        return PlannedImage(key=key, label=label, source=source, tag=tag_for(owner, key))
    problems.add(
        f"{where}: {type(source).__name__} cannot be enrolled in bulk; give paths, bytes or "
        "URLs (sources a later run can read again)"
    )
    return None


def _owner(
    name: str,
    sources: Iterable[object],
    root: Path | None,
    limit: int,
    problems: _Problems,
) -> tuple[PlannedOwner, int]:
    images: dict[str, PlannedImage] = {}
    merged = 0
    for source in sources:
        image = _image(name, source, root, problems)
        if image is None:
            continue
        if image.key in images:
            merged += 1
            continue
        images[image.key] = image
    if len(images) > limit:
        who = f"person {name!r}" if name else "the list"
        problems.add(f"{who} has {len(images)} images; it can hold at most {limit} faces")
    return PlannedOwner(name=name, images=tuple(images.values())), merged


def plan_people(
    people: Mapping[str, Iterable[BulkImage]] | str | os.PathLike[str],
) -> EnrollmentPlan:
    """Check and key the persons and images of an enrollment into a person group.

    `people` maps names to images (paths, bytes or http(s) URLs) or is a folder laid out
    `root/<person>/<images>`. Every problem found (a missing or unreadable file, an
    image outside 1 KB..6 MB, a bad name, too many images for one person) is reported
    at once in one FaceValidationError; nothing is sent.
    """
    root: Path | None = None
    if isinstance(people, str | os.PathLike):
        root = Path(people)
        layout: Mapping[str, Iterable[object]] = people_from_folder(root)
        if not layout:
            raise FaceValidationError(
                "folder", f"{root} has no images laid out as <person>/<images>"
            )
    elif isinstance(people, Mapping):
        layout = people
    else:
        raise FaceValidationError(
            "people", "give a mapping {name: images} or a folder laid out <person>/<images>"
        )
    problems = _Problems("people")
    # Names equal in NFC are one person (a folder copied from a Mac spells them apart).
    grouped: dict[str, list[object]] = {}
    for name, sources in layout.items():
        if not isinstance(name, str) or not name.strip():
            problems.add(f"person name {name!r}: must be a non-empty string")
            continue
        if not _is_text(name):
            if root is not None:
                problems.add(f"{_shown(root / name)}: the folder name is not UTF-8 text; rename it")
            else:
                problems.add(f"person '{_shown(name)}': the name is not text (lone surrogates)")
            continue
        key = person_key(name)
        if len(key) > check.NAME_MAX:
            problems.add(f"person name {name[:20]!r}...: longer than {check.NAME_MAX} characters")
            continue
        if isinstance(sources, str | bytes | os.PathLike | KeyedImage):
            problems.add(f"person {name!r}: give a list of images, not a single one")
            continue
        try:
            listed = list(sources)
        except TypeError:
            problems.add(f"person {name!r}: give a list of images")
            continue
        if not listed:
            problems.add(f"person {name!r}: no images")
            continue
        grouped.setdefault(key, []).extend(listed)
    owners: list[PlannedOwner] = []
    merged = 0
    for key, listed in grouped.items():
        owner, repeated = _owner(key, listed, root, FACES_PER_PERSON, problems)
        owners.append(owner)
        merged += repeated
    problems.raise_if_any()
    return EnrollmentPlan(owners=tuple(owners), merged=merged)


def plan_faces(
    images: Iterable[BulkImage] | str | os.PathLike[str], *, large: bool
) -> EnrollmentPlan:
    """Check and key the images of an enrollment into a face list (or a large one).

    `images` are paths, bytes or http(s) URLs, or a folder of images. Problems are
    reported at once in one FaceValidationError; nothing is sent.
    """
    root: Path | None = None
    sources: Iterable[object]
    if isinstance(images, str | os.PathLike):
        root = Path(images)
        sources = images_from_folder(root)
        if not sources:
            raise FaceValidationError("folder", f"{root} has no images")
    else:
        sources = images
    problems = _Problems("images")
    if isinstance(sources, str | bytes | KeyedImage):
        raise FaceValidationError("images", "give a list of images, not a single one")
    sources = list(sources)
    if not sources:
        raise FaceValidationError("images", "no images to enroll")
    limit = 1_000_000 if large else FACES_PER_FACE_LIST
    owner, merged = _owner("", sources, root, limit, problems)
    problems.raise_if_any()
    return EnrollmentPlan(owners=(owner,), merged=merged)
