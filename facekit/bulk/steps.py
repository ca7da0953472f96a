"""The steps around an enrollment: the group or list must exist, and may be trained after."""

from __future__ import annotations

import asyncio

from ..errors import ConflictError, FaceError, NotFoundError
from ..errors import TrainingFailedError as _TrainingFailed
from ..models import TrainingStatus
from ..resources import FaceLists, LargeFaceLists, LargePersonGroups, PersonGroups
from . import settle as _settle
from .settle import SettlePolicy

__all__ = ["ensure_container", "train_target"]


async def ensure_container(
    resource: PersonGroups | LargePersonGroups | FaceLists | LargeFaceLists,
    container_id: str,
    *,
    create: bool,
    name: str | None,
    recognition_model: str | None,
    policy: SettlePolicy,
) -> None:
    """Make sure the group or list exists, creating it once if asked to."""
    for attempt in range(1, policy.max_unknown + 1):
        try:
            await resource.get(container_id)
            return
        except NotFoundError:
            if not create:
                raise
        try:
            await resource.create(
                container_id, name=name or container_id, recognition_model=recognition_model
            )
            return
        except ConflictError as error:
            # Created meanwhile, or by an earlier attempt whose answer was lost.
            if (error.code or "").endswith("Exists"):
                return
            raise
        except FaceError as error:
            if _settle.classify(error) is not _settle.Outcome.UNKNOWN:
                raise
            # The create may have landed: the next round looks before creating again.
            await asyncio.sleep(_settle.backoff(attempt, policy))
    raise FaceError(f"could not create {container_id}: the service kept answering unclearly")


async def train_target(
    resource: PersonGroups | LargePersonGroups | LargeFaceLists, container_id: str
) -> tuple[TrainingStatus | None, str | None]:
    """(final status, None), or (None, why) when the training could not run or be followed.

    A failed training is part of the report, not a crash of the enrollment.
    """
    try:
        poller = await resource.begin_train(container_id)
        status: TrainingStatus = await poller
    except _TrainingFailed as failure:
        if isinstance(failure.status, TrainingStatus):
            return failure.status, None
        return None, str(failure)
    except FaceError as error:
        return None, str(error)
    return status, None
