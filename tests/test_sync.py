"""facekit.sync: the blocking client, its pagers and pollers, its thread and its loop.

Against the emulator (the `face_emulator` fixture runs it in a thread, so these tests are
plain functions, as a Flask view or a script would be), plus the checks that the facade is
generated from the async API and covers all of it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import inspect
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, assert_type

import pytest

import facekit
from facekit import FaceClient as AsyncFaceClient
from facekit import (
    FaceError,
    FaceTimeoutError,
    FaceValidationError,
    KeyCredential,
    NotFoundError,
    PollingPolicy,
    RateLimiter,
    RetryPolicy,
    resources,
)
from facekit import polling as aio_polling
from facekit.emulator import FaceEmulator, synthetic_face
from facekit.models import DetectedFace, LargePersonGroup, PersonGroup, TrainingStatus
from facekit.sync import (
    FaceAdditionPoller,
    FaceClient,
    OperationPoller,
    Pager,
    PersonCreationPoller,
    TrainingPoller,
)
from facekit.sync import _portal as sync_portal
from facekit.sync import _wrappers as sync_wrappers
from facekit.sync._portal import THREAD_NAME

from . import sync_codegen
from .fake_transport import FakeTransport
from .hostile_server import secret_findings

ROOT = Path(__file__).resolve().parent.parent
#: Trainings of about 0.05 s.
FAST = {"training_queue_seconds": 0.02, "training_base_seconds": 0.05}
QUICK = PollingPolicy(initial=0.02, maximum=0.05)


def loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME]


@pytest.fixture
def face(face_emulator: FaceEmulator) -> Iterator[FaceClient]:
    """A sync client of the emulator, closed after the test; no loop thread left behind."""
    before = loop_threads()
    client = FaceClient(
        face_emulator.endpoint,
        KeyCredential(face_emulator.key),
        rate_limiter=RateLimiter(1000, burst=100),
        retry_policy=RetryPolicy(max_retries=2, backoff_base=0.01, backoff_max=0.05),
    )
    with client:
        yield client
    assert loop_threads() == before


# -- the facade is the async API, generated ---------------------------------------------------


def test_the_generated_module_is_current() -> None:
    committed = (ROOT / "facekit" / "sync" / "_generated.py").read_text()
    assert sync_codegen.render() == committed, (
        "facekit/sync/_generated.py is stale: python -m tests.sync_codegen > "
        "facekit/sync/_generated.py"
    )


def same_signature(sync: Any, async_: Any) -> None:
    """Same parameters (names, kinds, defaults) in the same order; the sync one blocks."""
    expected = [(p.name, p.kind, p.default) for p in inspect.signature(async_).parameters.values()]
    actual = [(p.name, p.kind, p.default) for p in inspect.signature(sync).parameters.values()]
    assert actual == expected, sync.__qualname__
    assert not inspect.iscoroutinefunction(sync), sync.__qualname__
    assert inspect.getdoc(sync), sync.__qualname__


def test_every_public_method_of_every_async_resource_has_a_blocking_twin() -> None:
    checked = 0
    for async_cls in sync_codegen.CLASSES:
        sync_cls = getattr(facekit.sync, async_cls.__name__)
        for name in sync_codegen.public_methods(async_cls):
            same_signature(getattr(sync_cls, name), getattr(async_cls, name))
            checked += 1
        assert sync_codegen.public_methods(sync_cls) == sync_codegen.public_methods(async_cls)
    # Every Face operation the async resources offer (a count that grows with the API).
    assert checked > 100


def test_the_client_has_the_async_clients_methods_resources_and_arguments() -> None:
    async_names = set(sync_codegen.public_methods(AsyncFaceClient))
    sync_names = set(sync_codegen.public_methods(FaceClient))
    # aclose is close; the sync client adds `closed`.
    assert async_names - {"aclose"} == sync_names - {"close"}
    for name in sorted(async_names - {"aclose"}):
        if name == "__init__":
            continue
        async_member, sync_member = getattr(AsyncFaceClient, name), getattr(FaceClient, name)
        same_signature(sync_member, async_member)
    async_properties = {n for n, v in vars(AsyncFaceClient).items() if isinstance(v, property)}
    sync_properties = {n for n, v in vars(FaceClient).items() if isinstance(v, property)}
    assert sync_properties == async_properties | {"closed"}
    # The constructor's arguments, but `session`: an aiohttp session belongs to a loop the
    # sync client does not run in.
    async_init = inspect.signature(AsyncFaceClient.__init__).parameters
    sync_init = inspect.signature(FaceClient.__init__).parameters
    assert [(p.name, p.kind, p.default) for p in sync_init.values()] == [
        (p.name, p.kind, p.default) for p in async_init.values() if p.name != "session"
    ]
    async_client = AsyncFaceClient("https://x.cognitiveservices.azure.com", KeyCredential("0" * 32))
    with FaceClient("https://x.cognitiveservices.azure.com", KeyCredential("0" * 32)) as face:
        for name, value in vars(async_client).items():
            if isinstance(value, resources._base.Resource):
                assert type(getattr(face, name)).__name__ == type(value).__name__, name
                assert type(getattr(face, name)).__module__ == "facekit.sync._generated"
    assert loop_threads() == []


@pytest.mark.parametrize(
    ("async_cls", "sync_cls"),
    [
        (aio_polling.Poller, sync_wrappers.Poller),
        (aio_polling.TrainingPoller, sync_wrappers.TrainingPoller),
        (aio_polling.OperationPoller, sync_wrappers.OperationPoller),
        (aio_polling.DirectoryOperationPoller, sync_wrappers.DirectoryOperationPoller),
        (aio_polling.PersonCreationPoller, sync_wrappers.PersonCreationPoller),
        (aio_polling.FaceAdditionPoller, sync_wrappers.FaceAdditionPoller),
    ],
)
def test_every_poller_has_a_blocking_twin_with_its_methods_and_attributes(
    async_cls: type[Any], sync_cls: type[Any]
) -> None:
    public = {n for n in dir(async_cls) if not n.startswith("_")}
    # The attributes each constructor sets, read from its source.
    source = "".join(
        inspect.getsource(k) for k in async_cls.__mro__ if k.__module__ == "facekit.polling"
    )
    public |= {n for n in re_attributes(source) if not n.startswith("_")}
    missing = {n for n in public if not hasattr(sync_cls, n)}
    assert missing == set()
    for name in public:
        member = getattr(async_cls, name, None)
        if inspect.isfunction(member):
            same_signature(getattr(sync_cls, name), member)


def re_attributes(source: str) -> set[str]:
    return set(re.findall(r"^\s+self\.(\w+)(?::[^=]+)? = ", source, re.MULTILINE))


# -- the client against the emulator ----------------------------------------------------------


@pytest.mark.face_emulator(**FAST)
def test_detect_a_group_lifecycle_training_and_identify(face: FaceClient) -> None:
    faces = face.detect(synthetic_face("ann", 1), return_face_id=True)
    assert_type(faces, list[DetectedFace])
    assert len(faces) == 1
    face.person_groups.create("family", name="Family")
    group = face.person_groups.get("family")
    assert_type(group, PersonGroup)
    assert group.name == "Family"
    people = {}
    for name in ("ann", "bob"):
        person = face.person_groups.persons.create("family", name=name)
        people[person.person_id] = name
        for variant in (1, 2):
            face.person_groups.persons.add_face(
                "family", person.person_id, synthetic_face(name, variant)
            )
    poller = face.person_groups.begin_train("family", polling=QUICK)
    assert_type(poller, TrainingPoller)
    assert isinstance(poller, TrainingPoller)
    assert poller.container_id == "family"
    assert poller.collection == "persongroups"
    seen = [status.status.value for status in poller]
    assert seen[-1] == "succeeded"
    final = poller.result(timeout=10)
    assert_type(final, TrainingStatus)
    assert final.status.value == "succeeded"
    assert poller.done()
    assert poller.polls >= 1
    (probe,) = face.detect(synthetic_face("bob", 3), return_face_id=True)
    assert probe.face_id is not None
    (result,) = face.identify([probe.face_id], person_group_id="family")
    assert [people[c.person_id] for c in result.candidates[:1]] == ["bob"]
    face.person_groups.delete("family")


def test_threads_calling_identify_share_requests_when_coalescing(
    face: FaceClient, face_emulator: FaceEmulator
) -> None:
    face.person_groups.create("team", name="Team")
    names = [f"p{i}" for i in range(8)]
    ids = {}
    for name in names:
        person = face.person_groups.persons.create("team", name=name)
        ids[person.person_id] = name
        face.person_groups.persons.add_face("team", person.person_id, synthetic_face(name, 1))
    face.person_groups.begin_train("team", polling=QUICK).result(timeout=10)
    probes = {name: face.detect(synthetic_face(name, 2))[0].face_id for name in names}
    barrier = threading.Barrier(len(names))
    # 1 request/s: a caller that would wait for the limiter anyway waits up to the 0.5 s
    # window for the others instead.
    with FaceClient(
        face_emulator.endpoint,
        KeyCredential(face_emulator.key),
        rate_limiter=RateLimiter(1, burst=1),
        coalesce_identify=0.5,
    ) as shared:

        def who(name: str) -> str:
            face_id = probes[name]
            assert face_id is not None
            barrier.wait()
            (result,) = shared.identify([face_id], person_group_id="team")
            return ids[result.candidates[0].person_id]

        with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
            found = list(pool.map(who, names))
    assert found == names
    # One request, or two when the first caller went before the others arrived (8 uncoalesced).
    assert face_emulator.log.count("Face_Identify") <= 2


def test_a_pager_walks_every_page_and_stops_early_cleanly(
    face: FaceClient, face_emulator: FaceEmulator
) -> None:
    for index in range(5):
        face.large_person_groups.create(f"group-{index}", name=f"G{index}")
    pager = face.large_person_groups.list(top=2)
    assert_type(pager, Pager[LargePersonGroup])
    assert isinstance(pager, Pager)
    assert [g.large_person_group_id for g in pager] == [f"group-{i}" for i in range(5)]
    assert [len(page) for page in pager.pages()] == [2, 2, 1]
    assert len(pager.collect()) == 5
    assert [g.large_person_group_id for g in pager.page()] == ["group-0", "group-1"]
    face_emulator.log.clear()
    for group in face.large_person_groups.list(top=2):
        assert group.large_person_group_id == "group-0"
        break
    # Left after the first page: nothing more was asked for, and the walk was closed.
    assert face_emulator.log.count("LargePersonGroup_List") == 1
    assert face.large_person_groups.list(start="group-3").collect()[0].large_person_group_id == (
        "group-4"
    )


def test_an_error_is_the_async_clients_own_class_with_its_fields(
    face: FaceClient, face_emulator: FaceEmulator
) -> None:
    with pytest.raises(NotFoundError) as caught:
        face.person_groups.get("nobody")
    error = caught.value
    assert type(error) is NotFoundError
    assert error.status == 404
    assert error.code == "PersonGroupNotFound"
    assert error.request_id
    # Nothing of the hand-over between threads is chained to it.
    assert error.__cause__ is None
    assert error.__context__ is None

    async def the_async_way() -> NotFoundError:
        async with AsyncFaceClient(
            face_emulator.endpoint, KeyCredential(face_emulator.key)
        ) as client:
            try:
                await client.person_groups.get("nobody")
            except NotFoundError as exc:
                return exc
        raise AssertionError("no error")

    expected = asyncio.run(the_async_way())
    assert (error.status, error.code, error.message) == (
        expected.status,
        expected.code,
        expected.message,
    )
    findings = secret_findings(error, (face_emulator.key,))
    assert findings == []
    # A bad argument is refused before anything is sent, in the calling thread.
    with pytest.raises(FaceValidationError):
        face.person_groups.create("Not Valid!", name="x")


@pytest.mark.face_emulator(**FAST)
def test_a_poller_resumes_from_its_token_times_out_and_stays_usable(
    face: FaceClient, face_emulator: FaceEmulator
) -> None:
    face.large_face_lists.create("things", name="Things")
    face.large_face_lists.add_face("things", synthetic_face("cid", 1))
    started = face.large_face_lists.begin_train("things", polling=QUICK)
    token = started.continuation_token()
    resumed = face.resume_poller(token, polling=QUICK)
    assert isinstance(resumed, TrainingPoller)
    assert resumed.container_id == "things"
    with pytest.raises(FaceTimeoutError) as caught:
        resumed.result(timeout=0)
    # The call's own TimeoutError, not the wait's: nothing chained to it.
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None
    assert resumed.result(timeout=10).status.value == "succeeded"
    # The same token, in an async client of the same endpoint.

    async def async_resume() -> str:
        async with AsyncFaceClient(
            face_emulator.endpoint, KeyCredential(face_emulator.key)
        ) as client:
            status = await client.resume_poller(token, polling=QUICK)
            return str(status.status.value)

    assert asyncio.run(async_resume()) == "succeeded"
    with pytest.raises(FaceValidationError):
        face.resume_poller("not a token")


@pytest.mark.face_emulator(**FAST, snapshot_base_seconds=0.05, directory_operation_seconds=0.05)
def test_snapshot_and_person_directory_pollers_block_until_done(
    face: FaceClient, face_emulator: FaceEmulator
) -> None:
    face.face_lists.create("shots", name="Shots")
    face.face_lists.add_face("shots", synthetic_face("ann", 1))
    taking = face.snapshots.begin_take(
        "FaceList", "shots", [face_emulator.subscription_id], polling=QUICK
    )
    assert isinstance(taking, OperationPoller)
    assert (taking.purpose, taking.operation_id) == ("take", taking.location.rsplit("/", 1)[1])
    snapshot_id = taking.result(timeout=10)
    assert_type(snapshot_id, str)
    applying = face.snapshots.begin_apply(snapshot_id, "copied", polling=QUICK)
    assert applying.result(timeout=10) == "/facelists/copied"
    assert face.face_lists.get("copied").name == "Shots"

    directory = face.with_options(api_version="v1.2-preview.1")
    creating = directory.person_directory.begin_create_person(name="Ann", polling=QUICK)
    assert isinstance(creating, PersonCreationPoller)
    person_id = creating.person_id
    adding = directory.person_directory.begin_add_face(
        person_id, synthetic_face("ann", 2), recognition_model="recognition_04", polling=QUICK
    )
    assert isinstance(adding, FaceAdditionPoller)
    resumed = directory.person_directory.resume(adding.continuation_token(), polling=QUICK)
    assert isinstance(resumed, FaceAdditionPoller)
    assert creating.result(timeout=10) == person_id
    assert resumed.result(timeout=10) == adding.persisted_face_id
    assert directory.person_directory.get_person(person_id).name == "Ann"


@pytest.mark.face_emulator(**FAST)
def test_two_threads_wait_on_one_poller_and_many_threads_call_one_client(
    face: FaceClient,
) -> None:
    face.person_groups.create("shared", name="Shared")
    person = face.person_groups.persons.create("shared", name="dee")
    face.person_groups.persons.add_face("shared", person.person_id, synthetic_face("dee", 1))
    poller = face.person_groups.begin_train("shared", polling=QUICK)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        waits = [pool.submit(poller.result, 10) for _ in range(2)]
        detections = [
            pool.submit(face.detect, synthetic_face(name, 1), return_face_id=False)
            for name in ("ann", "bob", "cid", "dee", "eve", "fay", "gus", "hal")
        ]
        assert {w.result().status.value for w in waits} == {"succeeded"}
        assert [len(d.result()) for d in detections] == [1] * 8
    # One loop thread served them all.
    assert len(loop_threads()) == 1


def test_it_works_across_two_asyncio_runs_and_inside_a_running_loop(face: FaceClient) -> None:
    async def in_a_loop() -> int:
        # Blocking here is the caller's choice; it runs on the client's own loop.
        return len(face.person_groups.list().collect())

    face.person_groups.create("one", name="One")
    assert asyncio.run(in_a_loop()) == 1
    face.person_groups.create("two", name="Two")
    assert asyncio.run(in_a_loop()) == 2
    assert len(face.person_groups.list().collect()) == 2


async def test_it_can_be_called_from_an_async_test_function(face: FaceClient) -> None:
    assert face.person_groups.list().collect() == []
    await asyncio.sleep(0)


def test_capture_responses_sees_the_calls_of_the_calling_thread(face: FaceClient) -> None:
    with face.capture_responses() as responses:
        face.person_groups.list().collect()
    assert [r.status for r in responses] == [200]
    assert responses[0].request_id


def test_a_copy_shares_the_loop_and_closing_it_leaves_the_original(face: FaceClient) -> None:
    copy = face.with_options(timeout=5, headers={"x-test": "1"})
    assert copy.timeout == 5
    copy.close()
    assert face.person_groups.list().collect() == []
    assert copy.person_groups.list().collect() == []
    assert len(loop_threads()) == 1


# -- the thread: close, interrupts, collection --------------------------------------------------


def test_close_twice_then_a_call_is_a_clear_error(face_emulator: FaceEmulator) -> None:
    face = FaceClient(face_emulator.endpoint, KeyCredential(face_emulator.key))
    assert loop_threads() == []  # started lazily
    face.person_groups.list().collect()
    assert len(loop_threads()) == 1
    face.close()
    face.close()
    assert face.closed
    assert loop_threads() == []
    with pytest.raises(FaceError, match="closed"):
        face.person_groups.list().collect()
    with pytest.raises(FaceError, match="closed"):
        face.detect(synthetic_face("ann", 1))
    # The connections were closed: nothing unclosed is reported when collected.
    gc.collect()


def test_a_never_used_client_starts_no_thread_and_closes(face_emulator: FaceEmulator) -> None:
    with FaceClient(face_emulator.endpoint, KeyCredential(face_emulator.key)) as face:
        assert face.endpoint == face_emulator.endpoint
    assert loop_threads() == []


def test_close_closes_a_callers_transport_even_if_the_client_was_never_used() -> None:
    fake = FakeTransport()
    FaceClient(
        "https://x.cognitiveservices.azure.com", KeyCredential("0" * 32), transport=fake
    ).close()
    assert fake.closed
    assert loop_threads() == []


class StuckTransport(FakeTransport):
    """A transport whose close never ends."""

    async def aclose(self) -> None:
        await asyncio.Event().wait()


def test_a_transport_stuck_closing_does_not_hang_close(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync_portal, "CLOSE_TIMEOUT", 0.3)
    face = FaceClient(
        "https://x.cognitiveservices.azure.com", KeyCredential("0" * 32), transport=StuckTransport()
    )
    started = time.monotonic()
    face.close()
    assert time.monotonic() - started < 2
    assert loop_threads() == []


@pytest.mark.face_emulator(training_queue_seconds=30)
def test_closing_from_another_thread_ends_a_waiting_call_with_a_face_error(
    face_emulator: FaceEmulator,
) -> None:
    face = FaceClient(face_emulator.endpoint, KeyCredential(face_emulator.key))
    face.large_face_lists.create("slow", name="Slow")
    face.large_face_lists.add_face("slow", synthetic_face("ann", 1))
    poller = face.large_face_lists.begin_train("slow", polling=QUICK)
    closer = threading.Timer(0.3, face.close)
    closer.start()
    started = time.monotonic()
    with pytest.raises(FaceError, match="closed while this call was running") as caught:
        poller.result()
    assert time.monotonic() - started < 5
    assert caught.value.__context__ is None
    closer.join()
    assert loop_threads() == []
    gc.collect()


@pytest.mark.face_emulator(training_queue_seconds=30)
def test_a_keyboard_interrupt_while_waiting_cancels_the_call_on_the_loop(
    face_emulator: FaceEmulator,
) -> None:
    assert threading.current_thread() is threading.main_thread()
    with FaceClient(face_emulator.endpoint, KeyCredential(face_emulator.key)) as face:
        face.large_face_lists.create("slow", name="Slow")
        face.large_face_lists.add_face("slow", synthetic_face("ann", 1))
        poller = face.large_face_lists.begin_train("slow", polling=QUICK)
        # As Ctrl-C does: SIGINT to the main thread, blocked in the call.
        main = threading.main_thread().ident
        assert main is not None
        interrupt = threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT))
        interrupt.start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            poller.result()
        assert time.monotonic() - started < 5
        interrupt.join()

        async def tasks_left() -> int:
            await asyncio.sleep(0.05)
            return len(asyncio.all_tasks()) - 1

        # The wait went with the caller: no task polls on for nobody.
        assert face._portal.run(tasks_left()) == 0
        polls = poller.polls
        time.sleep(0.2)
        assert poller.polls == polls
        # The client goes on working.
        assert face.large_face_lists.get("slow").name == "Slow"
    assert loop_threads() == []


def test_a_call_from_a_progress_callback_on_the_loop_thread_is_refused(
    face: FaceClient,
) -> None:
    errors: list[BaseException] = []

    def progress(sent: int, total: int | None) -> None:
        try:
            face.person_groups.get("x")
        except BaseException as exc:
            errors.append(exc)

    face.detect(synthetic_face("ann", 1), return_face_id=False, progress=progress)
    assert errors
    assert all(isinstance(e, FaceError) for e in errors)
    assert "its own event loop thread" in str(errors[0])


SIGNAL_SCRIPT = """
import asyncio, sys, time
from facekit import AccessToken, FaceError, KeyCredential
from facekit.emulator import synthetic_face
from facekit.sync import FaceClient

