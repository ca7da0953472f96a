"""Bulk enrollment: does it keep the rate limiter busy, and does it stay lean on memory?

Run: python benchmarks/bulk.py            (10,000 images for the memory figure)
     python benchmarks/bulk.py --quick    (2,000 images, a shorter throughput run)

Memory (run first, so that nothing else in this process raises its high-water mark):
images of about 100 KB are written to a temporary folder laid out root/<person>/<images>,
the emulator runs in a separate process (`python -m facekit emulator`, no rate limit) so
that its memory is not counted, and this process enrolls every image with
`enroll_people` (a journal file, a fast client limiter, 32 persons at a time). The peak
resident memory of this process (ru_maxrss, a lifetime high-water mark, so an upper bound
of the enrollment's own peak) is printed beside the 200 MB target.

Throughput: an in-process emulator limited to R requests per second (429 beyond), and a
client with RateLimiter(R). `enroll_people` enrolls persons x images from disk; the
requests the emulator answered per second over the steady part of the run (the first and
last second left out) are printed as a ratio of R (target >= 0.95), with the 429s the
emulator sent (target 0), the failures in the enrollment report (target 0) and the
retries facekit logged. `--latency S` makes the emulator hold every request S seconds,
as the real service takes a few hundred milliseconds: enroll_people keeps one request in
flight per person it works on, so it sustains at most concurrency / latency requests/s.

Faults: `benchmarks/fault_matrix.py`'s scenario (2,000 images; 5xx, 429, resets before
and after committing, adds landing after the client's timeout, the `facekit enroll`
process SIGKILLed three times and resumed), then the service is read back: expected,
present, duplicated and missing faces (targets: present = expected, 0 duplicated, 0
missing, 0 duplicate persons).

The script exits with status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import platform
import resource
import secrets
import shlex
import shutil
import signal
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from fault_matrix import run_fault_matrix  # noqa: E402

from facekit import FaceClient, KeyCredential, RateLimiter, __version__  # noqa: E402
from facekit.bulk import EnrollmentReport, enroll_people  # noqa: E402
from facekit.emulator import EmulatorSettings, FaceEmulator, synthetic_face  # noqa: E402

MB = 1024 * 1024
MEMORY_TARGET_MB = 200.0
THROUGHPUT_TARGET = 0.95
ADD_FACE = "*_AddFace*"  # *_AddFaceFromStream or *_AddFaceFromUrl


# -- helpers --------------------------------------------------------------------------------


def write_person(job: tuple[str, str, int, int]) -> int:
    """Write one person's images (run in worker processes); returns bytes written."""
    root, person, count, size = job
    folder = Path(root) / person
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for variant in range(count):
        data = synthetic_face(person, variant, pad_to=size)
        (folder / f"{variant:02d}.png").write_bytes(data)
        written += len(data)
    return written


