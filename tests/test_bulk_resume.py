"""Bulk enrollment breaks found by trying: interrupted runs, late landings, odd inputs."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from facekit.bulk import (
    Journal,
    JournalError,
    KeyedImage,
    SettlePolicy,
    enroll_people,
    plan_people,
)
from facekit.bulk.plan import person_tag, url_key
from facekit.bulk.views import GroupPersons, PersonIndex
from facekit.cli import EXIT_OK, EXIT_USAGE, main
from facekit.emulator import FaceEmulator
from facekit.emulator import synthetic_face as photo
from facekit.emulator.proxy import SlowCommitProxy, adds_faces
from facekit.errors import FaceValidationError
from facekit.models import Person

from .bulk_support import census
from .conftest import client_for


def first_only(
    held: asyncio.Event, matches: Callable[[str, str], bool] = adds_faces
) -> Callable[[str, str], bool]:
    """Hold the first matching request only, and say when it is held."""
    seen = [0]

    def match(method: str, path: str) -> bool:
        if not matches(method, path):
            return False
        seen[0] += 1
        if seen[0] == 1:
            held.set()
        return seen[0] == 1

    return match


def creates_persons(method: str, path: str) -> bool:
    return method == "POST" and path.endswith("/persons")


async def test_a_cancelled_add_that_lands_late_is_not_sent_again_on_resume(
    emulator: FaceEmulator, tmp_path: Path
) -> None:
    """Cancelling used to shorten the journal's wait for the add in flight."""
    journal = tmp_path / "j"
    people = {"ann": [photo("ann", 1)]}
    policy = SettlePolicy(window=0.2, backoff=0.02)
    held = asyncio.Event()
    async with (
        SlowCommitProxy(emulator.endpoint, delay=0.9, match=first_only(held)) as proxy,
        client_for(proxy.endpoint, emulator.key, timeout=1.0) as face,
    ):
        run = asyncio.create_task(
            enroll_people(face, "g", people, large=True, journal=journal, settle=policy)
        )
        await held.wait()
        await asyncio.sleep(0.05)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        report = await enroll_people(face, "g", people, large=True, journal=journal, settle=policy)
        await proxy.drain()
        assert report.failures == []
        assert await census(face, "g") == (1, 1, 1)
        assert emulator.log.count("LargePersonGroupPerson_AddFace*") == 1


async def test_an_add_retried_by_the_client_is_awaited_from_its_last_attempt(
    emulator: FaceEmulator, tmp_path: Path
) -> None:
    """The journal's deadline was taken before the client's own 429 retry went out."""
    journal = tmp_path / "j"
    people = {"ann": [photo("ann", 1)]}
    policy = SettlePolicy(window=0.2, backoff=0.02)
    emulator.inject("LargePersonGroupPerson_AddFace*", status=429, retry_after=0.6, times=1)
    held = asyncio.Event()
    adds = [0]

    def second_add(method: str, path: str) -> bool:
        if adds_faces(method, path):
            adds[0] += 1
            if adds[0] == 2:
                held.set()
                return True
        return False

    async with (
        SlowCommitProxy(emulator.endpoint, delay=0.8, match=second_add) as proxy,
        client_for(proxy.endpoint, emulator.key, timeout=1.0) as face,
    ):
        run = asyncio.create_task(
            enroll_people(face, "g", people, large=True, journal=journal, settle=policy)
        )
        await held.wait()
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        report = await enroll_people(face, "g", people, large=True, journal=journal, settle=policy)
        await proxy.drain()
        assert report.failures == []
        assert await census(face, "g") == (1, 1, 1)


async def test_a_resumed_run_looks_afresh_before_resending_an_open_add(
    emulator: FaceEmulator, tmp_path: Path
) -> None:
    """The start-up scan predates a late landing: resending from it made a second face."""
    held = asyncio.Event()
    await _cancel_in_a_late_commit_then_resume(emulator, tmp_path, first_only(held), held)


async def test_a_resumed_run_scans_afresh_before_creating_a_person_again(
    emulator: FaceEmulator, tmp_path: Path
) -> None:
    held = asyncio.Event()
    await _cancel_in_a_late_commit_then_resume(
        emulator, tmp_path, first_only(held, creates_persons), held
    )


