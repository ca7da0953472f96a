"""Liveness sessions: what an app server creates, hands to a device, and reads back.

One model per concept reads every version's shape: v1.2 (the GA) and v1.3-preview.1
answer a session with its `status` and `results.attempts`; v1.1-preview.1 and
v1.2-preview.1 answer with an audit entry (`result`), the session's times and
`session_expired`, and call the session's id "id". Fields a version does not send stay at
their defaults. Bearer tokens (`auth_token`, `access_token`) are left out of reprs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ._serde import FaceEnum
from .enums import QualityForRecognition
from .face import FaceRectangle

__all__ = [
    "AbuseMonitoringResult",
    "AuditLivenessResponseInfo",
    "AuditRequestInfo",
    "ClientAssetsAccessToken",
    "ClientInformation",
    "LivenessAbuseMonitoring",
    "LivenessAttemptStatus",
    "LivenessColorDecisionTarget",
    "LivenessDecision",
    "LivenessDecisionTargets",
    "LivenessError",
    "LivenessImageType",
    "LivenessModel",
    "LivenessOperationMode",
    "LivenessOutputsTarget",
    "LivenessResponseBody",
    "LivenessResult",
    "LivenessSession",
    "LivenessSessionAttempt",
    "LivenessSessionAuditEntry",
    "LivenessSessionItem",
    "LivenessSessionResults",
    "LivenessSessionStatus",
    "LivenessSettings",
    "LivenessWithVerifyImage",
    "LivenessWithVerifyOutputs",
    "LivenessWithVerifyReference",
    "LivenessWithVerifyResult",
    "LivenessWithVerifySession",
    "LivenessWithVerifySessionAttempt",
    "LivenessWithVerifySessionResults",
    "OtherFlaggedSession",
]

_SECRET: Any = {"repr": False}


# -- enums ------------------------------------------------------------------------------------


class LivenessOperationMode(FaceEnum):
    """How the end user is checked: passively, or with motion when the light is poor."""

    #: No action from the user; the only mode the mobile SDKs support.
    PASSIVE = "Passive"
    #: Passive, or active motion in poor light; preferable on the web.
    PASSIVE_ACTIVE = "PassiveActive"


class LivenessModel(FaceEnum):
    """The liveness model a session uses (the latest unless one is asked for)."""

    V2022_10_15_PREVIEW_04 = "2022-10-15-preview.04"
    V2023_12_20_PREVIEW_06 = "2023-12-20-preview.06"
    V2024_11_15 = "2024-11-15"


class LivenessSessionStatus(FaceEnum):
    """Where a session is: v1.2's operation states, and the previews' own words."""

    NOT_STARTED = "NotStarted"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    CANCELED = "Canceled"
    #: v1.1-preview.1 / v1.2-preview.1: the device has begun.
    STARTED = "Started"
    #: v1.1-preview.1 / v1.2-preview.1: a result can be read.
    RESULT_AVAILABLE = "ResultAvailable"


class LivenessAttemptStatus(FaceEnum):
    """Where one attempt of the end user is."""

    NOT_STARTED = "NotStarted"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    CANCELED = "Canceled"


class LivenessDecision(FaceEnum):
    """The verdict on the face before the camera."""

    UNCERTAIN = "uncertain"
    REAL_FACE = "realface"
    SPOOF_FACE = "spoofface"


class LivenessImageType(FaceEnum):
    """What kind of image a target or a verify reference came from."""

    COLOR = "Color"
    INFRARED = "Infrared"
    DEPTH = "Depth"


# -- v1.2 (GA) and v1.3-preview.1: attempts and their results ----------------------------------


@attrs.frozen(kw_only=True)
class LivenessColorDecisionTarget:
    """Where the decision was made in the colour image."""

    face_rectangle: FaceRectangle


@attrs.frozen(kw_only=True)
class LivenessDecisionTargets:
    """The images the decision was made on (the colour one)."""

    color: LivenessColorDecisionTarget


@attrs.frozen(kw_only=True)
class LivenessWithVerifyOutputs:
    """Whether the face before the camera is the verify image's, and how sure."""

    match_confidence: float
    is_identical: bool
    #: v1.1-preview.1 / v1.2-preview.1 repeat the verify image's face here.
    verify_image: LivenessWithVerifyImage | None = None


@attrs.frozen(kw_only=True)
class LivenessResult:
    """A finished attempt: the decision, where it looked, and a digest of the request."""

    targets: LivenessDecisionTargets
    digest: str
    liveness_decision: LivenessDecision | None = None
    #: The stored image of the attempt (sessions created with enable_session_image).
    session_image_id: str | None = None


