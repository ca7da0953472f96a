"""An app server for a mobile app's liveness check (Face API v1.2, liveness with verify).

The mobile app never holds the Face key. It asks this server for a session, runs the
liveness check with the Azure AI Vision SDK using the session's auth token (a bearer token
for that one session, which expires), then asks this server for the verdict. The server
reads the result from the Face service with its key and answers: live, and the same person
as the user's reference photo, or not.

    POST /liveness-sessions            {"userId": "ann", "deviceId": "phone-7"}
        -> {"sessionId": "...", "authToken": "..."}          (hand the token to the SDK)
    GET  /liveness-sessions/{id}/verdict
        -> {"verified": true, "decision": "realface", "isIdentical": true, ...}

The server keeps which user each session is for, checks the verdict once and deletes the
session (its token stops working). Reference photos come from `--references DIR`
(DIR/<userId>.jpg or .png); without one, two demo users with synthetic photos.

Run it against facekit's Face emulator, which also plays the phone:

    python samples/liveness_server.py                # serves on 127.0.0.1:8081
    python samples/liveness_server.py --self-test    # a real user, a spoof, an impostor

or against a Face resource (Face API v1.2):

    FACE_ENDPOINT=https://NAME.cognitiveservices.azure.com FACE_KEY=... \\
        python samples/liveness_server.py --references photos/ [--port 8081]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from facekit import (
    BadRequestError,
    FaceAPIError,
    FaceClient,
    FaceError,
    KeyCredential,
    LimitedAccessError,
    NotFoundError,
)
from facekit.emulator import FaceEmulator, synthetic_face
from facekit.models import LivenessDecision

#: The Face API version a resource created today speaks (liveness sessions are GA there).
API_VERSION = "v1.2"
#: How long the phone has to run the check, in seconds (the service allows 60..86400).
TOKEN_SECONDS = 300
#: The two users of the demo: their reference photos are synthetic faces.
DEMO_USERS = {"ann": synthetic_face("ann", 1), "bob": synthetic_face("bob", 1)}


@dataclass
class Sessions:
    """Which user each open session is for (a database table in a real app)."""

    users: dict[str, str] = field(default_factory=dict)


FACE = web.AppKey("face", FaceClient)
REFERENCES = web.AppKey("references", dict[str, bytes])
SESSIONS = web.AppKey("sessions", Sessions)
SETTINGS = web.AppKey("settings", tuple[str, str])


async def face_client_context(app: web.Application) -> AsyncIterator[None]:
    """One FaceClient for the whole app, closed when it stops."""
    endpoint, key = app[SETTINGS]
    async with FaceClient(endpoint, KeyCredential(key), api_version=API_VERSION) as face:
        app[FACE] = face
        yield


async def create_session(request: web.Request) -> web.Response:
    """A session for the user's phone; the reply carries the token the SDK needs."""
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("userId"), str):
        return error(400, "BadRequest", 'send {"userId": "...", "deviceId": "..."}')
    user, device = body["userId"], body.get("deviceId")
    reference = request.app[REFERENCES].get(user)
    if reference is None:
        return error(404, "UnknownUser", f"no reference photo for {user!r}")
    session = await request.app[FACE].liveness.create_with_verify_session(
        reference,
        device_correlation_id=device if isinstance(device, str) else None,
        auth_token_time_to_live=TOKEN_SECONDS,
    )
    request.app[SESSIONS].users[session.session_id] = user
    # The token is for the phone only: it goes in this reply and nowhere else (no log).
    return web.json_response({"sessionId": session.session_id, "authToken": session.auth_token})


