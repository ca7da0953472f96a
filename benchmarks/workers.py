"""Many workers, one Face resource: do they keep its rate together, and enroll exactly once?

Run: python benchmarks/workers.py [--workers 4 --rate 20 --persons 200 --per-person 10]

It starts a redis-server on a free loopback port and one emulator limited to R requests
per second (429 beyond), enqueues one arq job per person (2,000 faces by default) and runs
N worker processes that share one RedisRateLimiter at R. Once a quarter of the images
are in, one worker is SIGKILLed: arq runs its jobs again on the others once their
in-progress mark expires (job timeout + 10 s). The service is then read back.

Figures: the requests the emulator answered per second over the steady part of the run
(first and last second left out) as a ratio of R, the 429s it sent, faces on the service,
duplicates, missing. Also the cost of one acquire (p50/p99, µs) of the in-process
RateLimiter and of RedisRateLimiter on loopback, measured in this run. The last line:

  workers=4 limit=20/s sustained/limit=X 429s=N faces=2000 duplicates=D missing=M killed=K

Targets: X >= 0.95, N = 0, D = 0, M = 0, K >= 1. Exit status 1 when one is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from arq import create_pool  # noqa: E402
from fault_matrix import make_folder  # noqa: E402

from facekit import FaceClient, KeyCredential, RateLimiter  # noqa: E402
from facekit.bulk import EnrollmentProgress, plan_people  # noqa: E402
from facekit.bulk.plan import person_tag  # noqa: E402
from facekit.distributed import RedisRateLimiter  # noqa: E402
from facekit.distributed.enrollment import (  # noqa: E402
    enqueue_enrollment,
    redis_settings,
    wait_for_enrollment,
)
from facekit.emulator import EmulatorSettings, FaceEmulator  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

GROUP = "workers"
WORKER = textwrap.dedent(
    """
    import os, sys
    from arq.worker import Worker
    from facekit.distributed.enrollment import worker_settings

    redis_url, endpoint, key, rate, job_timeout = sys.argv[1:6]
    settings = worker_settings(
        redis_url, endpoint=endpoint, key=key, rate=float(rate), timeout=10.0,
        job_timeout=float(job_timeout), max_jobs=2, burst=True, handle_signals=False,
    )
    print("worker up", flush=True)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    Worker(**settings).run()
    """
)


async def acquire_cost(redis_url: str, count: int = 3000) -> dict[str, tuple[float, float]]:
    """p50 and p99 of one acquire, in µs, with a rate high enough never to wait."""
    local = RateLimiter(1e9)
    shared = RedisRateLimiter(redis_url, resource="https://cost.example", rate=1e9)
    costs: dict[str, tuple[float, float]] = {}
    try:
        for name, limiter in (("RateLimiter", local), ("RedisRateLimiter", shared)):
            samples = []
            for _ in range(count):
                started = time.perf_counter()
                await limiter.acquire()
                samples.append((time.perf_counter() - started) * 1e6)
            quantiles = statistics.quantiles(samples, n=100)
            costs[name] = (quantiles[49], quantiles[98])
    finally:
        await shared.aclose()
    return costs


async def start_worker(
    redis: RedisServer, emu: FaceEmulator, rate: float, job_timeout: float
) -> asyncio.subprocess.Process:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WORKER, redis.url, emu.endpoint, emu.key, str(rate),
        str(job_timeout), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env=env,
    )  # fmt: skip
    assert process.stdout is not None
    await asyncio.wait_for(process.stdout.readline(), 60)
    return process


async def read_back(face: FaceClient, folder: Path) -> tuple[int, int, int]:
    """(faces of the folder on the service, duplicated faces, missing faces)."""
    plan = plan_people(folder)
    persons = face.large_person_groups.persons
    by_tag: dict[str, list[str]] = {}
    async for person in persons.list(GROUP):
        by_tag.setdefault(person.user_data or "", []).append(person.person_id)
    present = duplicated = missing = 0
    for owner in plan.owners:
        person_ids = by_tag.get(person_tag(owner.name), [])
        duplicated += max(len(person_ids) - 1, 0)  # a person twice counts as a duplicate
        tags: list[str] = []
        for person_id in person_ids:
            person = await persons.get(GROUP, person_id)
            for face_id in person.persisted_face_ids:
                tags.append((await persons.get_face(GROUP, person_id, face_id)).user_data or "")
        wanted = {image.tag for image in owner.images}
        present += len(wanted & set(tags))
        missing += len(wanted - set(tags))
        duplicated += len(tags) - len(set(tags))
    return present, duplicated, missing


async def run(args: argparse.Namespace, scratch: Path) -> int:
    folder = make_folder(scratch / "photos", args.persons, args.per_person)
    images = args.persons * args.per_person
    redis = RedisServer()
    redis.start()
    try:
        costs = await acquire_cost(redis.url)
        settings = EmulatorSettings(rate_limit=args.rate, training_base_seconds=0.05)
        async with FaceEmulator(settings=settings) as emu:
            # The coordinator's own requests count against the resource's rate too.
            async with (
                RedisRateLimiter(redis.url, resource=emu.endpoint, rate=args.rate) as shared,
                FaceClient(emu.endpoint, KeyCredential(emu.key), rate_limiter=shared) as face,
            ):
                pool = await create_pool(redis_settings(redis.url))
                try:
                    enqueued = await enqueue_enrollment(pool, face, GROUP, folder, large=True)
                    workers = [
                        await start_worker(redis, emu, args.rate, args.job_timeout)
                        for _ in range(args.workers)
                    ]
                    killed = 0
                    started = time.monotonic()

                    def progress(p: EnrollmentProgress) -> None:
                        nonlocal killed
                        if not killed and p.images_done >= images // 4:
                            os.kill(workers[0].pid, signal.SIGKILL)
                            killed = 1
                        print(
                            f"\r  {p.images_done}/{p.images_total} faces, "
                            f"{time.monotonic() - started:.0f} s",
                            end="",
                            flush=True,
                        )

                    report = await wait_for_enrollment(pool, face, enqueued, progress=progress)
                    print()
                    for worker in workers:
                        if worker.returncode is None:
                            await asyncio.wait_for(worker.wait(), 120)
                finally:
                    await pool.aclose()
                answered = sorted(r.at for r in emu.log.requests)
                throttled = emu.log.count(status=429)
            # Reading 2,000 faces back is not part of the run: no limit for it.
            emu.set_rate_limit(None)
            async with FaceClient(
                emu.endpoint, KeyCredential(emu.key), rate_limiter=RateLimiter(5000)
            ) as reader:
                present, duplicated, missing = await read_back(reader, folder)
    finally:
        redis.stop()
    first, last = answered[0], answered[-1]
    steady = [t for t in answered if first + 1.0 <= t <= last - 1.0]
    sustained = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else 0.0
    ratio = sustained / args.rate
    print(
        f"{args.workers} worker processes, one RedisRateLimiter at {args.rate:g}/s, an emulator "
        f"limited to {args.rate:g}/s; {len(answered)} requests over {last - first:.1f} s; "
        f"report: {report.faces_added} added, {report.faces_found} found, "
        f"{report.faces_settled} settled, {len(report.failures)} not enrolled"
    )
    for name, (p50, p99) in costs.items():
        print(f"acquire cost {name}: p50={p50:.0f}us p99={p99:.0f}us")
    ratio_redis = costs["RedisRateLimiter"][0] / max(costs["RateLimiter"][0], 1e-9)
    print(f"acquire cost RedisRateLimiter/RateLimiter (p50): {ratio_redis:.1f}")
    print(
        f"workers={args.workers} limit={args.rate:g}/s sustained/limit={ratio:.3f} "
        f"429s={throttled} faces={present} duplicates={duplicated} missing={missing} "
        f"killed={killed}"
    )
    met = ratio >= 0.95 and throttled == 0 and duplicated == 0 and missing == 0 and killed >= 1
    return 0 if met else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--persons", type=int, default=200)
    parser.add_argument("--per-person", type=int, default=10)
    parser.add_argument("--job-timeout", type=float, default=30.0)
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        print("redis-server is not installed (apt-get install redis-server)")
        return 1
    with tempfile.TemporaryDirectory(prefix="facekit-workers-") as scratch:
        return asyncio.run(run(args, Path(scratch)))


if __name__ == "__main__":
    raise SystemExit(main())