@attrs.frozen(kw_only=True)
class LivenessWithVerifyResult(LivenessResult):
    """A finished attempt of a with-verify session: liveness, and the match."""

    verify_result: LivenessWithVerifyOutputs | None = None
    verify_image_hash: str | None = None


@attrs.frozen(kw_only=True)
class LivenessError:
    """Why an attempt failed (e.g. FaceWithMaskDetected), and where it looked."""

    code: str
    message: str
    targets: LivenessDecisionTargets | None = None


@attrs.frozen(kw_only=True)
class ClientInformation:
    """v1.3-preview.1: what the service saw of the device (its IP address)."""

    ip: str


@attrs.frozen(kw_only=True)
class OtherFlaggedSession:
    """v1.3-preview.1: another session abuse monitoring links to this attempt."""

    attempt_id: int
    session_id: str
    session_image_id: str | None = None


@attrs.frozen(kw_only=True)
class AbuseMonitoringResult:
    """v1.3-preview.1: whether abuse monitoring flagged the attempt."""

    is_abuse_detected: bool
    other_flagged_sessions: list[OtherFlaggedSession] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class _Attempt:
    """What every attempt has, whatever its session's kind."""

    attempt_id: int
    attempt_status: LivenessAttemptStatus
    error: LivenessError | None = None
    client_information: list[ClientInformation] = attrs.field(factory=list)
    abuse_monitoring_result: AbuseMonitoringResult | None = None


@attrs.frozen(kw_only=True)
class LivenessSessionAttempt(_Attempt):
    """One attempt of the end user: its result, or its error."""

    result: LivenessResult | None = None


@attrs.frozen(kw_only=True)
class LivenessWithVerifySessionAttempt(_Attempt):
    """One attempt of a with-verify session: its result (with the match), or its error."""

    result: LivenessWithVerifyResult | None = None


@attrs.frozen(kw_only=True)
class LivenessSessionResults:
    """The attempts of a session (the service lists the latest first)."""

    attempts: list[LivenessSessionAttempt] = attrs.field(factory=list)

    @property
    def latest(self) -> LivenessSessionAttempt | None:
        """The attempt with the highest id, or None before any."""
        return max(self.attempts, key=lambda attempt: attempt.attempt_id, default=None)


@attrs.frozen(kw_only=True)
class LivenessWithVerifyReference:
    """The face of the verify image the attempts are compared with."""

    reference_type: LivenessImageType
    face_rectangle: FaceRectangle
    quality_for_recognition: QualityForRecognition


@attrs.frozen(kw_only=True)
class LivenessWithVerifySessionResults:
    """The verify image's face and the attempts of a with-verify session."""

    attempts: list[LivenessWithVerifySessionAttempt] = attrs.field(factory=list)
    verify_references: list[LivenessWithVerifyReference] = attrs.field(factory=list)

    @property
    def latest(self) -> LivenessWithVerifySessionAttempt | None:
        """The attempt with the highest id, or None before any."""
        return max(self.attempts, key=lambda attempt: attempt.attempt_id, default=None)


# -- v1.1-preview.1 / v1.2-preview.1: audit entries ---------------------------------------------


@attrs.frozen(kw_only=True)
class LivenessWithVerifyImage:
    """The face found in a with-verify session's verify image."""

    face_rectangle: FaceRectangle
    quality_for_recognition: QualityForRecognition


@attrs.frozen(kw_only=True)
class AuditRequestInfo:
    """The device's request an audit entry records."""

    url: str
    method: str
    content_type: str
    content_length: int | None = None
    user_agent: str | None = None


@attrs.frozen(kw_only=True)
class LivenessOutputsTarget:
    """Where the decision was made: the face, the file and the moment in it."""

    face_rectangle: FaceRectangle
    file_name: str
    time_offset_within_file: int
    image_type: LivenessImageType


@attrs.frozen(kw_only=True)
class LivenessResponseBody:
    """What the service answered the device (other keys it may add are not kept)."""

    liveness_decision: LivenessDecision | None = None
    target: LivenessOutputsTarget | None = None
    model_version_used: LivenessModel | None = None
    verify_result: LivenessWithVerifyOutputs | None = None


@attrs.frozen(kw_only=True)
class AuditLivenessResponseInfo:
    """The service's answer an audit entry records."""

    body: LivenessResponseBody
    status_code: int
    latency_in_milliseconds: int


