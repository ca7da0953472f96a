"""Bulk enrollment under a matrix of faults, killed three times, checked on the service.

Run: python benchmarks/fault_matrix.py [--persons 200 --per-person 10 --seed 1]

An emulator (no rate limit) sits behind a SlowCommitProxy that holds 5 % of the adds
past the client's 1 s timeout, so that they land after the client gave up. The emulator
answers adds with 10 % 503 (nothing done), 10 % 500 after committing, 10 % 429, 5 %
resets before and 5 % after committing, and person creates and lookups with 10 % and 5 %
503. `facekit enroll` runs as a child process with a journal; it is SIGKILLed once 25 %,
50 % and 75 % of the images are done (each time on a resumed run), then run again until
a run reports everything enrolled. The service is then read back: every image must be
there once, under its own person, nothing else.

The last line reads:
  expected=E present=P duplicated=D missing=M duplicate_persons=Q killed=K runs=R ok=True
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facekit import FaceClient, KeyCredential, RateLimiter  # noqa: E402
from facekit.bulk import plan_people  # noqa: E402
from facekit.bulk.plan import person_tag  # noqa: E402
from facekit.emulator import EmulatorSettings, FaceEmulator, synthetic_face  # noqa: E402
from facekit.emulator.proxy import SlowCommitProxy  # noqa: E402

GROUP = "fault-matrix"
ADD = "LargePersonGroupPerson_AddFace*"


@attrs.frozen(kw_only=True)
class MatrixResult:
    expected: int
    present: int
    duplicated: int
    missing: int
    duplicate_persons: int
    foreign: int
    killed: int
    runs: int
    slow_commits: int
    report: dict[str, object]
    elapsed: float

    @property
    def ok(self) -> bool:
        return (
            self.present == self.expected
            and self.duplicated == self.missing == self.duplicate_persons == self.foreign == 0
            and self.report.get("ok") is True
            and self.report.get("facesEnrolled") == self.expected
        )

    def line(self) -> str:
        return (
            f"expected={self.expected} present={self.present} duplicated={self.duplicated} "
            f"missing={self.missing} duplicate_persons={self.duplicate_persons} "
            f"killed={self.killed} runs={self.runs} ok={self.ok}"
        )


def inject_faults(emulator: FaceEmulator) -> None:
    """The issue's matrix; each fault draws among the requests the ones before let through."""
    emulator.inject(ADD, status=503, probability=0.10, times=None)
    emulator.inject(ADD, status=500, commit=True, probability=0.10 / 0.90, times=None)
    emulator.inject(ADD, status=429, retry_after=0.05, probability=0.10 / 0.80, times=None)
    emulator.inject(ADD, reset="before", probability=0.05 / 0.70, times=None)
    emulator.inject(ADD, reset="after", probability=0.05 / 0.65, times=None)
    emulator.inject("LargePersonGroupPerson_Create", status=503, probability=0.10, times=None)
    emulator.inject("LargePersonGroupPerson_Get*", status=503, probability=0.05, times=None)
    emulator.inject("LargePersonGroupPerson_List", status=503, probability=0.05, times=None)


def make_folder(root: Path, persons: int, per_person: int) -> Path:
    for p in range(persons):
        folder = root / f"p{p:04d}"
        folder.mkdir(parents=True)
        for v in range(per_person):
            (folder / f"{v}.png").write_bytes(synthetic_face(f"p{p:04d}", v))
    return root


