"""A training started by one process and awaited by another, through a continuation token.

A web request or a job scheduler should not sit for minutes waiting for a training. This
sample starts the training, stores the poller's continuation token with the job (here a
JSON file in a temporary folder, standing in for a job queue) and lets a SECOND PROCESS,
a background worker, rebuild the poller from the token and await the end. The token is
versioned JSON naming the operation; it holds no key, so it can sit in a queue or a
database. The worker brings its own credentials.

    python samples/background_worker.py
        starts facekit's Face emulator, enrolls a few people, begins a training, writes the
        job file, runs the worker below as a subprocess and prints what it printed.

    FACE_ENDPOINT=... FACE_KEY=... python samples/background_worker.py resume --token-file F
        the worker: resumes the poller of job file F and waits for the training to end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from facekit import FaceClient, FaceError, KeyCredential, NotFoundError, PollingPolicy
from facekit.bulk import enroll_people
from facekit.emulator import EmulatorSettings, FaceEmulator, synthetic_face

GROUP = "facekit-worker-demo"
PEOPLE = ("anna", "bill", "clara", "dev", "eve")


def write_job(path: Path, group_id: str, token: str) -> None:
    job = {
        "job": "train",
        "largePersonGroupId": group_id,
        "continuationToken": token,
        "queuedAt": datetime.now(UTC).isoformat(),
    }
    # Write then rename, so a worker never reads half a job.
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(job, indent=2))
    partial.replace(path)


def read_token(path: Path) -> str:
    job: dict[str, Any] = json.loads(path.read_text())
    token = job.get("continuationToken")
    if not isinstance(token, str):
        raise SystemExit(f"{path} holds no continuation token")
    return token


# -- worker B: the second process -----------------------------------------------------------


async def resume(token_file: Path, wait_seconds: float) -> int:
    endpoint, key = os.environ.get("FACE_ENDPOINT"), os.environ.get("FACE_KEY")
    if not (endpoint and key):
        print("resume needs FACE_ENDPOINT and FACE_KEY", file=sys.stderr)
        return 2
    token = read_token(token_file)
    started = time.monotonic()
    async with FaceClient(endpoint, KeyCredential(key)) as face:
        # Short polls suit a demo training of seconds; the default starts at 1 s.
        poller = face.resume_poller(token, polling=PollingPolicy(initial=0.2))
        print(f"[worker {os.getpid()}] resumed {type(poller).__name__} from {token_file.name}")
        try:
            # One poll now, to show the job was still going when this process took it over.
            first = await poller.refresh()
            seen = str(first.status) if first is not None else "not started yet"
            print(f"[worker {os.getpid()}] status when resumed: {seen}")
            await poller.result(timeout=wait_seconds)
        except FaceError as exc:
            print(f"[worker {os.getpid()}] failed: {exc}")
            return 1
        word = str(poller.status.status) if poller.status is not None else "unknown"
        print(
            f"[worker {os.getpid()}] training {word} after {poller.polls} polls "
            f"in {time.monotonic() - started:.1f} s"
        )
    return 0 if word == "succeeded" else 1


# -- worker A: starts the job and hands it over ---------------------------------------------


async def start_and_hand_over(endpoint: str, key: str, wait_seconds: float) -> int:
    people = {name: [synthetic_face(name, v) for v in range(2)] for name in PEOPLE}
    async with FaceClient(endpoint, KeyCredential(key)) as face:
        # The sample's own group: start from scratch, so a second run adds no duplicates.
        with contextlib.suppress(NotFoundError):
            await face.large_person_groups.delete(GROUP)
        report = await enroll_people(
            face, GROUP, people, large=True, recognition_model="recognition_04"
        )
        print(f"enrolled {report.persons_created} people, {report.faces_added} faces")
        poller = await face.large_person_groups.begin_train(GROUP)
        token = poller.continuation_token()

    # The client is closed already: from here on only the token carries the job.
    with tempfile.TemporaryDirectory(prefix="facekit-jobs-") as jobs:
        job_file = Path(jobs) / "train-job.json"
        write_job(job_file, GROUP, token)
        print(
            f"[starter {os.getpid()}] training queued; job written to {job_file.name} "
            f"({len(token)}-char token)"
        )

        # The key travels in the environment, not on the command line other users can see.
        env = {**os.environ, "FACE_ENDPOINT": endpoint, "FACE_KEY": key}
        command = [sys.executable, __file__, "resume", "--token-file", str(job_file)]
        command += ["--timeout", str(wait_seconds)]
        # Asynchronous, because the emulator serves from this very event loop.
        worker = await asyncio.create_subprocess_exec(
            *command,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(worker.communicate(), wait_seconds + 30)
        except TimeoutError:
            worker.kill()
            await worker.wait()
            print("the second process hung and was stopped", file=sys.stderr)
            return 1
    print(f"second process exited with {worker.returncode}; it printed:")
    for line in out.decode().splitlines():
        print(f"  | {line}")
    if err:
        print(err.decode(), file=sys.stderr, end="")

    async with FaceClient(endpoint, KeyCredential(key)) as face:
        status = await face.large_person_groups.get_training_status(GROUP)
        await face.large_person_groups.delete(GROUP)
    print(f"training status seen by the first process afterwards: {status.status}")
    return worker.returncode or (0 if status.status == "succeeded" else 1)


async def demo(wait_seconds: float) -> int:
    print("no FACE_ENDPOINT/FACE_KEY set: using facekit's built-in Face emulator")
    # A slower training than the default, so the second process really has to wait.
    settings = EmulatorSettings(training_base_seconds=2)
    async with FaceEmulator(settings=settings) as emulator:
        return await start_and_hand_over(emulator.endpoint, emulator.key, wait_seconds)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Hand a training over to another process.")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait at most")
    commands = parser.add_subparsers(dest="command")
    worker = commands.add_parser("resume", help="resume a poller from a job file and await it")
    worker.add_argument("--token-file", type=Path, required=True)
    # SUPPRESS: an absent option must not reset one given before "resume".
    worker.add_argument("--timeout", type=float, default=argparse.SUPPRESS)
    return parser.parse_args(argv)


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "resume":
        return await resume(args.token_file, args.timeout)
    endpoint, key = os.environ.get("FACE_ENDPOINT"), os.environ.get("FACE_KEY")
    if endpoint and key:
        return await start_and_hand_over(endpoint, key, args.timeout)
    return await demo(args.timeout)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
