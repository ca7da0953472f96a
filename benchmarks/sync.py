"""What the blocking facade costs: a call through facekit.sync against the same call awaited.

Run: python benchmarks/sync.py [--requests 500 --rounds 5]

The emulator runs in this process, in its own thread. Each round sends the same GETs
(`large_person_groups.get`) one after another, first awaited on an async client in
`asyncio.run`, then through a `facekit.sync.FaceClient` (each call handed to its loop
thread and waited for), then from 8 threads at once on the one sync client; the median
round counts. Printed: wall-clock microseconds per request of each, and the ratios.

Its last line: `async_us=A sync_us=S threads8_us=T sync/async=X threads8/async=Y`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facekit import FaceClient, KeyCredential, RateLimiter  # noqa: E402
from facekit.emulator import EmulatorSettings, FaceEmulator  # noqa: E402
from facekit.sync import FaceClient as SyncFaceClient  # noqa: E402

GROUP = "bench"


def async_round(endpoint: str, key: str, requests: int) -> float:
    async def run() -> float:
        async with FaceClient(
            endpoint, KeyCredential(key), rate_limiter=RateLimiter(1e6, burst=1000)
        ) as face:
            await face.large_person_groups.get(GROUP)
            started = time.perf_counter()
            for _ in range(requests):
                await face.large_person_groups.get(GROUP)
            return time.perf_counter() - started

    return asyncio.run(run())


def sync_round(face: SyncFaceClient, requests: int, threads: int) -> float:
    face.large_person_groups.get(GROUP)
    started = time.perf_counter()
    if threads == 1:
        for _ in range(requests):
            face.large_person_groups.get(GROUP)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda _: face.large_person_groups.get(GROUP), range(requests)))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    emulator = FaceEmulator(settings=EmulatorSettings(rate_limit=None))
    times: dict[str, list[float]] = {"async": [], "sync": [], "threads8": []}
    with emulator.in_thread():
        key = emulator.key
        with SyncFaceClient(
            emulator.endpoint, KeyCredential(key), rate_limiter=RateLimiter(1e6, burst=1000)
        ) as face:
            face.large_person_groups.create(GROUP, name="Bench")
            for _ in range(args.rounds):
                times["async"].append(async_round(emulator.endpoint, key, args.requests))
                times["sync"].append(sync_round(face, args.requests, 1))
                times["threads8"].append(sync_round(face, args.requests, 8))
    us = {name: statistics.median(t) / args.requests * 1e6 for name, t in times.items()}
    print(f"{args.rounds} rounds x {args.requests} GETs against the in-process emulator")
    for name, value in us.items():
        print(f"  {name:8} {value:7.1f} us per request ({value / us['async']:.2f}x async)")
    print(
        f"async_us={us['async']:.1f} sync_us={us['sync']:.1f} threads8_us={us['threads8']:.1f} "
        f"sync/async={us['sync'] / us['async']:.2f} "
        f"threads8/async={us['threads8'] / us['async']:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
