"""facekit without an event loop: `from facekit.sync import FaceClient`.

The blocking twin of `facekit.FaceClient` for scripts, Flask and Django views, Celery tasks
and threads: the same methods, parameters, results and errors, without `await`. Lists are
`Pager`s (`for item in pager`), long-running operations blocking pollers
(`poller.result()`). Each client runs the async client on an event loop thread of its own.
"""

from ._client import FaceClient
from ._generated import (
    FaceLists,
    FaceOperations,
    LargeFaceLists,
    LargePersonGroupPersons,
    LargePersonGroups,
    Liveness,
    PersonDirectory,
    PersonGroupPersons,
    PersonGroups,
    Snapshots,
)
from ._wrappers import (
    DirectoryOperationPoller,
    FaceAdditionPoller,
    OperationPoller,
    Pager,
    PersonCreationPoller,
    Poller,
    TrainingPoller,
)

__all__ = [
    "DirectoryOperationPoller",
    "FaceAdditionPoller",
    "FaceClient",
    "FaceLists",
    "FaceOperations",
    "LargeFaceLists",
    "LargePersonGroupPersons",
    "LargePersonGroups",
    "Liveness",
    "OperationPoller",
    "Pager",
    "PersonCreationPoller",
    "PersonDirectory",
    "PersonGroupPersons",
    "PersonGroups",
    "Poller",
    "Snapshots",
    "TrainingPoller",
]