endpoint, key, where, kind = sys.argv[1:]
error = {"SystemExit": SystemExit(3), "KeyboardInterrupt": KeyboardInterrupt()}[kind]


class Token:
    calls = 0

    async def get_token(self, *scopes):
        Token.calls += 1
        if Token.calls == 1:
            raise error
        return AccessToken("not-a-token-the-emulator-knows", int(time.time()) + 3600)


def progress(sent, total):
    raise error


image = synthetic_face("ann", 1)
if where == "progress":
    face = FaceClient(endpoint, KeyCredential(key))
    call = lambda: face.detect(image, return_face_id=False, progress=progress)
elif where == "task":
    face = FaceClient(endpoint, KeyCredential(key))

    async def spawn():
        async def inner():
            raise error

        await asyncio.get_running_loop().create_task(inner())

    call = lambda: face._portal.run(spawn())
else:
    face = FaceClient(endpoint, Token())
    call = lambda: face.person_groups.list().collect()
for attempt in range(2):
    try:
        result = call()
        print("result", len(result))
    except FaceError as caught:
        print(type(caught).__name__, getattr(caught, "parameter", "-"), caught)
if where == "progress":
    print("after", len(face.detect(image, return_face_id=False)))
if where == "task":
    print("after", len(face.person_groups.list().collect()))
