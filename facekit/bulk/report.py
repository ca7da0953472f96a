"""What an enrollment run did: progress while it runs, and the report at the end."""

from __future__ import annotations

from collections import Counter
from typing import Literal

import attrs

from ..errors import FaceError
from ..models import TrainingStatus

__all__ = ["EnrollmentProgress", "EnrollmentReport", "FailureKind", "ImageFailure"]

#: "permanent": the service refused the image for good (bad image, quota); a later run
#: skips it unless failures are retried. "pending": failed transiently (throttling, 5xx,
#: unreachable) after the run's retries; the next run tries it again by itself.
#: "unsettled": the outcome of its add is still unknown; the next run looks first.
FailureKind = Literal["permanent", "pending", "unsettled"]


@attrs.frozen(kw_only=True)
class ImageFailure:
    """An image that is not enrolled after this run, why, and what a rerun will do."""

    person: str | None
    image: str
    code: str | None
    reason: str
    kind: FailureKind


@attrs.frozen(kw_only=True)
class EnrollmentProgress:
    """Counts so far, passed to the `progress` callback after each image and person."""

    persons_total: int
    persons_done: int
    images_total: int
    #: Images on the service: added, found there, or settled.
    images_done: int
    #: Images that ended this run without being enrolled (failed, pending, unsettled).
    images_failed: int

    @property
    def fraction(self) -> float:
        """Share of the images whose outcome in this run is final."""
        if not self.images_total:
            return 1.0
        return (self.images_done + self.images_failed) / self.images_total


@attrs.frozen(kw_only=True)
class EnrollmentReport:
    """What an enrollment run did; every count is of images or persons of the input.

    `faces_added + faces_found + faces_settled + len(failures) == images_total` and
    `persons_created + persons_found + persons_failed == persons_total` always hold.
    """

    persons_total: int
    #: Persons this run created (including creates settled after an unclear answer).
    persons_created: int
    #: Persons already on the service (an earlier run, another machine) found by their tag.
    persons_found: int
    #: Persons that could not be created or looked up; their images are in `failures`.
    persons_failed: int
    images_total: int
    #: Faces this run added, with the service's answer.
    faces_added: int
    #: Faces already on the service before this run sent them (found by their tag).
    faces_found: int
    #: Adds whose answer was lost (timeout, reset, 5xx) and that were found on the service.
    faces_settled: int
    #: Extra copies (same tag twice) that this run removed from the service.
    duplicates_removed: int
    failures: list[ImageFailure]
    training: TrainingStatus | None
    elapsed: float
    #: The journal file used, if any.
    journal: str | None = None
    #: Why the training asked for could not run or be followed (the group vanished, ...).
    training_error: str | None = None
    #: PersonDirectory: persons this run made members of the dynamic person group.
    group_members_added: int = 0
    #: Why the dynamic person group could not be made or given its persons.
    group_error: str | None = None

    @property
    def faces_enrolled(self) -> int:
        """Images whose face is on the service after this run."""
        return self.faces_added + self.faces_found + self.faces_settled

    @property
    def faces_failed(self) -> int:
        """Images refused for good (bad image, quota)."""
        return sum(1 for f in self.failures if f.kind == "permanent")

    @property
    def faces_pending(self) -> int:
        """Images that failed transiently; the next run tries them again."""
        return sum(1 for f in self.failures if f.kind == "pending")

    @property
    def faces_unsettled(self) -> int:
        """Images whose add has an unknown outcome; the next run looks before resending."""
        return sum(1 for f in self.failures if f.kind == "unsettled")

    @property
    def failures_by_reason(self) -> dict[str, int]:
        """How many images failed with each code (the service's error code, or facekit's)."""
        return dict(Counter(f.code or "unknown" for f in self.failures))

    @property
    def ok(self) -> bool:
        """Every image is enrolled and the training (if asked for) succeeded."""
        return (
            not self.failures
            and self.training_error is None
            and self.group_error is None
            and (self.training is None or str(self.training.status) == "succeeded")
        )


@attrs.define
class Tally:
    """Running counts of a run, kept by the engine; `report()` freezes them."""

    persons_total: int = 0
    persons_done: int = 0
    persons_created: int = 0
    persons_found: int = 0
    persons_failed: int = 0
    images_total: int = 0
    added: int = 0
    found: int = 0
    settled: int = 0
    duplicates_removed: int = 0
    failures: list[ImageFailure] = attrs.field(factory=list)
    group_members_added: int = 0
    group_error: str | None = None

    def progress(self) -> EnrollmentProgress:
        """The counts so far, for a progress callback."""
        return EnrollmentProgress(
            persons_total=self.persons_total,
            persons_done=self.persons_done,
            images_total=self.images_total,
            images_done=self.added + self.found + self.settled,
            images_failed=len(self.failures),
        )

    def report(
        self,
        training: TrainingStatus | None,
        elapsed: float,
        journal: str | None,
        training_error: str | None = None,
    ) -> EnrollmentReport:
        """The final report; a FaceError if the images do not add up (a facekit bug)."""
        enrolled = self.added + self.found + self.settled
        if enrolled + len(self.failures) != self.images_total:
            # Every image ends in exactly one bucket; anything else is a facekit bug.
            raise FaceError(
                f"enrollment counts do not add up: {enrolled} enrolled + "
                f"{len(self.failures)} not enrolled != {self.images_total} images"
            )
        return EnrollmentReport(
            persons_total=self.persons_total,
            persons_created=self.persons_created,
            persons_found=self.persons_found,
            persons_failed=self.persons_failed,
            images_total=self.images_total,
            faces_added=self.added,
            faces_found=self.found,
            faces_settled=self.settled,
            duplicates_removed=self.duplicates_removed,
            failures=list(self.failures),
            training=training,
            elapsed=elapsed,
            journal=journal,
            training_error=training_error,
            group_members_added=self.group_members_added,
            group_error=self.group_error,
        )
