"""Recognition: feature vectors, their similarity, and the scoring of matches.

Identify, verify, find-similar and group are scored here, as pure functions over vectors;
which faces and persons take part, and the errors when they cannot, are the state's
business (`state.account`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .images.traits import seeded

__all__ = [
    "FEATURE_DIMENSION",
    "MATCH_PERSON_THRESHOLD",
    "VERIFY_THRESHOLD",
    "Candidate",
    "Grouping",
    "Identification",
    "SimilarFace",
    "Vector",
    "Verdict",
    "cluster",
    "feature_vector",
    "rank_faces",
    "rank_persons",
    "similarity",
    "verdict",
]

#: Length of the vectors `feature_vector` returns.
FEATURE_DIMENSION = 128
#: verify's isIdentical, identify's default confidenceThreshold and group's bond.
VERIFY_THRESHOLD = 0.5
#: find-similar's matchPerson mode keeps faces at least this similar.
MATCH_PERSON_THRESHOLD = 0.5

Vector = tuple[float, ...]


@dataclass(frozen=True)
class Candidate:
    """A person identify proposes for a face."""

    person_id: str
    confidence: float


@dataclass(frozen=True)
class Identification:
    """Identify's answer for one face: its candidates, most likely first."""

    face_id: str
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class Verdict:
    """Verify's answer: whether two faces (or a face and a person) are the same person."""

    is_identical: bool
    confidence: float


@dataclass(frozen=True)
class SimilarFace:
    """A face find-similar found: a detected face id, or a persisted face id of a list."""

    face_id: str
    persisted: bool
    confidence: float


@dataclass(frozen=True)
class Grouping:
    """Group's answer: groups of the same person (largest first) and the faces left alone."""

    groups: tuple[tuple[str, ...], ...]
    messy: tuple[str, ...]


def _unit(vector: Sequence[float]) -> tuple[float, ...]:
    norm = math.sqrt(math.fsum(x * x for x in vector))
    return tuple(x / norm for x in vector)


@lru_cache(maxsize=1024)
def _base_vector(identity: str) -> tuple[float, ...]:
    r = seeded("features", identity)
    return _unit([r.gauss(0.0, 1.0) for _ in range(FEATURE_DIMENSION)])


@lru_cache(maxsize=4096)
def feature_vector(identity: str, variant: int) -> tuple[float, ...]:
    """A deterministic unit vector (128 floats) for a face of `identity` in picture `variant`.

    It is the identity's random direction plus a per-variant perturbation whose length is
    0.15..0.45 of it (variant 0 included), renormalised.
    """
    base = _base_vector(identity)
    r = seeded("features", identity, variant)
    jitter = _unit([r.gauss(0.0, 1.0) for _ in range(FEATURE_DIMENSION)])
    weight = r.uniform(0.15, 0.45)
    return _unit([b + weight * j for b, j in zip(base, jitter, strict=True)])


def similarity(a: Sequence[float], b: Sequence[float]) -> float:
    """Confidence in [0, 1] that two feature vectors show the same person.

    It is ``((1 + cos) / 2) ** 3`` of their cosine similarity: 1.0 for identical vectors,
    0.125 for orthogonal ones. For `feature_vector` outputs, two pictures of the same
    identity score above 0.6 (typically 0.75..0.97; the lowest of 42,000 pairs was 0.71),
    pictures of different identities below 0.35 (typically 0.05..0.25; the highest of
    20,000 pairs was 0.30). The emulator answers verify's
    ``isIdentical`` as confidence >= 0.5 and uses 0.5 as identify's default
    ``confidenceThreshold``, so both margins are wide.
    """
    if len(a) != len(b) or not a:
        raise ValueError("feature vectors must be non-empty and of equal length")
    dot: float = sum(map(operator.mul, a, b))
    squares: float = sum(map(operator.mul, a, a)) * sum(map(operator.mul, b, b))
    norms = math.sqrt(squares)
    if norms == 0.0:
        return 0.0
    cosine = max(-1.0, min(1.0, dot / norms))
    return ((1.0 + cosine) / 2.0) ** 3


def rank_persons(
    query: Vector, persons: Mapping[str, Sequence[Vector]], floor: float, top: int
) -> tuple[Candidate, ...]:
    """Persons scored by their most similar face, at least `floor`, the best `top` first."""
    scored = [
        (max(similarity(query, vector) for vector in vectors), person_id)
        for person_id, vectors in persons.items()
        if vectors
    ]
    best = sorted((s for s in scored if s[0] >= floor), reverse=True)[:top]
    return tuple(Candidate(person_id, score) for score, person_id in best)


def rank_faces(
    query: Vector,
    candidates: Iterable[tuple[str, bool, Vector]],
    *,
    match_person: bool,
    top: int,
) -> tuple[SimilarFace, ...]:
    """Faces (id, persisted, vector) by similarity, the best `top` first.

    In matchPerson mode only faces likely to show the same person are kept; matchFace keeps
    every face. Equal scores keep the candidates' order.
    """
    scored = [
        SimilarFace(face_id, persisted, similarity(query, vector))
        for face_id, persisted, vector in candidates
    ]
    if match_person:
        scored = [s for s in scored if s.confidence >= MATCH_PERSON_THRESHOLD]
    scored.sort(key=lambda s: s.confidence, reverse=True)
    return tuple(scored[:top])


def verdict(confidence: float) -> Verdict:
    """Verify's answer for a similarity."""
    return Verdict(confidence >= VERIFY_THRESHOLD, confidence)


def cluster(face_ids: Sequence[str], vectors: Sequence[Vector]) -> Grouping:
    """Group faces: any two at least VERIFY_THRESHOLD similar end up in one group."""
    parent = list(range(len(face_ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(vectors)):
        for j in range(i + 1, len(vectors)):
            if similarity(vectors[i], vectors[j]) >= VERIFY_THRESHOLD:
                parent[root(i)] = root(j)
    clusters: dict[int, list[str]] = {}
    for i, face_id in enumerate(face_ids):
        clusters.setdefault(root(i), []).append(face_id)
    groups = sorted((c for c in clusters.values() if len(c) > 1), key=len, reverse=True)
    messy = tuple(c[0] for c in clusters.values() if len(c) == 1)
    return Grouping(tuple(tuple(g) for g in groups), messy)
