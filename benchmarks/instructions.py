"""Client instructions per request, counted by valgrind: a figure machine noise cannot move.

Run: python benchmarks/instructions.py [--requests 1000]

CPU time on a shared machine swings by a tenth from one run to the next; the number of
instructions a client executes does not. Each client of benchmarks/overhead.py (raw
aiohttp, facekit, and Microsoft's aio client if installed) runs under
`valgrind --tool=callgrind` twice, sending 300 and 300 + N GETs to the loopback server
(which runs untraced); the difference divided by N is the client's instructions per
request, start-up and warm-up cancelled out. Only this process's own instructions count:
the kernel's work (the same sockets for every client) and cache effects do not, which is
why `overhead.py`'s CPU ratio, diluted by the kernel's share, comes out lower.

Its last line: `raw_ir=R facekit_ir=F azure_ir=A facekit/raw=X azure/raw=Y`. Needs
valgrind (apt-get install valgrind); about a minute per client.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

OVERHEAD = Path(__file__).resolve().parent / "overhead.py"
BASE_REQUESTS = 300


def instructions(client: str, requests: int) -> int | None:
    """Instructions valgrind counted in a run of `client` (None: the client is missing)."""
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            str(OVERHEAD),
            "--only",
            client,
            "--requests",
            str(requests),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        return None
    found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"valgrind said nothing countable:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed here (apt-get install valgrind): nothing measured")
        return 1
    per_request: dict[str, float] = {}
    for client in ("raw", "facekit", "azure"):
        base = instructions(client, BASE_REQUESTS)
        more = instructions(client, BASE_REQUESTS + args.requests) if base is not None else None
        if base is None or more is None:
            print(f"  {client:8} not measured (not installed here)")
            continue
        per_request[client] = (more - base) / args.requests
        print(f"  {client:8} {per_request[client]:10,.0f} instructions per request")
    raw = per_request["raw"]
    figures = " ".join(f"{name}_ir={value:.0f}" for name, value in per_request.items())
    ratios = " ".join(
        f"{name}/raw={value / raw:.2f}" for name, value in per_request.items() if name != "raw"
    )
    print(f"{figures} {ratios}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
