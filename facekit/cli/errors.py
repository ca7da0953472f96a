"""Exit codes of the command line, and which one a facekit error ends a command with."""

from __future__ import annotations

from ..errors import FaceError, FaceValidationError

EXIT_OK = 0
EXIT_PARTIAL = 1  # the command ran, but something it was asked to do failed
EXIT_USAGE = 2
EXIT_SERVICE = 3
EXIT_INTERRUPTED = 130


def exit_code_for(error: FaceError) -> int:
    """EXIT_USAGE for input refused before anything was sent, EXIT_SERVICE otherwise."""
    return EXIT_USAGE if isinstance(error, FaceValidationError) else EXIT_SERVICE