async def _cancel_in_a_late_commit_then_resume(
    emulator: FaceEmulator,
    tmp_path: Path,
    match: Callable[[str, str], bool],
    held: asyncio.Event,
) -> None:
    """Cancel a run while `match`'s first write commits late; resume with 20 more people.

    The resumed run scans at once, then works on the others first: "zz" comes after the
    late write landed and after its open window passed. Each person must be there once.
    """
    journal = tmp_path / "j"
    policy = SettlePolicy(window=0.2, backoff=0.02)
    first = {"zz": [photo("zz", 1)]}
    async with (
        SlowCommitProxy(emulator.endpoint, delay=0.8, match=match) as proxy,
        client_for(proxy.endpoint, emulator.key, timeout=1.0) as face,
    ):
        run = asyncio.create_task(
            enroll_people(face, "g", first, large=True, journal=journal, settle=policy)
        )
        await held.wait()
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        emulator.inject("LargePersonGroupPerson_AddFace*", latency=0.06, times=None)
        everyone = {**{f"a{i:02d}": [photo(f"a{i}", 0)] for i in range(20)}, **first}
        report = await enroll_people(
            face, "g", everyone, large=True, journal=journal, concurrency=1, settle=policy
        )
        await proxy.drain()
        emulator.faults.clear()
        assert report.failures == []
        assert await census(face, "g") == (21, 21, 21)


class _RepeatingPersons:
    """A persons list whose second page repeats the last person of the first."""

    def __init__(self, persons: list[Person]) -> None:
        self.persons = persons
        self.deleted: list[str] = []

    async def list(self, _group_id: str) -> AsyncIterator[Person]:
        for person in [*self.persons[:2], self.persons[1], *self.persons[2:]]:
            yield person

    async def delete(self, _group_id: str, person_id: str) -> None:
        self.deleted.append(person_id)


async def test_a_person_listed_twice_is_one_person_and_is_never_deleted() -> None:
    persons = [
        Person(person_id=f"00000000-0000-0000-0000-00000000000{i}", user_data=person_tag(n))
        for i, n in enumerate(["ann", "bob", "cid"])
    ]
    fake = _RepeatingPersons(persons)
    groups: Any = type("Groups", (), {"persons": fake})()
    index = PersonIndex(GroupPersons(groups, "g"))
    await index.refresh(0.0)
    assert index.duplicated() == {}
    assert [p.person_id for p in index.find(person_tag("bob"))] == [persons[1].person_id]


async def test_signed_urls_of_the_same_blob_are_the_same_image(emulator: FaceEmulator) -> None:
    base = emulator.image_url("ann", 1)
    monday = f"{base}?sv=2024-01-01&se=2026-01-01&sr=b&sp=r&sig=AAA%3D"
    tuesday = f"{base}?sv=2024-01-01&se=2026-01-02&sr=b&sp=r&sig=BBB%3D"
    assert url_key(monday) == url_key(tuesday) == url_key(base.replace("http://", "HTTP://"))
    assert url_key(f"{base}?id=1") != url_key(f"{base}?id=2")
    async with client_for(emulator.endpoint, emulator.key) as face:
        first = await enroll_people(face, "g", {"ann": [monday]})
        again = await enroll_people(face, "g", {"ann": [tuesday]})
    assert (first.faces_added, again.faces_found, again.faces_added) == (1, 1, 0)


async def test_a_key_of_the_callers_choosing_names_the_image(emulator: FaceEmulator) -> None:
    async with client_for(emulator.endpoint, emulator.key) as face:
        first = await enroll_people(face, "g", {"ann": [KeyedImage("ann-1", photo("ann", 1))]})
        # Other bytes (re-encoded, say) under the same key: the same image.
        again = await enroll_people(face, "g", {"ann": [KeyedImage("ann-1", photo("ann", 2))]})
    assert (first.faces_added, again.faces_found, again.faces_added) == (1, 1, 0)


