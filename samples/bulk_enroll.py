"""Bulk enrollment of a folder of people, interrupted halfway and resumed from its journal.

`facekit.bulk.enroll_people` enrolls many persons concurrently and records every step in a
journal (an sqlite file). When a run stops part way (a crash, a deploy, Ctrl-C), running
it again with the same journal finishes the job: persons and faces already enrolled are
skipped, and faces whose upload was in flight when the run stopped are looked up on the
service ("settled") instead of being sent twice.

The sample lays out `root/<person>/<images>` (12 made-up people x 4 pictures) in a temporary
folder, starts an enrollment with concurrency 6 and cancels it after about half of the
images, then runs it again with the same journal, prints the report, and counts the faces
of every person on the service to show that nothing was enrolled twice.

    python samples/bulk_enroll.py                    # against facekit's Face emulator
    python samples/bulk_enroll.py photos/            # your own root/<person>/<images> folder
    FACE_ENDPOINT=... FACE_KEY=... python samples/bulk_enroll.py photos/ --group staff

Options: --persons, --images (of the generated folder), --concurrency, --journal FILE (kept
between invocations), --group.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from facekit import FaceClient, KeyCredential, NotFoundError, RateLimiter
from facekit.bulk import (
    EnrollmentProgress,
    EnrollmentReport,
    SettlePolicy,
    enroll_people,
    people_from_folder,
)
from facekit.emulator import EmulatorSettings, FaceEmulator, synthetic_face
from facekit.models import RecognitionModelName

NAMES = ("ada", "ben", "cleo", "dara", "eli", "fay", "gus", "hana", "ivo", "jun", "kai", "lea")
MODEL: RecognitionModelName = "recognition_04"
# Adds in flight when a run is interrupted may still land on the service, for as long as
# the request could have taken (the client's timeout) plus a settle window. The resumed run
# waits that long before it decides that one did not land and sends it again. The defaults
# (60 s and the timeout again) suit a slow real service; the emulator answers in
# milliseconds, so this sample uses 3 s and 1 s.
TIMEOUT = 3.0
SETTLE = SettlePolicy(window=1.0)
BAR_WIDTH = 24


def make_folder(root: Path, persons: int, images: int) -> Path:
    """Write root/<person>/<n>.png pictures of made-up people."""
    for index in range(persons):
        name = NAMES[index] if index < len(NAMES) else f"person-{index:02d}"
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for variant in range(images):
            (folder / f"{variant:02d}.png").write_bytes(synthetic_face(name, variant))
    return root


class ProgressLine:
    """A one-line progress indicator, redrawn in place on a terminal.

    When the output is a file or a pipe, it writes a line per quarter instead, so that logs
    do not fill with carriage returns.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.live = sys.stdout.isatty()
        self.last: EnrollmentProgress | None = None
        self.quarter = 0

    def text(self, progress: EnrollmentProgress) -> str:
        filled = round(progress.fraction * BAR_WIDTH)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        failed = f", {progress.images_failed} failed" if progress.images_failed else ""
        return (
            f"{self.label} [{bar}] {progress.images_done}/{progress.images_total} images"
            f"{failed}, {progress.persons_done}/{progress.persons_total} persons"
        )

    def __call__(self, progress: EnrollmentProgress) -> None:
        self.last = progress
        if self.live:
            print(f"\r{self.text(progress)}", end="", flush=True)
            return
        quarter = int(progress.fraction * 4)
        if 0 < quarter < 4 and quarter > self.quarter:
            self.quarter = quarter
            print(self.text(progress), flush=True)

    def end(self, note: str = "") -> None:
        """Finish the line with the final state."""
        if self.last is None:
            print(f"{self.label}: nothing to do {note}".rstrip())
            return
        head = "\r" if self.live else ""
        print(f"{head}{self.text(self.last)} {note}".rstrip(), flush=True)


async def interrupted_run(
    face: FaceClient, group_id: str, root: Path, journal: Path, concurrency: int
) -> int:
    """Enroll until about half of the images are in, then cancel; images done so far."""
    total = sum(len(images) for images in people_from_folder(root).values())
    halfway = asyncio.Event()
    line = ProgressLine("run 1")

    def progress(state: EnrollmentProgress) -> None:
        line(state)
        if state.images_done >= total // 2:
            halfway.set()

    run = asyncio.create_task(
        enroll_people(
            face,
            group_id,
            root,
            journal=journal,
            concurrency=concurrency,
            recognition_model=MODEL,
            train=True,
            settle=SETTLE,
            progress=progress,
        )
    )
    stop = asyncio.create_task(halfway.wait())
    await asyncio.wait({run, stop}, return_when=asyncio.FIRST_COMPLETED)
    stop.cancel()
    if run.done():
        # Nothing left to interrupt (a journal from an earlier, complete run).
        run.result()
        line.end("(finished before the interruption)")
        return total
    # Like a Ctrl-C or a redeploy: requests in flight are abandoned mid-way.
    run.cancel()
    try:
        await run
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
    done = line.last.images_done if line.last else 0
    line.end("INTERRUPTED")
    print(f"run 1 cancelled after {done} of {total} images")
    return done