face.close()
print("closed")
"""


def run_python(*arguments: str) -> subprocess.CompletedProcess[str]:
    """Run this Python with `arguments` (at most 30 s); it must exit 0."""
    done = subprocess.run(
        [sys.executable, *arguments],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.parametrize("kind", ["SystemExit", "KeyboardInterrupt"])
@pytest.mark.parametrize("where", ["progress", "get_token", "task"])
def test_a_system_exit_on_the_loop_thread_is_a_face_error_and_the_client_goes_on(
    face_emulator: FaceEmulator, where: str, kind: str
) -> None:
    arguments = [face_emulator.endpoint, face_emulator.key, where, kind]
    done = run_python("-W", "error", "-X", "dev", "-c", SIGNAL_SCRIPT, *arguments)
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    if where == "progress":
        # Each time: the callback's own error, named; nothing sent twice or left running.
        expected = f"FaceValidationError progress progress: the progress callback raised {kind}"
        assert lines[0].startswith(expected), lines
        assert lines[1].startswith(expected), lines
        assert lines[2:] == ["after 1", "closed"]
    elif where == "task":
        # A task the call awaits raised it: asyncio lets it out of the loop, which goes on.
        assert lines[0].startswith("FaceError - "), lines
        assert lines[1].startswith("FaceError - "), lines
        assert kind in lines[0]
        assert lines[2:] == ["after 0", "closed"]
    else:
        assert lines[0].startswith("FaceError - "), lines
        assert kind in lines[0]
        # The loop lives on: the next call reaches the service (which knows no such token).
        assert lines[1].startswith("AuthenticationError"), lines
        assert lines[2:] == ["closed"]


def test_a_client_dropped_without_close_is_closed_when_collected(
    face_emulator: FaceEmulator,
) -> None:
    face = FaceClient(face_emulator.endpoint, KeyCredential(face_emulator.key))
    face.person_groups.list().collect()
    (thread,) = loop_threads()
    del face
    gc.collect()
    thread.join(5)
    assert not thread.is_alive()
    # Its aiohttp session was closed: collecting it warns of nothing (filterwarnings=error).
    gc.collect()


SCRIPT = """
import sys
from facekit import KeyCredential
from facekit.sync import FaceClient
face = FaceClient(sys.argv[1], KeyCredential(sys.argv[2]))
print(len(face.person_groups.list().collect()))
# No close(): the interpreter must still exit, and close it on the way out.
"""


def test_a_script_that_never_closes_its_client_exits_at_once(
    face_emulator: FaceEmulator,
) -> None:
    started = time.monotonic()
    done = run_python("-W", "error", "-c", SCRIPT, face_emulator.endpoint, face_emulator.key)
    assert done.stdout.strip() == "0"
    assert "Unclosed" not in done.stderr
    assert done.stderr == ""
    assert time.monotonic() - started < 20


FORK_SCRIPT = """
import os, sys
from facekit import FaceError, KeyCredential
from facekit.sync import FaceClient
face = FaceClient(sys.argv[1], KeyCredential(sys.argv[2]))
face.person_groups.list().collect()  # the parent's loop thread is running
pid = os.fork()
if pid == 0:
    # The child has the client, not its loop thread (a Celery or gunicorn worker).
    try:
        face.person_groups.list().collect()
    except FaceError as error:
        print("child:", error, flush=True)
        os._exit(0)
    os._exit(3)