async def test_names_equal_in_nfc_are_one_person(emulator: FaceEmulator) -> None:
    composed = unicodedata.normalize("NFC", "José Müller")
    decomposed = unicodedata.normalize("NFD", "José Müller")
    assert composed != decomposed
    async with client_for(emulator.endpoint, emulator.key) as face:
        await enroll_people(face, "g", {composed: [photo("jm", 1)]}, large=True)
        again = await enroll_people(
            face, "g", {decomposed: [photo("jm", 1), photo("jm", 2)]}, large=True
        )
        assert (again.persons_found, again.faces_found, again.faces_added) == (1, 1, 1)
        assert await census(face, "g") == (1, 2, 2)
    plan = plan_people({composed: [photo("jm", 1)], decomposed: [photo("jm", 2)]})
    assert [(o.name, len(o.images)) for o in plan.owners] == [(composed, 2)]


async def test_a_person_folder_whose_name_is_not_utf8_is_refused_before_anything_is_sent(
    emulator: FaceEmulator, tmp_path: Path
) -> None:
    root = tmp_path / "people"
    (root / "ann").mkdir(parents=True)
    (root / "ann" / "1.png").write_bytes(photo("ann", 1))
    odd = os.fsencode(root) + b"/al\xffice"
    os.mkdir(odd)
    (Path(os.fsdecode(odd)) / "1.png").write_bytes(photo("alice", 1))
    async with client_for(emulator.endpoint, emulator.key) as face:
        with pytest.raises(FaceValidationError) as caught:
            await enroll_people(face, "g", root, large=True)
    message = str(caught.value)
    assert f"{root}/al\\xffice: the folder name is not UTF-8 text; rename it" in message
    message.encode("utf-8")  # printable as it is: no lone surrogate in it
    assert emulator.log.count() == 0
    # Given as a mapping, such a name is refused the same way.
    with pytest.raises(FaceValidationError, match=r"person 'b\\xe9a': the name is not"):
        plan_people({"b\udce9a": [photo("bea", 1)]})
    with pytest.raises(FaceValidationError, match=r"person 'b\\ud800a': the name is not"):
        plan_people({"b\ud800a": [photo("bea", 1)]})


async def test_a_person_whose_user_data_was_changed_is_found_through_the_journal(
    emulator: FaceEmulator, tmp_path: Path
) -> None:
    journal = tmp_path / "j"
    people = {"ann": [photo("ann", 1), photo("ann", 2)]}
    async with client_for(emulator.endpoint, emulator.key) as face:
        await enroll_people(face, "g", people, large=True, journal=journal)
        (ann,) = [p async for p in face.large_person_groups.persons.list("g")]
        await face.large_person_groups.persons.update("g", ann.person_id, user_data="mine now")
        again = await enroll_people(face, "g", people, large=True, journal=journal)
        assert (again.persons_found, again.persons_created, again.faces_added) == (1, 0, 0)
        assert await census(face, "g") == (1, 2, 2)


async def test_a_journal_that_fails_mid_run_stops_the_run_with_a_facekit_error(
    emulator: FaceEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = {f"p{i}": [photo(f"p{i}", 0)] for i in range(6)}
    writes = 0
    original = Journal.face_done

    def failing(self: Journal, *args: Any) -> None:
        nonlocal writes
        writes += 1
        if writes == 3:
            raise JournalError("the journal j cannot be used: database or disk is full")
        original(self, *args)

    monkeypatch.setattr(Journal, "face_done", failing)
    async with client_for(emulator.endpoint, emulator.key) as face:
        with pytest.raises(JournalError, match="disk is full"):
            await enroll_people(face, "g", people, journal=tmp_path / "j", concurrency=1)
        assert emulator.log.count("PersonGroupPerson_AddFace*") == 3
        monkeypatch.undo()
        report = await enroll_people(face, "g", people, journal=tmp_path / "new")
    assert (report.faces_found, report.faces_added, report.failures) == (3, 3, [])


FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
from facekit.bulk.journal import Journal, JournalBinding, JournalError
binding = JournalBinding(endpoint="https://x:443", api_path="/face/v1.0", target="persongroups/g")
book = Journal(sys.argv[1], binding)
resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))
try:
    for i in range(100_000):
        book.face_intent("owner", f"image-{i:06d}" * 8, "facekit:tag", 1.0)
except JournalError as error:
    print("JournalError:", error)