async def resumed_run(
    face: FaceClient, group_id: str, root: Path, journal: Path, concurrency: int
) -> EnrollmentReport:
    line = ProgressLine("run 2")
    report = await enroll_people(
        face,
        group_id,
        root,
        journal=journal,
        concurrency=concurrency,
        recognition_model=MODEL,
        train=True,
        settle=SETTLE,
        progress=line,
    )
    line.end()
    training = report.training.status if report.training else "not run"
    print(
        f"run 2 report ({report.elapsed:.2f} s):\n"
        f"  persons created:  {report.persons_created} (already there: {report.persons_found})\n"
        f"  faces added:      {report.faces_added}\n"
        f"  already enrolled: {report.faces_found}\n"
        f"  settled:          {report.faces_settled}\n"
        f"  failures:         {len(report.failures)}\n"
        f"  training:         {training}"
    )
    for failure in report.failures:
        print(f"    {failure.person}/{failure.image}: {failure.code} {failure.reason}")
    return report


async def check_no_duplicates(face: FaceClient, group_id: str, root: Path) -> bool:
    """Compare what the service holds with the folder: one person each, one face per image."""
    wanted = {name: len(images) for name, images in people_from_folder(root).items()}
    found: dict[str, int] = {}
    persons = 0
    async for person in face.person_groups.persons.list(group_id):
        persons += 1
        name = person.name or person.person_id
        found[name] = found.get(name, 0) + len(person.persisted_face_ids)
    counts = sorted(set(found.values()))
    shown = f"all {counts[0]}" if len(counts) == 1 else f"from {counts[0]} to {counts[-1]}"
    print(f"on the service: {persons} persons, faces per person {shown}")
    ok = persons == len(wanted) and found == wanted
    print("no duplicates, nothing missing" if ok else "MISMATCH with the folder")
    return ok


async def enroll_twice(
    endpoint: str, key: str, args: argparse.Namespace, rate_limiter: RateLimiter | None = None
) -> int:
    with tempfile.TemporaryDirectory(prefix="facekit-bulk-") as scratch:
        if args.folder is not None:
            root = Path(args.folder)
        else:
            # Drawing and writing the pictures blocks: keep it off the event loop, which
            # also serves the emulator.
            root = await asyncio.to_thread(
                make_folder, Path(scratch) / "people", args.persons, args.images
            )
            print(f"made {args.persons} persons x {args.images} images in {root}")
        journal = Path(args.journal) if args.journal else Path(scratch) / "enroll.journal"
        async with FaceClient(
            endpoint, KeyCredential(key), rate_limiter=rate_limiter, timeout=TIMEOUT
        ) as face:
            if not args.journal:
                # A new journal knows nothing of the group: start that from scratch too.
                with contextlib.suppress(NotFoundError):
                    await face.person_groups.delete(args.group)
            await interrupted_run(face, args.group, root, journal, args.concurrency)
            report = await resumed_run(face, args.group, root, journal, args.concurrency)
            same = await check_no_duplicates(face, args.group, root)
    return 0 if report.ok and same else 1


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Interrupt and resume a bulk enrollment.")
    parser.add_argument("folder", nargs="?", help="root/<person>/<images> (default: generated)")
    parser.add_argument("--persons", type=int, default=12, help="persons to generate")
    parser.add_argument("--images", type=int, default=4, help="images per generated person")
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--journal", help="journal file to keep (default: a temporary one)")
    parser.add_argument("--group", default="facekit-bulk-demo", help="person group id")
    return parser.parse_args(argv)


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    endpoint, key = os.environ.get("FACE_ENDPOINT"), os.environ.get("FACE_KEY")
    if endpoint and key:
        return await enroll_twice(endpoint, key, args)
    print("no FACE_ENDPOINT/FACE_KEY set: using facekit's built-in Face emulator")
    async with FaceEmulator(settings=EmulatorSettings(training_base_seconds=0.3)) as emulator:
        # Adding a face takes a moment on the real service too; it keeps requests in flight
        # when the first run is cancelled, which is what the journal has to cope with.
        emulator.inject("PersonGroupPerson_AddFace*", latency=0.03, times=None)
        # The emulator has no rate limit; a real S0 resource allows the default 10 per second.
        return await enroll_twice(emulator.endpoint, emulator.key, args, RateLimiter(100))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
