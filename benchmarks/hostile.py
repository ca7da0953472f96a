"""facekit against hostile replies and random cancellations: the figures of issue 9.

Run: python benchmarks/hostile.py [--trials 4000] [--seed 9]

1. The hostile matrix of tests/hostile_server.py (broken, huge, endless, nested, echoing
   replies...), every case with a key and with a bearer token: how many ended with the
   expected FaceError within their time (and heap) bound, and how often the key or the
   token was found anywhere in the errors (str, repr, attributes, causes, contexts, the
   traceback rendered with frame locals) or in facekit's DEBUG log of the whole run.
2. Memory: a 500 MB chunked reply read by a client in a child process, with the default
   `max_response_bytes` and with a 1 MiB cap; the child's peak RSS growth is printed.
3. Fairness: the same load on one RateLimiter (40 callers at S0's 10/s) with and without
   429 pauses: callers keep their arrival order, and the longest wait grows by the pauses
   at most.
4. Random cancellations (tests/cancel_stress.py) of uploads from bytes, a path, a file and
   an async iterator, of pollers and of bulk enrollments, in four cancel styles: escaped
   CancelledErrors, swallowed cancellations, tasks, descriptors and files left.

The last line holds the figures of the closing note.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.cancel_stress import stress, summary  # noqa: E402
from tests.hostile_server import (  # noqa: E402
    CASES,
    HostileServer,
    Request,
    huge_chunked,
    run_case,
    secret_count,
    send,
)
from tests.test_ratelimit import line_up  # noqa: E402

CHILD = """
import asyncio, json, resource, sys
sys.path.insert(0, sys.argv[3])
from facekit import FaceClient, KeyCredential, FaceError, RateLimiter

async def main():
    endpoint, cap = sys.argv[1], int(sys.argv[2])
    options = {"max_response_bytes": cap} if cap else {}
    async with FaceClient(endpoint, KeyCredential("k" * 32), api_version="v1.0", max_retries=0,
                          rate_limiter=RateLimiter(1000), **options) as face:
        await face.person_groups.list(top=1).page()  # warm up imports and the pool
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            await face.person_groups.get("family")
            error = None
        except FaceError as exc:
            error = type(exc).__name__
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"grown_kib": after - before, "error": error}))

asyncio.run(main())
"""


async def matrix() -> tuple[int, int, int, list[str]]:
    """(clean, total, secrets found, problems) over every case, key and bearer."""
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    logger = logging.getLogger("facekit")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    clean = total = found = 0
    problems = []
    try:
        for case in CASES:
            for bearer in (False, True):
                outcome = await run_case(case, bearer=bearer)
                total += 1
                clean += outcome.clean
                found += len(outcome.secrets_found)
                problems += [
                    f"{case.name} ({'bearer' if bearer else 'key'}): {problem}"
                    for problem in outcome.problems
                ]
    finally:
        logger.removeHandler(handler)
    text = log.getvalue()
    found += secret_count(text)
    return clean, total, found, problems


async def memory(cap: int) -> tuple[float, str | None]:
    """Peak RSS growth (MiB) of a child reading a 500 MB chunked reply under `cap` (0: default)."""
    huge = huge_chunked(500 * 1024 * 1024)
    small = send(200, b"[]")

    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        # The child's warm-up lists groups; the measured call gets the 500 MB.
        await (small if request.target.startswith("/face/v1.0/persongroups?") else huge)(
            request, writer
        )

    server = HostileServer()
    server.reply = reply
    await server.start()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CHILD,
            server.endpoint,
            str(cap),
            str(ROOT),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 120)
    finally:
        await server.stop()
    if process.returncode != 0:
        raise RuntimeError(err.decode())
    data = json.loads(out)
    return data["grown_kib"] / 1024, data["error"]


async def fairness(callers: int = 40, rate: float = 10.0, pause: float = 0.5) -> str:
    """The same load with and without a 429 pause after every tenth caller let through."""

    def overtaken(order: list[int]) -> int:
        # Callers let through before someone who arrived earlier.
        return sum(1 for a, b in itertools.pairwise(order) if b < a)

    plain_order, plain = await line_up(callers, rate)
    paused_order, paused = await line_up(callers, rate, pause=pause, every=10)
    pauses = (callers - 1) // 10
    return (
        f"{callers} callers at {rate:g}/s: longest wait {plain:.2f} s without pauses, "
        f"{paused:.2f} s with {pauses} pauses of {pause} s (ratio {paused / plain:.2f}); "
        f"out-of-order releases {overtaken(plain_order)} and {overtaken(paused_order)}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()

    started = time.monotonic()
    clean, total, found, problems = await matrix()
    print(f"hostile matrix: {clean} of {total} handled cleanly ({len(CASES)} cases x key/bearer)")
    for problem in problems:
        print(f"  {problem}")
    print(f"secrets found in errors and DEBUG logs: {found}")

    default_growth, default_error = await memory(0)
    small_growth, small_error = await memory(1024 * 1024)
    print(
        f"500 MB chunked reply: peak RSS +{default_growth:.0f} MiB with the default cap "
        f"(128 MiB; {default_error}), +{small_growth:.0f} MiB with a 1 MiB cap ({small_error})"
    )

    print(await fairness())

    report = await stress(args.trials, args.seed)
    print(summary(report))
    print(f"  by kind: {dict(report.by_kind)}; outcomes: {dict(report.outcomes)}")
    if report.escaped_by_kind:
        print(f"  escaped: {dict(report.escaped_by_kind)}")
    if report.foreign_errors:
        print(f"  non-FaceError errors: {dict(report.foreign_errors)}")
    print(f"(ran {time.monotonic() - started:.0f} s)")
    print(
        f"hostile cases handled cleanly {clean} of {total}; cancellations escaped "
        f"{report.escaped} of {report.trials} ({report.landed} landed mid-call); "
        f"key found {found} times"
    )


if __name__ == "__main__":
    asyncio.run(main())
