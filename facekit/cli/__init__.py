"""The `facekit` command line (also `python -m facekit`).

Configuration comes from flags or from FACE_ENDPOINT and FACE_KEY; with no endpoint
configured, a command runs against an embedded emulator and says so.

The package: `app` (the parser and `main`), `commands/` (one module per command),
`console` (results, progress, tables), `connection` (a client, or an embedded emulator),
`arguments` (checked values from the command line), `checks` (every mistake, refused
before anything starts), `errors` (exit codes). It uses the
library; nothing in the library imports it.
"""

from .app import main
from .errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, EXIT_SERVICE, EXIT_USAGE

__all__ = ["EXIT_INTERRUPTED", "EXIT_OK", "EXIT_PARTIAL", "EXIT_SERVICE", "EXIT_USAGE", "main"]
