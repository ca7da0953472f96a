"""A small aiohttp web service that identifies the people in uploaded pictures.

It shows how to share ONE FaceClient across every request of a web application: the client
is opened when the app starts (an aiohttp `cleanup_ctx`) and closed when it stops, so all
requests share its connections, its rate limiter and its retries. At startup the service
also reads the group's persons into a person id -> name cache, so answering a request
costs one detect and one identify per ten faces, never a lookup per face.

    POST /identify        body: the raw image, or multipart/form-data with a field "image"

answers

    {"faces": [{"faceRectangle": {"left": .., "top": .., "width": .., "height": ..},
                "match": {"personId": "..", "name": "anna", "confidence": 0.93} | null}]}

A bad upload gets a 400 JSON error; a refusal of the Face service a 502 carrying the
service's own error code (503 with Retry-After when it is throttling us, 504 when it timed
out).

Run it against facekit's Face emulator, which it fills with a small family first:

    python samples/web_service.py                 # serves on 127.0.0.1:8080
    python samples/web_service.py --self-test     # posts a group photo to itself, prints, exits
    curl --data-binary @photo.png http://127.0.0.1:8080/identify

or against a real, trained person group:

    FACE_ENDPOINT=https://NAME.cognitiveservices.azure.com FACE_KEY=... \\
        python samples/web_service.py --group my-group [--large] [--port 8080]
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
from typing import Any

import aiohttp
from aiohttp import web

from facekit import (
    BadRequestError,
    FaceAPIError,
    FaceClient,
    FaceConnectionError,
    FaceError,
    FaceResponseError,
    FaceTimeoutError,
    FaceValidationError,
    KeyCredential,
    NotFoundError,
    RateLimitError,
)
from facekit.bulk import enroll_people
from facekit.emulator import EmulatorSettings, FaceEmulator, group_photo, synthetic_face
from facekit.models import DetectedFace, IdentifyResult, RecognitionModel, RecognitionModelName

#: The Face service refuses images above 6 MB, so there is no point accepting more.
MAX_IMAGE_BYTES = 6 * 1024 * 1024
#: Identify takes at most ten face ids per call.
IDENTIFY_BATCH = 10

DEMO_GROUP = "facekit-web-demo"
DEMO_FAMILY = ("anna", "bill", "clara", "dev")
DEMO_MODEL: RecognitionModelName = "recognition_04"


@dataclass(frozen=True)
class ServiceConfig:
    endpoint: str
    key: str
    group_id: str
    large: bool = False


@dataclass
class GroupCache:
    """What the service learns about the group once, at startup."""

    recognition_model: RecognitionModel | None
    names: dict[str, str | None] = field(default_factory=dict)


CONFIG = web.AppKey("config", ServiceConfig)
FACE = web.AppKey("face", FaceClient)
GROUP = web.AppKey("group", GroupCache)


class UploadError(Exception):
    """The request itself is wrong: answered 400 (or 413) without calling the service."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


# -- the shared client ----------------------------------------------------------------------


async def face_client_context(app: web.Application) -> AsyncIterator[None]:
    """Open the one FaceClient of the app and fill the name cache; close it on shutdown."""
    config = app[CONFIG]
    face = FaceClient(config.endpoint, KeyCredential(config.key))
    try:
        groups = face.large_person_groups if config.large else face.person_groups
        # Detect must use the group's recognition model, or identify refuses the face ids.
        info = await groups.get(config.group_id, return_recognition_model=True)
        cache = GroupCache(recognition_model=info.recognition_model)
        async for person in groups.persons.list(config.group_id):
            cache.names[person.person_id] = person.name
        app[FACE] = face
        app[GROUP] = cache
        yield
    finally:
        await face.aclose()


async def person_name(app: web.Application, person_id: str) -> str | None:
    """The cached name; a person enrolled after startup is looked up once."""
    cache = app[GROUP]
    if person_id not in cache.names:
        config = app[CONFIG]
        groups = app[FACE].large_person_groups if config.large else app[FACE].person_groups
        try:
            person = await groups.persons.get(config.group_id, person_id)
            cache.names[person_id] = person.name
        except NotFoundError:
            # Deleted since the last training: identify still knows it, the group does not.
            cache.names[person_id] = None
    return cache.names[person_id]


# -- reading the upload ---------------------------------------------------------------------


async def read_image(request: web.Request) -> bytes:
    if request.content_type.startswith("multipart/"):
        return await read_multipart_image(request)
    try:
        data = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise UploadError(
            "ImageTooLarge", f"images are limited to {MAX_IMAGE_BYTES} bytes", 413
        ) from None
    if not data:
        raise UploadError("MissingImage", "send the image as the request body")
    return data