async def verdict(request: web.Request) -> web.Response:
    """Read the session's result from the Face service and decide; then close the session."""
    session_id = request.match_info["session_id"]
    user = request.app[SESSIONS].users.get(session_id)
    if user is None:
        return error(404, "UnknownSession", "no open session with this id")
    face = request.app[FACE]
    result = await face.liveness.get_with_verify_session_result(session_id)
    latest = result.results.latest
    if latest is None:
        return web.json_response({"verified": False, "status": str(result.status)}, status=409)
    outcome = result.verify_result
    live = result.decision is LivenessDecision.REAL_FACE
    identical = outcome is not None and outcome.is_identical
    answer: dict[str, Any] = {
        "userId": user,
        "verified": live and identical,
        "decision": str(result.decision) if result.decision else None,
        "isIdentical": identical,
        "matchConfidence": outcome.match_confidence if outcome else None,
        "error": latest.error.code if latest.error else None,
    }
    # One verdict per session: delete it, so its token cannot be used again.
    del request.app[SESSIONS].users[session_id]
    await face.liveness.delete_with_verify_session(session_id)
    return web.json_response(answer)


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def face_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The Face service's refusals, as this server's JSON errors."""
    try:
        return await handler(request)
    except LimitedAccessError as exc:
        return error(502, "NotApproved", exc.message)
    except BadRequestError as exc:
        # The reference photo itself was refused (no face, several faces).
        return error(422, exc.code or "BadReference", exc.message)
    except NotFoundError as exc:
        return error(404, exc.code or "NotFound", exc.message)
    except FaceAPIError as exc:
        return error(502, exc.code or "FaceAPIError", exc.message)
    except FaceError as exc:
        return error(502, "FaceServiceUnavailable", str(exc))


def make_app(endpoint: str, key: str, references: dict[str, bytes]) -> web.Application:
    app = web.Application(middlewares=[face_errors])
    app[SETTINGS] = (endpoint, key)
    app[REFERENCES] = references
    app[SESSIONS] = Sessions()
    app.cleanup_ctx.append(face_client_context)
    app.router.add_post("/liveness-sessions", create_session)
    app.router.add_get("/liveness-sessions/{session_id}/verdict", verdict)
    return app


def load_references(folder: Path | None) -> dict[str, bytes]:
    """<userId> -> reference photo, from DIR/<userId>.jpg|.jpeg|.png, or the demo users."""
    if folder is None:
        return dict(DEMO_USERS)
    return {
        path.stem: path.read_bytes()
        for path in sorted(folder.iterdir())
        if path.suffix.lower() in (".jpg", ".jpeg", ".png")
    }


# -- the self-test: a phone, played by the emulator -------------------------------------------


async def phone(
    http: aiohttp.ClientSession,
    base_url: str,
    emulator: FaceEmulator,
    user: str,
    **attempt: Any,
) -> tuple[int, dict[str, Any]]:
    """What the mobile app does: get a session, run the check, ask for the verdict."""
    async with http.post(
        f"{base_url}/liveness-sessions", json={"userId": user, "deviceId": "phone-7"}
    ) as response:
        session = await response.json()
    print(
        f"POST /liveness-sessions ({user}) -> {response.status}: session "
        f"{session['sessionId']}, token for the phone ({len(session['authToken'])} characters)"
    )
    # The Vision SDK on the phone talks to the Face service with the session's token;
    # the emulator's control call stands in for that check.
    async with http.post(
        f"{emulator.endpoint}/_emulator/liveness/{session['sessionId']}/attempt",
        json=attempt,
        headers={"Authorization": f"Bearer {session['authToken']}"},
    ) as response:
        print(f"  phone: {json.dumps(attempt)} -> {response.status}")
    url = f"{base_url}/liveness-sessions/{session['sessionId']}/verdict"
    async with http.get(url) as response:
        answer: dict[str, Any] = await response.json()
        print(f"  GET .../verdict -> {response.status} {json.dumps(answer)}")
        status = response.status
    async with http.get(url) as again:
        print(f"  GET .../verdict again -> {again.status} (the session is closed)")
    return status, answer


async def self_test(base_url: str, emulator: FaceEmulator) -> bool:
    """A real user, a photo held up to the camera, and someone else: who gets through."""
    ok = True
    async with aiohttp.ClientSession() as http:
        status, answer = await phone(http, base_url, emulator, "ann", identity="ann", variant=4)
        ok &= status == 200 and answer["verified"] is True
        status, answer = await phone(http, base_url, emulator, "ann", identity="ann", live=False)
        ok &= status == 200 and answer["verified"] is False and answer["decision"] == "spoofface"
        status, answer = await phone(http, base_url, emulator, "bob", identity="carl")
        ok &= status == 200 and answer["verified"] is False and answer["isIdentical"] is False
        async with http.post(f"{base_url}/liveness-sessions", json={"userId": "zoe"}) as response:
            print(f"POST /liveness-sessions (zoe, no reference photo) -> {response.status}")
            ok &= response.status == 404
    # No session is left on the service: every verdict closed its own.
    left = len(emulator.account.liveness.page("verify", None, None))
    print(f"sessions left on the Face service: {left}")
    ok &= left == 0
    print("self-test passed" if ok else "self-test FAILED")
    return ok


async def serve(app: web.Application, port: int, test: FaceEmulator | None) -> bool:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        print(f"serving POST {base_url}/liveness-sessions (Face API {API_VERSION})", flush=True)
        if test is not None:
            return await self_test(base_url, test)
        await until_stopped()
        return True
    finally:
        await runner.cleanup()


async def until_stopped() -> None:
    """Wait for Ctrl-C or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    print("press Ctrl-C to stop", flush=True)
    await stop.wait()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--references", type=Path, help="folder of <userId>.jpg|.png photos")
    parser.add_argument(
        "--self-test", action="store_true", help="play a phone against the emulator and exit"
    )
    return parser.parse_args(argv)


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    references = load_references(args.references)
    endpoint, key = os.environ.get("FACE_ENDPOINT"), os.environ.get("FACE_KEY")
    if endpoint and key:
        if args.self_test:
            print("--self-test plays the phone through the emulator: unset FACE_ENDPOINT")
            return 2
        return 0 if await serve(make_app(endpoint, key, references), args.port, None) else 1
    print("no FACE_ENDPOINT/FACE_KEY set: using facekit's built-in Face emulator")
    async with FaceEmulator() as emulator:
        app = make_app(emulator.endpoint, emulator.key, references)
        ok = await serve(app, args.port, emulator if args.self_test else None)
    return 0 if ok else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(asyncio.run(main()))
