"""Bulk enrollment as arq jobs on a real redis-server, with workers in other processes."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from arq import create_pool

from facekit import FaceClient, KeyCredential, RateLimiter
from facekit.bulk import EnrollmentProgress, enroll_people
from facekit.cli import EXIT_OK, EXIT_USAGE, main
from facekit.distributed.enrollment import (
    QUEUE_NAME,
    enqueue_enrollment,
    enroll_with_queue,
    redis_settings,
    wait_for_enrollment,
)
from facekit.emulator import EmulatorSettings, FaceEmulator
from facekit.emulator import synthetic_face as photo
from facekit.errors import FaceValidationError

from .bulk_support import census, family
from .redis_server import RedisServer, running_redis

WORKER = textwrap.dedent(
    """
    import os, sys
    from arq.worker import Worker
    from facekit.distributed.enrollment import worker_settings

    redis_url, endpoint, key, job_timeout, burst = sys.argv[1:6]
    settings = worker_settings(
        redis_url, endpoint=endpoint, key=key, rate=500, timeout=1.0,
        job_timeout=float(job_timeout), max_jobs=3, burst=burst == "burst",
        handle_signals=False,
    )
    print("worker up", flush=True)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # nobody reads on after this line
    Worker(**settings).run()
    """
)
SETTINGS = EmulatorSettings(
    training_queue_seconds=0.01, training_base_seconds=0.05, training_seconds_per_face=0.0
)


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture
async def emulator() -> AsyncIterator[FaceEmulator]:
    async with FaceEmulator(settings=SETTINGS) as emu:
        yield emu


async def start_worker(
    redis: RedisServer, emu: FaceEmulator, job_timeout: float = 20, *, burst: bool = True
) -> asyncio.subprocess.Process:
    """A worker process; in burst mode it ends when the queue is empty (so start it after
    the jobs are enqueued); its log is discarded."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WORKER, redis.url, emu.endpoint, emu.key, str(job_timeout),
        "burst" if burst else "forever",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    await asyncio.wait_for(process.stdout.readline(), 30)
    return process


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
    await process.wait()


def client_for(emu: FaceEmulator) -> FaceClient:
    return FaceClient(emu.endpoint, KeyCredential(emu.key), rate_limiter=RateLimiter(500))


async def test_workers_enroll_every_person_once_and_report_like_one_process(
    redis: RedisServer, emulator: FaceEmulator, tmp_path: Path
) -> None:
    root = family(tmp_path / "p", people=8, per_person=3)
    workers = [await start_worker(redis, emulator, burst=False) for _ in range(2)]
    seen: list[EnrollmentProgress] = []
    try:
        async with client_for(emulator) as face:
            report = await enroll_with_queue(
                redis.url, face, "g", root, large=True, train=True, progress=seen.append
            )
            assert (report.persons_created, report.faces_added, report.failures) == (8, 24, [])
            assert report.training is not None
            assert report.training.status == "succeeded"
            assert report.ok
            assert await census(face, "g") == (8, 24, 24)
            assert seen[-1].images_done == 24
            # Run again: the same report a single process gives on a rerun.
            again = await enroll_with_queue(redis.url, face, "g", root, large=True)
            single = await enroll_people(face, "g", root, large=True)
            for counts in (again, single):
                assert (counts.persons_found, counts.faces_found, counts.faces_added) == (8, 24, 0)
    finally:
        for worker in workers:
            await stop(worker)


async def test_a_job_is_enqueued_once_whoever_asks(
    redis: RedisServer, emulator: FaceEmulator, tmp_path: Path
) -> None:
    root = family(tmp_path / "p", people=4, per_person=1)
    pool = await create_pool(redis_settings(redis.url))
    try:
        async with client_for(emulator) as face:
            first = await enqueue_enrollment(pool, face, "g", root, large=True)
            second = await enqueue_enrollment(pool, face, "g", root, large=True)
            assert first.job_ids == second.job_ids
            assert await pool.zcard(QUEUE_NAME) == 4
            worker = await start_worker(redis, emulator)
            report = await wait_for_enrollment(pool, face, second)
            await asyncio.wait_for(worker.wait(), 30)
            assert (report.faces_added, report.failures) == (4, [])
    finally:
        await pool.aclose()