@attrs.frozen(kw_only=True)
class LivenessSessionAuditEntry:
    """One request of the device to a preview session, with the service's answer."""

    id: int
    session_id: str
    request_id: str
    client_request_id: str
    received_date_time: datetime
    request: AuditRequestInfo
    response: AuditLivenessResponseInfo
    digest: str
    session_image_id: str | None = None
    verify_image_hash: str | None = None


@attrs.frozen(kw_only=True)
class LivenessSessionItem:
    """A session as the previews list it (v1.1-preview.1 / v1.2-preview.1)."""

    session_id: str = attrs.field(metadata={"wire": "id"})
    created_date_time: datetime
    session_expired: bool
    session_start_date_time: datetime | None = None
    device_correlation_id: str | None = None
    auth_token_time_to_live_in_seconds: int | None = None


# -- sessions -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Session:
    """What every session has, in any version's shape (see LivenessSession)."""

    session_id: str = attrs.field(metadata={"aliases": ("id",)})
    auth_token: str | None = attrs.field(default=None, **_SECRET)
    status: LivenessSessionStatus | None = None
    model_version: LivenessModel | None = None
    is_abuse_monitoring_enabled: bool | None = None
    expected_client_ip_address: str | None = None
    created_date_time: datetime | None = None
    session_start_date_time: datetime | None = None
    session_expired: bool | None = None
    device_correlation_id: str | None = None
    auth_token_time_to_live_in_seconds: int | None = None
    result: LivenessSessionAuditEntry | None = None

    def _latest_result(self) -> LivenessResult | None:
        raise NotImplementedError

    @property
    def decision(self) -> LivenessDecision | None:
        """The latest attempt's decision (the audit entry's in the previews), or None."""
        latest = self._latest_result()
        if latest is not None:
            return latest.liveness_decision
        if self.result is not None:
            return self.result.response.body.liveness_decision
        return None


@attrs.frozen(kw_only=True)
class LivenessSession(_Session):
    """A liveness session: created, then read back for the device's result.

    v1.2 and v1.3-preview.1 fill `status`, `model_version` and `results` (every attempt);
    the previews fill `result` (the audit entry of the latest request), the times and
    `session_expired`. `auth_token` is the device's bearer token (hand it to the device;
    the previews send it only on creation); it is left out of the repr.
    """

    results: LivenessSessionResults = attrs.field(factory=LivenessSessionResults)

    def _latest_result(self) -> LivenessResult | None:
        latest = self.results.latest
        return None if latest is None else latest.result


@attrs.frozen(kw_only=True)
class LivenessWithVerifySession(_Session):
    """A liveness-with-verify session: liveness, and whether it is the verify image's face.

    As LivenessSession; `results.verify_references` (v1.2) or `verify_image` (the previews'
    creation) describe the verify image's face.
    """

    results: LivenessWithVerifySessionResults = attrs.field(
        factory=LivenessWithVerifySessionResults
    )
    verify_image: LivenessWithVerifyImage | None = None

    def _latest_result(self) -> LivenessWithVerifyResult | None:
        latest = self.results.latest
        return None if latest is None else latest.result

    @property
    def verify_result(self) -> LivenessWithVerifyOutputs | None:
        """The latest attempt's match with the verify image, or None."""
        latest = self._latest_result()
        if latest is not None:
            return latest.verify_result
        if self.result is not None:
            return self.result.response.body.verify_result
        return None


# -- v1.3-preview.1: settings and the client assets' token --------------------------------------


@attrs.frozen(kw_only=True)
class LivenessAbuseMonitoring:
    """Whether liveness abuse monitoring is on."""

    enabled: bool


@attrs.frozen(kw_only=True)
class LivenessSettings:
    """The resource's liveness settings (v1.3-preview.1).

    GET answers `{"livenessAbuseMonitoring": {"enabled": ...}}`; Microsoft's PATCH example
    answers the one setting changed, `{"name": "liveness-abuse-monitoring", "enabled": ...}`.
    Either is read; `abuse_monitoring_enabled` gives the value from whichever came.
    """

    liveness_abuse_monitoring: LivenessAbuseMonitoring | None = None
    name: str | None = None
    enabled: bool | None = None

    @property
    def abuse_monitoring_enabled(self) -> bool | None:
        """Whether abuse monitoring is on (None if the reply did not say)."""
        if self.liveness_abuse_monitoring is not None:
            return self.liveness_abuse_monitoring.enabled
        return self.enabled


@attrs.frozen(kw_only=True)
class ClientAssetsAccessToken:
    """A token for the liveness client assets (SDK packages); secrets, not in the repr."""

    expiry: datetime
    access_token: str = attrs.field(**_SECRET)
    base64_access_token: str = attrs.field(**_SECRET)
