"""A real redis-server on a free loopback port, for the tests that claim sharing.

Without `redis-server` on PATH those tests are skipped with the reason and how to install
it, except under CI (CI=true), where a missing server is an error. The server binds to
127.0.0.1, keeps nothing on disk, dies with the test process (PR_SET_PDEATHSIG) and in any
case after `lifetime` seconds.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

INSTALL_HINT = (
    "redis-server is not installed; the shared rate limit and arq tests need a real one "
    "(Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def require_redis_server() -> str:
    """The redis-server path; skips the test (fails it under CI) when there is none."""
    path = shutil.which("redis-server")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{INSTALL_HINT} (CI=true: this is an error, not a skip)")
        pytest.skip(INSTALL_HINT)
    return path


class RedisServer:
    """One redis-server on 127.0.0.1: `url` to connect; `stop()` and `start()` for outages."""

    def __init__(self, lifetime: float = 900.0) -> None:
        self.binary = require_redis_server()
        self.port = free_port()
        self.lifetime = lifetime
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            "timeout", str(int(self.lifetime)), self.binary,
            "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--protected-mode", "yes",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as probe,
            ):
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
