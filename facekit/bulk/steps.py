"""The steps around an enrollment: what must exist first, and a training or a group after.

A group or list must exist; after the run it may be trained. In the PersonDirectory, a
dynamic person group may be made to reference the persons enrolled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ..errors import ConflictError, FaceError, NotFoundError
from ..errors import TrainingFailedError as _TrainingFailed
from ..models import TrainingStatus
from ..models.enums import RecognitionModel
from ..models.names import RecognitionModelName
from ..polling import PollingPolicy
from ..resources import FaceLists, LargeFaceLists, LargePersonGroups, PersonDirectory, PersonGroups
from . import settle as _settle
from .settle import SettlePolicy

__all__ = ["ensure_container", "ensure_members", "train_target"]

#: Persons added to a dynamic person group by one update (the spec sets no limit).
MEMBERS_PER_UPDATE = 1000


async def ensure_container(
    resource: PersonGroups | LargePersonGroups | FaceLists | LargeFaceLists,
    container_id: str,
    *,
    create: bool,
    name: str | None,
    recognition_model: RecognitionModelName | RecognitionModel | None,
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


async def ensure_members(
    directory: PersonDirectory,
    group_id: str,
    person_ids: Sequence[str],
    *,
    create: bool,
    name: str | None,
    policy: SettlePolicy,
    polling: PollingPolicy | None = None,
) -> int:
    """Make the dynamic person group exist and reference every person; the count added.

    The group's persons are read first and only the missing ones are added, so a rerun
    sends no update at all. Adding a person twice changes nothing, so an update whose
    answer was lost may be sent again.
    """
    for attempt in range(1, policy.max_unknown + 1):
        try:
            await directory.get_dynamic_person_group(group_id)
            break
        except NotFoundError:
            if not create:
                raise
        try:
            await directory.create_dynamic_person_group(
                group_id, name=name or group_id, polling=polling
            )
            break
        except ConflictError as error:
            if (error.code or "").endswith("Exists"):
                break
            raise
        except FaceError as error:
            if _settle.classify(error) is not _settle.Outcome.UNKNOWN:
                raise
            await asyncio.sleep(_settle.backoff(attempt, policy))
    else:
        raise FaceError(f"could not create {group_id}: the service kept answering unclearly")
    present = {pid.lower() async for pid in directory.list_dynamic_person_group_persons(group_id)}
    missing = [pid for pid in dict.fromkeys(person_ids) if pid.lower() not in present]
    for start in range(0, len(missing), MEMBERS_PER_UPDATE):
        chunk = missing[start : start + MEMBERS_PER_UPDATE]
        updating = await directory.begin_update_dynamic_person_group(
            group_id, add_person_ids=chunk, polling=polling
        )
        await updating
    return len(missing)
