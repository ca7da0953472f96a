"""How quickly and cheaply facekit's pollers notice that a training finished.

Run: python benchmarks/polling.py

Against the built-in emulator, for trainings of several durations it prints the status
requests each poller made (the GET before the train request not counted) and the delay
between the service finishing and `await poller` returning, beside the polling interval in
force at that moment (the gap between the last two polls, from the emulator's log) and
beside what a fixed 30-second poll (the default of Microsoft's azure-ai-vision-face) would
have waited, computed from the same durations.
With --compare-microsoft (needs `pip install azure-ai-vision-face==1.0.0b2`) the same
training is also awaited through Microsoft's SDK with its default polling, against the same
emulator, and both delays are printed side by side.

Then 1,000 concurrent pollers share one client: the service's peak request rate is printed
as a ratio of the client's rate limit (it must stay <= 1.0), and no 429 may reach them.
"""

from __future__ import annotations

import asyncio
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facekit import FaceClient, KeyCredential, PollingPolicy, RateLimiter
from facekit.emulator import (
    EmulatorSettings,
    FaceEmulator,
    SnapshotStore,
    synthetic_face,
)
from facekit.emulator.faults import LoggedRequest

DURATIONS = (0.5, 1.0, 2.0, 4.0, 8.0)
POLICY = PollingPolicy()  # facekit's defaults: 1 s, x1.5, capped at 30 s, 10 % jitter
FIXED = 30.0
CONCURRENT = 1000
RATE = 100.0  # client limit for the 1,000 pollers (S0's 10/s would make the run 10x longer)


def is_poll(request: LoggedRequest) -> bool:
    """A poll of a training: its operation-Location (v1.2, the default) or, in v1.0, its
    status. (v1.2's poller reads .../training once more at the end: not a poll.)"""
    if request.version == "v1.0":
        return request.operation.endswith("GetTrainingStatus")
    return "/operations/" in request.path


async def one_training(duration: float) -> tuple[int, float, float]:
    settings = EmulatorSettings(
        training_queue_seconds=0.0, training_base_seconds=duration, training_seconds_per_face=0.0
    )
    async with (
        FaceEmulator(settings=settings, snapshot_store=SnapshotStore()) as emu,
        FaceClient(emu.endpoint, KeyCredential(emu.key)) as face,
    ):
        await face.large_person_groups.create("g", name="G")
        person = await face.large_person_groups.persons.create("g", name="p")
        await face.large_person_groups.persons.add_face("g", person.person_id, synthetic_face("p"))
        poller = await face.large_person_groups.begin_train("g", polling=POLICY)
        await poller
        returned = emu.account.now()
        training = next(iter(emu.account.containers.values())).training
        assert training is not None
        finished = training.ends_at
        polled = [r.at for r in emu.log.requests if is_poll(r)]
    # The last poll saw the end, the one before did not: their gap is the interval in force.
    return poller.polls, returned - finished, polled[-1] - polled[-2]


async def many_pollers() -> tuple[float, float, int, float]:
    settings = EmulatorSettings(
        training_queue_seconds=0.0, training_base_seconds=2.0, training_seconds_per_face=0.0
    )
    async with FaceEmulator(settings=settings, snapshot_store=SnapshotStore()) as emu:
        limiter = RateLimiter(RATE)
        async with FaceClient(
            emu.endpoint, KeyCredential(emu.key), rate_limiter=limiter, max_connections=64
        ) as face:
            # Setup requests go through an unthrottled copy so that only polls are measured.
            setup = face.with_options(rate_limiter=RateLimiter(10_000, burst=10_000))
            groups = [f"g{i:04d}" for i in range(CONCURRENT)]
            await asyncio.gather(*(setup.large_face_lists.create(g, name=g) for g in groups))
            started_elsewhere = await asyncio.gather(
                *(setup.large_face_lists.begin_train(g) for g in groups)
            )
            # Polls must go through the throttled client: resume each poller there.
            pollers = [
                face.resume_poller(p.continuation_token(), polling=POLICY)
                for p in started_elsewhere
            ]
            emu.log.clear()
            # The service limits at exactly the client's rate: any 429 means the client overran.
            emu.set_rate_limit(RATE)
            started = time.monotonic()
            # Empty lists fail training; the point here is the request rate, not the outcome.
            await asyncio.gather(*(p.result() for p in pollers), return_exceptions=True)
            spent = time.monotonic() - started
        peak = emu.log.peak_rate(5.0, where=is_poll) / 5.0
        throttled = emu.log.count(status=429)
        polls = sum(1 for r in emu.log.requests if is_poll(r))
    return spent, peak, throttled, polls / max(spent, 1e-9)