def make_images(root: Path, persons: int, per_person: int, size: int, workers: int) -> int:
    """root/<person>/<images>; generated in child processes (their memory is not ours)."""
    jobs = [(str(root), f"person{i:05d}", per_person, size) for i in range(persons)]
    if workers <= 1:
        return sum(map(write_person, jobs))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return sum(pool.map(write_person, jobs, chunksize=max(1, len(jobs) // (8 * workers))))


def maxrss_mb() -> float:
    """This process's peak resident set size so far (ru_maxrss is in KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def proc_status_mb(pid: int | str, field_name: str) -> float | None:
    """A memory field of /proc/<pid>/status in MB (None where /proc is unavailable)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return None


class RetryCounter(logging.Handler):
    """Counts the "retrying ..." records facekit logs at INFO on the "facekit" logger."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.retries = 0
        self.reasons: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("retrying"):
            self.retries += 1
            reason = record.args[2] if isinstance(record.args, tuple) else "?"
            self.reasons[str(reason)] = self.reasons.get(str(reason), 0) + 1


@contextlib.contextmanager
def counting_retries() -> Iterator[RetryCounter]:
    logger = logging.getLogger("facekit")
    counter = RetryCounter()
    level = logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.INFO)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)


# -- memory ---------------------------------------------------------------------------------


@dataclass
class MemoryResult:
    images: int
    persons: int
    image_bytes: int
    generate_seconds: float
    enroll_seconds: float = 0.0
    baseline_mb: float = 0.0
    peak_mb: float = 0.0
    tracemalloc_peak_mb: float | None = None
    emulator_pid: int = 0
    emulator_hwm_mb: float | None = None
    report: EnrollmentReport | None = None
    service_adds_ok: int = -1
    service_errors: dict[int, int] = field(default_factory=dict)
    retries: int = 0
    retry_reasons: dict[str, int] = field(default_factory=dict)


async def start_emulator_process() -> tuple[asyncio.subprocess.Process, str, str]:
    key = secrets.token_hex(16)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "facekit",
        "emulator",
        "--port",
        "0",
        "--key",
        key,
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        endpoint = ""
        assert process.stdout is not None
        while not endpoint:
            line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
            if not line:
                raise RuntimeError("the emulator process exited before printing its endpoint")
            if line.startswith("endpoint:"):
                endpoint = line.split(":", 1)[1].strip()
        return process, endpoint, key
    except BaseException:
        await stop_process(process)
        raise


async def stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


async def service_counts(endpoint: str, key: str) -> tuple[int, dict[int, int]]:
    """AddFace requests the emulator answered 200, and its non-2xx answers by status."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{endpoint}/_emulator/requests", headers={"Ocp-Apim-Subscription-Key": key}
        ) as reply,
    ):
        reply.raise_for_status()
        requests = await reply.json()
    adds = sum(1 for r in requests if "_AddFace" in r["operation"] and r["status"] == 200)
    errors: dict[int, int] = {}
    for r in requests:
        if not 200 <= r["status"] < 300 and r["operation"] != "PersonGroup_Get":
            errors[r["status"]] = errors.get(r["status"], 0) + 1
    return adds, errors


async def measure_memory(
    root: Path, result: MemoryResult, concurrency: int, rate: float, trace: bool
) -> None:
    process, endpoint, key = await start_emulator_process()
    result.emulator_pid = process.pid
    try:
        limiter = RateLimiter(rate, burst=50)
        async with FaceClient(
            endpoint, KeyCredential(key), rate_limiter=limiter, max_connections=concurrency
        ) as face:
            with counting_retries() as counter:
                result.baseline_mb = maxrss_mb()
                if trace:
                    tracemalloc.start()
                started = time.monotonic()
                result.report = await enroll_people(
                    face,
                    "memory",
                    root,
                    journal=root.parent / "memory-journal.sqlite",
                    concurrency=concurrency,
                )
                result.enroll_seconds = time.monotonic() - started
                result.peak_mb = maxrss_mb()
                if trace:
                    result.tracemalloc_peak_mb = tracemalloc.get_traced_memory()[1] / MB
                    tracemalloc.stop()
            result.retries = counter.retries
            result.retry_reasons = counter.reasons
        result.emulator_hwm_mb = proc_status_mb(process.pid, "VmHWM")
        result.service_adds_ok, result.service_errors = await service_counts(endpoint, key)
    finally:
        await stop_process(process)


# -- throughput -----------------------------------------------------------------------------


@dataclass
class ThroughputResult:
    rate: float
    persons: int
    per_person: int
    concurrency: int
    latency: float = 0.0
    requests: int = 0
    span: float = 0.0
    steady_requests: int = 0
    steady_seconds: float = 0.0
    busiest_second: int = 0
    throttled: int = 0
    adds_ok: int = 0
    retries: int = 0
    retry_reasons: dict[str, int] = field(default_factory=dict)
    report: EnrollmentReport | None = None

    @property
    def sustained(self) -> float:
        return self.steady_requests / self.steady_seconds if self.steady_seconds > 0 else 0.0


async def measure_throughput(root: Path, result: ThroughputResult) -> None:
    settings = EmulatorSettings(rate_limit=result.rate)
    async with FaceEmulator(settings=settings) as emu:
        if result.latency > 0:
            # Every request is held this long after passing the service's rate limit.
            emu.inject("*", latency=result.latency, times=None)
        async with FaceClient(
            emu.endpoint, KeyCredential(emu.key), rate_limiter=RateLimiter(result.rate)
        ) as face:
            with counting_retries() as counter:
                result.report = await enroll_people(
                    face,
                    "throughput",
                    root,
                    journal=root.parent / "throughput-journal.sqlite",
                    concurrency=result.concurrency,
                )
            result.retries = counter.retries
            result.retry_reasons = counter.reasons
        times = sorted(r.at for r in emu.log.requests)
        result.requests = len(times)
        result.throttled = emu.log.count(status=429)
        result.adds_ok = emu.log.count(ADD_FACE, status=200)
        result.busiest_second = emu.log.peak_rate(1.0)
    if len(times) < 2:
        return
    first, last = times[0], times[-1]
    result.span = last - first
    # The steady part: the run without its first and last second. Its rate is the number
    # of gaps between consecutive answers over the time they span (no +-1 rounding).
    steady = [t for t in times if first + 1.0 <= t <= last - 1.0]
    if len(steady) >= 2:
        result.steady_requests = len(steady) - 1
        result.steady_seconds = steady[-1] - steady[0]


# -- main -----------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run (2,000 images)")
    parser.add_argument("--rate", type=float, default=20.0, help="R, requests/s (default 20)")
    parser.add_argument("--persons", type=int, help="persons, throughput run (default 60)")
    parser.add_argument("--faces", type=int, default=5, help="images per person (default 5)")
    parser.add_argument("--concurrency", type=int, default=8, help="throughput run (default 8)")
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds the emulator holds every request, throughput run (default 0)",
    )
    parser.add_argument("--images", type=int, help="images, memory run (default 10,000)")
    parser.add_argument("--images-per-person", type=int, default=4, help="memory run (default 4)")
    parser.add_argument(
        "--image-bytes", type=int, default=100_000, help="size of each image (default 100,000)"
    )
    parser.add_argument(
        "--memory-concurrency", type=int, default=32, help="memory run (default 32)"
    )
    parser.add_argument(
        "--memory-rate", type=float, default=2000.0, help="client limit, memory run (2000/s)"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace Python allocations in the memory run (slower; adds its own memory)",
    )
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-faults", action="store_true")
    args = parser.parse_args()
    if args.persons is None:
        args.persons = 20 if args.quick else 60
    if args.images is None:
        args.images = 2_000 if args.quick else 10_000
    return args


