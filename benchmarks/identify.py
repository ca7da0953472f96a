"""Coalesced identify: how many faces per second does one rate-limited resource identify?

Run: python benchmarks/identify.py [--seconds 20 --callers 100 --rate 10]

An emulator on 127.0.0.1 holds a large person group of one person per caller, enrolled and
trained through the API; each caller has faces of its own person, detected beforehand.
The emulator is then limited to R requests per second (429 beyond) and 100 callers
identify their faces concurrently for S seconds, one face id per call, through a client
with RateLimiter(R): first without coalescing (naive), then with
`coalesce_identify=True` (the default 5 ms window). Calls still waiting at the end are
cancelled.

Figures, measured in this run: faces answered per second in each mode; faces per
identify request, counted on the wire by a transport that wraps the aiohttp one; the
latency coalescing adds (p99 of the time each caller waits in the coalescer before its
request leaves, as the client's `on_batch` hook reports it; the rate limiter's wait
comes after, for every request alike); every call's latency (p50/p99) in both modes;
errors and 429s; wrong = answers whose face or best candidate is not the caller's. The
last line:

  limit=10/s faces/s=X faces/call=Y naive_faces/s=Z p99_added_ms=W wrong=0

Targets: X >= 8 x R, W <= 100, wrong = 0 (and no errors). Exit status 1 when one is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facekit import FaceClient, FaceError, KeyCredential, RateLimiter  # noqa: E402
from facekit._aiohttp_transport import AiohttpTransport  # noqa: E402
from facekit.coalesce import CoalesceSettings  # noqa: E402
from facekit.emulator import EmulatorSettings, FaceEmulator, synthetic_face  # noqa: E402
from facekit.models import RecognitionModelName  # noqa: E402
from facekit.transport import NoReply, TransportReply, TransportRequest  # noqa: E402

GROUP = "crowd"
MODEL: RecognitionModelName = "recognition_04"


class CountingTransport:
    """The aiohttp transport, counting identify requests and the face ids they carry."""

    def __init__(self) -> None:
        self.inner = AiohttpTransport(max_connections=128)
        self.requests = 0
        self.faces = 0

    async def send(self, request: TransportRequest) -> TransportReply | NoReply:
        """Count an identify request, then send it."""
        if request.url.path.endswith("/identify") and isinstance(request.body, bytes):
            self.requests += 1
            self.faces += len(json.loads(request.body)["faceIds"])
        return await self.inner.send(request)

    async def aclose(self) -> None:
        """Close the aiohttp transport."""
        await self.inner.aclose()


@dataclass
class Run:
    """What one mode measured."""

    seconds: float
    answered: int = 0
    wrong: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    requests: int = 0
    faces_sent: int = 0
    throttled: int = 0

    @property
    def faces_per_second(self) -> float:
        return self.answered / self.seconds

    @property
    def faces_per_call(self) -> float:
        return self.faces_sent / self.requests if self.requests else 0.0


def quantile(values: list[float], q: int) -> float:
    """The q-th percentile (0 when empty)."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100)[q - 1]


async def prepare(emu: FaceEmulator, callers: int, probes: int) -> list[list[tuple[str, str]]]:
    """Enroll and train one person per caller; detect `probes` faces of each person.

    Returns, per caller, (face id, person id) pairs. The emulator is unlimited meanwhile.
    """
    async with FaceClient(
        emu.endpoint, KeyCredential(emu.key), rate_limiter=RateLimiter(1000, burst=100)
    ) as face:
        groups = face.large_person_groups
        await groups.create(GROUP, name=GROUP, recognition_model=MODEL)
        limit = asyncio.Semaphore(16)

        async def enroll(index: int) -> str:
            async with limit:
                person = await groups.persons.create(GROUP, name=f"person{index}")
                await groups.persons.add_face(
                    GROUP, person.person_id, synthetic_face(f"person{index}", 0)
                )
                return person.person_id

        person_ids = await asyncio.gather(*(enroll(i) for i in range(callers)))
        status = await (await groups.begin_train(GROUP))
        if status.status != "succeeded":
            raise SystemExit(f"training ended {status.status}")

        async def probe(index: int, variant: int) -> tuple[str, str]:
            async with limit:
                (found,) = await face.detect(
                    synthetic_face(f"person{index}", variant), recognition_model=MODEL
                )
            assert found.face_id is not None
            return found.face_id, person_ids[index]

        pairs = await asyncio.gather(
            *(probe(i, v) for i in range(callers) for v in range(1, probes + 1))
        )
    return [list(pairs[i * probes : (i + 1) * probes]) for i in range(callers)]


