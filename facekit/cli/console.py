"""Where a command writes: results, lines for people, a progress bar, two-column tables."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO


class Console:
    """Where a command writes: results to stdout (JSON with --json), progress to stderr."""

    def __init__(
        self, *, as_json: bool, out: TextIO | None = None, err: TextIO | None = None
    ) -> None:
        self.as_json = as_json
        # Looked up now, not at import: callers (and tests) may have redirected them.
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def say(self, text: str) -> None:
        """A line for people; with --json it goes to stderr so stdout stays parseable."""
        print(text, file=self.err if self.as_json else self.out, flush=True)

    def result(self, data: Any, text: str | None = None) -> None:
        """The command's result: `data` as JSON with --json, else `text` (if any)."""
        if self.as_json:
            print(json.dumps(data, indent=2, default=str), file=self.out, flush=True)
        elif text is not None:
            print(text, file=self.out, flush=True)


class ProgressBar:
    """A one-line bar on a terminal; on anything else a line every 10 %."""

    def __init__(self, stream: TextIO, label: str, width: int = 30) -> None:
        self.stream = stream
        self.label = label
        self.width = width
        self.tty = stream.isatty()
        self.last_tenth = -1
        self.started = time.monotonic()

    def update(self, done: int, total: int, note: str = "") -> None:
        """Show `done` of `total` with a note (redrawn on a terminal, else each 10 %)."""
        fraction = done / total if total else 1.0
        if self.tty:
            filled = int(self.width * fraction)
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {note}".ljust(78))
            self.stream.flush()
            return
        tenth = int(fraction * 10)
        if tenth != self.last_tenth:
            self.last_tenth = tenth
            print(f"{self.label}: {done}/{total} {note}".rstrip(), file=self.stream, flush=True)

    def close(self) -> None:
        """End the bar's line on a terminal (nothing to do elsewhere)."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def table(rows: Sequence[tuple[str, Any]]) -> str:
    """Rows of (name, value) as indented lines, the values aligned."""
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name.ljust(width)}  {value}" for name, value in rows)


def compact(value: Any) -> str:
    """A JSON-like value on one line: {"a": 1, "b": {"c": 2}} as "a=1 b=(c=2)"."""
    if isinstance(value, dict):
        return " ".join(
            f"{name}=({compact(item)})" if isinstance(item, dict) else f"{name}={compact(item)}"
            for name, item in value.items()
        )
    if isinstance(value, list):
        return "[" + ", ".join(compact(item) for item in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
