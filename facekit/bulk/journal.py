"""The enrollment journal: a cache of what a run did, never the record.

The Face resource is the record: every person and face facekit creates carries a tag, and
a run looks at the service before creating anything. The journal (sqlite, WAL) saves
lookups (the tag of each face id facekit added), remembers failures, and marks writes
whose outcome is still open with the time until which they may still land, so that a
later run waits that long before concluding that they did not.

A journal is bound to one Face resource (its endpoint: scheme, host, port, path), one API
path and one target (`largepersongroups/<id>`, ...). Opening it for anything else raises
`JournalMismatchError`; two runs cannot hold the same journal at once.
"""

from __future__ import annotations

import enum
import os
import re
import sqlite3
from pathlib import Path
from typing import NamedTuple

import attrs

from ..errors import FaceError, FaceValidationError

__all__ = [
    "FaceRow",
    "FaceState",
    "Journal",
    "JournalBinding",
    "JournalError",
    "JournalMismatchError",
    "PersonRow",
    "PersonState",
    "default_journal_path",
    "state_folder",
]

SCHEMA_VERSION = "2"


class JournalError(FaceError):
    """The journal could not be read or written mid-run (a full disk, a lost file).

    The run stops rather than send writes it cannot record; run it again when the journal
    can be written (or with another one): the service's tags say what landed.
    """


class JournalMismatchError(FaceValidationError):
    """The journal belongs to another Face resource, API path or target (or is unusable)."""

    def __init__(self, message: str) -> None:
        super().__init__("journal", message)


@attrs.frozen(kw_only=True)
class JournalBinding:
    """What a journal is about: the resource's endpoint, the API path and the target."""

    #: scheme://host:port/path of the Face resource's endpoint (host in lower case).
    endpoint: str
    api_path: str
    #: "persongroups/<id>", "largepersongroups/<id>", "facelists/<id>", "largefacelists/<id>".
    target: str

    def describe(self) -> str:
        """The binding as "<target> at <endpoint><api path>", for messages."""
        return f"{self.target} at {self.endpoint}{self.api_path}"


class PersonState(enum.StrEnum):
    """Where the journal has a person: a create sent (outcome open) or done."""

    #: A create was sent; its outcome is open (see `open_until`).
    INTENT = "intent"
    DONE = "done"


class FaceState(enum.StrEnum):
    """Where the journal has an image's face: sent, done, or why it is not done."""

    #: An add was sent; its outcome is open (see `open_until`).
    INTENT = "intent"
    DONE = "done"
    #: Refused for good (a bad image, a quota); skipped unless failures are retried.
    FAILED = "failed"
    #: Failed transiently (throttled, unreachable); the next run tries it again.
    PENDING = "pending"
    #: Still unknown after the settle rounds; the next run looks before sending again.
    UNSETTLED = "unsettled"


class PersonRow(NamedTuple):
    """The journal's row of one person of the plan."""

    tag: str
    person_id: str | None
    state: PersonState
    #: While INTENT: the time.time() until which the last create may still land.
    open_until: float | None


class FaceRow(NamedTuple):
    """The journal's row of one image of an owner (a person, or a list)."""

    tag: str
    state: FaceState
    face_id: str | None
    code: str | None
    reason: str | None
    #: While INTENT or UNSETTLED: the time.time() until which the last add may still land.
    open_until: float | None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS persons (
    person TEXT PRIMARY KEY, tag TEXT NOT NULL, person_id TEXT, state TEXT NOT NULL,
    open_until REAL);
CREATE TABLE IF NOT EXISTS faces (
    owner TEXT NOT NULL, image TEXT NOT NULL, tag TEXT NOT NULL, state TEXT NOT NULL,
    face_id TEXT, code TEXT, reason TEXT, open_until REAL,
    PRIMARY KEY (owner, image));