async def measure(
    emu: FaceEmulator, faces: list[list[tuple[str, str]]], rate: float, seconds: float, *,
    coalesce: bool,
) -> Run:  # fmt: skip
    """Every caller identifies its faces in turn for `seconds`; what came back, and how fast."""
    run = Run(seconds)
    transport = CountingTransport()
    settings = CoalesceSettings(on_batch=lambda report: run.waits.extend(report.waits))
    before = emu.log.count("Face_Identify", status=429)
    async with FaceClient(
        emu.endpoint,
        KeyCredential(emu.key),
        rate_limiter=RateLimiter(rate),
        transport=transport,
        timeout=10.0,
        coalesce_identify=settings if coalesce else False,
    ) as face:
        started = time.monotonic()
        deadline = started + seconds

        async def caller(mine: list[tuple[str, str]]) -> None:
            turn = 0
            while True:
                face_id, person_id = mine[turn % len(mine)]
                turn += 1
                asked = time.monotonic()
                try:
                    (result,) = await face.identify([face_id], large_person_group_id=GROUP)
                except FaceError:
                    run.errors += 1
                    await asyncio.sleep(0.1)  # no hot loop on a persistent error
                    continue
                answered = time.monotonic()
                if answered > deadline:
                    return
                run.answered += 1
                run.latencies.append(answered - asked)
                best = result.candidates[0].person_id if result.candidates else None
                if result.face_id != face_id or best != person_id:
                    run.wrong += 1

        tasks = [asyncio.create_task(caller(mine)) for mine in faces]
        await asyncio.sleep(seconds)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    run.requests, run.faces_sent = transport.requests, transport.faces
    run.throttled = emu.log.count("Face_Identify", status=429) - before
    return run


async def benchmark(args: argparse.Namespace) -> int:
    settings = EmulatorSettings(training_queue_seconds=0.01, training_base_seconds=0.05)
    async with FaceEmulator(settings=settings) as emu:
        faces = await prepare(emu, args.callers, args.probes)
        emu.set_rate_limit(args.rate)
        runs = {}
        for mode in ("naive", "coalesced"):
            await asyncio.sleep(1.5)  # the service's bucket refills between the runs
            runs[mode] = await measure(
                emu, faces, args.rate, args.seconds, coalesce=mode == "coalesced"
            )
    for mode, run in runs.items():
        print(
            f"{mode:>9}: faces/s={run.faces_per_second:.1f} requests={run.requests} "
            f"faces/call={run.faces_per_call:.2f} latency p50={quantile(run.latencies, 50):.3f}s "
            f"p99={quantile(run.latencies, 99):.3f}s errors={run.errors} 429s={run.throttled} "
            f"wrong={run.wrong}"
        )
    naive, fast = runs["naive"], runs["coalesced"]
    added_ms = quantile(fast.waits, 99) * 1000
    wrong = naive.wrong + fast.wrong
    errors = naive.errors + fast.errors
    missed = [
        what
        for what, bad in (
            (f"faces/s < 8 x {args.rate:g}", fast.faces_per_second < 8 * args.rate),
            ("p99_added_ms > 100", added_ms > 100),
            ("wrong answers", wrong > 0),
            ("errors", errors > 0),
        )
        if bad
    ]
    if missed:
        print("missed: " + ", ".join(missed))
    print(
        f"limit={args.rate:g}/s faces/s={fast.faces_per_second:.1f} "
        f"faces/call={fast.faces_per_call:.2f} naive_faces/s={naive.faces_per_second:.1f} "
        f"p99_added_ms={added_ms:.1f} wrong={wrong}"
    )
    return 1 if missed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each run")
    parser.add_argument("--callers", type=int, default=100, help="concurrent callers")
    parser.add_argument("--rate", type=float, default=10.0, help="the resource's limit, per s")
    parser.add_argument("--probes", type=int, default=5, help="faces detected per caller")
    return asyncio.run(benchmark(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