async def microsoft_training(duration: float) -> tuple[int, float]:
    """Polls and delay of azure-ai-vision-face's begin_train (default polling) on one training."""
    from azure.ai.vision.face.aio import FaceAdministrationClient
    from azure.core.credentials import AzureKeyCredential

    settings = EmulatorSettings(
        training_queue_seconds=0.0, training_base_seconds=duration, training_seconds_per_face=0.0
    )
    async with (
        FaceEmulator(settings=settings, snapshot_store=SnapshotStore()) as emu,
        FaceClient(emu.endpoint, KeyCredential(emu.key)) as face,
        FaceAdministrationClient(emu.endpoint, AzureKeyCredential(emu.key)) as admin,
    ):
        await face.large_person_groups.create("g", name="G")
        person = await face.large_person_groups.persons.create("g", name="p")
        await face.large_person_groups.persons.add_face("g", person.person_id, synthetic_face("p"))
        emu.log.clear()
        poller = await admin.large_person_group.begin_train("g")  # its default interval
        await poller.result()
        returned = emu.account.now()
        training = next(iter(emu.account.containers.values())).training
        assert training is not None
        polls = sum(1 for r in emu.log.requests if "/operations/" in r.path)
    return polls, returned - training.ends_at


async def main() -> None:
    print("trainings (emulator, facekit default polling)")
    print(
        f"{'training s':>10} {'polls':>6} {'delay s':>8} {'interval s':>10} "
        f"{'delay/interval':>15} {'fixed-30s delay s':>18} {'facekit/fixed':>14}"
    )
    for duration in DURATIONS:
        polls, delay, interval = await one_training(duration)
        fixed_delay = math.ceil(duration / FIXED) * FIXED - duration
        print(
            f"{duration:>10.1f} {polls:>6} {delay:>8.2f} {interval:>10.2f} "
            f"{delay / interval:>15.2f} {fixed_delay:>18.2f} {delay / fixed_delay:>14.3f}"
        )
    if "--compare-microsoft" in sys.argv:
        duration = 2.0
        ours, our_delay, _ = await one_training(duration)
        theirs, their_delay = await microsoft_training(duration)
        print()
        print(f"the same {duration:g} s training awaited two ways (emulator, measured):")
        print(
            f"  facekit poller (defaults):               {ours} polls, "
            f"returned {our_delay:.2f} s after the end"
        )
        print(
            f"  azure-ai-vision-face begin_train (default): {theirs} polls, "
            f"returned {their_delay:.2f} s after the end"
        )
        print(f"  facekit delay / Microsoft SDK delay = {our_delay / their_delay:.3f}")
    spent, peak, throttled, mean = await many_pollers()
    print()
    print(
        f"{CONCURRENT} concurrent pollers on one client limited to {RATE:g}/s: done in "
        f"{spent:.1f} s, mean {mean:.1f} polls/s (mean/limit = {mean / RATE:.3f}); 429s from "
        f"a service limiting at the same rate = {throttled}; busiest 5 s of answers "
        f"{peak:.1f}/s ({peak / RATE:.3f} of the limit; answers bunch by event-loop jitter)"
    )


if __name__ == "__main__":
    asyncio.run(main())