async def read_multipart_image(request: web.Request) -> bytes:
    try:
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, aiohttp.BodyPartReader) or part.name != "image":
                continue
            # Multipart bodies bypass client_max_size, so the limit is enforced here.
            data = bytearray()
            while chunk := await part.read_chunk():
                data += chunk
                if len(data) > MAX_IMAGE_BYTES:
                    raise UploadError(
                        "ImageTooLarge", f"images are limited to {MAX_IMAGE_BYTES} bytes", 413
                    )
            if not data:
                raise UploadError("MissingImage", 'the "image" field is empty')
            return bytes(data)
    except ValueError as exc:
        raise UploadError("InvalidMultipart", f"the multipart body cannot be read: {exc}") from None
    raise UploadError("MissingImage", 'the multipart body has no "image" field')


# -- the endpoint ---------------------------------------------------------------------------


async def identify_handler(request: web.Request) -> web.Response:
    image = await read_image(request)
    app = request.app
    face, config, cache = app[FACE], app[CONFIG], app[GROUP]
    detected = await face.detect(
        image, return_face_id=True, recognition_model=cache.recognition_model
    )
    with_ids = [d for d in detected if d.face_id]
    batches = [
        [d.face_id for d in with_ids[i : i + IDENTIFY_BATCH] if d.face_id]
        for i in range(0, len(with_ids), IDENTIFY_BATCH)
    ]
    results: dict[str, IdentifyResult] = {}
    for batch_results in await asyncio.gather(
        *(identify_batch(face, config, batch) for batch in batches)
    ):
        results.update((r.face_id, r) for r in batch_results)
    faces = [await describe(app, d, results) for d in detected]
    return web.json_response({"faces": faces})


async def identify_batch(
    face: FaceClient, config: ServiceConfig, face_ids: list[str]
) -> list[IdentifyResult]:
    if config.large:
        return await face.identify(face_ids, large_person_group_id=config.group_id)
    return await face.identify(face_ids, person_group_id=config.group_id)


async def describe(
    app: web.Application, detected: DetectedFace, results: dict[str, IdentifyResult]
) -> dict[str, Any]:
    rect = detected.face_rectangle
    result = results.get(detected.face_id or "")
    match: dict[str, Any] | None = None
    if result is not None and result.candidates:
        best = max(result.candidates, key=lambda c: c.confidence)
        match = {
            "personId": best.person_id,
            "name": await person_name(app, best.person_id),
            "confidence": round(best.confidence, 4),
        }
    return {
        "faceRectangle": {
            "left": rect.left,
            "top": rect.top,
            "width": rect.width,
            "height": rect.height,
        },
        "match": match,
    }


# -- errors as JSON -------------------------------------------------------------------------


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> web.Response:
    body = {"error": {"code": code, "message": message, **extra}}
    return web.json_response(body, status=status, headers=headers)


def face_error_response(exc: FaceError) -> web.Response:
    """Map facekit's errors to what a caller of this service can act on."""
    if isinstance(exc, FaceValidationError):
        # facekit checked the upload (its size, mostly) before sending it.
        return error_response(400, "InvalidImage", str(exc))
    if isinstance(exc, BadRequestError) and (exc.code or "").startswith("InvalidImage"):
        # The service could not use the picture: the uploader's problem, not ours.
        return error_response(400, exc.code or "InvalidImage", exc.message)
    if isinstance(exc, RateLimitError):
        retry = {"Retry-After": str(max(1, round(exc.retry_after)))} if exc.retry_after else None
        return error_response(503, exc.code or "RateLimited", exc.message, retry)
    if isinstance(exc, FaceAPIError):
        return error_response(
            502,
            exc.code or "FaceAPIError",
            exc.message,
            upstreamStatus=exc.status,
            # What Azure support asks for when a call went wrong.
            upstreamRequestId=exc.request_id,
        )
    if isinstance(exc, FaceTimeoutError):
        return error_response(504, "FaceServiceTimeout", str(exc))
    if isinstance(exc, FaceConnectionError):
        return error_response(502, "FaceServiceUnreachable", str(exc))
    if isinstance(exc, FaceResponseError):
        return error_response(502, "FaceServiceBadResponse", str(exc))
    return error_response(500, "InternalError", str(exc))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except UploadError as exc:
        return error_response(exc.status, exc.code, exc.message)
    except FaceError as exc:
        return face_error_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc.status, exc.reason.replace(" ", ""), exc.reason)


def make_app(config: ServiceConfig) -> web.Application:
    app = web.Application(middlewares=[json_errors], client_max_size=MAX_IMAGE_BYTES)
    app[CONFIG] = config
    app.cleanup_ctx.append(face_client_context)
    app.router.add_post("/identify", identify_handler)
    return app


# -- running it -----------------------------------------------------------------------------


async def enroll_demo_family(endpoint: str, key: str) -> None:
    """Fill the emulator with a trained family; a real service already has its group."""
    people = {name: [synthetic_face(name, v) for v in range(3)] for name in DEMO_FAMILY}
    async with FaceClient(endpoint, KeyCredential(key)) as face:
        report = await enroll_people(
            face,
            DEMO_GROUP,
            people,
            large=True,
            recognition_model=DEMO_MODEL,
            train=True,
        )
    if not report.ok:
        raise SystemExit(f"enrolling the demo family failed: {report.failures}")
    print(
        f"enrolled {report.persons_created} people, {report.faces_added} faces; "
        f"training {report.training.status if report.training else 'skipped'}"
    )


