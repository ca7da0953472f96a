"""How the emulator starts: the pytest fixture, a thread, and `python -m facekit emulator`."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from facekit.emulator import EmulatorSettings, FaceEmulator, synthetic_face


def get(url: str, key: str) -> tuple[int, object]:
    request = urllib.request.Request(url, headers={"Ocp-Apim-Subscription-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def put(url: str, key: str, body: dict[str, str]) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"Ocp-Apim-Subscription-Key": key, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return int(response.status)


def test_the_fixture_serves_synchronous_tests(face_emulator: FaceEmulator) -> None:
    base = f"{face_emulator.endpoint}/face/v1.0"
    assert put(f"{base}/persongroups/g", face_emulator.key, {"name": "G"}) == 200
    assert get(f"{base}/persongroups/g", face_emulator.key) == (
        200,
        {"personGroupId": "g", "name": "G"},
    )
    assert face_emulator.log.count("PersonGroup_*") == 2


@pytest.mark.face_emulator(rate_limit=1)
def test_the_fixture_takes_settings_from_a_marker(face_emulator: FaceEmulator) -> None:
    base = f"{face_emulator.endpoint}/face/v1.0"
    statuses = [get(f"{base}/persongroups", face_emulator.key)[0] for _ in range(3)]
    assert 429 in statuses


def test_each_test_gets_a_fresh_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json, urllib.request

        def create(emu):
            req = urllib.request.Request(
                emu.endpoint + "/face/v1.0/persongroups/only", method="PUT",
                data=json.dumps({"name": "x"}).encode(),
                headers={"Ocp-Apim-Subscription-Key": emu.key,
                         "Content-Type": "application/json"})
            return urllib.request.urlopen(req, timeout=5).status

        def test_one(face_emulator):
            assert create(face_emulator) == 200

        def test_two(face_emulator):
            assert create(face_emulator) == 200
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_in_thread_starts_and_stops() -> None:
    emulator = FaceEmulator()
    with emulator.in_thread():
        status, _ = get(f"{emulator.endpoint}/face/v1.0/persongroups", emulator.key)
        assert status == 200
    with pytest.raises(RuntimeError):
        _ = emulator.endpoint


def test_the_face_image_url_needs_no_key(face_emulator: FaceEmulator) -> None:
    with urllib.request.urlopen(face_emulator.image_url("ann", 2), timeout=5) as response:
        assert response.read() == synthetic_face("ann", 2)


def test_the_command_prints_its_endpoint_serves_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "facekit",
            "emulator",
            "--port",
            "0",
            "--key",
            "k3y",
            "--fault",
            '{"operation": "PersonGroup_List", "status": 503}',
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        endpoint = ""
        deadline = time.monotonic() + 20
        while not endpoint and time.monotonic() < deadline:
            line = process.stdout.readline()
            if line.startswith("endpoint: "):
                endpoint = line.split(": ", 1)[1].strip()
        assert endpoint.startswith("http://127.0.0.1:")
        assert get(f"{endpoint}/face/v1.0/persongroups", "k3y")[0] == 503
        assert get(f"{endpoint}/face/v1.0/persongroups", "k3y")[0] == 200
        assert get(f"{endpoint}/face/v1.0/persongroups", "wrong")[0] == 401
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_the_command_refuses_a_bad_fault() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "facekit", "emulator", "--port", "0", "--fault", "{nope"],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert done.returncode == 2
    assert "invalid --fault" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_command_says_how_to_use_it_and_answers_info() -> None:
    subscription = "3c2f1b7e-0d4a-4c5e-9f1a-2b3c4d5e6f70"
    process = subprocess.Popen(
        [sys.executable, "-m", "facekit", "emulator", "--port", "0", "--key", "k3y",
         "--subscription-id", subscription],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 20
        while not any("curl" in line for line in lines) and time.monotonic() < deadline:
            lines.append(process.stdout.readline())
        text = "".join(lines)
        endpoint = (
            next(line for line in lines if line.startswith("endpoint: ")).split(": ", 1)[1].strip()
        )
        assert f"export FACE_ENDPOINT={endpoint} FACE_KEY=k3y" in text
        assert f"subscription id: {subscription}" in text
        with urllib.request.urlopen(f"{endpoint}/_emulator/info", timeout=5) as reply:
            info = json.loads(reply.read())
        assert info["endpoint"] == endpoint
        assert info["subscriptionId"] == subscription
        assert info["accountId"].startswith(f"/subscriptions/{subscription}/")
        assert "v1.2" in info["apiVersions"]
        assert "k3y" not in json.dumps(info)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_a_busy_port_or_a_bad_subscription_is_one_line_and_exit_2() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for extra, message in (
            (["--port", str(port)], "cannot serve on 127.0.0.1"),
            (["--port", "0", "--subscription-id", "nope"], "--subscription-id"),
        ):
            done = subprocess.run(
                [sys.executable, "-m", "facekit", "emulator", *extra],
                capture_output=True,
                text=True,
                timeout=20,
                check=False,
            )
            assert done.returncode == 2, done.stderr
            assert done.stderr.startswith("facekit: error:")
            assert message in done.stderr
            assert done.stderr.count("\n") == 1


def test_the_account_id_names_the_subscription() -> None:
    settings = EmulatorSettings()
    assert settings.account_id.startswith(f"/subscriptions/{settings.subscription_id}/")