_, status = os.waitpid(pid, 0)
print("parent:", len(face.person_groups.list().collect()), os.waitstatus_to_exitcode(status))
face.close()
"""


def test_a_client_inherited_through_fork_says_so_instead_of_hanging(
    face_emulator: FaceEmulator,
) -> None:
    done = run_python("-c", FORK_SCRIPT, face_emulator.endpoint, face_emulator.key)
    lines = done.stdout.splitlines()
    assert lines[0].startswith("child: this facekit.sync.FaceClient was started in another process")
    assert lines[1] == "parent: 0 0"


# -- secrets and arguments ------------------------------------------------------------------

#: Looks like a real token, so that any leak is found by a plain search.
ISV_TOKEN = "isv-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
BAD_TOKENS: tuple[Any, ...] = ("", f"{ISV_TOKEN}\r\nX-Injected: 1")


@pytest.mark.parametrize("index", range(len(BAD_TOKENS)))
def test_an_unusable_token_is_refused_without_showing_it(index: int) -> None:
    endpoint = "https://x.cognitiveservices.azure.com"
    with pytest.raises(FaceValidationError) as caught:
        FaceClient(endpoint, KeyCredential("0" * 32), limited_access_token=BAD_TOKENS[index])
    findings = secret_findings(caught.value, (ISV_TOKEN,))
    assert findings == []
    with (
        FaceClient(endpoint, KeyCredential("0" * 32)) as face,
        pytest.raises(FaceValidationError) as copied,
    ):
        face.with_options(limited_access_token=BAD_TOKENS[index])
    findings = secret_findings(copied.value, (ISV_TOKEN,))
    assert findings == []


def test_another_bad_option_beside_the_token_does_not_show_it() -> None:
    with pytest.raises(FaceValidationError) as caught:
        FaceClient(
            "https://x.cognitiveservices.azure.com",
            KeyCredential("0" * 32),
            limited_access_token=ISV_TOKEN,
            timeout=-1,
        )
    assert caught.value.parameter == "timeout"
    findings = secret_findings(caught.value, (ISV_TOKEN,))
    assert findings == []
    assert loop_threads() == []
