"""Liveness sessions (`face.liveness`): an app server's side of a liveness check.

The app server creates a session, hands its `auth_token` to the end user's device (whose
Azure AI Vision SDK runs the check against the service), then reads the result. A
liveness-with-verify session also compares the face with a verify image uploaded at
creation (multipart/form-data, from any image source facekit accepts).

Paths and shapes follow the client's API version: v1.2 (the GA) and v1.3-preview.1 at
`/detectLiveness-sessions` and `/detectLivenessWithVerify-sessions`; v1.1-preview.1 and
v1.2-preview.1 at `/detectLiveness/singleModal/sessions` (and `.../WithVerify/...`), which
alone list sessions and their audit entries. Settings and the client assets' token are
v1.3-preview.1's. A call the version lacks fails before sending, naming the versions that
have it.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final, TypeVar, Unpack, get_args

from .. import _validation as check
from .._versions import VERSIONS, operation_ids, require_operation
from ..errors import FaceValidationError
from ..images import ImageInput, ProgressCallback, form_upload, image_request
from ..models import DetectedFace
from ..models.enums import DetectionModel, FaceAttributeType, RecognitionModel
from ..models.liveness import (
    ClientAssetsAccessToken,
    LivenessOperationMode,
    LivenessSession,
    LivenessSessionAuditEntry,
    LivenessSessionItem,
    LivenessSettings,
    LivenessWithVerifySession,
)
from ..models.names import (
    DetectionModelName,
    FaceAttributeName,
    LivenessOperationModeName,
    RecognitionModelName,
)
from ..paging import AsyncPager
from ..session import CallOptions
from ._base import Resource
from .face import detect_query

__all__ = ["Liveness"]

T = TypeVar("T")

#: Every liveness operation of the REST API (v1.1-preview.1 to v1.3-preview.1 operationIds)
#: and the method that sends it.
OPERATIONS: Final[Mapping[str, str]] = {
    "LivenessSessionOperations_CreateLivenessSession": "Liveness.create_session",
    "LivenessSessionOperations_GetLivenessSessionResult": "Liveness.get_session_result",
    "LivenessSessionOperations_DeleteLivenessSession": "Liveness.delete_session",
    "LivenessSessionOperations_GetLivenessSessions": "Liveness.list_sessions",
    "LivenessSessionOperations_GetLivenessSessionAuditEntries": (
        "Liveness.list_session_audit_entries"
    ),
    "LivenessSessionOperations_CreateLivenessWithVerifySession": (
        "Liveness.create_with_verify_session"
    ),
    "LivenessSessionOperations_CreateLivenessWithVerifySessionWithVerifyImage": (
        "Liveness.create_with_verify_session"
    ),
    "LivenessSessionOperations_GetLivenessWithVerifySessionResult": (
        "Liveness.get_with_verify_session_result"
    ),
    "LivenessSessionOperations_DeleteLivenessWithVerifySession": (
        "Liveness.delete_with_verify_session"
    ),
    "LivenessSessionOperations_GetLivenessWithVerifySessions": "Liveness.list_with_verify_sessions",
    "LivenessSessionOperations_GetLivenessWithVerifySessionAuditEntries": (
        "Liveness.list_with_verify_session_audit_entries"
    ),
    "LivenessSessionOperations_GetSessionImage": "Liveness.get_session_image",
    "FaceDetectionOperations_DetectFromSessionImageId": "Liveness.detect_from_session_image",
    "LivenessSessionOperations_GetSettings": "Liveness.get_settings",
    "LivenessSessionOperations_PatchSettings": "Liveness.update_settings",
    "LivenessSessionOperations_GetClientAssetsAccessToken": (
        "Liveness.get_client_assets_access_token"
    ),
}

OPERATION_MODES = get_args(LivenessOperationModeName)
#: The service's limits: a token lives 60 s to a day; a device id has at most 64 characters.
TOKEN_TTL_RANGE = (60, 86400)
CORRELATION_ID_MAX = 64
#: v1.3-preview.1: how often one token may try (1 by default).
ATTEMPTS_RANGE = (1, 3)

# Where each family of versions keeps its sessions.
_GA: dict[str, tuple[str, ...]] = {
    "liveness": ("detectLiveness-sessions",),
    "verify": ("detectLivenessWithVerify-sessions",),
    "images": ("sessionImages",),
}
_PREVIEW: dict[str, tuple[str, ...]] = {
    "liveness": ("detectLiveness", "singleModal", "sessions"),
    "verify": ("detectLivenessWithVerify", "singleModal", "sessions"),
    "images": ("session", "sessionImages"),
}
_V1_3 = "v1.3-preview.1"
_DETECT_FROM_SESSION_IMAGE = "FaceDetectionOperations_DetectFromSessionImageId"


class Liveness(Resource):
    """Liveness and liveness-with-verify sessions, their images and (v1.3) settings."""

    # -- liveness sessions ----------------------------------------------------------------

    async def create_session(
        self,
        *,
        liveness_operation_mode: LivenessOperationModeName | LivenessOperationMode = "Passive",
        device_correlation_id: str | None = None,
        device_correlation_id_set_in_client: bool | None = None,
        enable_session_image: bool | None = None,
        liveness_model_version: str | None = None,
        auth_token_time_to_live: int | None = None,
        send_results_to_client: bool | None = None,
        number_of_client_attempts_allowed: int | None = None,
        user_correlation_id: str | None = None,
        user_correlation_id_set_in_client: bool | None = None,
        expected_client_ip_address: str | None = None,
        **options: Unpack[CallOptions],
    ) -> LivenessSession:
        """Create a liveness session; give its `auth_token` to the end user's device.

        `auth_token_time_to_live` is in seconds (60..86400, the service's default 600);
        `device_correlation_id` identifies the device (at most 64 characters) unless the
        device sets it (`device_correlation_id_set_in_client=True`). `send_results_to_client`
        exists only in the previews; `number_of_client_attempts_allowed`, the user
        correlation options and `expected_client_ip_address` only in v1.3-preview.1.
        """
        family = self._family()
        body = self._session_fields(
            family,
            liveness_operation_mode=liveness_operation_mode,
            device_correlation_id=device_correlation_id,
            device_correlation_id_set_in_client=device_correlation_id_set_in_client,
            enable_session_image=enable_session_image,
            liveness_model_version=liveness_model_version,
            auth_token_time_to_live=auth_token_time_to_live,
            send_results_to_client=send_results_to_client,
            number_of_client_attempts_allowed=number_of_client_attempts_allowed,
        )
        extras = {
            "userCorrelationId": check.short_text(
                "user_correlation_id", user_correlation_id, max_length=CORRELATION_ID_MAX
            ),
            "userCorrelationIdSetInClient": check.flag(
                "user_correlation_id_set_in_client", user_correlation_id_set_in_client
            ),
            "expectedClientIpAddress": check.short_text(
                "expected_client_ip_address", expected_client_ip_address, max_length=64
            ),
        }
        self._only_in_v1_3(
            user_correlation_id=user_correlation_id,
            user_correlation_id_set_in_client=user_correlation_id_set_in_client,
            expected_client_ip_address=expected_client_ip_address,
        )
        body.update({name: value for name, value in extras.items() if value is not None})
        # Not idempotent: each request makes a new session (and a new token).
        return await self._session.call(
            "POST",
            family["liveness"],
            json=body,
            idempotent=False,
            result=LivenessSession,
            options=options,
        )

    async def get_session_result(
        self, session_id: str, **options: Unpack[CallOptions]
    ) -> LivenessSession:
        """The session with the device's result: its attempts (v1.2) or audit entry (previews)."""
        return await self._get("liveness", session_id, LivenessSession, options)

    async def delete_session(self, session_id: str, **options: Unpack[CallOptions]) -> None:
        """Delete the session and its data; its token stops working."""
        await self._delete("liveness", session_id, options)

    def list_sessions(
        self, *, start: str | None = None, top: int | None = None, **options: Unpack[CallOptions]
    ) -> AsyncPager[LivenessSessionItem]:
        """The liveness sessions by id (v1.1-preview.1 / v1.2-preview.1 only)."""
        return self._list(_PREVIEW["liveness"], LivenessSessionItem, start, top, options)

    def list_session_audit_entries(
        self,
        session_id: str,
        *,
        start: str | int | None = None,
        top: int | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPager[LivenessSessionAuditEntry]:
        """The device's requests to a liveness session (v1.1-preview.1 / v1.2-preview.1)."""
        return self._audit(_PREVIEW["liveness"], session_id, start, top, options)

    # -- liveness-with-verify sessions -------------------------------------------------------

    async def create_with_verify_session(
        self,
        verify_image: ImageInput | None,
        *,
        liveness_operation_mode: LivenessOperationModeName | LivenessOperationMode = "Passive",
        device_correlation_id: str | None = None,
        device_correlation_id_set_in_client: bool | None = None,
        enable_session_image: bool | None = None,
        liveness_model_version: str | None = None,
        auth_token_time_to_live: int | None = None,
        return_verify_image_hash: bool | None = None,
        verify_confidence_threshold: float | None = None,
        send_results_to_client: bool | None = None,
        number_of_client_attempts_allowed: int | None = None,
        progress: ProgressCallback | None = None,
        **options: Unpack[CallOptions],
    ) -> LivenessWithVerifySession:
        """Create a liveness-with-verify session against `verify_image`, the face to match.

        The verify image is bytes, a `pathlib.Path`, a binary file or an async iterator of
        bytes (not a URL), uploaded as multipart/form-data; it must show one face, or the
        service answers 400 InvalidImage. v1.2 needs it at creation; the previews may take
        it from the device instead (`verify_image=None`). The other options are those of
        `create_session`, with `verify_confidence_threshold` (0..1) and
        `return_verify_image_hash`.
        """
        family = self._family()
        fields = self._session_fields(
            family,
            liveness_operation_mode=liveness_operation_mode,
            device_correlation_id=device_correlation_id,
            device_correlation_id_set_in_client=device_correlation_id_set_in_client,
            enable_session_image=enable_session_image,
            liveness_model_version=liveness_model_version,
            auth_token_time_to_live=auth_token_time_to_live,
            send_results_to_client=send_results_to_client,
            number_of_client_attempts_allowed=number_of_client_attempts_allowed,
        )
        verify_fields = {
            "returnVerifyImageHash": check.flag(
                "return_verify_image_hash", return_verify_image_hash
            ),
            "verifyConfidenceThreshold": check.unit_interval(
                "verify_confidence_threshold", verify_confidence_threshold
            ),
        }
        fields.update({name: value for name, value in verify_fields.items() if value is not None})
        path = list(family["verify"])
        if verify_image is None:
            if family is _GA:
                raise FaceValidationError(
                    "verify_image",
                    f"Face API {self._session.config.api_version} takes the verify image at "
                    "creation; give one",
                )
            return await self._session.call(
                "POST",
                path,
                json=fields,
                idempotent=False,
                result=LivenessWithVerifySession,
                options=options,
            )
        url, image = image_request(verify_image, progress)
        if image is None:
            raise FaceValidationError(
                "verify_image",
                f"the service takes the verify image itself, not a URL ({str(url)[:60]!r}): pass "
                "its bytes, a pathlib.Path, a binary file or an async iterator",
            )
        if family is _GA:
            parts = [(name, _form_value(value)) for name, value in fields.items()]
            upload = form_upload(image, parts, file_field="verifyImage", filename="verify-image")
        else:
            parameters = [("Parameters", json.dumps(fields))]
            upload = form_upload(
                image, parameters, file_field="VerifyImage", filename="verify-image"
            )
        return await self._session.call(
            "POST",
            path,
            upload=upload,
            idempotent=False,
            result=LivenessWithVerifySession,
            options=options,
        )

    async def get_with_verify_session_result(
        self, session_id: str, **options: Unpack[CallOptions]
    ) -> LivenessWithVerifySession:
        """The with-verify session with the device's result and the match with the image."""
        return await self._get("verify", session_id, LivenessWithVerifySession, options)

    async def delete_with_verify_session(
        self, session_id: str, **options: Unpack[CallOptions]
    ) -> None:
        """Delete the with-verify session and its data; its token stops working."""
        await self._delete("verify", session_id, options)

    def list_with_verify_sessions(
        self, *, start: str | None = None, top: int | None = None, **options: Unpack[CallOptions]
    ) -> AsyncPager[LivenessSessionItem]:
        """The with-verify sessions by id (v1.1-preview.1 / v1.2-preview.1 only)."""
        return self._list(_PREVIEW["verify"], LivenessSessionItem, start, top, options)

    def list_with_verify_session_audit_entries(
        self,
        session_id: str,
        *,
        start: str | int | None = None,
        top: int | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPager[LivenessSessionAuditEntry]:
        """The device's requests to a with-verify session (v1.1-preview.1 / v1.2-preview.1)."""
        return self._audit(_PREVIEW["verify"], session_id, start, top, options)

    # -- session images ------------------------------------------------------------------------

    async def get_session_image(
        self, session_image_id: str, **options: Unpack[CallOptions]
    ) -> bytes:
        """The image an attempt stored (sessions created with `enable_session_image=True`)."""
        path = [*self._family()["images"], check.opaque_id("session_image_id", session_image_id)]
        headers = {**options.get("headers", {}), "Accept": "application/octet-stream"}
        response = await self._session.send(
            "GET",
            self._session.url_for(path, method="GET"),
            idempotent=True,
            options={**options, "headers": headers},
        )
        return response.body

    async def detect_from_session_image(
        self,
        session_image_id: str,
        *,
        return_face_id: bool | None = None,
        return_face_landmarks: bool | None = None,
        return_face_attributes: Sequence[FaceAttributeName | FaceAttributeType] | None = None,
        recognition_model: RecognitionModelName | RecognitionModel | None = None,
        return_recognition_model: bool | None = None,
        detection_model: DetectionModelName | DetectionModel | None = None,
        face_id_time_to_live: int | None = None,
        allow_retired_attributes: bool = False,
        **options: Unpack[CallOptions],
    ) -> builtins.list[DetectedFace]:
        """Detect the faces of a session image, as `FaceClient.detect` does (v1.2-preview.1+).

        The face ids it returns (on by default, and needing Limited Access approval) can go
        on to identify or verify the person who passed the liveness check.
        """
        version = self._session.config.api_version
        require_operation(version, "POST", ["detect"], _DETECT_FROM_SESSION_IMAGE)
        params = detect_query(
            version,
            return_face_id=return_face_id,
            return_face_landmarks=return_face_landmarks,
            return_face_attributes=return_face_attributes,
            recognition_model=recognition_model,
            return_recognition_model=return_recognition_model,
            detection_model=detection_model,
            face_id_time_to_live=face_id_time_to_live,
            allow_retired_attributes=allow_retired_attributes,
        )
        body = {"sessionImageId": check.opaque_id("session_image_id", session_image_id)}
        return await self._session.call(
            "POST",
            ["detect"],
            params=params,
            json=body,
            idempotent=True,
            result=builtins.list[DetectedFace],
            options=options,
        )

    # -- v1.3-preview.1: settings and the client assets' token -----------------------------------

    async def get_settings(self, **options: Unpack[CallOptions]) -> LivenessSettings:
        """The resource's liveness settings: whether abuse monitoring is on (v1.3-preview.1)."""
        return await self._session.call(
            "GET", ["settings"], idempotent=True, result=LivenessSettings, options=options
        )

    async def update_settings(
        self, *, abuse_monitoring_enabled: bool, **options: Unpack[CallOptions]
    ) -> LivenessSettings:
        """Turn liveness abuse monitoring on or off (v1.3-preview.1).

        Sent as Microsoft's example sends it (`{"enabled": ...}`); the spec's schema nests
        it (`{"livenessAbuseMonitoring": {...}}`), and the reply is read in either shape.
        """
        enabled = check.flag("abuse_monitoring_enabled", abuse_monitoring_enabled)
        if enabled is None:
            raise FaceValidationError("abuse_monitoring_enabled", "must be True or False")
        return await self._session.call(
            "PATCH",
            ["settings"],
            json={"enabled": enabled},
            idempotent=True,
            result=LivenessSettings,
            options=options,
        )

    async def get_client_assets_access_token(
        self, **options: Unpack[CallOptions]
    ) -> ClientAssetsAccessToken:
        """A token to download the liveness client SDK's assets (v1.3-preview.1)."""
        return await self._session.call(
            "GET",
            ["settings", "getClientAssetsAccessToken"],
            idempotent=True,
            result=ClientAssetsAccessToken,
            options=options,
        )

    # -- shared ------------------------------------------------------------------------------

    def _family(self) -> dict[str, tuple[str, ...]]:
        """The paths of the client's version, or why it has no liveness sessions."""
        version = self._session.config.api_version
        for family in (_GA, _PREVIEW):
            if operation_ids(version, "POST", family["liveness"]) is not None:
                return family
        having = [
            v
            for v in VERSIONS
            if any(operation_ids(v, "POST", f["liveness"]) for f in (_GA, _PREVIEW))
        ]
        raise FaceValidationError(
            "api_version",
            f"liveness sessions are not in Face API {version}; they are in {', '.join(having)}",
        )

    def _session_fields(
        self,
        family: dict[str, tuple[str, ...]],
        *,
        liveness_operation_mode: LivenessOperationModeName | LivenessOperationMode,
        device_correlation_id: str | None,
        device_correlation_id_set_in_client: bool | None,
        enable_session_image: bool | None,
        liveness_model_version: str | None,
        auth_token_time_to_live: int | None,
        send_results_to_client: bool | None,
        number_of_client_attempts_allowed: int | None,
    ) -> dict[str, Any]:
        """The options every session takes, checked, under the version's wire names."""
        version = self._session.config.api_version
        mode = check.choice("liveness_operation_mode", liveness_operation_mode, OPERATION_MODES)
        if mode is None:
            raise FaceValidationError("liveness_operation_mode", "is required")
        if send_results_to_client is not None and family is _GA:
            raise FaceValidationError(
                "send_results_to_client",
                f"is not an option in Face API {version}; only the previews "
                "(v1.1-preview.1, v1.2-preview.1) have it",
            )
        self._only_in_v1_3(number_of_client_attempts_allowed=number_of_client_attempts_allowed)
        model = check.short_text(
            "liveness_model_version",
            getattr(liveness_model_version, "value", liveness_model_version),
            max_length=64,
        )
        fields = {
            "livenessOperationMode": mode,
            "sendResultsToClient": check.flag("send_results_to_client", send_results_to_client),
            "deviceCorrelationIdSetInClient": check.flag(
                "device_correlation_id_set_in_client", device_correlation_id_set_in_client
            ),
            "enableSessionImage": check.flag("enable_session_image", enable_session_image),
            # The previews name the model field after their single-modal sessions.
            ("livenessModelVersion" if family is _GA else "livenessSingleModalModel"): model,
            "deviceCorrelationId": check.short_text(
                "device_correlation_id", device_correlation_id, max_length=CORRELATION_ID_MAX
            ),
            "authTokenTimeToLiveInSeconds": check.int_range(
                "auth_token_time_to_live", auth_token_time_to_live, *TOKEN_TTL_RANGE
            ),
            "numberOfClientAttemptsAllowed": check.int_range(
                "number_of_client_attempts_allowed",
                number_of_client_attempts_allowed,
                *ATTEMPTS_RANGE,
            ),
        }
        return {name: value for name, value in fields.items() if value is not None}

    async def _get(self, kind: str, session_id: str, model: type[T], options: CallOptions) -> T:
        """GET one session of `kind` ("liveness" or "verify") as `model`."""
        return await self._session.call(
            "GET",
            [*self._family()[kind], check.opaque_id("session_id", session_id)],
            idempotent=True,
            result=model,
            options=options,
        )

    async def _delete(self, kind: str, session_id: str, options: CallOptions) -> None:
        """DELETE one session of `kind` ("liveness" or "verify")."""
        await self._session.call(
            "DELETE",
            [*self._family()[kind], check.opaque_id("session_id", session_id)],
            idempotent=False,
            options=options,
        )

    def _only_in_v1_3(self, **given: object) -> None:
        version = self._session.config.api_version
        for name, value in given.items():
            if value is not None and version != _V1_3:
                raise FaceValidationError(
                    name, f"is not an option in Face API {version}; only {_V1_3} has it"
                )

    def _list(
        self,
        path: tuple[str, ...],
        model: type[LivenessSessionItem],
        start: str | None,
        top: int | None,
        options: CallOptions,
    ) -> AsyncPager[LivenessSessionItem]:
        start = check.start_cursor(start)
        check.int_range("top", top, 1, 1000)
        # Checked now: a pager that could never send anything fails where it is made.
        self._session.url_for(list(path), method="GET")

        async def fetch(
            page_start: str | None, page_top: int | None
        ) -> builtins.list[LivenessSessionItem]:
            return await self._session.call(
                "GET",
                path,
                params={"start": page_start, "top": page_top},
                idempotent=True,
                result=builtins.list[model],  # type: ignore[valid-type]
                options=options,
            )

        return AsyncPager(fetch, lambda item: item.session_id, start=start, top=top)

    def _audit(
        self,
        path: tuple[str, ...],
        session_id: str,
        start: str | int | None,
        top: int | None,
        options: CallOptions,
    ) -> AsyncPager[LivenessSessionAuditEntry]:
        entries = [*path, check.opaque_id("session_id", session_id), "audit"]
        cursor = _entry_cursor(start)
        check.int_range("top", top, 1, 1000)
        self._session.url_for(entries, method="GET")

        async def fetch(
            page_start: str | None, page_top: int | None
        ) -> builtins.list[LivenessSessionAuditEntry]:
            return await self._session.call(
                "GET",
                entries,
                params={"start": page_start, "top": page_top},
                idempotent=True,
                result=builtins.list[LivenessSessionAuditEntry],
                options=options,
            )

        # Entry ids are numbers: "10" comes after "9".
        return AsyncPager(fetch, lambda entry: str(entry.id), start=cursor, top=top, order=int)


def _entry_cursor(start: str | int | None) -> str | None:
    """An audit entry id to list after: a whole number >= 0 (as the service counts them)."""
    if start is None:
        return None
    text = str(start) if isinstance(start, int) and not isinstance(start, bool) else start
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or len(text) > 18:
        raise FaceValidationError("start", "must be an audit entry id: a whole number >= 0")
    return text


def _form_value(value: object) -> str:
    """A form field's text: JSON's spelling of booleans and numbers."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
