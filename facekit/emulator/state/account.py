"""The Account façade: one Face resource's state by family, its clock and its reset.

It also holds the recognition operations that read more than one family (detected faces and
containers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..checks import check_id_list, check_int, check_unit
from ..errors import ServiceError, bad
from ..recognition import (
    VERIFY_THRESHOLD,
    Grouping,
    Identification,
    SimilarFace,
    Vector,
    Verdict,
    cluster,
    rank_faces,
    rank_persons,
    similarity,
    verdict,
)
from ..settings import EmulatorSettings, Kind
from .containers import Containers
from .detection import DetectedFaces
from .liveness import LivenessSessions
from .operations import Operations
from .person_directory import PersonDirectory
from .snapshots import DEFAULT_SNAPSHOT_STORE, Snapshots, SnapshotStore

__all__ = ["Account"]


class Account:
    """One Face resource's data and the rules that guard it.

    Its families: `containers` (groups and lists, their persons, faces and trainings),
    `detected` (face ids from detect), `snapshots` (in the store shared between accounts),
    `directory` (the PersonDirectory), `operations` and `liveness` (liveness sessions and
    their images). Time comes from `clock`, so trainings and operations advance as it
    moves, evaluated when read (no background tasks).
    """

    def __init__(
        self,
        settings: EmulatorSettings,
        *,
        clock: Callable[[], float],
        snapshots: SnapshotStore | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.snapshot_store = snapshots if snapshots is not None else DEFAULT_SNAPSHOT_STORE
        self.reset()

    def reset(self) -> None:
        """Forget all data of this account (snapshots in the shared store stay)."""
        self.operations = Operations(self.settings)
        self.containers = Containers(self.settings, self.clock, self.operations)
        self.detected = DetectedFaces(self.settings, self.clock)
        self.snapshots = Snapshots(
            self.settings, self.clock, self.snapshot_store, self.containers, self.operations
        )
        self.directory = PersonDirectory(self.settings, self.clock, self.operations)
        self.liveness = LivenessSessions(self.settings, self.clock)

    def now(self) -> float:
        """The account's time, in seconds since the epoch."""
        return self.clock()

    def advance(self) -> None:
        """Apply what time has completed: finished trainings, due operations, expiries."""
        now = self.now()
        self.containers.advance(now)
        # Before `operations`: the directory completes its own in the order they end.
        self.directory.advance(now)
        self.operations.advance(now)
        self.detected.advance(now)
        self.snapshots.advance(now)

    # -- recognition over detected faces and containers -----------------------------------

    def identify(
        self,
        face_ids: Any,
        person_group_id: Any,
        large_person_group_id: Any,
        max_candidates: Any,
        threshold: Any,
        *,
        default_candidates: int,
    ) -> list[Identification]:
        """The persons of a trained group most like each face."""
        ids = check_id_list(face_ids, "faceIds", 1, 10)
        if person_group_id is not None and large_person_group_id is not None:
            raise ServiceError(
                400,
                "PersonGroupIdAndLargePersonGroupIdBothNotNull",
                "Large person group ID and person group ID are both not null.",
            )
        if person_group_id is None and large_person_group_id is None:
            raise ServiceError(
                400,
                "PersonGroupIdAndLargePersonGroupIdBothNull",
                "Large person group ID and person group ID are both null.",
            )
        top = check_int(max_candidates, "maxNumOfCandidatesReturned", 1, 100, default_candidates)
        floor = check_unit(threshold, "confidenceThreshold", VERIFY_THRESHOLD)
        kind = Kind.PERSON_GROUP if person_group_id is not None else Kind.LARGE_PERSON_GROUP
        group = self.containers.find(
            kind, person_group_id or large_person_group_id, referenced=True
        )
        queries = [self.detected.find(fid) for fid in ids]
        for query in queries:
            if query.recognition_model != group.recognition_model:
                raise bad("'recognitionModel' is incompatible.")
        trained = self.containers.trained_state(group)
        return [
            Identification(face_id, rank_persons(query.vector, trained.persons, floor, top))
            for face_id, query in zip(ids, queries, strict=True)
        ]

    def verify_faces(self, face_id1: Any, face_id2: Any) -> Verdict:
        """Whether two detected faces show the same person."""
        first = self.detected.find(face_id1, status=404)
        second = self.detected.find(face_id2, status=404)
        if first.recognition_model != second.recognition_model:
            raise bad("'recognitionModel' is incompatible.")
        return verdict(similarity(first.vector, second.vector))

    def verify_person(
        self, face_id: Any, person_id: Any, person_group_id: Any, large_person_group_id: Any
    ) -> Verdict:
        """Whether a detected face shows a person of a group (by the person's closest face)."""
        query = self.detected.find(face_id, status=404)
        if (person_group_id is None) == (large_person_group_id is None):
            raise bad("Exactly one of personGroupId and largePersonGroupId must be given.")
        kind = Kind.PERSON_GROUP if person_group_id is not None else Kind.LARGE_PERSON_GROUP
        group = self.containers.find(
            kind, person_group_id or large_person_group_id, referenced=True
        )
        if query.recognition_model != group.recognition_model:
            raise bad("'recognitionModel' is incompatible.")
        person = self.containers.person(
            group, person_id if isinstance(person_id, str) else "", status=400
        )
        if not person.faces:
            raise ServiceError(
                404, "PersistedFaceNotFound", "No persisted face of the person is found."
            )
        return verdict(max(similarity(query.vector, f.vector) for f in person.faces.values()))

    def find_similar(
        self,
        face_id: Any,
        face_ids: Any,
        face_list_id: Any,
        large_face_list_id: Any,
        max_candidates: Any,
        mode: Any,
    ) -> tuple[SimilarFace, ...]:
        """The faces most like a detected face, among face ids, a face list or a large one."""
        query = self.detected.find(face_id)
        given = [x for x in (face_ids, face_list_id, large_face_list_id) if x is not None]
        if len(given) != 1:
            raise bad("LargeFaceListId, faceListId and faceIds, not exactly one of them is valid.")
        top = check_int(max_candidates, "maxNumOfCandidatesReturned", 1, 1000, 20)
        match_mode = "matchPerson" if mode is None else mode
        if match_mode not in ("matchPerson", "matchFace"):
            raise bad("Mode is invalid.")
        candidates: list[tuple[str, bool, Vector]]
        if face_ids is not None:
            ids = check_id_list(face_ids, "faceIds", 1, 1000)
            candidates = []
            for fid in ids:
                face = self.detected.get(fid)
                if face is not None and face.recognition_model == query.recognition_model:
                    candidates.append((fid, False, face.vector))
        elif face_list_id is not None:
            lst = self.containers.find(Kind.FACE_LIST, face_list_id, referenced=True)
            if lst.recognition_model != query.recognition_model:
                raise bad("'recognitionModel' is incompatible.")
            if not lst.faces:
                raise ServiceError(400, "FaceListNotReady", "Face list is empty.")
            candidates = [(fid, True, f.vector) for fid, f in lst.faces.items()]
        else:
            lst = self.containers.find(Kind.LARGE_FACE_LIST, large_face_list_id, referenced=True)
            if lst.recognition_model != query.recognition_model:
                raise bad("'recognitionModel' is incompatible.")
            trained = self.containers.trained_state(lst)
            candidates = [(fid, True, v) for fid, v in trained.faces.items()]
        return rank_faces(
            query.vector, candidates, match_person=match_mode == "matchPerson", top=top
        )

    def group(self, face_ids: Any) -> Grouping:
        """Detected faces grouped by person."""
        ids = check_id_list(face_ids, "faceIds", 2, 1000)
        faces = [self.detected.find(fid) for fid in ids]
        return cluster(ids, [face.vector for face in faces])

    # -- recognition over detected faces and the PersonDirectory ----------------------------

    def identify_in_directory(
        self,
        face_ids: Any,
        dynamic_person_group_id: Any,
        person_ids: Any,
        other_targets: bool,
        max_candidates: Any,
        threshold: Any,
        *,
        default_candidates: int,
    ) -> list[Identification]:
        """The directory persons (of a dynamic group, some, or all) most like each face.

        Only persons whose creation succeeded and faces whose add succeeded, of the query
        face's recognition model, take part; no training is needed.
        """
        ids = check_id_list(face_ids, "faceIds", 1, 10)
        if other_targets or (dynamic_person_group_id is not None and person_ids is not None):
            raise ServiceError(
                400,
                "IncompatibleIdentificationScopeParametersCombination",
                "Give exactly one of personGroupId, largePersonGroupId, dynamicPersonGroupId "
                "and personIds.",
            )
        top = check_int(max_candidates, "maxNumOfCandidatesReturned", 1, 100, default_candidates)
        floor = check_unit(threshold, "confidenceThreshold", VERIFY_THRESHOLD)
        persons = self.directory.candidates(dynamic_person_group_id, person_ids)
        queries = [self.detected.find(fid) for fid in ids]
        return [
            Identification(
                face_id,
                self.directory.rank(query.vector, query.recognition_model, persons, floor, top),
            )
            for face_id, query in zip(ids, queries, strict=True)
        ]

    def verify_directory_person(self, face_id: Any, person_id: Any) -> Verdict:
        """Whether a detected face shows a directory person (by its closest face in use)."""
        query = self.detected.find(face_id, status=404)
        return verdict(
            self.directory.similarity_to(query.vector, query.recognition_model, person_id)
        )
