"""Liveness sessions: created by an app server, attempted by a device, read back.

A session has an auth token that expires `auth_token_ttl` seconds after creation; the
device's attempts (simulated by the control call, with that token) record a decision, a
face, an optional session image and, for with-verify sessions, the match with the verify
image's face. The previews' audit entries are the attempts as the device's requests.
Records only: wire.py writes them per API version.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from ..checks import check_unit, readable_image
from ..errors import ServiceError
from ..images.attributes import attributes
from ..images.draw import synthetic_face
from ..images.records import FoundFace
from ..recognition import VERIFY_THRESHOLD, Vector, feature_vector, similarity
from ..settings import EmulatorSettings

__all__ = [
    "DECISIONS",
    "KINDS",
    "LivenessAttempt",
    "LivenessSessionRecord",
    "LivenessSessions",
    "VerifyReference",
]

#: "liveness" sessions, and "verify" (liveness-with-verify) sessions.
KINDS = ("liveness", "verify")
DECISIONS = ("realface", "spoofface", "uncertain")
OPERATION_MODES = ("Passive", "PassiveActive")
DEFAULT_TTL = 600
#: Attempts one token may make: v1.3-preview.1's numberOfClientAttemptsAllowed (default 1),
#: else three, as the earlier documentation says.
DEFAULT_ATTEMPTS = 3


@dataclass
class VerifyReference:
    """The face of a with-verify session's verify image."""

    face: FoundFace
    vector: Vector
    quality: str
    image_hash: str


@dataclass
class LivenessAttempt:
    """One attempt of the device: a decision on a face, or an error."""

    attempt_id: int
    audit_id: int
    at: float
    decision: str | None
    face: FoundFace
    digest: str
    request_id: str
    client_request_id: str
    error_code: str | None = None
    error_message: str | None = None
    session_image_id: str | None = None
    #: (matchConfidence, isIdentical) for with-verify sessions.
    verify: tuple[float, bool] | None = None
    client_ip: str = "127.0.0.1"
    #: With abuse monitoring on: (session id, attempt id, session image id) of earlier
    #: attempts, in other sessions, by the same face.
    flagged: list[tuple[str, int, str | None]] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        """Whether the attempt produced a decision (rather than an error)."""
        return self.error_code is None


@dataclass
class LivenessSessionRecord:
    """One session, its options and its attempts."""

    session_id: str
    kind: str
    auth_token: str
    created_at: float
    ttl: int
    mode: str
    model_version: str | None
    device_correlation_id: str | None
    enable_session_image: bool
    attempts_allowed: int
    threshold: float
    return_verify_image_hash: bool
    reference: VerifyReference | None = None
    expected_client_ip: str | None = None
    abuse_monitoring: bool = False
    attempts: list[LivenessAttempt] = field(default_factory=list)

    def expired(self, now: float) -> bool:
        """Whether the auth token has run out."""
        return now >= self.created_at + self.ttl

    def status(self, now: float) -> str:
        """v1.2's session status: NotStarted, Running, Succeeded, Failed or Canceled."""
        if any(attempt.succeeded for attempt in self.attempts):
            return "Succeeded"
        if len(self.attempts) >= self.attempts_allowed:
            return "Failed"
        if self.expired(now):
            return "Canceled"
        return "Running" if self.attempts else "NotStarted"

    def preview_status(self) -> str:
        """The previews' session status: NotStarted, Started or ResultAvailable."""
        if not self.attempts:
            return "NotStarted"
        return "ResultAvailable" if self.attempts[-1].succeeded else "Started"


