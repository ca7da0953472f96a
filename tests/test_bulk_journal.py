"""The enrollment journal: bound to one resource and target, named rows, one run at a time."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from facekit import FaceClient, KeyCredential
from facekit.bulk import Journal, JournalBinding, JournalMismatchError, binding_for
from facekit.bulk.journal import FaceState, PersonState, default_journal_path, state_folder
from facekit.errors import FaceValidationError

BINDING = JournalBinding(
    endpoint="https://one.cognitiveservices.azure.com:443",
    api_path="/face/v1.0",
    target="largepersongroups/fam",
)


def test_rows_are_named_and_round_trip(tmp_path: Path) -> None:
    book = Journal(tmp_path / "j", BINDING)
    book.person_intent("ann", "facekit:p", 100.0)
    assert book.person("ann") == ("facekit:p", None, PersonState.INTENT, 100.0)
    book.person_done("ann", "facekit:p", "pid")
    row = book.person("ann")
    assert row is not None
    assert (row.person_id, row.state, row.open_until) == ("pid", PersonState.DONE, None)
    book.face_intent("ann", "sha256:a", "facekit:a", 50.0)
    book.face_open_until("ann", "sha256:a", 70.0)
    face = book.face("ann", "sha256:a")
    assert face is not None
    assert (face.state, face.open_until) == (FaceState.INTENT, 70.0)
    book.face_not_done("ann", "sha256:a", "facekit:a", FaceState.UNSETTLED, None, "unclear")
    face = book.face("ann", "sha256:a")
    assert face is not None
    assert (face.state, face.open_until, face.reason) == (FaceState.UNSETTLED, 70.0, "unclear")
    book.face_done("ann", "sha256:a", "facekit:a", "fid")
    assert book.known_tags("ann") == {"fid": "facekit:a"}
    with pytest.raises(ValueError, match="not a failure state"):
        book.face_not_done("ann", "sha256:a", "facekit:a", FaceState.DONE, None, "x")
    book.close()


@pytest.mark.parametrize(
    "other",
    [
        JournalBinding(
            endpoint="https://two.cognitiveservices.azure.com:443",
            api_path="/face/v1.0",
            target="largepersongroups/fam",
        ),
        JournalBinding(
            endpoint=BINDING.endpoint, api_path="/face/v1.2", target="largepersongroups/fam"
        ),
        JournalBinding(endpoint=BINDING.endpoint, api_path="/face/v1.0", target="persongroups/fam"),
    ],
)
def test_a_journal_of_another_resource_version_or_target_is_refused(
    tmp_path: Path, other: JournalBinding
) -> None:
    Journal(tmp_path / "j", BINDING).close()
    with pytest.raises(
        JournalMismatchError, match="belongs to largepersongroups/fam at https://one"
    ):
        Journal(tmp_path / "j", other)
    # The refusal changed nothing: the rightful owner still opens it.
    Journal(tmp_path / "j", BINDING).close()


def test_a_file_that_is_not_a_journal_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("shopping list\n" * 100)
    with pytest.raises(JournalMismatchError, match="not a facekit journal"):
        Journal(text, BINDING)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE things (x)")
    with pytest.raises(JournalMismatchError, match="not a facekit journal"):
        Journal(other, BINDING)


def test_a_journal_of_an_older_facekit_is_refused(tmp_path: Path) -> None:
    old = tmp_path / "old.journal"
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('target', 'largepersongroups/fam')")
    with pytest.raises(JournalMismatchError, match="another version of facekit"):
        Journal(old, BINDING)


def test_only_one_run_holds_a_journal(tmp_path: Path) -> None:
    first = Journal(tmp_path / "j", BINDING)
    with pytest.raises(JournalMismatchError, match="in use by another enrollment run"):
        Journal(tmp_path / "j", BINDING)
    first.close()
    Journal(tmp_path / "j", BINDING).close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda base: base / "missing" / "j", "does not exist"),
        (lambda base: base, "is a folder"),
    ],
)
def test_an_unusable_location_is_refused(tmp_path: Path, make: object, message: str) -> None:
    with pytest.raises(FaceValidationError, match=message):
        Journal(make(tmp_path), BINDING)  # type: ignore[operator]


async def test_the_binding_names_the_endpoint_the_api_path_and_the_target() -> None:
    async with FaceClient(
        "https://One.CognitiveServices.Azure.com/", KeyCredential("k"), api_version="v1.0"
    ) as f:
        binding = binding_for(f, "largepersongroups", "fam")
    assert binding == JournalBinding(
        endpoint="https://one.cognitiveservices.azure.com:443",
        api_path="/face/v1.0",
        target="largepersongroups/fam",
    )


def test_the_state_folder_and_the_default_journal_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FACEKIT_STATE_DIR", str(tmp_path / "state"))
    assert state_folder() == tmp_path / "state"
    assert default_journal_path(BINDING) == (
        tmp_path
        / "state"
        / "journals"
        / "https_one.cognitiveservices.azure.com_443"
        / "face_v1.0"
        / "largepersongroups-fam.journal"
    )
    monkeypatch.delenv("FACEKIT_STATE_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_folder() == tmp_path / "xdg" / "facekit"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_folder() == tmp_path / "home" / ".local" / "state" / "facekit"