"""


def state_folder() -> Path:
    """Where facekit keeps state between runs.

    $FACEKIT_STATE_DIR if set, else $XDG_STATE_HOME/facekit, else ~/.local/state/facekit.
    """
    explicit = os.environ.get("FACEKIT_STATE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_STATE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "state") / "facekit"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "_"


def default_journal_path(binding: JournalBinding) -> Path:
    """The journal the command line keeps for one endpoint, API path and target.

    `<state folder>/journals/<endpoint>/<api path>/<collection>-<id>.journal`
    """
    collection, _, container = binding.target.partition("/")
    return (
        state_folder()
        / "journals"
        / _slug(binding.endpoint)
        / _slug(binding.api_path)
        / f"{_slug(collection)}-{_slug(container)}.journal"
    )


def check_location(path: str | os.PathLike[str]) -> Path:
    """Refuse a journal path that cannot hold a journal, before anything is sent."""
    location = Path(path)
    if location.is_dir():
        raise FaceValidationError("journal", f"{location} is a folder, not a journal file")
    folder = location.parent
    if not folder.is_dir():
        raise FaceValidationError("journal", f"the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FaceValidationError("journal", f"the folder {folder} is not writable")
    if location.exists() and not os.access(location, os.R_OK | os.W_OK):
        raise FaceValidationError("journal", f"{location} is not readable and writable")
    return location


class Journal:
    """A run's cache of persons and faces, bound to one resource and target.

    `Journal(None, binding)` keeps it in memory (for runs without a journal file).
    """

    def __init__(self, path: str | os.PathLike[str] | None, binding: JournalBinding) -> None:
        self.binding = binding
        self.path = None if path is None else str(check_location(path))
        try:
            self._db = sqlite3.connect(self.path or ":memory:", isolation_level=None, timeout=0.2)
        except sqlite3.Error as exc:
            raise FaceValidationError("journal", f"cannot open {self.path}: {exc}") from None
        try:
            self._open()
        except sqlite3.Error as exc:
            self._db.close()
            raise FaceValidationError("journal", f"{self.path} cannot be used: {exc}") from None
        except BaseException:
            self._db.close()
            raise

    def _open(self) -> None:
        try:
            # Exclusive: a second run on the same journal fails at once instead of
            # interleaving with this one; the OS drops the lock when a process dies.
            self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("BEGIN EXCLUSIVE")
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise JournalMismatchError(
                    f"{self.path} is in use by another enrollment run"
                ) from None
            raise JournalMismatchError(f"{self.path} cannot be used: {exc}") from None
        except sqlite3.DatabaseError:
            raise JournalMismatchError(f"{self.path} is not a facekit journal") from None
        tables = {
            row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if tables and "meta" not in tables:
            raise JournalMismatchError(f"{self.path} is not a facekit journal")
        self._db.executescript(_SCHEMA)
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        wanted = {
            "schema": SCHEMA_VERSION,
            "endpoint": self.binding.endpoint,
            "api_path": self.binding.api_path,
            "target": self.binding.target,
        }
        if not meta:
            self._db.executemany("INSERT INTO meta VALUES (?, ?)", wanted.items())
            return
        if meta.get("schema") != SCHEMA_VERSION:
            raise JournalMismatchError(
                f"{self.path} was written by another version of facekit; use a new journal file"
            )
        bound = JournalBinding(
            endpoint=meta.get("endpoint", "?"),
            api_path=meta.get("api_path", "?"),
            target=meta.get("target", "?"),
        )
        if bound != self.binding:
            raise JournalMismatchError(
                f"{self.path} belongs to {bound.describe()}, not to {self.binding.describe()}; "
                "use another journal file for this resource and target"
            )

    def close(self) -> None:
        """Close the journal's database."""
        self._db.close()

    def _run(self, sql: str, parameters: tuple[object, ...] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, parameters)
        except sqlite3.Error as exc:
            raise JournalError(
                f"the journal {self.path or '(in memory)'} cannot be used: {exc}; nothing more "
                "was sent (run again when it can be written)"
            ) from None

    # -- persons --------------------------------------------------------------------------

    def person(self, person: str) -> PersonRow | None:
        """The row of a person of the plan, or None if the journal has none."""
        row = self._run(
            "SELECT tag, person_id, state, open_until FROM persons WHERE person = ?", (person,)
        ).fetchone()
        if row is None:
            return None
        return PersonRow(tag=row[0], person_id=row[1], state=PersonState(row[2]), open_until=row[3])

    def person_intent(self, person: str, tag: str, open_until: float) -> None:
        """A create is about to be sent; it may land until `open_until` (time.time())."""
        self._run(
            "INSERT INTO persons VALUES (?, ?, NULL, ?, ?) ON CONFLICT(person) "
            "DO UPDATE SET state = excluded.state, open_until = excluded.open_until",
            (person, tag, PersonState.INTENT, open_until),
        )

    def person_done(self, person: str, tag: str, person_id: str) -> None:
        """Record that the person exists on the service as `person_id`."""
        self._run(
            "INSERT INTO persons VALUES (?, ?, ?, ?, NULL) ON CONFLICT(person) "
            "DO UPDATE SET person_id = excluded.person_id, state = excluded.state, "
            "open_until = NULL",
            (person, tag, person_id, PersonState.DONE),
        )

    # -- faces ----------------------------------------------------------------------------

    def face(self, owner: str, image: str) -> FaceRow | None:
        """The row of an owner's image, or None if the journal has none."""
        row = self._run(
            "SELECT tag, state, face_id, code, reason, open_until FROM faces "
            "WHERE owner = ? AND image = ?",
            (owner, image),
        ).fetchone()
        if row is None:
            return None
        return FaceRow(
            tag=row[0],
            state=FaceState(row[1]),
            face_id=row[2],
            code=row[3],
            reason=row[4],
            open_until=row[5],
        )

    def face_intent(self, owner: str, image: str, tag: str, open_until: float) -> None:
        """An add is about to be sent; it may land until `open_until` (time.time())."""
        self._run(
            "INSERT INTO faces VALUES (?, ?, ?, ?, NULL, NULL, NULL, ?) "
            "ON CONFLICT(owner, image) DO UPDATE SET state = excluded.state, "
            "open_until = excluded.open_until",
            (owner, image, tag, FaceState.INTENT, open_until),
        )

    def face_open_until(self, owner: str, image: str, open_until: float) -> None:
        """The open add of this image may land until `open_until` (an outcome came, unclear)."""
        self._run(
            "UPDATE faces SET open_until = ? WHERE owner = ? AND image = ?",
            (open_until, owner, image),
        )

    def person_open_until(self, person: str, open_until: float) -> None:
        """The open create of this person may land until `open_until`."""
        self._run("UPDATE persons SET open_until = ? WHERE person = ?", (open_until, person))

    def face_done(self, owner: str, image: str, tag: str, face_id: str) -> None:
        """Record that the image's face is on the service as `face_id`."""
        self._run(
            "INSERT INTO faces VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL) "
            "ON CONFLICT(owner, image) DO UPDATE SET state = excluded.state, "
            "face_id = excluded.face_id, code = NULL, reason = NULL, open_until = NULL",
            (owner, image, tag, FaceState.DONE, face_id),
        )

    def face_not_done(
        self,
        owner: str,
        image: str,
        tag: str,
        state: FaceState,
        code: str | None,
        reason: str,
    ) -> None:
        """Record a failure (FAILED, PENDING) or an open outcome (UNSETTLED).

        An unsettled row keeps its `open_until`: the next run waits until then before it
        concludes that the add did not land.
        """
        if state not in (FaceState.FAILED, FaceState.PENDING, FaceState.UNSETTLED):
            raise ValueError(f"not a failure state: {state}")
        self._run(
            "INSERT INTO faces VALUES (?, ?, ?, ?, NULL, ?, ?, NULL) "
            "ON CONFLICT(owner, image) DO UPDATE SET state = excluded.state, "
            "code = excluded.code, reason = excluded.reason",
            (owner, image, tag, state, code, reason),
        )

    def known_tags(self, owner: str) -> dict[str, str]:
        """{face id: tag} of the faces this journal saw added for `owner`."""
        rows = self._run(
            "SELECT face_id, tag FROM faces WHERE owner = ? AND state = ? AND face_id IS NOT NULL",
            (owner, FaceState.DONE),
        )
        return {face_id: tag for face_id, tag in rows}

    def __repr__(self) -> str:
        return f"Journal({self.path or ':memory:'}, {self.binding.describe()})"
