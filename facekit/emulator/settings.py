"""What every part of the emulator shares: its settings and the four kinds of container."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field

from .errors import bad

__all__ = ["EmulatorSettings", "Kind"]


class Kind(enum.Enum):
    """The four kinds of container, by their REST collection name."""

    PERSON_GROUP = "persongroups"
    LARGE_PERSON_GROUP = "largepersongroups"
    FACE_LIST = "facelists"
    LARGE_FACE_LIST = "largefacelists"

    @property
    def label(self) -> str:
        """The prefix of its error codes and its snapshot type ("LargePersonGroup")."""
        return _LABELS[self]

    @property
    def words(self) -> str:
        """Its name in the service's messages ("Large person group")."""
        return _WORDS[self]

    @property
    def has_persons(self) -> bool:
        """Whether it holds persons (groups) rather than faces (lists)."""
        return self in (Kind.PERSON_GROUP, Kind.LARGE_PERSON_GROUP)

    @property
    def trainable(self) -> bool:
        """Whether it is trained before identify / find-similar use it (all but FaceList)."""
        return self is not Kind.FACE_LIST

    @classmethod
    def from_label(cls, label: str) -> Kind:
        """The kind a snapshot type names, or the service's 400 for an unknown one."""
        for kind in cls:
            if kind.label == label:
                return kind
        raise bad(f"Invalid snapshot type '{label}'.")


_LABELS = {
    Kind.PERSON_GROUP: "PersonGroup",
    Kind.LARGE_PERSON_GROUP: "LargePersonGroup",
    Kind.FACE_LIST: "FaceList",
    Kind.LARGE_FACE_LIST: "LargeFaceList",
}
_WORDS = {
    Kind.PERSON_GROUP: "Person group",
    Kind.LARGE_PERSON_GROUP: "Large person group",
    Kind.FACE_LIST: "Face list",
    Kind.LARGE_FACE_LIST: "Large face list",
}


@dataclass
class EmulatorSettings:
    """Knobs of the emulated service. Times are in seconds."""

    #: Requests per second before 429 (None: unlimited).
    rate_limit: float | None = None
    #: A training waits this long in "notstarted" before it runs.
    training_queue_seconds: float = 0.2
    #: A training runs for base + per-face time, so bigger groups take longer.
    training_base_seconds: float = 0.5
    training_seconds_per_face: float = 0.002
    #: Snapshot take/apply run for base + per-face time.
    snapshot_base_seconds: float = 0.5
    snapshot_seconds_per_face: float = 0.001
    #: A PersonDirectory operation (create, add face, delete, group change) runs this long,
    #: after the earlier operations of the same person or dynamic person group.
    directory_operation_seconds: float = 0.3
    #: Time a write to one person or list keeps it busy; a concurrent write gets 409.
    write_seconds: float = 0.0
    #: Persons per person group (S0 tier).
    max_persons_per_group: int = 10_000
    #: Retired attributes (age, gender, emotion, ...): "serve" values or "refuse" with 403.
    retired_attributes: str = "serve"
    #: Whether the resource has Limited Access approval for face ids, identify, verify,
    #: find similar and group; without it they answer 403 UnsupportedFeature ...
    limited_access_approved: bool = True
    #: ... unless the request's LimitedAccessToken header is one of these (an ISV's).
    limited_access_tokens: tuple[str, ...] = ()
    #: Subscription id of this account, for snapshot apply scopes.
    subscription_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    #: Account reported in snapshots: an Azure resource id in `subscription_id`, as the
    #: service writes it ("" at construction: derived from the subscription id).
    account_id: str = ""

    def __post_init__(self) -> None:
        """Derive the account id from the subscription id unless one was given."""
        if not self.account_id:
            self.account_id = (
                f"/subscriptions/{self.subscription_id}/resourceGroups/facekit-emulator/"
                f"providers/Microsoft.CognitiveServices/accounts/face-{uuid.uuid4().hex[:8]}"
            )
