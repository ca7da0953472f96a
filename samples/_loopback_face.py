"""A tiny stand-in for the Face service on 127.0.0.1, enough for the quick start.

It keeps a large person group in memory and recognises a face by the bytes of its image.
It is replaced by facekit's full emulator once that lands.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

KEY = "loopback-demo-key"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


class LoopbackFace:
    """In-memory large person groups, persons and faces; detect maps image bytes to a face."""

    def __init__(self) -> None:
        self.groups: dict[str, dict[str, Any]] = {}
        self.faces: dict[str, str] = {}  # detected faceId -> image digest

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth])
        base = "/face/v1.0"
        app.router.add_put(base + "/largepersongroups/{g}", self.create_group)
        app.router.add_delete(base + "/largepersongroups/{g}", self.delete_group)
        app.router.add_post(base + "/largepersongroups/{g}/persons", self.create_person)
        app.router.add_post(
            base + "/largepersongroups/{g}/persons/{p}/persistedfaces", self.add_face
        )
        app.router.add_post(base + "/largepersongroups/{g}/train", self.train)
        app.router.add_get(base + "/largepersongroups/{g}/training", self.training)
        app.router.add_post(base + "/detect", self.detect)
        app.router.add_post(base + "/identify", self.identify)
        return app

    @web.middleware
    async def _auth(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.headers.get("Ocp-Apim-Subscription-Key") != KEY:
            return _error(401, "401", "Access denied due to invalid subscription key.")
        return await handler(request)

    def _group(self, request: web.Request) -> dict[str, Any] | None:
        return self.groups.get(request.match_info["g"])

    async def create_group(self, request: web.Request) -> web.Response:
        group_id = request.match_info["g"]
        if group_id in self.groups:
            return _error(409, "LargePersonGroupExists", "Large person group already exists.")
        body = await request.json()
        self.groups[group_id] = {"name": body["name"], "persons": {}, "trained": None}
        return web.Response(status=200)

    async def delete_group(self, request: web.Request) -> web.Response:
        self.groups.pop(request.match_info["g"], None)
        return web.Response(status=200)

    async def create_person(self, request: web.Request) -> web.Response:
        group = self._group(request)
        if group is None:
            return _error(404, "LargePersonGroupNotFound", "Large person group is not found.")
        person_id = str(uuid.uuid4())
        group["persons"][person_id] = {"name": (await request.json()).get("name"), "faces": []}
        return web.json_response({"personId": person_id})

    async def add_face(self, request: web.Request) -> web.Response:
        group = self._group(request)
        person = group["persons"].get(request.match_info["p"]) if group else None
        if person is None:
            return _error(404, "PersonNotFound", "Person is not found.")
        person["faces"].append(hashlib.sha256(await request.read()).hexdigest())
        return web.json_response({"persistedFaceId": str(uuid.uuid4())})

    async def train(self, request: web.Request) -> web.Response:
        group = self._group(request)
        if group is None:
            return _error(404, "LargePersonGroupNotFound", "Large person group is not found.")
        group["trained"] = {p: list(v["faces"]) for p, v in group["persons"].items()}
        group["trained_at"] = _now()
        return web.Response(status=202)

    async def training(self, request: web.Request) -> web.Response:
        group = self._group(request)
        if group is None or group["trained"] is None:
            return _error(404, "LargePersonGroupNotTrained", "Large person group not trained.")
        stamp = group["trained_at"]
        return web.json_response(
            {
                "status": "succeeded",
                "createdDateTime": stamp,
                "lastActionDateTime": stamp,
                "lastSuccessfulTrainingDateTime": stamp,
                "message": None,
            }
        )

    async def detect(self, request: web.Request) -> web.Response:
        face_id = str(uuid.uuid4())
        self.faces[face_id] = hashlib.sha256(await request.read()).hexdigest()
        rectangle = {"left": 40, "top": 40, "width": 120, "height": 120}
        return web.json_response([{"faceId": face_id, "faceRectangle": rectangle}])

    async def identify(self, request: web.Request) -> web.Response:
        body = await request.json()
        group = self.groups.get(body.get("largePersonGroupId", ""))
        if group is None or group["trained"] is None:
            return _error(400, "LargePersonGroupNotTrained", "Large person group not trained.")
        results = []
        for face_id in body["faceIds"]:
            digest = self.faces.get(face_id)
            candidates = [
                {"personId": person_id, "confidence": 0.93}
                for person_id, faces in group["trained"].items()
                if digest in faces
            ]
            results.append({"faceId": face_id, "candidates": candidates})
        return web.json_response(results)


async def start(port: int = 0) -> tuple[web.AppRunner, str]:
    """Serve on 127.0.0.1; returns the runner (call `cleanup()`) and the endpoint."""
    runner = web.AppRunner(LoopbackFace().app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    sockets = runner.addresses
    return runner, f"http://127.0.0.1:{sockets[0][1]}"
