"""Plain HTTP to the emulated PersonDirectory, and a clock a test moves."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import yarl

from facekit.emulator import FaceEmulator, synthetic_face
from facekit.models import RecognitionModelName

#: The recognition model of the faces these helpers add and detect unless told otherwise.
MODEL: RecognitionModelName = "recognition_04"


class Clock:
    """The emulator's time, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Http:
    """Plain HTTP to one API version of the emulator."""

    def __init__(self, session: aiohttp.ClientSession, emu: FaceEmulator, version: str) -> None:
        self.session = session
        self.emu = emu
        self.version = version
        self.base = f"{emu.endpoint}/face/{version}"

    async def send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        image: bytes | None = None,
        params: dict[str, str] | None = None,
    ) -> tuple[int, Any, Any]:
        kwargs: dict[str, Any] = {"params": params}
        if image is not None:
            kwargs["data"] = image
            kwargs["headers"] = {"Content-Type": "application/octet-stream"}
        elif json_body is not None:
            kwargs["json"] = json_body
        async with self.session.request(method, self.base + path, **kwargs) as response:
            raw = await response.read()
            return response.status, (json.loads(raw) if raw else None), response.headers

    async def ok(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        status, body, _ = await self.send(method, path, **kwargs)
        assert status == expect, (method, path, status, body)
        return body

    async def error(self, method: str, path: str, status: int, code: str, **kwargs: Any) -> str:
        got, body, headers = await self.send(method, path, **kwargs)
        assert (got, body["error"]["code"]) == (status, code), (method, path, got, body)
        assert headers.get("x-ms-error-code") == code
        return str(body["error"]["message"])


class Api(Http):
    """Plain HTTP to the emulated PersonDirectory of one API version."""

    def faces_leaf(self) -> str:
        return "persistedFaces" if self.version == "v1.0-preview" else "persistedfaces"

    async def operation_of(self, headers: Any) -> str:
        """The operation id a 202 names (relative in v1.0-preview, absolute later)."""
        location = headers.get("Operation-Location")
        assert location is not None
        if self.version == "v1.0-preview":
            assert location.startswith("/operations/")
        else:
            url = yarl.URL(location)
            assert url.is_absolute()
            assert url.path.startswith(f"/face/{self.version}/operations/")
        return str(location.rsplit("/", 1)[-1])

    async def status(self, operation_id: str) -> dict[str, Any]:
        body: dict[str, Any] = await self.ok("GET", f"/operations/{operation_id}")
        return body

    async def person(self, name: str = "ann") -> tuple[str, str]:
        """(person id, operation id) of a person just created."""
        status, body, headers = await self.send(
            "POST", "/persons", json_body={"name": name, "userData": f"{name} data"}
        )
        assert status == 202, body
        return body["personId"], await self.operation_of(headers)

    async def face(
        self, person_id: str, identity: str, variant: int = 0, model: str = MODEL
    ) -> tuple[str, str]:
        """(persisted face id, operation id) of a face just added."""
        status, body, headers = await self.send(
            "POST",
            f"/persons/{person_id}/recognitionModels/{model}/{self.faces_leaf()}",
            image=synthetic_face(identity, variant),
            params={"userData": f"face of {identity}"},
        )
        assert status == 202, body
        return body["persistedFaceId"], await self.operation_of(headers)

    async def detect(self, identity: str, variant: int = 5, model: str = MODEL) -> str:
        (face,) = await self.ok(
            "POST",
            "/detect",
            image=synthetic_face(identity, variant),
            params={"returnFaceId": "true", "recognitionModel": model},
        )
        return str(face["faceId"])

    async def identify(self, face_id: str, **target: Any) -> list[str]:
        (result,) = await self.ok("POST", "/identify", json_body={"faceIds": [face_id], **target})
        return [c["personId"] for c in result["candidates"]]

    async def members(self, group_id: str) -> list[str]:
        body = await self.ok("GET", f"/dynamicpersongroups/{group_id}/persons")
        return list(body["personIds"])