class LivenessSessions:
    """The account's liveness sessions, their session images and the liveness settings."""

    def __init__(self, settings: EmulatorSettings, clock: Callable[[], float]) -> None:
        self.settings = settings
        self.clock = clock
        self._sessions: dict[str, LivenessSessionRecord] = {}
        self._images: dict[str, bytes] = {}
        self._audit_ids = 0
        #: v1.3-preview.1's liveness abuse monitoring setting.
        self.abuse_monitoring = False

    # -- the app server's side -------------------------------------------------------------

    def create(
        self,
        kind: str,
        *,
        mode: object,
        ttl: object,
        device_correlation_id: object,
        enable_session_image: object,
        model_version: object,
        attempts_allowed: object,
        threshold: object,
        return_verify_image_hash: object,
        expected_client_ip: object = None,
        verify_image: bytes | None = None,
        default_model: str,
    ) -> LivenessSessionRecord:
        """A new session (400 for a bad option, or a verify image without exactly one face)."""
        if mode not in OPERATION_MODES:
            raise ServiceError(
                400, "InvalidLivenessOperationMode", "Liveness operation mode is invalid."
            )
        lifetime = DEFAULT_TTL if ttl is None else ttl
        if (
            isinstance(lifetime, bool)
            or not isinstance(lifetime, int)
            or not 60 <= lifetime <= 86400
        ):
            raise ServiceError(
                400,
                "InvalidTokenLifetime",
                "authTokenTimeToLiveInSeconds is invalid, the valid range is [60, 86400].",
            )
        if device_correlation_id is not None and (
            not isinstance(device_correlation_id, str) or len(device_correlation_id) > 64
        ):
            raise ServiceError(
                400, "InvalidDeviceCorrelationId", "Device correlation ID is invalid."
            )
        allowed = DEFAULT_ATTEMPTS if attempts_allowed is None else attempts_allowed
        if isinstance(allowed, bool) or not isinstance(allowed, int) or not 1 <= allowed <= 3:
            raise ServiceError(
                400, "InvalidRequestBody", "numberOfClientAttemptsAllowed is invalid."
            )
        reference = None if verify_image is None else self._reference(verify_image)
        record = LivenessSessionRecord(
            session_id=str(uuid.uuid4()),
            kind=kind,
            auth_token=_token(),
            created_at=self.clock(),
            ttl=lifetime,
            mode=str(mode),
            model_version=str(model_version) if model_version is not None else default_model,
            device_correlation_id=device_correlation_id,
            enable_session_image=enable_session_image is True,
            attempts_allowed=allowed,
            threshold=check_unit(threshold, "verifyConfidenceThreshold", VERIFY_THRESHOLD),
            return_verify_image_hash=return_verify_image_hash is True,
            reference=reference,
            expected_client_ip=expected_client_ip if isinstance(expected_client_ip, str) else None,
            abuse_monitoring=self.abuse_monitoring,
        )
        self._sessions[record.session_id] = record
        return record

    def find(self, kind: str, session_id: str) -> LivenessSessionRecord:
        """The session of that kind, or 404 SessionNotFound."""
        record = self._sessions.get(session_id.lower())
        if record is None or record.kind != kind:
            raise ServiceError(404, "SessionNotFound", "Session is not found.")
        return record

    def delete(self, kind: str, session_id: str) -> None:
        """Forget the session; its token stops working, its images stay (as the service's)."""
        record = self.find(kind, session_id)
        del self._sessions[record.session_id]

    def page(self, kind: str, start: str | None, top: int | None) -> list[LivenessSessionRecord]:
        """Sessions of a kind after `start`, by id, at most `top` (1..1000, default 1000)."""
        limit = 1000 if top is None else top
        if not 1 <= limit <= 1000:
            raise ServiceError(400, "BadArgument", "'top' is invalid.")
        ordered = sorted(
            (r for r in self._sessions.values() if r.kind == kind), key=lambda r: r.session_id
        )
        return [r for r in ordered if start is None or r.session_id > start][:limit]

    def image(self, session_image_id: str) -> bytes:
        """A stored session image, or 404."""
        found = self._images.get(session_image_id)
        if found is None:
            raise ServiceError(404, "SessionImageNotFound", "Session image is not found.")
        return found

    # -- the device's side (the emulator's control call) ------------------------------------

    def attempt(
        self,
        session_id: str,
        token: str,
        *,
        decision: str,
        identity: str | None,
        variant: int,
        error: tuple[str, str] | None,
        client_ip: str,
    ) -> LivenessAttempt:
        """The device's attempt with the session's token: the decision on `identity`'s face.

        401 for a wrong or expired token; 404 for a session deleted or unknown; 409 once a
        session has its result or has used every attempt it allows.
        """
        record = self._sessions.get(session_id.lower())
        if record is None:
            raise ServiceError(404, "SessionNotFound", "Session is not found.")
        if not hmac.compare_digest(token.encode(), record.auth_token.encode()):
            raise ServiceError(401, "Unauthorized", "The session's auth token is invalid.")
        now = self.clock()
        if record.expired(now):
            raise ServiceError(401, "TokenExpired", "The session's auth token has expired.")
        if (
            any(a.succeeded for a in record.attempts)
            or len(record.attempts) >= record.attempts_allowed
        ):
            raise ServiceError(409, "SessionCompleted", "The session takes no more attempts.")
        if decision not in DECISIONS:
            raise ServiceError(
                400, "BadArgument", f"decision must be one of {', '.join(DECISIONS)}."
            )
        who = identity
        if who is None:
            # By default the person before the camera is the verify image's (a match).
            who = record.reference.face.identity if record.reference is not None else "someone"
        image = synthetic_face(who, variant)
        (face,) = readable_image(image).faces
        self._audit_ids += 1
        attempt = LivenessAttempt(
            attempt_id=len(record.attempts) + 1,
            audit_id=self._audit_ids,
            at=now,
            decision=None if error else decision,
            face=face,
            digest=hashlib.sha256(image).hexdigest().upper(),
            request_id=str(uuid.uuid4()),
            client_request_id=str(uuid.uuid4()),
            client_ip=client_ip,
        )
        if error is not None:
            attempt.error_code, attempt.error_message = error
        else:
            if record.enable_session_image:
                attempt.session_image_id = _image_id()
                self._images[attempt.session_image_id] = image
            if record.reference is not None:
                confidence = similarity(
                    record.reference.vector, feature_vector(face.identity, face.variant)
                )
                attempt.verify = (round(confidence, 8), confidence >= record.threshold)
        if record.abuse_monitoring:
            # One face passing through many sessions is what abuse monitoring looks for.
            attempt.flagged = [
                (other.session_id, earlier.attempt_id, earlier.session_image_id)
                for other in self._sessions.values()
                if other is not record
                for earlier in other.attempts
                if earlier.face.identity == face.identity
            ]
        record.attempts.append(attempt)
        return attempt

    def _reference(self, image: bytes) -> VerifyReference:
        faces = readable_image(image).faces
        if not faces:
            raise ServiceError(400, "InvalidImage", "No face detected in the verify image.")
        if len(faces) > 1:
            raise ServiceError(
                400, "InvalidImage", "There is more than 1 face in the verify image."
            )
        (face,) = faces
        quality = attributes(face, ["qualityForRecognition"], "detection_03", "recognition_04")
        return VerifyReference(
            face=face,
            vector=feature_vector(face.identity, face.variant),
            quality=str(quality["qualityForRecognition"]),
            image_hash=hashlib.sha256(image).hexdigest().upper(),
        )


def _token() -> str:
    """A bearer token for the device: opaque, like the service's JWTs."""
    return "eyJ" + secrets.token_urlsafe(32)


def _image_id() -> str:
    """A session image id in the service's style (URL-safe base64, no padding)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(33)).decode().rstrip("=")
