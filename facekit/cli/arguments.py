"""Values from the command line, checked: argparse types and image arguments."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import FaceValidationError


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def image_argument(value: str) -> Any:
    """A URL stays a URL; anything else must be a readable file."""
    if value.startswith(("http://", "https://")):
        return value
    path = Path(value)
    if not path.is_file():
        raise FaceValidationError("image", f"{value} is not a file (nor an http(s) URL)")
    return path
