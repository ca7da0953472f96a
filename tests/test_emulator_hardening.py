"""The emulator as a server others can reach: control endpoints behind the key beyond
loopback, deep JSON answered like the service, and a cap on (idle) connections."""

from __future__ import annotations

import ast
import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from facekit.emulator import FaceEmulator, SnapshotStore

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
async def guarded() -> AsyncIterator[FaceEmulator]:
    # Bound to loopback (tests never leave it), but with the protection a 0.0.0.0 bind gets.
    async with FaceEmulator(protect_control=True, snapshot_store=SnapshotStore()) as emu:
        yield emu


@pytest.mark.parametrize(
    ("host", "protected"),
    [
        ("127.0.0.1", False),
        ("127.0.0.53", False),
        ("::1", False),
        ("localhost", False),
        ("0.0.0.0", True),  # only the decision is checked: nothing is bound here
        ("::", True),
        ("192.0.2.10", True),
        ("face-emulator.internal", True),
    ],
)
def test_control_endpoints_need_the_key_whenever_the_bind_is_not_loopback(
    host: str, protected: bool
) -> None:
    assert FaceEmulator(host=host).service.protect_control is protected


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/_emulator/reset", None),
        ("GET", "/_emulator/requests", None),
        ("POST", "/_emulator/faults", {"operation": "*", "status": 503, "times": None}),
        ("DELETE", "/_emulator/faults", None),
    ],
)
async def test_a_protected_control_endpoint_refuses_a_caller_without_the_key(
    guarded: FaceEmulator, method: str, path: str, body: object
) -> None:
    guarded.seed_group("staff", {"ann": [1]})
    async with aiohttp.ClientSession() as http:
        async with http.request(method, guarded.endpoint + path, json=body) as reply:
            assert reply.status == 401
        async with http.request(
            method, guarded.endpoint + path, json=body, headers={"Ocp-Apim-Subscription-Key": "x"}
        ) as reply:
            assert reply.status == 401
    # Nothing was wiped, injected or read.
    assert guarded.account.containers
    assert guarded.faults.faults == []

    headers = {"Ocp-Apim-Subscription-Key": guarded.key}
    async with (
        aiohttp.ClientSession(headers=headers) as http,
        http.request(method, guarded.endpoint + path, json=body) as reply,
    ):
        assert reply.status < 300


async def test_on_loopback_the_control_endpoints_stay_open_for_tests() -> None:
    async with (
        FaceEmulator(snapshot_store=SnapshotStore()) as emu,
        aiohttp.ClientSession() as http,
        http.get(emu.endpoint + "/_emulator/requests") as reply,
    ):
        assert reply.status == 200


@pytest.mark.parametrize(
    "path", ["/face/v1.0/persongroups/staff", "/face/v1.0/identify", "/face/v1.0/detect"]
)
async def test_deeply_nested_json_is_a_400_bad_argument(guarded: FaceEmulator, path: str) -> None:
    method = "PUT" if path.endswith("staff") else "POST"
    headers = {"Ocp-Apim-Subscription-Key": guarded.key, "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, guarded.endpoint + path, data=DEEP, headers=headers) as reply,
    ):
        assert reply.status == 400
        assert (await reply.json())["error"]["code"] == "BadArgument"


async def test_deeply_nested_json_to_the_fault_endpoint_is_a_400(guarded: FaceEmulator) -> None:
    headers = {"Ocp-Apim-Subscription-Key": guarded.key, "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(guarded.endpoint + "/_emulator/faults", data=DEEP, headers=headers) as reply,
    ):
        assert reply.status == 400


async def test_a_flood_of_idle_connections_is_capped_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="facekit.emulator")
    emu = FaceEmulator(max_connections=20, idle_seconds=0.3, snapshot_store=SnapshotStore())
    async with emu:
        loop = asyncio.get_running_loop()
        sockets = []
        try:
            for _ in range(300):
                sock = socket.socket()
                sock.setblocking(False)
                await loop.sock_connect(sock, (emu.host, emu.port))
                sockets.append(sock)
            await asyncio.sleep(0.1)
            # Never more than the cap is served; the rest were refused at once.
            assert emu.connections.active == 20
            assert emu.connections.refused == 280
            # The silent ones are closed; the emulator serves again.
            await asyncio.sleep(0.5)
            assert emu.connections.active == 0
            async with (
                aiohttp.ClientSession() as http,
                http.get(
                    emu.endpoint + "/face/v1.0/persongroups",
                    headers={"Ocp-Apim-Subscription-Key": emu.key},
                ) as reply,
            ):
                assert reply.status == 200
        finally:
            for sock in sockets:
                sock.close()
    lines = [record.getMessage() for record in caplog.records]
    # One line when the cap was hit, one when it served again, one for the idle closes:
    # not one per connection.
    assert len(lines) == 3, lines
    assert emu.connections.idle_closed == 20


def test_the_emulator_imports_nothing_of_the_client() -> None:
    client_modules = {
        "facekit",
        "facekit.session",
        "facekit.client",
        "facekit.errors",
        "facekit.models",
        "facekit.polling",
        "facekit.resources",
        "facekit.images",
        "facekit.auth",
        "facekit.ratelimit",
        "facekit._retry",
    }
    folder = Path(__file__).resolve().parent.parent / "facekit" / "emulator"
    sources = sorted(folder.rglob("*.py"))
    # Its subpackages (state, images) are checked as well as its top-level modules.
    assert {"state", "images"} <= {s.parent.name for s in sources}
    for source in sources:
        # How many levels a relative import may climb and stay inside facekit.emulator.
        depth = len(source.parent.relative_to(folder).parts) + 1
        name = str(source.relative_to(folder))
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom):
                absolute = node.level == 0 and node.module is not None
                assert not (absolute and node.module in client_modules), name
                assert node.level <= depth, f"{name} imports from the client package"
            elif isinstance(node, ast.Import):
                assert not any(alias.name in client_modules for alias in node.names), name
