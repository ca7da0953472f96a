"""One module per REST resource; each method is a few lines over the session."""

from .face import FaceOperations
from .face_lists import FaceLists
from .large_face_lists import LargeFaceLists
from .large_person_groups import LargePersonGroupPersons, LargePersonGroups
from .liveness import Liveness
from .person_directory import PersonDirectory
from .person_groups import PersonGroupPersons, PersonGroups
from .snapshots import Snapshots

__all__ = [
    "FaceLists",
    "FaceOperations",
    "LargeFaceLists",
    "LargePersonGroupPersons",
    "LargePersonGroups",
    "Liveness",
    "PersonDirectory",
    "PersonGroupPersons",
    "PersonGroups",
    "Snapshots",
]