async def run_cli(
    endpoint: str, key: str, folder: Path, journal: Path, kill_at: float | None
) -> tuple[int | None, dict[str, object] | None]:
    """One `facekit enroll` child; SIGKILLed once `kill_at` of the images are done."""
    env = {**os.environ, "FACE_ENDPOINT": endpoint, "FACE_KEY": key}
    command = [
        sys.executable, "-m", "facekit", "enroll", str(folder), "--group", GROUP, "--large",
        "--journal", str(journal), "--timeout", "1", "--rate-limit", "2000",
        "--concurrency", "16", "--json",
    ]  # fmt: skip
    child = await asyncio.create_subprocess_exec(
        *command,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stderr is not None
    killed = False
    async for raw in child.stderr:
        line = raw.decode(errors="replace")
        if kill_at is None or not line.startswith("enrolling:"):
            continue
        done, total = (int(n) for n in line.split()[1].split("/"))
        if done >= kill_at * total:
            child.send_signal(signal.SIGKILL)
            killed = True
            break
    out = await child.stdout.read()
    code = await child.wait()
    if killed:
        return None, None
    report = json.loads(out) if out.strip() else None
    return code, report


async def read_back(face: FaceClient, folder: Path) -> dict[str, int]:
    """Count what the service holds against the images of the folder."""
    plan = plan_people(folder)
    persons = face.large_person_groups.persons
    by_tag: dict[str, list[str]] = {}
    for person in [p async for p in persons.list(GROUP)]:
        by_tag.setdefault(person.user_data or "", []).append(person.person_id)
    duplicate_persons = sum(len(ids) - 1 for ids in by_tag.values() if len(ids) > 1)
    present = duplicated = missing = foreign = 0
    for owner in plan.owners:
        ids = by_tag.get(person_tag(owner.name), [])
        tags: list[str] = []
        for person_id in ids:
            person = await persons.get(GROUP, person_id)
            for face_id in person.persisted_face_ids:
                stored = await persons.get_face(GROUP, person_id, face_id)
                tags.append(stored.user_data or "")
        wanted = {image.tag for image in owner.images}
        present += len(wanted & set(tags))
        missing += len(wanted - set(tags))
        duplicated += sum(tags.count(tag) - 1 for tag in set(tags) if tag in wanted)
        foreign += sum(1 for tag in tags if tag not in wanted)
    return {
        "present": present,
        "duplicated": duplicated,
        "missing": missing,
        "duplicate_persons": duplicate_persons,
        "foreign": foreign,
    }


async def run_fault_matrix(
    workdir: Path, *, persons: int = 200, per_person: int = 10, seed: int = 1, max_runs: int = 10
) -> MatrixResult:
    """Build the folder, run the killed and resumed enrollments, read the service back."""
    started = time.monotonic()
    folder = make_folder(workdir / "photos", persons, per_person)
    journal = workdir / "enroll.journal"
    settings = EmulatorSettings(training_base_seconds=0.05, write_seconds=0.0)
    async with FaceEmulator(settings=settings, seed=seed) as emulator:
        inject_faults(emulator)
        async with SlowCommitProxy(
            emulator.endpoint, delay=1.5, probability=0.05, seed=seed
        ) as proxy:
            killed = runs = 0
            report: dict[str, object] | None = None
            for kill_at in (0.25, 0.50, 0.75, *([None] * max_runs)):
                runs += 1
                _code, report = await run_cli(
                    proxy.endpoint, emulator.key, folder, journal, kill_at
                )
                if kill_at is not None:
                    killed += 1
                    continue
                if report is not None and report.get("ok") is True:
                    break
            await proxy.drain()
            emulator.faults.clear()
            async with FaceClient(
                emulator.endpoint, KeyCredential(emulator.key), rate_limiter=RateLimiter(5000)
            ) as face:
                counts = await read_back(face, folder)
            slow = proxy.delayed
    return MatrixResult(
        expected=persons * per_person,
        killed=killed,
        runs=runs,
        slow_commits=slow,
        report=report or {},
        elapsed=time.monotonic() - started,
        **counts,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=200)
    parser.add_argument("--per-person", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="facekit-faults-") as scratch:
        result = asyncio.run(
            run_fault_matrix(
                Path(scratch), persons=args.persons, per_person=args.per_person, seed=args.seed
            )
        )
    report = result.report
    print(
        f"fault matrix: {result.expected} images, {result.runs} runs ({result.killed} killed), "
        f"{result.slow_commits} adds held past the client timeout, {result.elapsed:.1f} s"
    )
    print(
        "last report: "
        + ", ".join(
            f"{key}={report.get(key)}"
            for key in ("facesAdded", "facesFound", "facesSettled", "duplicatesRemoved")
        )
    )
    print(result.line())
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
