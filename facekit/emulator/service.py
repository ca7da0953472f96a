"""The Face REST API over HTTP (aiohttp.web): routes, auth, rate limit, faults, errors.

Each handler parses its request, calls the account's state and replies with `wire`'s JSON.
The emulator writes the service's JSON itself and imports nothing of the facekit client, so
tests of the client against it check one against the other.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from . import wire
from .errors import ServiceError, bad
from .faults import Fault, FaultPlan, LoggedRequest, RequestLog
from .images.draw import synthetic_face
from .images.urls import parse_image_url_path
from .settings import Kind
from .state import Account, DetectOptions, Operation

__all__ = ["VERSIONS", "Call", "FaceService", "image_from_url"]

VERSIONS = ("v1.0", "v1.0-preview", "v1.1-preview.1", "v1.2", "v1.2-preview.1", "v1.3-preview.1")
#: Versions with liveness sessions at /detectLiveness-sessions (status and attempts) ...
LIVENESS_GA_VERSIONS = ("v1.2", "v1.3-preview.1")
#: ... and at /detectLiveness/singleModal/sessions (audit entries, lists).
LIVENESS_PREVIEW_VERSIONS = ("v1.2-preview.1",)
_SNAPSHOT_VERSIONS = ("v1.0", "v1.0-preview")
#: Logged for a request whose client disconnected before it was handled (nginx's code).
CLIENT_CLOSED_REQUEST = 499
_ERROR_401 = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide "
    "a valid key for an active subscription and use a correct regional API endpoint for your "
    "resource."
)

Handler = Callable[["Call"], Awaitable[web.StreamResponse]]


@dataclass
class Call:
    """One request as a handler sees it."""

    request: web.Request
    version: str
    operation: str

    @property
    def modern(self) -> bool:
        """v1.1 and later (see `wire.is_modern`)."""
        return wire.is_modern(self.version)

    def path(self, name: str) -> str:
        """A path parameter of the route."""
        return self.request.match_info[name]

    def optional_path(self, name: str) -> str | None:
        """A path parameter some of the operation's routes have (a person id)."""
        return self.request.match_info.get(name)

    def query(self, name: str) -> str | None:
        """A query parameter, or None."""
        return self.request.query.get(name)

    def flag(self, name: str, default: bool) -> bool:
        """A boolean query parameter ("true"/"false", any case), or `default`."""
        value = self.query(name)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            raise bad(f"'{name}' is invalid.")
        return value.lower() == "true"

    def number(self, name: str) -> int | None:
        """An integer query parameter, or None."""
        value = self.query(name)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise bad(f"'{name}' is invalid.") from None

    async def json(self) -> dict[str, Any]:
        """The JSON object body (415 for another media type, 400 for anything but an object)."""
        content_type = self.request.content_type
        if content_type != "application/json":
            raise ServiceError(415, "BadArgument", "Invalid Media Type.")
        try:
            data = json.loads(await self.request.read() or b"null")
        except (ValueError, RecursionError):
            # Nesting too deep for the decoder is a bad body, as the service answers it.
            raise bad("Bad and unrecognizable JSON body.") from None
        if not isinstance(data, dict):
            raise bad("Bad and unrecognizable JSON body.")
        return data

    async def image(self) -> bytes:
        """The image of a stream operation, or the one a URL operation points to."""
        content_type = self.request.content_type
        if content_type == "application/octet-stream":
            return await self.request.read()
        if content_type == "application/json":
            body = await self.json()
            url = body.get("url")
            if not isinstance(url, str):
                raise bad("Bad and unrecognizable JSON body.")
            return image_from_url(url)
        raise ServiceError(415, "BadArgument", "Invalid Media Type.")


def image_from_url(url: str) -> bytes:
    """The emulator fetches nothing: only its own synthetic-face URLs resolve."""
    parts = urlsplit(url)
    found = parse_image_url_path(parts.path) if parts.scheme in ("http", "https") else None
    if found is None:
        raise ServiceError(
            400, "InvalidURL", "Invalid image URL or error downloading from target server."
        )
    return synthetic_face(*found)


