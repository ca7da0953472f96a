"""Client CPU per request: raw aiohttp, facekit, and Microsoft's azure-ai-vision-face (aio).

Run: python benchmarks/overhead.py [--requests 500 --rounds 30]

A tiny aiohttp server in another process (its CPU is not counted) answers every GET with
the same small JSON body (a large person group). In this process each client sends the
same GETs one after another; the CPU time this process spends (time.process_time) per
request is what the client costs. Each round runs every client once, in alternating
order, so that the clients of one round see the same state of the machine; a client's
ratio to raw aiohttp is the median over the rounds of its round's ratio (a busy moment
shifts both figures of a round, not the ratio), and the µs figures are medians over the
rounds. Many short rounds beat a few long ones on a noisy machine. The figures:

  raw aiohttp:  ClientSession.get(url, headers={key}) and reply.json()
  facekit:      face.large_person_groups.get(id) (retries, limiter, ids, parsing into a model)
  azure aio:    FaceAdministrationClient.large_person_group.get(id), if azure-ai-vision-face
                is installed (pip install azure-ai-vision-face==1.0.0b2); otherwise the
                output says it was not measured, and its figures read n/a

Its last line: `raw_us=R facekit_us=F azure_us=A facekit/raw=X azure/raw=Y` (goal X <= 1.25).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from facekit import FaceClient, KeyCredential, RateLimiter  # noqa: E402

KEY = "0123456789abcdef0123456789abcdef"
BODY = json.dumps(
    {
        "largePersonGroupId": "bench",
        "name": "Benchmark group",
        "userData": "user data",
        "recognitionModel": "recognition_04",
    }
).encode()


def serve(port_file: str) -> None:
    """The server process: answer every request with BODY until killed."""

    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=BODY, content_type="application/json")

    async def main() -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", answer)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        Path(port_file).write_text(str(port))  # noqa: ASYNC240 - once, before serving
        await asyncio.Event().wait()

    asyncio.run(main())


Runner = Callable[[int], Awaitable[None]]


async def raw_client(endpoint: str) -> tuple[Runner, Callable[[], Awaitable[None]]]:
    session = aiohttp.ClientSession()
    url = f"{endpoint}/face/v1.2/largepersongroups/bench"
    headers = {"Ocp-Apim-Subscription-Key": KEY}

    async def run(n: int) -> None:
        for _ in range(n):
            async with session.get(url, headers=headers) as reply:
                reply.raise_for_status()
                await reply.json()

    return run, session.close


async def facekit_client(endpoint: str) -> tuple[Runner, Callable[[], Awaitable[None]]]:
    face = FaceClient(
        endpoint, KeyCredential(KEY), api_version="v1.2", rate_limiter=RateLimiter(1e9)
    )

    async def run(n: int) -> None:
        for _ in range(n):
            await face.large_person_groups.get("bench")

    return run, face.aclose


async def azure_client(endpoint: str) -> tuple[Runner, Callable[[], Awaitable[None]]] | None:
    try:
        from azure.ai.vision.face.aio import FaceAdministrationClient
        from azure.core.credentials import AzureKeyCredential
    except ImportError:
        return None
    client: Any = FaceAdministrationClient(endpoint, AzureKeyCredential(KEY))

    async def run(n: int) -> None:
        for _ in range(n):
            await client.large_person_group.get("bench")

    return run, client.close


async def measure(
    endpoint: str, requests: int, rounds: int
) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Median µs per request of each client, and each client's ratios to raw, per round."""
    clients: dict[str, tuple[Runner, Callable[[], Awaitable[None]]]] = {
        "raw": await raw_client(endpoint),
        "facekit": await facekit_client(endpoint),
    }
    azure = await azure_client(endpoint)
    if azure is not None:
        clients["azure"] = azure
    samples: dict[str, list[float]] = {name: [] for name in clients}
    try:
        for run, _close in clients.values():
            await run(200)  # warm up: connections, caches, lazy imports
        for round_number in range(rounds):
            order = list(clients)
            if round_number % 2:
                order.reverse()
            for name in order:
                run, _close = clients[name]
                started = time.process_time()
                await run(requests)
                samples[name].append((time.process_time() - started) / requests * 1e6)
    finally:
        for _run, close in clients.values():
            await close()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    ratios = {
        name: sorted(value / raw for value, raw in zip(values, samples["raw"], strict=True))
        for name, values in samples.items()
    }
    return medians, ratios


CLIENTS = ("raw", "facekit", "azure")


async def run_only(name: str, endpoint: str, requests: int) -> int:
    """Warm one client up, then send `requests` GETs with it (1: it is not installed)."""
    make = {"raw": raw_client, "facekit": facekit_client, "azure": azure_client}[name]
    client = await make(endpoint)
    if client is None:
        return 1
    run, close = client
    try:
        await run(200)
        await run(requests)
    finally:
        await close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument(
        "--only",
        choices=CLIENTS,
        help="send --requests GETs with this client only, after a warm-up, and print "
        "nothing (for benchmarks/instructions.py)",
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    port_file = Path(f"/tmp/facekit-overhead-{os.getpid()}.port")
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file)])
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text():
            if time.monotonic() > deadline or server.poll() is not None:
                print("the server did not start")
                return 1
            time.sleep(0.05)
        endpoint = f"http://127.0.0.1:{port_file.read_text()}"
        if args.only:
            return asyncio.run(run_only(args.only, endpoint, args.requests))
        figures, ratios = asyncio.run(measure(endpoint, args.requests, args.rounds))
    finally:
        server.kill()
        server.wait()
        port_file.unlink(missing_ok=True)
    raw = figures["raw"]
    print(f"{args.rounds} rounds x {args.requests} sequential GETs on loopback per client")
    ratio = {name: statistics.median(values) for name, values in ratios.items()}
    for name, value in figures.items():
        values = ratios[name]
        spread = f"rounds {values[len(values) // 4]:.2f}-{values[(3 * len(values)) // 4]:.2f}"
        print(
            f"  {name:8} {value:7.1f} us CPU per request "
            f"({ratio[name]:.2f}x raw aiohttp; middle half of the {spread})"
        )
    if "azure" not in figures:
        print(
            "  azure    not measured: azure-ai-vision-face is not installed here "
            "(pip install azure-ai-vision-face==1.0.0b2 to compare)"
        )
    azure = figures.get("azure")
    azure_text = f"azure_us={azure:.1f}" if azure is not None else "azure_us=n/a"
    azure_ratio = f"azure/raw={ratio['azure']:.2f}" if azure is not None else "azure/raw=n/a"
    print(
        f"raw_us={raw:.1f} facekit_us={figures['facekit']:.1f} {azure_text} "
        f"facekit/raw={ratio['facekit']:.2f} {azure_ratio}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