def fmt_ratio(value: float) -> str:
    return f"{value:.3f}"


def main() -> int:
    args = parse_args()
    command = shlex.join(["python", "benchmarks/bulk.py", *sys.argv[1:]])
    workers = os.cpu_count() or 1
    print(f"command: {command}")
    print(
        f"facekit {__version__}, Python {platform.python_version()}, {workers} CPUs, "
        f"{platform.system()} {platform.release()}"
    )
    rows: list[tuple[str, str, str, bool | None]] = []
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="facekit-bulk-bench-"))
    try:
        # All images are written before any event loop runs (the pools fork this process).
        if not args.skip_throughput:
            make_images(scratch / "throughput", args.persons, args.faces, args.image_bytes, workers)
        if not args.skip_memory:
            per_person = args.images_per_person
            persons = -(-args.images // per_person)
            root = scratch / "memory"
            t0 = time.monotonic()
            written = make_images(root, persons, per_person, args.image_bytes, workers)
            memory = MemoryResult(
                images=persons * per_person,
                persons=persons,
                image_bytes=args.image_bytes,
                generate_seconds=time.monotonic() - t0,
            )
            asyncio.run(
                measure_memory(
                    root, memory, args.memory_concurrency, args.memory_rate, args.tracemalloc
                )
            )
            shutil.rmtree(root, ignore_errors=True)
            report = memory.report
            assert report is not None
            requests = memory.service_adds_ok + memory.persons
            print()
            print(
                f"memory: {memory.images:,} images of {memory.image_bytes:,} bytes "
                f"({written / 1e9:.2f} GB; {memory.persons:,} persons x {per_person}) written "
                f"in {memory.generate_seconds:.1f} s; emulator in its own process "
                f"(pid {memory.emulator_pid}, no rate limit); client "
                f"RateLimiter({args.memory_rate:g}/s, burst=50), "
                f"concurrency {args.memory_concurrency}, journal on disk"
            )
            print(
                f"  enrolled in {memory.enroll_seconds:.1f} s "
                f"({memory.images / memory.enroll_seconds:.0f} images/s, about "
                f"{requests / memory.enroll_seconds:.0f} requests/s); report: "
                f"{report.persons_created} persons created, {report.faces_added} faces added, "
                f"{len(report.failures)} failures; AddFace answered 200 by the service: "
                f"{memory.service_adds_ok}; service errors: {memory.service_errors or 'none'}; "
                f"client retries: {memory.retries}"
            )
            print(
                f"  this process: ru_maxrss {memory.baseline_mb:.1f} MB before enrolling, "
                f"{memory.peak_mb:.1f} MB after (peak; +{memory.peak_mb - memory.baseline_mb:.1f}"
                f" MB); tracemalloc peak: "
                + (
                    f"{memory.tracemalloc_peak_mb:.1f} MB"
                    if memory.tracemalloc_peak_mb is not None
                    else "not measured (--tracemalloc)"
                )
                + "; emulator process VmHWM: "
                + (
                    f"{memory.emulator_hwm_mb:.1f} MB"
                    if memory.emulator_hwm_mb is not None
                    else "unknown"
                )
            )
            rows += [
                (
                    "memory: peak RSS of this process, MB",
                    f"{memory.peak_mb:.1f}",
                    f"< {MEMORY_TARGET_MB:g}",
                    memory.peak_mb < MEMORY_TARGET_MB,
                ),
                (
                    f"memory: peak / {MEMORY_TARGET_MB:g} MB",
                    fmt_ratio(memory.peak_mb / MEMORY_TARGET_MB),
                    "< 1.000",
                    memory.peak_mb < MEMORY_TARGET_MB,
                ),
                (
                    "memory: failures in the report",
                    str(len(report.failures)),
                    "0",
                    not report.failures,
                ),
                (
                    "memory: faces enrolled once (service 200s)",
                    f"{memory.service_adds_ok}/{memory.images}",
                    f"{memory.images}/{memory.images}",
                    memory.service_adds_ok == memory.images == report.faces_added,
                ),
                ("memory: enrollment time, s", f"{memory.enroll_seconds:.1f}", "-", None),
            ]

        if not args.skip_throughput:
            root = scratch / "throughput"
            throughput = ThroughputResult(
                rate=args.rate,
                persons=args.persons,
                per_person=args.faces,
                concurrency=args.concurrency,
                latency=args.latency,
            )
            asyncio.run(measure_throughput(root, throughput))
            shutil.rmtree(root, ignore_errors=True)
            report = throughput.report
            assert report is not None
            images = args.persons * args.faces
            ratio = throughput.sustained / args.rate
            print()
            print(
                f"throughput: in-process emulator limited to R = {args.rate:g} requests/s "
                f"(429 beyond), {args.latency:g} s latency per request, client "
                f"RateLimiter({args.rate:g}/s), enroll_people("
                f"concurrency={args.concurrency}) of {args.persons} persons x {args.faces} "
                f"images ({images} images of {args.image_bytes:,} bytes, from disk)"
            )
            print(
                f"  {throughput.requests} requests answered over {throughput.span:.1f} s "
                f"(mean {throughput.requests / max(throughput.span, 1e-9):.2f}/s); steady part "
                f"(first and last second left out): {throughput.steady_requests} intervals "
                f"between answers in {throughput.steady_seconds:.2f} s = "
                f"{throughput.sustained:.2f}/s; busiest 1 s window: {throughput.busiest_second}"
                f"; report: {report.faces_added} faces "
                f"added, {len(report.failures)} failures, {report.elapsed:.1f} s; client "
                f"retries: {throughput.retries} {throughput.retry_reasons or ''}".rstrip()
            )
            rows += [
                (
                    "throughput: sustained / R (steady part)",
                    fmt_ratio(ratio),
                    f">= {THROUGHPUT_TARGET:.3f}",
                    ratio >= THROUGHPUT_TARGET,
                ),
                # A 429 is a miss even when the client's retries hide it from the caller.
                (
                    "throughput: 429s sent by the emulator",
                    str(throughput.throttled),
                    "0",
                    throughput.throttled == 0,
                ),
                (
                    "throughput: failures in the report",
                    str(len(report.failures)),
                    "0",
                    not report.failures,
                ),
                (
                    "throughput: faces enrolled once (service 200s)",
                    f"{throughput.adds_ok}/{images}",
                    f"{images}/{images}",
                    throughput.adds_ok == images == report.faces_added,
                ),
                ("throughput: client retries (facekit log)", str(throughput.retries), "-", None),
            ]

        if not args.skip_faults:
            matrix = asyncio.run(run_fault_matrix(scratch / "faults", persons=200, per_person=10))
            print()
            print(
                f"faults: {matrix.expected} images through 503 / 500-after-commit / 429 / "
                f"resets / {matrix.slow_commits} adds landing after the client's timeout, "
                f"{matrix.runs} runs of facekit enroll ({matrix.killed} SIGKILLed), "
                f"{matrix.elapsed:.1f} s; last report: "
                + ", ".join(
                    f"{key}={matrix.report.get(key)}"
                    for key in ("facesAdded", "facesFound", "facesSettled", "duplicatesRemoved")
                )
            )
            print(f"  {matrix.line()}")
            rows += [
                ("faults: expected faces", str(matrix.expected), "-", None),
                (
                    "faults: present on the service",
                    str(matrix.present),
                    str(matrix.expected),
                    matrix.present == matrix.expected,
                ),
                ("faults: duplicated", str(matrix.duplicated), "0", matrix.duplicated == 0),
                ("faults: missing", str(matrix.missing), "0", matrix.missing == 0),
                (
                    "faults: duplicate persons",
                    str(matrix.duplicate_persons),
                    "0",
                    matrix.duplicate_persons == 0,
                ),
                (
                    "faults: last report = the service",
                    str(matrix.report.get("facesEnrolled")),
                    str(matrix.present),
                    matrix.report.get("facesEnrolled") == matrix.present and matrix.ok,
                ),
            ]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print()
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>11}  {'target':>11}  met")
    for name, value, target, met in rows:
        verdict = "-" if met is None else ("yes" if met else "NO")
        print(f"{name:<{width}}  {value:>11}  {target:>11}  {verdict}")
    missed = [r[0] for r in rows if r[3] is False]
    print()
    print(f"total run time {time.monotonic() - started:.1f} s; command: {command}")
    if missed:
        print("TARGETS MISSED: " + "; ".join(missed))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