def reply(
    body: Any = None, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON reply, or an empty one when `body` is None."""
    if body is None:
        return web.Response(status=status, headers=headers)
    return web.json_response(body, status=status, headers=headers)


def error_reply(error: ServiceError) -> web.Response:
    """The service's error reply, its code also in x-ms-error-code."""
    return web.json_response(
        wire.error(error.code, error.message),
        status=error.status,
        headers={"x-ms-error-code": error.code},
    )


class TokenBucket:
    """The service's rate limit: `rate` requests per second, bursts up to one second's worth."""

    def __init__(self, rate: float, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.clock = clock
        self.stamp = clock()

    def take(self) -> float:
        """0 if a request may pass now, else the seconds until one may."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class FaceService:
    """The emulated Face endpoint of one account."""

    def __init__(
        self,
        account: Account,
        *,
        key: str,
        tokens: Iterable[str] = (),
        faults: FaultPlan | None = None,
        log: RequestLog | None = None,
        protect_control: bool = False,
    ) -> None:
        self.account = account
        self.key = key
        #: Whether the /_emulator control endpoints need the key (beyond loopback).
        self.protect_control = protect_control
        self.tokens = set(tokens)
        self.faults = faults or FaultPlan()
        self.log = log or RequestLog()
        rate = account.settings.rate_limit
        self.bucket = TokenBucket(rate, time.monotonic) if rate else None

    # -- the application ---------------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application: control endpoints, every operation, and 404 for the rest."""
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_get("/_emulator/faces/{identity}/{variant}.png", self.serve_face)
        app.router.add_get("/_emulator/info", self._control(self.control_info))
        app.router.add_post("/_emulator/reset", self._control(self.control_reset))
        app.router.add_get("/_emulator/requests", self._control(self.control_requests))
        app.router.add_post("/_emulator/faults", self._control(self.control_add_fault))
        app.router.add_delete("/_emulator/faults", self._control(self.control_clear_faults))
        # The end user's device, simulated: it authenticates with the session's own token.
        app.router.add_post("/_emulator/liveness/{sid}/attempt", self.control_liveness_attempt)
        for method, path, operation, handler in self.routes():
            app.router.add_route(
                method, "/face/{version}" + path, self._endpoint(operation, handler)
            )
        app.router.add_route("*", "/{tail:.*}", self._endpoint("Unknown", self.not_found))
        return app

    def routes(self) -> list[tuple[str, str, str, Handler]]:
        """(method, path under /face/{version}, operationId, handler) for every operation."""
        table: list[tuple[str, str, str, Handler]] = [
            ("POST", "/detect", "Face_Detect", self.detect),
            ("POST", "/findsimilars", "Face_FindSimilar", self.find_similar),
            ("POST", "/group", "Face_Group", self.group),
            ("POST", "/identify", "Face_Identify", self.identify),
            ("POST", "/verify", "Face_Verify", self.verify),
            ("POST", "/snapshots", "Snapshot_Take", self.take_snapshot),
            ("GET", "/snapshots", "Snapshot_List", self.list_snapshots),
            ("GET", "/snapshots/{sid}", "Snapshot_Get", self.get_snapshot),
            ("PATCH", "/snapshots/{sid}", "Snapshot_Update", self.update_snapshot),
            ("DELETE", "/snapshots/{sid}", "Snapshot_Delete", self.delete_snapshot),
            ("POST", "/snapshots/{sid}/apply", "Snapshot_Apply", self.apply_snapshot),
            ("GET", "/operations/{oid}", "Snapshot_GetOperationStatus", self.operation_status),
        ]
        table += self.directory_routes()
        for kind in Kind:
            label, base = kind.label, f"/{kind.value}"
            item = base + "/{cid}"
            table += [
                ("PUT", item, f"{label}_Create", _bind(self.create_container, kind)),
                ("GET", item, f"{label}_Get", _bind(self.get_container, kind)),
                ("PATCH", item, f"{label}_Update", _bind(self.update_container, kind)),
                ("DELETE", item, f"{label}_Delete", _bind(self.delete_container, kind)),
                ("GET", base, f"{label}_List", _bind(self.list_containers, kind)),
            ]
            if kind.trainable:
                table += [
                    ("POST", item + "/train", f"{label}_Train", _bind(self.train, kind)),
                    (
                        "GET",
                        item + "/training",
                        f"{label}_GetTrainingStatus",
                        _bind(self.training_status, kind),
                    ),
                ]
            if kind.has_persons:
                persons, person = item + "/persons", item + "/persons/{pid}"
                faces = person + "/persistedfaces"
                group_person = f"{label}Person"
                table += [
                    ("POST", persons, f"{group_person}_Create", _bind(self.create_person, kind)),
                    ("GET", persons, f"{group_person}_List", _bind(self.list_persons, kind)),
                    ("GET", person, f"{group_person}_Get", _bind(self.get_person, kind)),
                    ("PATCH", person, f"{group_person}_Update", _bind(self.update_person, kind)),
                    ("DELETE", person, f"{group_person}_Delete", _bind(self.delete_person, kind)),
                    ("POST", faces, f"{group_person}_AddFace", _bind(self.add_face, kind)),
                    (
                        "GET",
                        faces + "/{fid}",
                        f"{group_person}_GetFace",
                        _bind(self.get_face, kind),
                    ),
                    (
                        "PATCH",
                        faces + "/{fid}",
                        f"{group_person}_UpdateFace",
                        _bind(self.update_face, kind),
                    ),
                    (
                        "DELETE",
                        faces + "/{fid}",
                        f"{group_person}_DeleteFace",
                        _bind(self.delete_face, kind),
                    ),
                ]
            else:
                faces = item + "/persistedfaces"
                table += [
                    ("POST", faces, f"{label}_AddFace", _bind(self.add_face, kind)),
                    (
                        "DELETE",
                        faces + "/{fid}",
                        f"{label}_DeleteFace",
                        _bind(self.delete_face, kind),
                    ),
                ]
                if kind is Kind.LARGE_FACE_LIST:
                    table += [
                        ("GET", faces, f"{label}_ListFaces", _bind(self.list_faces, kind)),
                        ("GET", faces + "/{fid}", f"{label}_GetFace", _bind(self.get_face, kind)),
                        (
                            "PATCH",
                            faces + "/{fid}",
                            f"{label}_UpdateFace",
                            _bind(self.update_face, kind),
                        ),
                    ]
        return table + self.liveness_routes()

    def _endpoint(
        self, operation: str, handler: Handler
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            return await self.dispatch(request, operation, handler)

        return endpoint

    async def dispatch(
        self, request: web.Request, operation: str, handler: Handler
    ) -> web.StreamResponse:
        """Auth, rate limit, faults, then the operation; errors become the service's bodies."""
        version = request.match_info.get("version", "")
        call = Call(request, version, _refine(operation, request))
        response = await self._respond(call, handler)
        response.headers.setdefault("apim-request-id", str(uuid.uuid4()))
        self.log.record(
            LoggedRequest(call.operation, request.method, request.path, response.status, version)
        )
        return response

    async def _respond(self, call: Call, handler: Handler) -> web.StreamResponse:
        request = call.request
        if (
            call.operation == "Unknown"
            or call.version not in VERSIONS
            or (
                call.operation.startswith("Snapshot_")
                and call.version not in _SNAPSHOT_VERSIONS
                and not (call.modern and call.operation == "Snapshot_GetOperationStatus")
            )
        ):
            return web.json_response(wire.error("404", "Resource not found"), status=404)
        if not self._authorized(request):
            return web.json_response(wire.error("401", _ERROR_401), status=401)
        if self.bucket is not None:
            wait = self.bucket.take()
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                return web.json_response(
                    wire.gateway_error(
                        429, f"Rate limit is exceeded. Try again in {seconds} seconds."
                    ),
                    status=429,
                    headers={"Retry-After": str(seconds)},
                )
        fault = self.faults.pick(call.operation)
        if fault is not None:
            if fault.latency:
                await asyncio.sleep(fault.latency)
            injected = await self._inject_before(call, fault)
            if injected is not None:
                return injected
        try:
            self.account.advance()
            response = await handler(call)
        except ServiceError as error:
            response = error_reply(error)
        except ConnectionResetError:
            # The client went away mid-upload: nothing was done, there is no one to answer.
            return web.Response(status=CLIENT_CLOSED_REQUEST)
        if fault is not None:
            return await self._inject_after(call, fault, response)
        return response

    def _authorized(self, request: web.Request) -> bool:
        given = request.headers.get("Ocp-Apim-Subscription-Key")
        if given is not None and hmac.compare_digest(given.encode(), self.key.encode()):
            return True
        bearer = request.headers.get("Authorization", "")
        return bearer.startswith("Bearer ") and any(
            hmac.compare_digest(bearer[7:].encode(), token.encode()) for token in self.tokens
        )

    async def _inject_before(self, call: Call, fault: Fault) -> web.StreamResponse | None:
        if fault.reset == "before":
            await call.request.read()
            return _drop(call.request)
        if fault.status is not None and not fault.commit:
            return _status_reply(fault, fault.status)
        return None

    async def _inject_after(
        self, call: Call, fault: Fault, response: web.StreamResponse
    ) -> web.StreamResponse:
        if fault.reset == "after":
            return _drop(call.request)
        if fault.status is not None and fault.commit:
            return _status_reply(fault, fault.status)
        if fault.body == "not_json":
            return web.Response(
                status=response.status,
                text="<html><body>upstream error</body></html>",
                content_type="text/html",
            )
        if fault.body == "truncated" and isinstance(response, web.Response):
            payload = response.body if isinstance(response.body, bytes) else b""
            stream = web.StreamResponse(
                status=response.status, headers={"Content-Type": "application/json"}
            )
            stream.content_length = max(len(payload), 2)
            await stream.prepare(call.request)
            await stream.write(payload[: len(payload) // 2])
            _drop(call.request)
            return stream
        return response

    # -- control endpoints (no key on loopback, where they serve tests; the key beyond) -------

    def _control(
        self, handler: Callable[[web.Request], Awaitable[web.Response]]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def guarded(request: web.Request) -> web.Response:
            if self.protect_control and not self._authorized(request):
                return web.json_response(wire.error("401", _ERROR_401), status=401)
            return await handler(request)

        return guarded

    async def serve_face(self, request: web.Request) -> web.Response:
        """GET /_emulator/faces/{identity}/{variant}.png: a synthetic face, for URL operations."""
        # match_info is already percent-decoded; parse the raw path to decode exactly once.
        found = parse_image_url_path(request.raw_path)
        if found is None:
            raise web.HTTPNotFound()
        return web.Response(body=synthetic_face(*found), content_type="image/png")

    async def control_info(self, request: web.Request) -> web.Response:
        """GET /_emulator/info: how to use this emulator (endpoint, subscription, versions)."""
        settings = self.account.settings
        return web.json_response(
            {
                "endpoint": f"{request.scheme}://{request.host}",
                "subscriptionId": settings.subscription_id,
                "accountId": settings.account_id,
                "apiVersions": list(VERSIONS),
                "rateLimit": settings.rate_limit,
                "keyRequiredForControl": self.protect_control,
            }
        )

    async def control_reset(self, request: web.Request) -> web.Response:
        """POST /_emulator/reset: forget the account's data, the faults and the request log."""
        self.account.reset()
        self.faults.clear()
        self.log.clear()
        return web.Response(status=204)

    async def control_requests(self, request: web.Request) -> web.Response:
        """GET /_emulator/requests: the request log."""
        return web.json_response(
            [
                {
                    "operation": r.operation,
                    "method": r.method,
                    "path": r.path,
                    "status": r.status,
                    "version": r.version,
                }
                for r in self.log.requests
            ]
        )

    async def control_add_fault(self, request: web.Request) -> web.Response:
        """POST /_emulator/faults: add a fault given as JSON (the fields of Fault)."""
        try:
            data = await request.json()
        except (ValueError, RecursionError):
            return web.json_response({"error": "the body is not a JSON object"}, status=400)
        if not isinstance(data, dict):
            return web.json_response({"error": "the body is not a JSON object"}, status=400)
        try:
            fault = Fault.from_dict(data)
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        self.faults.add(fault)
        return web.Response(status=201)

    async def control_clear_faults(self, request: web.Request) -> web.Response:
        """DELETE /_emulator/faults: remove every fault."""
        self.faults.clear()
        return web.Response(status=204)

    async def not_found(self, call: Call) -> web.StreamResponse:
        """Any other path: the service's 404."""
        raise ServiceError(404, "404", "Resource not found")

    # -- face ----------------------------------------------------------------------------------

    def require_approval(self, call: Call) -> None:
        """Refuse a Limited Access feature to a resource without approval (or an ISV token)."""
        settings = self.account.settings
        if settings.limited_access_approved:
            return
        token = call.request.headers.get("LimitedAccessToken", "")
        if token and any(
            hmac.compare_digest(token.encode(), known.encode())
            for known in settings.limited_access_tokens
        ):
            return
        raise ServiceError(
            403,
            "UnsupportedFeature",
            "Feature is not supported, please apply for access at https://aka.ms/facerecognition.",
        )

    async def detect(self, call: Call) -> web.Response:
        """Face_DetectWithStream / Face_DetectWithUrl."""
        attributes = call.query("returnFaceAttributes")
        return_face_id = call.flag("returnFaceId", True)
        if return_face_id:
            self.require_approval(call)
        image = await self._detect_image(call)
        ttl = call.number("faceIdTimeToLive")
        options = DetectOptions(
            return_face_id=return_face_id,
            return_landmarks=call.flag("returnFaceLandmarks", False),
            attributes=[a for a in (attributes or "").split(",") if a],
            recognition_model=call.query("recognitionModel") or "recognition_01",
            return_recognition_model=call.flag("returnRecognitionModel", False),
            detection_model=call.query("detectionModel") or "detection_01",
            ttl=86400 if ttl is None else ttl,
        )
        return reply(wire.detections(self.account.detected.detect(image, options), options))

    async def find_similar(self, call: Call) -> web.Response:
        """Face_FindSimilar."""
        self.require_approval(call)
        body = await call.json()
        similar = self.account.find_similar(
            body.get("faceId"),
            body.get("faceIds"),
            body.get("faceListId"),
            body.get("largeFaceListId"),
            body.get("maxNumOfCandidatesReturned"),
            body.get("mode"),
        )
        return reply(wire.similar_faces(similar))

    async def group(self, call: Call) -> web.Response:
        """Face_Group."""
        self.require_approval(call)
        body = await call.json()
        return reply(wire.grouping(self.account.group(body.get("faceIds"))))

    async def identify(self, call: Call) -> web.Response:
        """Face_Identify (v1.2 proposes 10 candidates by default, v1.0 one)."""
        self.require_approval(call)
        body = await call.json()
        if _targets_directory(call, body):
            return await self.identify_in_directory(call, body)
        results = self.account.identify(
            body.get("faceIds"),
            body.get("personGroupId"),
            body.get("largePersonGroupId"),
            body.get("maxNumOfCandidatesReturned"),
            body.get("confidenceThreshold"),
            default_candidates=10 if call.modern else 1,
        )
        return reply(wire.identifications(results))

    async def verify(self, call: Call) -> web.Response:
        """Face_VerifyFaceToFace or Face_VerifyFaceToPerson, told apart by the body."""
        self.require_approval(call)
        body = await call.json()
        if "faceId1" in body or "faceId2" in body:
            call.operation = "Face_VerifyFaceToFace"
            result = self.account.verify_faces(body.get("faceId1"), body.get("faceId2"))
        elif _targets_directory(call, body):
            call.operation = "Face_VerifyFaceToPerson"
            result = self.account.verify_directory_person(body.get("faceId"), body.get("personId"))
        else:
            call.operation = "Face_VerifyFaceToPerson"
            result = self.account.verify_person(
                body.get("faceId"),
                body.get("personId"),
                body.get("personGroupId"),
                body.get("largePersonGroupId"),
            )
        return reply(wire.verdict(result))

    # -- containers ------------------------------------------------------------------------------

    async def create_container(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}_Create."""
        body = await call.json()
        self.account.containers.create(
            kind,
            call.path("cid"),
            body.get("name"),
            body.get("userData"),
            body.get("recognitionModel"),
        )
        return reply()

    async def get_container(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}_Get (a face list's with its faces)."""
        container = self.account.containers.find(kind, call.path("cid"))
        with_model = call.flag("returnRecognitionModel", False)
        if kind is Kind.FACE_LIST:
            return reply(wire.face_list(container, with_model=with_model))
        return reply(wire.container(container, with_model=with_model))

    async def update_container(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}_Update."""
        body = await call.json()
        self.account.containers.update(
            kind, call.path("cid"), body.get("name"), body.get("userData")
        )
        return reply()

    async def delete_container(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}_Delete."""
        self.account.containers.delete(kind, call.path("cid"))
        return reply()

    async def list_containers(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}_List (FaceList_List has no paging: it reads neither start nor top)."""
        with_model = call.flag("returnRecognitionModel", False)
        containers = self.account.containers
        if kind is Kind.FACE_LIST:
            items = containers.all_of(kind)
        else:
            items = containers.page_of(kind, call.query("start"), call.number("top"))
        return reply([wire.container(c, with_model=with_model) for c in items])

    async def train(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}_Train: 202, with operation-Location since v1.1."""
        training = self.account.containers.train(kind, call.path("cid"))
        base = f"{call.request.scheme}://{call.request.host}"
        headers = wire.training_location(base, call.version, training.operation_id)
        return reply(status=202, headers=headers or None)

    async def training_status(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}_GetTrainingStatus."""
        containers = self.account.containers
        status = containers.training_status(containers.find(kind, call.path("cid")))
        return reply(wire.training_status(status, call.version))

    # -- persons and faces -------------------------------------------------------------------

    async def create_person(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}Person_Create (v1.0 lets a person go without a name)."""
        body = await call.json()
        person = self.account.containers.create_person(
            kind,
            call.path("cid"),
            body.get("name"),
            body.get("userData"),
            name_required=call.version != "v1.0",
        )
        return reply(wire.created_person(person))

    async def list_persons(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}Person_List."""
        containers = self.account.containers
        group = containers.find(kind, call.path("cid"))
        persons = containers.persons_page(group, call.query("start"), call.number("top"))
        return reply([wire.person(p) for p in persons])

    async def get_person(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}Person_Get."""
        person = self.account.containers.get_person(kind, call.path("cid"), call.path("pid"))
        return reply(wire.person(person))

    async def update_person(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}Person_Update."""
        body = await call.json()
        self.account.containers.update_person(
            kind, call.path("cid"), call.path("pid"), body.get("name"), body.get("userData")
        )
        return reply()

    async def delete_person(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}Person_Delete."""
        self.account.containers.delete_person(kind, call.path("cid"), call.path("pid"))
        return reply()

    async def add_face(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}Person_AddFace / {Kind}_AddFace, from a stream or a URL.

        With `write_seconds` set, the reply waits that long, so concurrent writes overlap.
        """
        image = await call.image()
        write = self.account.settings.write_seconds
        stored = self.account.containers.add_face(
            kind,
            call.path("cid"),
            call.optional_path("pid"),
            image,
            user_data=call.query("userData"),
            target_face=call.query("targetFace"),
            detection_model=call.query("detectionModel"),
        )
        if write > 0:
            await asyncio.sleep(write)
        return reply(wire.added_face(stored))

    async def list_faces(self, kind: Kind, call: Call) -> web.Response:
        """LargeFaceList_ListFaces."""
        containers = self.account.containers
        faces = containers.face_collection(kind, call.path("cid"), None)
        chosen = containers.faces_page(faces, call.query("start"), call.number("top"))
        return reply([wire.persisted_face(f) for f in chosen])

    async def get_face(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}Person_GetFace / LargeFaceList_GetFace."""
        face = self.account.containers.get_face(
            kind, call.path("cid"), call.optional_path("pid"), call.path("fid")
        )
        return reply(wire.persisted_face(face))

    async def update_face(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}Person_UpdateFace / LargeFaceList_UpdateFace."""
        body = await call.json()
        self.account.containers.update_face(
            kind,
            call.path("cid"),
            call.optional_path("pid"),
            call.path("fid"),
            body.get("userData"),
        )
        return reply()

    async def delete_face(self, kind: Kind, call: Call) -> web.Response:
        """{Kind}Person_DeleteFace / {Kind}_DeleteFace."""
        self.account.containers.delete_face(
            kind, call.path("cid"), call.optional_path("pid"), call.path("fid")
        )
        return reply()

    # -- snapshots and operations --------------------------------------------------------------

    async def take_snapshot(self, call: Call) -> web.Response:
        """Snapshot_Take: 202, followed at a relative Operation-Location."""
        body = await call.json()
        operation = self.account.snapshots.take(
            body.get("type"), body.get("objectId"), body.get("applyScope"), body.get("userData")
        )
        return reply(status=202, headers=wire.operation_location(operation))

    async def list_snapshots(self, call: Call) -> web.Response:
        """Snapshot_List."""
        scope = [s for s in (call.query("applyScope") or "").split(",") if s]
        snapshots = self.account.snapshots.list_own(call.query("type"), scope)
        return reply([wire.snapshot(s) for s in snapshots])

    async def get_snapshot(self, call: Call) -> web.Response:
        """Snapshot_Get."""
        return reply(wire.snapshot(self.account.snapshots.visible(call.path("sid"))))

    async def update_snapshot(self, call: Call) -> web.Response:
        """Snapshot_Update."""
        body = await call.json()
        self.account.snapshots.update(
            call.path("sid"), body.get("applyScope"), body.get("userData")
        )
        return reply()

    async def delete_snapshot(self, call: Call) -> web.Response:
        """Snapshot_Delete."""
        self.account.snapshots.delete(call.path("sid"))
        return reply()

    async def apply_snapshot(self, call: Call) -> web.Response:
        """Snapshot_Apply: 202, followed at a relative Operation-Location."""
        body = await call.json()
        operation = self.account.snapshots.apply(
            call.path("sid"), body.get("objectId"), body.get("mode")
        )
        return reply(status=202, headers=wire.operation_location(operation))

    async def operation_status(self, call: Call) -> web.Response:
        """Snapshot_GetOperationStatus (v1.2 also follows trainings here)."""
        operation = self.account.operations.find(call.path("oid"))
        return reply(wire.operation_status(operation, self.account.now(), call.version))

    # -- the PersonDirectory ---------------------------------------------------------------

    def directory_routes(self) -> list[tuple[str, str, str, Handler]]:
        """The PersonDirectory's routes: persons, their faces per model, dynamic groups.

        Served in the versions that have the directory only; v1.0-preview spells the faces
        segment persistedFaces, later versions persistedfaces, each in its own versions.
        """
        person, group = "/persons/{pid}", "/dynamicpersongroups/{gid}"
        routes: list[tuple[str, str, str, Handler, tuple[str, ...]]] = [
            ("POST", "/persons", "CreatePerson", self.create_directory_person, _DIRECTORY),
            ("GET", "/persons", "GetPersons", self.list_directory_persons, _DIRECTORY),
            ("GET", person, "GetPerson", self.get_directory_person, _DIRECTORY),
            ("PATCH", person, "UpdatePerson", self.update_directory_person, _DIRECTORY),
            ("DELETE", person, "DeletePerson", self.delete_directory_person, _DIRECTORY),
            (
                "GET",
                person + "/dynamicPersonGroupReferences",
                "ListDynamicPersonGroupPersonReferences",
                self.list_group_references,
                _DIRECTORY,
            ),
            (
                "GET",
                "/dynamicpersongroups",
                "ListDynamicPersonGroups",
                self.list_groups,
                _DIRECTORY,
            ),
            ("PUT", group, "CreateDynamicPersonGroup", self.create_group, _DIRECTORY),
            ("GET", group, "GetDynamicPersonGroup", self.get_group, _DIRECTORY),
            ("PATCH", group, "UpdateDynamicPersonGroup", self.update_group, _DIRECTORY),
            ("DELETE", group, "DeleteDynamicPersonGroup", self.delete_group, _DIRECTORY),
            (
                "GET",
                group + "/persons",
                "ListDynamicPersonGroupPersons",
                self.list_group_persons,
                _DIRECTORY,
            ),
        ]
        spellings = (("persistedFaces", _DIRECTORY[:1]), ("persistedfaces", _DIRECTORY[1:]))
        for leaf, versions in spellings:
            faces = person + "/recognitionModels/{model}/" + leaf
            face = faces + "/{fid}"
            routes += [
                ("POST", faces, "AddPersonFace", self.add_directory_face, versions),
                ("GET", faces, "GetPersonFaces", self.list_directory_faces, versions),
                ("GET", face, "GetPersonFace", self.get_directory_face, versions),
                ("PATCH", face, "UpdatePersonFace", self.update_directory_face, versions),
                ("DELETE", face, "DeletePersonFace", self.delete_directory_face, versions),
            ]
        return [
            (method, path, "PersonDirectory_" + name, _only_in(versions, handler))
            for method, path, name, handler, versions in routes
        ]

    def _accepted(
        self, call: Call, operation: Operation, location: str | None, body: Any = None
    ) -> web.Response:
        """A PersonDirectory write's 202, with where to follow it."""
        base = f"{call.request.scheme}://{call.request.host}"
        headers = wire.directory_operation_headers(base, call.version, operation, location)
        return reply(body, status=202, headers=headers)

    async def create_directory_person(self, call: Call) -> web.Response:
        """PersonDirectory_CreatePerson: 202, the person id at once."""
        body = await call.json()
        person, operation = self.account.directory.create_person(
            body.get("name"), body.get("userData")
        )
        return self._accepted(
            call,
            operation,
            f"/persons/{person.person_id}",
            wire.created_person(person),
        )

    async def list_directory_persons(self, call: Call) -> web.Response:
        """PersonDirectory_GetPersons."""
        persons = self.account.directory.persons_page(call.query("start"), call.number("top"))
        return reply([wire.directory_person(p) for p in persons])

    async def get_directory_person(self, call: Call) -> web.Response:
        """PersonDirectory_GetPerson."""
        return reply(wire.directory_person(self.account.directory.find(call.path("pid"))))

    async def update_directory_person(self, call: Call) -> web.Response:
        """PersonDirectory_UpdatePerson (in effect at once)."""
        body = await call.json()
        self.account.directory.update_person(
            call.path("pid"), body.get("name"), body.get("userData")
        )
        return reply()

    async def delete_directory_person(self, call: Call) -> web.Response:
        """PersonDirectory_DeletePerson: 202."""
        operation = self.account.directory.delete_person(call.path("pid"))
        return self._accepted(call, operation, f"/operations/{operation.operation_id}")

    async def add_directory_face(self, call: Call) -> web.Response:
        """PersonDirectory_AddPersonFace (stream or URL): 202, the face id at once."""
        call.operation += (
            "FromStream" if call.request.content_type == "application/octet-stream" else "FromUrl"
        )
        directory = self.account.directory
        directory.find(call.path("pid"))
        image = await call.image()
        face, operation = directory.add_face(
            call.path("pid"),
            call.path("model"),
            image,
            user_data=call.query("userData"),
            target_face=call.query("targetFace"),
            detection_model=call.query("detectionModel"),
        )
        location = (
            f"/persons/{call.path('pid')}/recognitionModels/{call.path('model')}"
            f"/persistedfaces/{face.persisted_face_id}"
        )
        return self._accepted(call, operation, location, wire.added_face(face))

    async def list_directory_faces(self, call: Call) -> web.Response:
        """PersonDirectory_GetPersonFaces."""
        person, face_ids = self.account.directory.faces_of(call.path("pid"), call.path("model"))
        return reply(wire.directory_faces(person.person_id, face_ids))

    async def get_directory_face(self, call: Call) -> web.Response:
        """PersonDirectory_GetPersonFace."""
        face = self.account.directory.face(call.path("pid"), call.path("model"), call.path("fid"))
        return reply(wire.persisted_face(face))

    async def update_directory_face(self, call: Call) -> web.Response:
        """PersonDirectory_UpdatePersonFace (in effect at once)."""
        body = await call.json()
        self.account.directory.update_face(
            call.path("pid"), call.path("model"), call.path("fid"), body.get("userData")
        )
        return reply()

    async def delete_directory_face(self, call: Call) -> web.Response:
        """PersonDirectory_DeletePersonFace: 202."""
        operation = self.account.directory.delete_face(
            call.path("pid"), call.path("model"), call.path("fid")
        )
        return self._accepted(call, operation, f"/operations/{operation.operation_id}")

    async def create_group(self, call: Call) -> web.Response:
        """PersonDirectory_CreateDynamicPersonGroup: 200, or 202 when persons are added."""
        body = await call.json()
        _group, operation = self.account.directory.create_group(
            call.path("gid"), body.get("name"), body.get("userData"), body.get("addPersonIds")
        )
        if operation is None:
            return reply()
        return self._accepted(call, operation, f"/operations/{operation.operation_id}")

    async def get_group(self, call: Call) -> web.Response:
        """PersonDirectory_GetDynamicPersonGroup."""
        return reply(wire.dynamic_group(self.account.directory.group(call.path("gid"))))

    async def update_group(self, call: Call) -> web.Response:
        """PersonDirectory_UpdateDynamicPersonGroup: 202 with person changes, else 200.

        v1.0-preview answers every update with an operation.
        """
        body = await call.json()
        operation = self.account.directory.update_group(
            call.path("gid"),
            body.get("name"),
            body.get("userData"),
            body.get("addPersonIds"),
            body.get("removePersonIds"),
            always_operation=not call.modern,
        )
        if operation is None:
            return reply()
        return self._accepted(call, operation, f"/operations/{operation.operation_id}")

    async def delete_group(self, call: Call) -> web.Response:
        """PersonDirectory_DeleteDynamicPersonGroup: 202."""
        operation = self.account.directory.delete_group(call.path("gid"))
        return self._accepted(call, operation, f"/operations/{operation.operation_id}")

    async def list_groups(self, call: Call) -> web.Response:
        """PersonDirectory_ListDynamicPersonGroups."""
        groups = self.account.directory.groups_page(call.query("start"), call.number("top"))
        return reply([wire.dynamic_group(g) for g in groups])

    async def list_group_persons(self, call: Call) -> web.Response:
        """PersonDirectory_ListDynamicPersonGroupPersons."""
        ids = self.account.directory.members_page(
            call.path("gid"), call.query("start"), call.number("top")
        )
        return reply(wire.group_members(ids))

    async def list_group_references(self, call: Call) -> web.Response:
        """PersonDirectory_ListDynamicPersonGroupPersonReferences."""
        person = call.path("pid")
        ids = self.account.directory.references_page(
            person, call.query("start"), call.number("top")
        )
        return reply(wire.group_references(person, ids, call.version))

    async def identify_in_directory(self, call: Call, body: dict[str, Any]) -> web.Response:
        """Face_Identify against a dynamic person group or directory persons."""
        results = self.account.identify_in_directory(
            body.get("faceIds"),
            body.get("dynamicPersonGroupId"),
            body.get("personIds"),
            body.get("personGroupId") is not None or body.get("largePersonGroupId") is not None,
            body.get("maxNumOfCandidatesReturned"),
            body.get("confidenceThreshold"),
            default_candidates=10 if call.modern else 1,
        )
        return reply(wire.identifications(results))

    # -- liveness sessions (v1.2 and v1.3-preview.1; v1.2-preview.1's shapes) ------------------

    def liveness_routes(self) -> list[tuple[str, str, str, Handler]]:
        """The liveness routes of both families; each handler refuses versions without it."""
        table: list[tuple[str, str, str, Handler]] = []
        paths = {
            ("liveness", "ga"): "/detectLiveness-sessions",
            ("verify", "ga"): "/detectLivenessWithVerify-sessions",
            ("liveness", "preview"): "/detectLiveness/singleModal/sessions",
            ("verify", "preview"): "/detectLivenessWithVerify/singleModal/sessions",
        }
        for (kind, family), base in paths.items():
            name = "LivenessSessionOperations_{}Liveness%sSession" % (
                "WithVerify" if kind == "verify" else ""
            )
            item = base + "/{sid}"
            table += [
                ("POST", base, name.format("Create"), _liveness(self.create_session, kind, family)),
                (
                    "GET",
                    item,
                    name.format("Get") + "Result",
                    _liveness(self.get_session, kind, family),
                ),
                (
                    "DELETE",
                    item,
                    name.format("Delete"),
                    _liveness(self.delete_session, kind, family),
                ),
            ]
            if family == "preview":
                table += [
                    (
                        "GET",
                        base,
                        name.format("Get") + "s",
                        _liveness(self.list_sessions, kind, family),
                    ),
                    (
                        "GET",
                        item + "/audit",
                        name.format("Get") + "AuditEntries",
                        _liveness(self.audit_entries, kind, family),
                    ),
                ]
        image = "LivenessSessionOperations_GetSessionImage"
        table += [
            ("GET", "/sessionImages/{iid}", image, _liveness(self.session_image, "", "ga")),
            (
                "GET",
                "/session/sessionImages/{iid}",
                image,
                _liveness(self.session_image, "", "preview"),
            ),
            ("GET", "/settings", "LivenessSessionOperations_GetSettings", self.get_settings),
            ("PATCH", "/settings", "LivenessSessionOperations_PatchSettings", self.patch_settings),
            (
                "GET",
                "/settings/getClientAssetsAccessToken",
                "LivenessSessionOperations_GetClientAssetsAccessToken",
                self.client_assets_token,
            ),
        ]
        return table

    async def create_session(self, kind: str, family: str, call: Call) -> web.Response:
        """Create a liveness or liveness-with-verify session (JSON, or multipart with an image)."""
        options, image = await self._session_request(call, family, kind)
        if kind == "verify" and image is None and family == "ga":
            raise ServiceError(400, "InvalidRequestBody", "The verify image is required.")
        if image is not None and kind == "verify" and family == "preview":
            call.operation += "WithVerifyImage"
        record = self.account.liveness.create(
            kind,
            mode=options.get("livenessOperationMode"),
            ttl=options.get("authTokenTimeToLiveInSeconds"),
            device_correlation_id=options.get("deviceCorrelationId"),
            enable_session_image=options.get("enableSessionImage"),
            model_version=options.get(
                "livenessModelVersion" if family == "ga" else "livenessSingleModalModel"
            ),
            attempts_allowed=options.get("numberOfClientAttemptsAllowed"),
            threshold=options.get("verifyConfidenceThreshold"),
            return_verify_image_hash=options.get("returnVerifyImageHash"),
            expected_client_ip=options.get("expectedClientIpAddress"),
            verify_image=image,
            default_model="2024-11-15" if family == "ga" else "2023-12-20-preview.06",
        )
        if family == "preview":
            return reply(wire.liveness_created(record))
        return reply(wire.liveness_session(record, self.account.now(), call.version))

    async def _session_request(
        self, call: Call, family: str, kind: str
    ) -> tuple[dict[str, Any], bytes | None]:
        """A creation's options and verify image, from JSON or multipart/form-data."""
        if call.request.content_type != "multipart/form-data" or kind != "verify":
            return await call.json(), None
        form = await call.request.post()
        file_field = "verifyImage" if family == "ga" else "VerifyImage"
        upload = form.get(file_field)
        if not isinstance(upload, web.FileField):
            raise ServiceError(400, "InvalidRequestBody", f"The form has no file '{file_field}'.")
        image = upload.file.read()
        if family == "preview":
            text = form.get("Parameters")
            try:
                options = json.loads(text) if isinstance(text, str) else None
            except ValueError:
                options = None
            if not isinstance(options, dict):
                raise ServiceError(400, "InvalidRequestBody", "'Parameters' is not a JSON object.")
            return options, image
        options = {
            name: _form_value(name, value) for name, value in form.items() if isinstance(value, str)
        }
        return options, image

    async def get_session(self, kind: str, family: str, call: Call) -> web.Response:
        """A session with its attempts (v1.2) or its latest audit entry (the previews)."""
        record = self.account.liveness.find(kind, call.path("sid"))
        return reply(wire.liveness_session(record, self.account.now(), call.version))

    async def delete_session(self, kind: str, family: str, call: Call) -> web.Response:
        """Delete a session: 204 in v1.2 and v1.3-preview.1, 200 in the previews."""
        self.account.liveness.delete(kind, call.path("sid"))
        return reply(status=204 if family == "ga" else 200)

    async def list_sessions(self, kind: str, family: str, call: Call) -> web.Response:
        """The previews' list of sessions, by id, after `start`."""
        records = self.account.liveness.page(kind, call.query("start"), call.number("top"))
        now = self.account.now()
        return reply([wire.liveness_session_item(r, now) for r in records])

    async def audit_entries(self, kind: str, family: str, call: Call) -> web.Response:
        """The previews' audit entries of a session: its attempts, after entry `start`."""
        record = self.account.liveness.find(kind, call.path("sid"))
        start = call.number("start")
        top = call.number("top")
        limit = 1000 if top is None else top
        if not 1 <= limit <= 1000:
            raise bad("'top' is invalid.")
        chosen = [a for a in record.attempts if start is None or a.audit_id > start][:limit]
        return reply([wire.liveness_audit_entry(record, a, call.version) for a in chosen])

    async def session_image(self, kind: str, family: str, call: Call) -> web.Response:
        """A stored session image (the bytes, as the service sends them)."""
        image = self.account.liveness.image(call.path("iid"))
        return web.Response(body=image, content_type="application/octet-stream")

    async def get_settings(self, call: Call) -> web.Response:
        """v1.3-preview.1: the liveness settings."""
        self._only_v1_3(call)
        return reply(wire.liveness_settings(self.account.liveness.abuse_monitoring))

    async def patch_settings(self, call: Call) -> web.Response:
        """v1.3-preview.1: change abuse monitoring (the example's body, or the spec's)."""
        self._only_v1_3(call)
        body = await call.json()
        nested = body.get("livenessAbuseMonitoring")
        enabled = nested.get("enabled") if isinstance(nested, dict) else body.get("enabled")
        if not isinstance(enabled, bool):
            raise bad("'enabled' is invalid.")
        self.account.liveness.abuse_monitoring = enabled
        return reply({"name": "liveness-abuse-monitoring", "enabled": enabled})

    async def client_assets_token(self, call: Call) -> web.Response:
        """v1.3-preview.1: a token for the liveness client assets, valid for a day."""
        self._only_v1_3(call)
        token = "eyJ" + uuid.uuid4().hex
        return reply(
            {
                "expiry": wire.iso(self.account.now() + 86400),
                "accessToken": token,
                "base64AccessToken": base64.b64encode(token.encode()).decode(),
            }
        )

    def _only_v1_3(self, call: Call) -> None:
        if call.version != "v1.3-preview.1":
            raise ServiceError(404, "404", "Resource not found")

    async def _detect_image(self, call: Call) -> bytes:
        """Detect's image: the body, the URL's, or (v1.2 and later) a session image's."""
        if call.request.content_type == "application/json" and call.modern:
            body = await call.json()
            if "sessionImageId" in body:
                call.operation = "Face_DetectFromSessionImageId"
                image_id = body["sessionImageId"]
                if not isinstance(image_id, str):
                    raise bad("Bad and unrecognizable JSON body.")
                return self.account.liveness.image(image_id)
        return await call.image()

    async def control_liveness_attempt(self, request: web.Request) -> web.Response:
        """POST /_emulator/liveness/{sid}/attempt: the end user's attempt, as the device makes it.

        Authorization: Bearer <the session's auth token>. JSON body, every key optional:
        "live" (true: realface, false: spoofface) or "decision"; "identity" and "variant" of
        the person before the camera (by default the verify image's, so it matches); "error"
        {"code", "message"} for a failed attempt. Answers the attempt's outcome.
        """
        try:
            data = await request.json() if request.can_read_body else {}
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            return web.json_response(
                wire.error("BadArgument", "The body is not a JSON object."), status=400
            )
        bearer = request.headers.get("Authorization", "")
        decision = data.get("decision")
        if decision is None:
            decision = "spoofface" if data.get("live") is False else "realface"
        error = data.get("error")
        failure = None
        if isinstance(error, dict):
            failure = (str(error.get("code", "LivenessFailed")), str(error.get("message", "")))
        identity, variant = data.get("identity"), data.get("variant", 0)
        if (identity is not None and not isinstance(identity, str)) or not isinstance(variant, int):
            return web.json_response(
                wire.error("BadArgument", "identity or variant is invalid."), status=400
            )
        try:
            attempt = self.account.liveness.attempt(
                request.match_info["sid"],
                bearer.removeprefix("Bearer ").strip(),
                decision=str(decision),
                identity=identity,
                variant=variant,
                error=failure,
                client_ip=request.remote or "127.0.0.1",
            )
        except ServiceError as exc:
            return error_reply(exc)
        return web.json_response(
            {
                "attemptId": attempt.attempt_id,
                "succeeded": attempt.succeeded,
                "decision": attempt.decision,
                "sessionImageId": attempt.session_image_id,
                "isIdentical": None if attempt.verify is None else attempt.verify[1],
            }
        )


def _liveness(
    method: Callable[[str, str, Call], Awaitable[web.StreamResponse]], kind: str, family: str
) -> Handler:
    """A liveness handler for one kind of session and one family of paths.

    The versions of the other family (and those without liveness) get the service's 404.
    """
    versions = LIVENESS_GA_VERSIONS if family == "ga" else LIVENESS_PREVIEW_VERSIONS

    async def bound(call: Call) -> web.StreamResponse:
        if call.version not in versions:
            raise ServiceError(404, "404", "Resource not found")
        return await method(kind, family, call)

    return bound


#: Form fields of v1.2's with-verify creation that are not text.
_FORM_BOOLEANS = frozenset(
    {"deviceCorrelationIdSetInClient", "enableSessionImage", "returnVerifyImageHash"}
)
_FORM_INTEGERS = frozenset({"authTokenTimeToLiveInSeconds", "numberOfClientAttemptsAllowed"})


def _form_value(name: str, text: str) -> Any:
    """A form field's value in the JSON type the option has (the text if it has none)."""
    if name in _FORM_BOOLEANS:
        if text.lower() not in ("true", "false"):
            raise ServiceError(400, "InvalidRequestBody", f"'{name}' is invalid.")
        return text.lower() == "true"
    try:
        if name in _FORM_INTEGERS:
            return int(text)
        if name == "verifyConfidenceThreshold":
            return float(text)
    except ValueError:
        raise ServiceError(400, "InvalidRequestBody", f"'{name}' is invalid.") from None
    return text


def _bind(method: Callable[[Kind, Call], Awaitable[web.StreamResponse]], kind: Kind) -> Handler:
    async def bound(call: Call) -> web.StreamResponse:
        return await method(kind, call)

    return bound


def _refine(operation: str, request: web.Request) -> str:
    """Give stream/URL and face/person overloads their own operationIds, as the spec does."""
    if operation.endswith("_AddFace") or operation == "Face_Detect":
        suffix = "FromStream" if request.content_type == "application/octet-stream" else "FromUrl"
        return (
            "Face_DetectWith" + suffix.removeprefix("From")
            if operation == "Face_Detect"
            else operation + suffix
        )
    return operation


def _drop(request: web.Request) -> web.Response:
    """Break the connection: the client sees a reset, never a reply."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=599)


def _status_reply(fault: Fault, status: int) -> web.Response:
    """The error reply a status fault answers (the gateway's shape for a bare 429)."""
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(math.ceil(fault.retry_after))
        if fault.retry_after < 1:
            headers["retry-after-ms"] = str(round(fault.retry_after * 1000))
    if status == 429 and fault.code is None:
        body = wire.gateway_error(
            429, fault.message or "Rate limit is exceeded. Try again in 1 seconds."
        )
    else:
        code = fault.code or str(status)
        body = wire.error(code, fault.message or "Injected fault.")
        headers["x-ms-error-code"] = code
    return web.json_response(body, status=status, headers=headers)


#: The versions with the PersonDirectory's own operations.
_DIRECTORY = ("v1.0-preview", "v1.1-preview.1", "v1.2-preview.1")


def _only_in(versions: tuple[str, ...], handler: Handler) -> Handler:
    """A handler that answers the service's 404 in the versions without its route."""

    async def guarded(call: Call) -> web.StreamResponse:
        if call.version not in versions:
            raise ServiceError(404, "404", "Resource not found")
        return await handler(call)

    return guarded


def _targets_directory(call: Call, body: dict[str, Any]) -> bool:
    """Whether identify/verify asks for the PersonDirectory.

    v1.0 knows no directory: it ignores those fields, as the service ignores unknown ones.
    Verify reaches a directory person when it names neither kind of person group.
    """
    if call.version == "v1.0":
        return False
    if call.request.path.endswith("/verify"):
        return body.get("personGroupId") is None and body.get("largePersonGroupId") is None
    return body.get("dynamicPersonGroupId") is not None or body.get("personIds") is not None