async def self_test(base_url: str, break_face_service: Callable[[], None] | None = None) -> bool:
    """Post pictures to the running service and check who it says is in them."""
    ok = True
    async with aiohttp.ClientSession() as http:
        # Left to right: two of the family, a stranger, one more of the family.
        photo = group_photo([("clara", 7), ("bill", 8), ("stranger", 1), ("anna", 9)])
        expected = ["clara", "bill", None, "anna"]
        async with http.post(f"{base_url}/identify", data=photo) as response:
            body = await response.json()
            print(f"POST /identify (raw group photo) -> {response.status}")
        faces = sorted(body.get("faces", []), key=lambda f: f["faceRectangle"]["left"])
        for found in faces:
            rect, match = found["faceRectangle"], found["match"]
            who = f"{match['name']} ({match['confidence']:.2f})" if match else "unknown"
            print(
                f"  face at ({rect['left']}, {rect['top']}) {rect['width']}x{rect['height']}: {who}"
            )
        names = [f["match"]["name"] if f["match"] else None for f in faces]
        ok &= response.status == 200 and names == expected

        form = aiohttp.FormData()
        form.add_field("image", synthetic_face("dev", 6), filename="dev.png")
        async with http.post(f"{base_url}/identify", data=form) as response:
            body = await response.json()
        match = body["faces"][0]["match"] if body.get("faces") else None
        print(
            f"POST /identify (multipart field image) -> {response.status}: "
            f"{match['name'] if match else 'unknown'}"
        )
        ok &= response.status == 200 and match is not None and match["name"] == "dev"

        for label, data, want in (
            ("empty body", b"", 400),
            ("not an image", b"plain text, not a picture " * 100, 400),
        ):
            async with http.post(f"{base_url}/identify", data=data) as response:
                body = await response.json()
            error = body.get("error", {})
            print(f"POST /identify ({label}) -> {response.status} {json.dumps(error)}")
            ok &= response.status == want and "code" in error

        if break_face_service is not None:
            break_face_service()
            async with http.post(f"{base_url}/identify", data=photo) as response:
                body = await response.json()
            error = body.get("error", {})
            print(f"POST /identify (Face service refuses) -> {response.status} {json.dumps(error)}")
            ok &= response.status == 502 and error.get("code") == "QuotaExceeded"
    print("self-test passed" if ok else "self-test FAILED")
    return ok


async def serve(
    config: ServiceConfig,
    port: int,
    *,
    test: bool,
    break_face_service: Callable[[], None] | None = None,
) -> bool:
    runner = web.AppRunner(make_app(config), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        bound = runner.addresses[0][1]
        base_url = f"http://127.0.0.1:{bound}"
        print(f"serving POST {base_url}/identify (group {config.group_id})", flush=True)
        if test:
            return await self_test(base_url, break_face_service)
        await until_stopped()
        print("stopping")
        return True
    finally:
        # Runs the cleanup_ctx: the shared FaceClient is closed here.
        await runner.cleanup()


async def until_stopped() -> None:
    """Wait for Ctrl-C or SIGTERM (what a process manager sends) to shut down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # e.g. on Windows
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
    print("press Ctrl-C to stop", flush=True)
    try:
        await stop.wait()
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--group", help="person group to identify against (real service)")
    parser.add_argument("--large", action="store_true", help="--group is a large person group")
    parser.add_argument(
        "--self-test", action="store_true", help="post test pictures to the service and exit"
    )
    return parser.parse_args(argv)


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    endpoint, key = os.environ.get("FACE_ENDPOINT"), os.environ.get("FACE_KEY")
    if endpoint and key:
        if not args.group:
            print("--group is required with FACE_ENDPOINT/FACE_KEY", file=sys.stderr)
            return 2
        config = ServiceConfig(endpoint, key, args.group, large=args.large)
        return 0 if await serve(config, args.port, test=args.self_test) else 1
    print("no FACE_ENDPOINT/FACE_KEY set: using facekit's built-in Face emulator")
    settings = EmulatorSettings(training_base_seconds=0.3)
    async with FaceEmulator(settings=settings) as emulator:
        await enroll_demo_family(emulator.endpoint, emulator.key)
        config = ServiceConfig(emulator.endpoint, emulator.key, DEMO_GROUP, large=True)

        def exhaust_quota() -> None:
            # What an F0 resource answers once its monthly calls are used up.
            emulator.inject(
                "Face_Detect*",
                status=403,
                code="QuotaExceeded",
                message="Out of call volume quota for FaceAPI.",
            )

        ok = await serve(config, args.port, test=args.self_test, break_face_service=exhaust_quota)
        return 0 if ok else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(asyncio.run(main()))