async def test_a_killed_worker_leaves_its_job_to_another_and_nothing_doubles(
    redis: RedisServer, emulator: FaceEmulator, tmp_path: Path
) -> None:
    root = family(tmp_path / "p", people=6, per_person=4)
    # Slow adds: the kill lands while the first worker is inside its jobs.
    emulator.inject("LargePersonGroupPerson_AddFace*", latency=0.15, times=None)
    async with client_for(emulator) as face:
        pool = await create_pool(redis_settings(redis.url))
        try:
            run = await enqueue_enrollment(pool, face, "g", root, large=True, settle_window=0.3)
            first = await start_worker(redis, emulator, job_timeout=2)
            # The worker is another process: its progress shows only in the emulator's log.
            while emulator.log.count("LargePersonGroupPerson_AddFace*") < 3:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            os.kill(first.pid, signal.SIGKILL)
            await first.wait()
            second = await start_worker(redis, emulator, job_timeout=2)
            report = await asyncio.wait_for(wait_for_enrollment(pool, face, run), 120)
            await asyncio.wait_for(second.wait(), 60)
        finally:
            await pool.aclose()
        assert report.failures == []
        assert report.faces_added + report.faces_found + report.faces_settled == 24
        # The dead worker's faces were found by the jobs run again, not added twice.
        assert report.faces_found + report.faces_settled >= 3
        assert await census(face, "g") == (6, 24, 24)


async def test_jobs_carry_paths_or_urls_not_bytes(
    redis: RedisServer, emulator: FaceEmulator
) -> None:
    pool = await create_pool(redis_settings(redis.url))
    try:
        async with client_for(emulator) as face:
            with pytest.raises(FaceValidationError, match="not bytes"):
                await enqueue_enrollment(pool, face, "g", {"ann": [photo("ann")]})
    finally:
        await pool.aclose()
    assert emulator.log.count() == 0


def test_a_queue_url_must_be_redis() -> None:
    with pytest.raises(FaceValidationError, match="redis://"):
        redis_settings("http://localhost:6379")


def test_facekit_enroll_on_a_queue_with_facekit_workers(
    redis: RedisServer, face_emulator: FaceEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line end to end: `facekit worker` twice, `facekit enroll --queue`."""
    monkeypatch.setenv("FACE_ENDPOINT", face_emulator.endpoint)
    monkeypatch.setenv("FACE_KEY", face_emulator.key)
    root = family(tmp_path / "p", people=5, per_person=2)
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "facekit",
                "worker",
                "--queue",
                redis.url,
                "--rate-limit",
                "200",
                "--timeout",
                "2",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(
                ["enroll", str(root), "--group", "g", "--large", "--queue", redis.url,
                 "--rate-limit", "200", "--json"]
            )  # fmt: skip
        assert code == EXIT_OK
        report = json.loads(out.getvalue())
        assert (report["personsCreated"], report["facesAdded"], report["ok"]) == (5, 10, True)
        assert face_emulator.log.count("LargePersonGroupPerson_AddFace*", status=200) == 10
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["worker"], "--queue"),
        (["worker", "--queue", "redis://127.0.0.1:1/0", "--job-timeout", "inf"], "job-timeout"),
        (["worker", "--queue", "http://x"], "redis://"),
    ],
)
def test_worker_mistakes_exit_2(
    argv: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FACE_ENDPOINT", "https://x.cognitiveservices.azure.com")
    monkeypatch.setenv("FACE_KEY", "k")
    monkeypatch.delenv("FACEKIT_QUEUE", raising=False)
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("facekit: error:")
    assert message in err


def test_enroll_on_a_queue_needs_an_endpoint_and_no_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FACE_ENDPOINT", raising=False)
    root = family(tmp_path / "p", people=1, per_person=1)
    base = ["enroll", str(root), "--group", "g", "--queue", "redis://127.0.0.1:1/0"]
    assert main(base) == EXIT_USAGE
    assert "FACE_ENDPOINT" in capsys.readouterr().err
    assert main([*base, "--journal", str(tmp_path / "j")]) == EXIT_USAGE
    assert "keeps no journal" in capsys.readouterr().err
