"""The API reference (docs/): every public name of facekit has its place in it.

The pages say what they document with mkdocstrings' `::: identifier` blocks, a module's
being all of its `__all__` unless the block lists `members:`. The build itself (strict:
a docstring warning fails it) is the nox session `docs`.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest

import facekit

DOCS = Path(__file__).resolve().parent.parent / "docs"
REFERENCE = DOCS / "pages" / "reference"

_BLOCK = re.compile(r"^::: (\S+)\n((?:[ ]{4}.*\n|\n)*)", re.M)
_MEMBER = re.compile(r"^ {8}- (\S+)$", re.M)


def resolve(identifier: str) -> Any:
    """The object a dotted identifier names: a module, or an attribute of one."""
    try:
        return importlib.import_module(identifier)
    except ModuleNotFoundError:
        module, _, name = identifier.rpartition(".")
        return getattr(importlib.import_module(module), name)


def documented(text: str) -> list[tuple[str, Any]]:
    """(identifier, object) of everything a page's `:::` blocks render."""
    found: list[tuple[str, Any]] = []
    for block in _BLOCK.finditer(text):
        identifier, options = block.group(1), block.group(2)
        target = resolve(identifier)
        listed = _MEMBER.findall(options)
        if listed:
            names = listed
        elif hasattr(target, "__all__"):
            names = list(target.__all__)
        else:
            found.append((identifier, target))
            continue
        found.extend((f"{identifier}.{name}", getattr(target, name)) for name in names)
    return found


def reference() -> list[tuple[str, Any]]:
    pages = sorted(REFERENCE.glob("*.md"))
    assert pages, f"no reference pages under {REFERENCE}"
    return [item for page in pages for item in documented(page.read_text())]


def test_the_block_reader_sees_listed_members_and_whole_modules() -> None:
    text = "::: facekit.paging\n\n::: facekit\n    options:\n      members:\n        - FaceClient\n"
    assert documented(text) == [
        ("facekit.paging.AsyncPager", facekit.AsyncPager),
        ("facekit.FaceClient", facekit.FaceClient),
    ]


@pytest.mark.parametrize(
    "module", ["facekit", "facekit.sync", "facekit.coalesce", "facekit.annotate"]
)
def test_every_public_name_is_in_the_api_reference(module: str) -> None:
    seen = {id(obj) for _, obj in reference()}
    seen_names = {identifier for identifier, _ in reference()}
    public = importlib.import_module(module)
    missing = [
        name
        for name in public.__all__
        # __version__ is a str, so it is found by name rather than by identity.
        if id(getattr(public, name)) not in seen and f"{module}.{name}" not in seen_names
    ]
    assert missing == []


def test_every_reference_page_is_in_the_navigation() -> None:
    config = (DOCS / "mkdocs.yml").read_text()
    for page in REFERENCE.glob("*.md"):
        assert f"reference/{page.name}" in config, page.name