"""


def test_a_full_disk_under_the_journal_is_a_journal_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(tmp_path / "j")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "JournalError: the journal" in done.stdout, done.stderr
    assert "full" in done.stdout
    assert "Traceback" not in done.stderr


async def test_a_group_deleted_before_training_is_reported_not_raised(
    emulator: FaceEmulator,
) -> None:
    async with client_for(emulator.endpoint, emulator.key) as face:

        def progress(p: Any) -> None:
            if p.persons_done == p.persons_total:
                emulator.account.reset()

        report = await enroll_people(
            face, "g", {"ann": [photo("ann")]}, large=True, train=True, progress=progress
        )
    assert report.training is None
    assert report.training_error is not None
    assert "NotFound" in report.training_error
    assert not report.ok


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"progress": 5}, "progress"),
        ({"journal": 123}, "journal"),
        ({"settle": "fast"}, "settle"),
    ],
)
async def test_bad_library_arguments_are_refused_before_sending(
    emulator: FaceEmulator, arguments: dict[str, object], message: str
) -> None:
    async with client_for(emulator.endpoint, emulator.key) as face:
        with pytest.raises(FaceValidationError, match=message):
            await enroll_people(face, "g", {"ann": [photo("ann")]}, **arguments)  # type: ignore[arg-type]
        with pytest.raises(FaceValidationError, match="no images"):
            await enroll_people(face, "g", {"ann": []})
    assert emulator.log.count() == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"window": float("inf")}, "settle window"),
        ({"max_unknown": 0}, "max_unknown"),
        ({"backoff": float("nan")}, "backoff"),
    ],
)
def test_a_settle_policy_out_of_range_is_a_validation_error(
    fields: dict[str, float], message: str
) -> None:
    with pytest.raises(FaceValidationError, match=message):
        SettlePolicy(**fields)  # type: ignore[arg-type]


def test_an_unusable_state_folder_is_one_line_and_exit_2(
    face_emulator: FaceEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FACEKIT_STATE_DIR", str(blocker))
    monkeypatch.setenv("FACE_ENDPOINT", face_emulator.endpoint)
    monkeypatch.setenv("FACE_KEY", face_emulator.key)
    (tmp_path / "p" / "ann").mkdir(parents=True)
    (tmp_path / "p" / "ann" / "1.png").write_bytes(photo("ann"))
    assert main(["enroll", str(tmp_path / "p"), "--group", "g"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("facekit: error: journal: cannot create the state folder")
    assert err.count("\n") == 1
    assert face_emulator.log.count() == 0
    assert main(["enroll", str(tmp_path / "p"), "--group", "g", "--no-journal"]) == EXIT_OK


def test_every_failure_in_the_json_report_says_its_kind(
    face_emulator: FaceEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FACE_ENDPOINT", face_emulator.endpoint)
    monkeypatch.setenv("FACE_KEY", face_emulator.key)
    folder = tmp_path / "p" / "ann"
    folder.mkdir(parents=True)
    (folder / "bad.jpg").write_bytes(b"not an image" * 200)
    main(["enroll", str(tmp_path / "p"), "--group", "g", "--json"])
    (failure,) = json.loads(capsys.readouterr().out)["failures"]
    assert failure["kind"] == "permanent"


def test_the_cli_refuses_an_endless_settle_window(
    face_emulator: FaceEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "p" / "ann").mkdir(parents=True)
    (tmp_path / "p" / "ann" / "1.png").write_bytes(photo("ann"))
    for flag in ("--settle-seconds", "--timeout"):
        argv = ["enroll", str(tmp_path / "p"), "--group", "g", flag, "inf"]
        argv += ["--endpoint", face_emulator.endpoint, "--key", face_emulator.key]
        assert main(argv) == EXIT_USAGE
        assert flag in capsys.readouterr().err
    assert face_emulator.log.count() == 0


async def test_the_attempt_listener_hears_every_attempt_after_the_limiter(
    emulator: FaceEmulator,
) -> None:
    from facekit.session import on_attempt

    emulator.inject("PersonGroup_Get", status=503, times=2)
    heard: list[int] = []
    async with client_for(emulator.endpoint, emulator.key) as face:
        await face.person_groups.create("g", name="g")
        with on_attempt(lambda: heard.append(emulator.log.count("PersonGroup_Get"))):
            await face.person_groups.get("g")
        await face.person_groups.get("g")
    # Called before each of the three attempts, when 0, 1 and 2 had reached the service.
    assert heard == [0, 1, 2]
