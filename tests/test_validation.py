"""Documented limits are checked on the client: a bad argument raises FaceValidationError
naming the parameter, and nothing is sent.

The `fake` transport has no routes in the refusal tests, so any request that slipped through
would be recorded in `fake.requests` (and fail the test: the fake has no reply for it).
"""

from __future__ import annotations

import contextlib
import inspect
import io
import math
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yarl

from facekit import AsyncPager, FaceClient, FaceValidationError, KeyCredential
from facekit.models import FaceAttributeName, FaceRectangle

from .conftest import BASE, KEY, image_bytes
from .fake_transport import FakeTransport, Sent

GROUP = "family"
LIST = "faces"
PERSON = "25985303-c537-4467-b41d-bdb45cd95ca1"
FACE = "c5c24a82-6845-4031-9d5d-978df9175426"
PERSISTED = "015839fb-fbd9-4f79-ace9-7675fc2f1dd9"
SNAPSHOT = "e58b3f08-1e8b-4165-81df-aa9858f233dc"
SCOPE = "b6b77c8e-0df4-4bd9-9c3f-6f0b0ce9c7b4"
IMAGE = image_bytes()

Action = Callable[[FaceClient], Any]


def face_ids(count: int) -> list[str]:
    return [str(uuid.UUID(int=i + 1)) for i in range(count)]


async def run(action: Action, client: FaceClient) -> Any:
    """Call an operation; await it, or fetch one page when it returns a pager."""
    result = action(client)
    if isinstance(result, AsyncPager):
        result = result.page()
    if inspect.isawaitable(result):
        result = await result
    return result


def sent(fake: FakeTransport) -> list[tuple[str, yarl.URL, Sent]]:
    """Every recorded request as (method, url, request), in order."""
    return [(request.method, request.url, request) for request in fake.requests]


# -- the table ---------------------------------------------------------------------------
#
# Each row: (description, action on the client, the parameter the error must name).

# Operations that take a group or list id, and the name of that parameter.
CONTAINER_ID_OPERATIONS: list[tuple[str, Callable[[FaceClient, Any], Any], str]] = [
    ("person_groups.create", lambda c, v: c.person_groups.create(v, name="n"), "person_group_id"),
    ("person_groups.get", lambda c, v: c.person_groups.get(v), "person_group_id"),
    (
        "person_groups.update",
        lambda c, v: c.person_groups.update(v, name="n"),
        "person_group_id",
    ),
    ("person_groups.delete", lambda c, v: c.person_groups.delete(v), "person_group_id"),
    ("person_groups.train", lambda c, v: c.person_groups.train(v), "person_group_id"),
    (
        "person_groups.get_training_status",
        lambda c, v: c.person_groups.get_training_status(v),
        "person_group_id",
    ),
    (
        "person_groups.persons.create",
        lambda c, v: c.person_groups.persons.create(v, name="n"),
        "person_group_id",
    ),
    (
        "person_groups.persons.list",
        lambda c, v: c.person_groups.persons.list(v),
        "person_group_id",
    ),
    (
        "person_groups.persons.get",
        lambda c, v: c.person_groups.persons.get(v, PERSON),
        "person_group_id",
    ),
    (
        "person_groups.persons.update",
        lambda c, v: c.person_groups.persons.update(v, PERSON, name="n"),
        "person_group_id",
    ),
    (
        "person_groups.persons.delete",
        lambda c, v: c.person_groups.persons.delete(v, PERSON),
        "person_group_id",
    ),
    (
        "person_groups.persons.add_face",
        lambda c, v: c.person_groups.persons.add_face(v, PERSON, IMAGE),
        "person_group_id",
    ),
    (
        "person_groups.persons.get_face",
        lambda c, v: c.person_groups.persons.get_face(v, PERSON, PERSISTED),
        "person_group_id",
    ),
    (
        "person_groups.persons.update_face",
        lambda c, v: c.person_groups.persons.update_face(v, PERSON, PERSISTED, user_data="u"),
        "person_group_id",
    ),
    (
        "person_groups.persons.delete_face",
        lambda c, v: c.person_groups.persons.delete_face(v, PERSON, PERSISTED),
        "person_group_id",
    ),
    (
        "large_person_groups.create",
        lambda c, v: c.large_person_groups.create(v, name="n"),
        "large_person_group_id",
    ),
    ("large_person_groups.get", lambda c, v: c.large_person_groups.get(v), "large_person_group_id"),
    (
        "large_person_groups.update",
        lambda c, v: c.large_person_groups.update(v, user_data="u"),
        "large_person_group_id",
    ),
    (
        "large_person_groups.delete",
        lambda c, v: c.large_person_groups.delete(v),
        "large_person_group_id",
    ),
    (
        "large_person_groups.train",
        lambda c, v: c.large_person_groups.train(v),
        "large_person_group_id",
    ),
    (
        "large_person_groups.get_training_status",
        lambda c, v: c.large_person_groups.get_training_status(v),
        "large_person_group_id",
    ),
    (
        "large_person_groups.persons.create",
        lambda c, v: c.large_person_groups.persons.create(v, name="n"),
        "large_person_group_id",
    ),
    (
        "large_person_groups.persons.list",
        lambda c, v: c.large_person_groups.persons.list(v),
        "large_person_group_id",
    ),
    (
        "large_person_groups.persons.get",
        lambda c, v: c.large_person_groups.persons.get(v, PERSON),
        "large_person_group_id",
    ),
    (
        "large_person_groups.persons.update",
        lambda c, v: c.large_person_groups.persons.update(v, PERSON, user_data="u"),
        "large_person_group_id",
    ),
    (
        "large_person_groups.persons.delete",
        lambda c, v: c.large_person_groups.persons.delete(v, PERSON),
        "large_person_group_id",
    ),
    (
        "large_person_groups.persons.add_face",
        lambda c, v: c.large_person_groups.persons.add_face(v, PERSON, IMAGE),
        "large_person_group_id",
    ),
    (
        "large_person_groups.persons.get_face",
        lambda c, v: c.large_person_groups.persons.get_face(v, PERSON, PERSISTED),
        "large_person_group_id",
    ),
    (
        "large_person_groups.persons.update_face",
        lambda c, v: c.large_person_groups.persons.update_face(v, PERSON, PERSISTED, user_data="u"),
        "large_person_group_id",
    ),
    (
        "large_person_groups.persons.delete_face",
        lambda c, v: c.large_person_groups.persons.delete_face(v, PERSON, PERSISTED),
        "large_person_group_id",
    ),
    ("face_lists.create", lambda c, v: c.face_lists.create(v, name="n"), "face_list_id"),
    ("face_lists.get", lambda c, v: c.face_lists.get(v), "face_list_id"),
    ("face_lists.update", lambda c, v: c.face_lists.update(v, name="n"), "face_list_id"),
    ("face_lists.delete", lambda c, v: c.face_lists.delete(v), "face_list_id"),
    ("face_lists.add_face", lambda c, v: c.face_lists.add_face(v, IMAGE), "face_list_id"),
    (
        "face_lists.delete_face",
        lambda c, v: c.face_lists.delete_face(v, PERSISTED),
        "face_list_id",
    ),
    (
        "large_face_lists.create",
        lambda c, v: c.large_face_lists.create(v, name="n"),
        "large_face_list_id",
    ),
    ("large_face_lists.get", lambda c, v: c.large_face_lists.get(v), "large_face_list_id"),
    (
        "large_face_lists.update",
        lambda c, v: c.large_face_lists.update(v, name="n"),
        "large_face_list_id",
    ),
    ("large_face_lists.delete", lambda c, v: c.large_face_lists.delete(v), "large_face_list_id"),
    ("large_face_lists.train", lambda c, v: c.large_face_lists.train(v), "large_face_list_id"),
    (
        "large_face_lists.get_training_status",
        lambda c, v: c.large_face_lists.get_training_status(v),
        "large_face_list_id",
    ),
    (
        "large_face_lists.add_face",
        lambda c, v: c.large_face_lists.add_face(v, IMAGE),
        "large_face_list_id",
    ),
    (
        "large_face_lists.list_faces",
        lambda c, v: c.large_face_lists.list_faces(v),
        "large_face_list_id",
    ),
    (
        "large_face_lists.get_face",
        lambda c, v: c.large_face_lists.get_face(v, PERSISTED),
        "large_face_list_id",
    ),
    (
        "large_face_lists.update_face",
        lambda c, v: c.large_face_lists.update_face(v, PERSISTED, user_data="u"),
        "large_face_list_id",
    ),
    (
        "large_face_lists.delete_face",
        lambda c, v: c.large_face_lists.delete_face(v, PERSISTED),
        "large_face_list_id",
    ),
    (
        "snapshots.take object_id",
        lambda c, v: c.snapshots.take("PersonGroup", v, [SCOPE]),
        "object_id",
    ),
    (
        "snapshots.apply object_id",
        lambda c, v: c.snapshots.apply(SNAPSHOT, v),
        "object_id",
    ),
    (
        "identify person_group_id",
        lambda c, v: c.identify([FACE], person_group_id=v),
        "person_group_id",
    ),
    (
        "identify large_person_group_id",
        lambda c, v: c.identify([FACE], large_person_group_id=v),
        "large_person_group_id",
    ),
    (
        "verify_face_to_person person_group_id",
        lambda c, v: c.verify_face_to_person(FACE, PERSON, person_group_id=v),
        "person_group_id",
    ),
    (
        "verify_face_to_person large_person_group_id",
        lambda c, v: c.verify_face_to_person(FACE, PERSON, large_person_group_id=v),
        "large_person_group_id",
    ),
    (
        "find_similar face_list_id",
        lambda c, v: c.find_similar(FACE, face_list_id=v),
        "face_list_id",
    ),
    (
        "find_similar large_face_list_id",
        lambda c, v: c.find_similar(FACE, large_face_list_id=v),
        "large_face_list_id",
    ),
]

# Ids outside ^[a-z0-9-_]{1,64}$.
BAD_CONTAINER_IDS = [
    ("upper-case", "Family"),
    ("space", "my family"),
    ("slash", "a/b"),
    ("dot-dot", ".."),
    ("percent-encoded slash", "a%2Fb"),
    ("empty", ""),
    ("65 characters", "a" * 65),
    ("not a string", 42),
]

# Operations that take a UUID, and the name of that parameter.
UUID_OPERATIONS: list[tuple[str, Callable[[FaceClient, Any], Any], str]] = [
    (
        "person_groups.persons.get",
        lambda c, v: c.person_groups.persons.get(GROUP, v),
        "person_id",
    ),
    (
        "person_groups.persons.update",
        lambda c, v: c.person_groups.persons.update(GROUP, v, name="n"),
        "person_id",
    ),
    (
        "person_groups.persons.delete",
        lambda c, v: c.person_groups.persons.delete(GROUP, v),
        "person_id",
    ),
    (
        "person_groups.persons.add_face",
        lambda c, v: c.person_groups.persons.add_face(GROUP, v, IMAGE),
        "person_id",
    ),
    (
        "person_groups.persons.get_face person_id",
        lambda c, v: c.person_groups.persons.get_face(GROUP, v, PERSISTED),
        "person_id",
    ),
    (
        "person_groups.persons.get_face persisted_face_id",
        lambda c, v: c.person_groups.persons.get_face(GROUP, PERSON, v),
        "persisted_face_id",
    ),
    (
        "person_groups.persons.update_face",
        lambda c, v: c.person_groups.persons.update_face(GROUP, PERSON, v, user_data="u"),
        "persisted_face_id",
    ),
    (
        "person_groups.persons.delete_face",
        lambda c, v: c.person_groups.persons.delete_face(GROUP, PERSON, v),
        "persisted_face_id",
    ),
    (
        "large_person_groups.persons.get",
        lambda c, v: c.large_person_groups.persons.get(GROUP, v),
        "person_id",
    ),
    (
        "large_person_groups.persons.update",
        lambda c, v: c.large_person_groups.persons.update(GROUP, v, name="n"),
        "person_id",
    ),
    (
        "large_person_groups.persons.delete",
        lambda c, v: c.large_person_groups.persons.delete(GROUP, v),
        "person_id",
    ),
    (
        "large_person_groups.persons.add_face",
        lambda c, v: c.large_person_groups.persons.add_face(GROUP, v, IMAGE),
        "person_id",
    ),
    (
        "large_person_groups.persons.get_face",
        lambda c, v: c.large_person_groups.persons.get_face(GROUP, PERSON, v),
        "persisted_face_id",
    ),
    (
        "large_person_groups.persons.update_face person_id",
        lambda c, v: c.large_person_groups.persons.update_face(GROUP, v, PERSISTED, user_data="u"),
        "person_id",
    ),
    (
        "large_person_groups.persons.delete_face",
        lambda c, v: c.large_person_groups.persons.delete_face(GROUP, PERSON, v),
        "persisted_face_id",
    ),
    (
        "face_lists.delete_face",
        lambda c, v: c.face_lists.delete_face(LIST, v),
        "persisted_face_id",
    ),
    (
        "large_face_lists.get_face",
        lambda c, v: c.large_face_lists.get_face(LIST, v),
        "persisted_face_id",
    ),
    (
        "large_face_lists.update_face",
        lambda c, v: c.large_face_lists.update_face(LIST, v, user_data="u"),
        "persisted_face_id",
    ),
    (
        "large_face_lists.delete_face",
        lambda c, v: c.large_face_lists.delete_face(LIST, v),
        "persisted_face_id",
    ),
    ("find_similar face_id", lambda c, v: c.find_similar(v, face_ids=[FACE]), "face_id"),
    ("find_similar face_ids", lambda c, v: c.find_similar(FACE, face_ids=[v]), "face_ids[0]"),
    ("verify_face_to_face face_id1", lambda c, v: c.verify_face_to_face(v, FACE), "face_id1"),
    ("verify_face_to_face face_id2", lambda c, v: c.verify_face_to_face(FACE, v), "face_id2"),
    (
        "verify_face_to_person face_id",
        lambda c, v: c.verify_face_to_person(v, PERSON, person_group_id=GROUP),
        "face_id",
    ),
    (
        "verify_face_to_person person_id",
        lambda c, v: c.verify_face_to_person(FACE, v, large_person_group_id=GROUP),
        "person_id",
    ),
    (
        "identify face_ids",
        lambda c, v: c.identify([v], person_group_id=GROUP),
        "face_ids[0]",
    ),
    ("group face_ids", lambda c, v: c.group([FACE, v]), "face_ids[1]"),
    ("snapshots.get", lambda c, v: c.snapshots.get(v), "snapshot_id"),
    ("snapshots.update", lambda c, v: c.snapshots.update(v, user_data="u"), "snapshot_id"),
    ("snapshots.delete", lambda c, v: c.snapshots.delete(v), "snapshot_id"),
    ("snapshots.apply", lambda c, v: c.snapshots.apply(v, GROUP), "snapshot_id"),
    (
        "snapshots.get_operation_status",
        lambda c, v: c.snapshots.get_operation_status(v),
        "operation_id",
    ),
    (
        "snapshots.take apply_scope",
        lambda c, v: c.snapshots.take("PersonGroup", GROUP, [v]),
        "apply_scope[0]",
    ),
    (
        "snapshots.update apply_scope",
        lambda c, v: c.snapshots.update(SNAPSHOT, apply_scope=[v]),
        "apply_scope[0]",
    ),
    (
        "snapshots.list apply_scope",
        lambda c, v: c.snapshots.list(apply_scope=[v]),
        "apply_scope[0]",
    ),
]

BAD_UUIDS = [
    ("not a uuid", "not-a-uuid"),
    ("path-like", "../x"),
    ("empty", ""),
    ("uuid with a path appended", f"{PERSON}/persistedfaces"),
    ("none", None),
]

TOO_LONG_NAME = "n" * 129
TOO_LONG_USER_DATA = "u" * 16385
TOO_LONG_FACE_USER_DATA = "u" * 1025

OTHER_LIMITS: list[tuple[str, Action, str]] = [
    # a trailing newline is not part of ^...$ patterns (Python's `$` also matches before it)
    (
        "group id with a trailing newline in the path",
        lambda c: c.person_groups.get("family\n"),
        "person_group_id",
    ),
    (
        "group id with a trailing newline in a body",
        lambda c: c.identify([FACE], large_person_group_id="family\n"),
        "large_person_group_id",
    ),
    (
        "person id with a trailing newline in the path",
        lambda c: c.person_groups.persons.get(GROUP, f"{PERSON}\n"),
        "person_id",
    ),
    (
        "face id with a trailing newline in a body",
        lambda c: c.verify_face_to_face(f"{FACE}\n", PERSON),
        "face_id1",
    ),
    (
        "detection model with a trailing newline",
        lambda c: c.detect(IMAGE, detection_model="detection_01\n"),  # type: ignore[arg-type]
        "detection_model",
    ),
    # name: 1..128, required on create of groups and lists
    ("person group create, empty name", lambda c: c.person_groups.create(GROUP, name=""), "name"),
    (
        "person group create, 129-char name",
        lambda c: c.person_groups.create(GROUP, name=TOO_LONG_NAME),
        "name",
    ),
    (
        "person group create, no name",
        lambda c: c.person_groups.create(GROUP, name=None),  # type: ignore[arg-type]
        "name",
    ),
    (
        "large person group create, empty name",
        lambda c: c.large_person_groups.create(GROUP, name=""),
        "name",
    ),
    (
        "large person group create, 129-char name",
        lambda c: c.large_person_groups.create(GROUP, name=TOO_LONG_NAME),
        "name",
    ),
    ("face list create, empty name", lambda c: c.face_lists.create(LIST, name=""), "name"),
    (
        "face list create, 129-char name",
        lambda c: c.face_lists.create(LIST, name=TOO_LONG_NAME),
        "name",
    ),
    (
        "large face list create, empty name",
        lambda c: c.large_face_lists.create(LIST, name=""),
        "name",
    ),
    (
        "large face list create, 129-char name",
        lambda c: c.large_face_lists.create(LIST, name=TOO_LONG_NAME),
        "name",
    ),
    (
        "person create, empty name",
        lambda c: c.person_groups.persons.create(GROUP, name=""),
        "name",
    ),
    (
        "person create, 129-char name",
        lambda c: c.person_groups.persons.create(GROUP, name=TOO_LONG_NAME),
        "name",
    ),
    (
        "large group person create, 129-char name",
        lambda c: c.large_person_groups.persons.create(GROUP, name=TOO_LONG_NAME),
        "name",
    ),
    ("person group update, empty name", lambda c: c.person_groups.update(GROUP, name=""), "name"),
    (
        "large person group update, 129-char name",
        lambda c: c.large_person_groups.update(GROUP, name=TOO_LONG_NAME),
        "name",
    ),
    (
        "face list update, 129-char name",
        lambda c: c.face_lists.update(LIST, name=TOO_LONG_NAME),
        "name",
    ),
    (
        "large face list update, empty name",
        lambda c: c.large_face_lists.update(LIST, name=""),
        "name",
    ),
    (
        "person update, 129-char name",
        lambda c: c.person_groups.persons.update(GROUP, PERSON, name=TOO_LONG_NAME),
        "name",
    ),
    (
        "large group person update, empty name",
        lambda c: c.large_person_groups.persons.update(GROUP, PERSON, name=""),
        "name",
    ),
    # user data: at most 16384 characters
    (
        "person group create, 16385-char user_data",
        lambda c: c.person_groups.create(GROUP, name="n", user_data=TOO_LONG_USER_DATA),
        "user_data",
    ),
    (
        "large person group create, 16385-char user_data",
        lambda c: c.large_person_groups.create(GROUP, name="n", user_data=TOO_LONG_USER_DATA),
        "user_data",
    ),
    (
        "face list create, 16385-char user_data",
        lambda c: c.face_lists.create(LIST, name="n", user_data=TOO_LONG_USER_DATA),
        "user_data",
    ),
    (
        "large face list create, 16385-char user_data",
        lambda c: c.large_face_lists.create(LIST, name="n", user_data=TOO_LONG_USER_DATA),
        "user_data",
    ),
    (
        "person group update, 16385-char user_data",
        lambda c: c.person_groups.update(GROUP, user_data=TOO_LONG_USER_DATA),
        "user_data",
    ),
    (
        "large face list update, 16385-char user_data",
        lambda c: c.large_face_lists.update(LIST, user_data=TOO_LONG_USER_DATA),
        "user_data",
    ),
    (
        "person create, 16385-char user_data",
        lambda c: c.person_groups.persons.create(GROUP, name="n", user_data=TOO_LONG_USER_DATA),
        "user_data",
    ),
    (
        "large group person update, 16385-char user_data",
        lambda c: c.large_person_groups.persons.update(GROUP, PERSON, user_data=TOO_LONG_USER_DATA),
        "user_data",
    ),
    (
        "snapshot take, 16385-char user_data",
        lambda c: c.snapshots.take("PersonGroup", GROUP, [SCOPE], user_data=TOO_LONG_USER_DATA),
        "user_data",
    ),
    (
        "snapshot update, 16385-char user_data",
        lambda c: c.snapshots.update(SNAPSHOT, user_data=TOO_LONG_USER_DATA),
        "user_data",
    ),
    # face user data: at most 1024 characters, in the add-face query and the face PATCH body
    (
        "face list add_face, 1025-char user_data",
        lambda c: c.face_lists.add_face(LIST, IMAGE, user_data=TOO_LONG_FACE_USER_DATA),
        "user_data",
    ),
    (
        "large face list add_face, 1025-char user_data",
        lambda c: c.large_face_lists.add_face(LIST, IMAGE, user_data=TOO_LONG_FACE_USER_DATA),
        "user_data",
    ),
    (
        "person add_face, 1025-char user_data",
        lambda c: c.person_groups.persons.add_face(
            GROUP, PERSON, IMAGE, user_data=TOO_LONG_FACE_USER_DATA
        ),
        "user_data",
    ),
    (
        "large group person add_face, 1025-char user_data",
        lambda c: c.large_person_groups.persons.add_face(
            GROUP, PERSON, IMAGE, user_data=TOO_LONG_FACE_USER_DATA
        ),
        "user_data",
    ),
    (
        "large face list update_face, 1025-char user_data",
        lambda c: c.large_face_lists.update_face(
            LIST, PERSISTED, user_data=TOO_LONG_FACE_USER_DATA
        ),
        "user_data",
    ),
    (
        "person update_face, 1025-char user_data",
        lambda c: c.person_groups.persons.update_face(
            GROUP, PERSON, PERSISTED, user_data=TOO_LONG_FACE_USER_DATA
        ),
        "user_data",
    ),
    (
        "large group person update_face, 1025-char user_data",
        lambda c: c.large_person_groups.persons.update_face(
            GROUP, PERSON, PERSISTED, user_data=TOO_LONG_FACE_USER_DATA
        ),
        "user_data",
    ),
    # identify: 1..10 faces, 1..100 candidates, threshold in [0, 1], exactly one group
    ("identify, no faceIds", lambda c: c.identify([], person_group_id=GROUP), "face_ids"),
    (
        "identify, 11 faceIds",
        lambda c: c.identify(face_ids(11), person_group_id=GROUP),
        "face_ids",
    ),
    (
        "identify, faceIds as one string",
        lambda c: c.identify(FACE, person_group_id=GROUP),
        "face_ids",
    ),
    (
        "identify, 0 candidates",
        lambda c: c.identify([FACE], person_group_id=GROUP, max_num_of_candidates_returned=0),
        "max_num_of_candidates_returned",
    ),
    (
        "identify, 101 candidates",
        lambda c: c.identify([FACE], person_group_id=GROUP, max_num_of_candidates_returned=101),
        "max_num_of_candidates_returned",
    ),
    (
        "identify, confidence_threshold -0.1",
        lambda c: c.identify([FACE], person_group_id=GROUP, confidence_threshold=-0.1),
        "confidence_threshold",
    ),
    (
        "identify, confidence_threshold 1.1",
        lambda c: c.identify([FACE], person_group_id=GROUP, confidence_threshold=1.1),
        "confidence_threshold",
    ),
    (
        "identify, confidence_threshold nan",
        lambda c: c.identify([FACE], person_group_id=GROUP, confidence_threshold=math.nan),
        "confidence_threshold",
    ),
    (
        "identify, confidence_threshold as a string",
        lambda c: c.identify(
            [FACE],
            person_group_id=GROUP,
            confidence_threshold="0.5",  # type: ignore[arg-type]
        ),
        "confidence_threshold",
    ),
    (
        "identify, neither group id",
        lambda c: c.identify([FACE]),
        "person_group_id/large_person_group_id",
    ),
    (
        "identify, both group ids",
        lambda c: c.identify([FACE], person_group_id=GROUP, large_person_group_id=GROUP),
        "person_group_id/large_person_group_id",
    ),
    (
        "verify_face_to_person, neither group id",
        lambda c: c.verify_face_to_person(FACE, PERSON),
        "person_group_id/large_person_group_id",
    ),
    (
        "verify_face_to_person, both group ids",
        lambda c: c.verify_face_to_person(
            FACE, PERSON, person_group_id=GROUP, large_person_group_id=GROUP
        ),
        "person_group_id/large_person_group_id",
    ),
    # find similar: exactly one target, faceIds <= 1000, candidates 1..1000, a known mode
    (
        "find_similar, no target",
        lambda c: c.find_similar(FACE),
        "face_ids/face_list_id/large_face_list_id",
    ),
    (
        "find_similar, two targets",
        lambda c: c.find_similar(FACE, face_ids=[FACE], face_list_id=LIST),
        "face_ids/face_list_id/large_face_list_id",
    ),
    (
        "find_similar, three targets",
        lambda c: c.find_similar(FACE, face_ids=[FACE], face_list_id=LIST, large_face_list_id=LIST),
        "face_ids/face_list_id/large_face_list_id",
    ),
    ("find_similar, empty face_ids", lambda c: c.find_similar(FACE, face_ids=[]), "face_ids"),
    (
        "find_similar, 1001 face_ids",
        lambda c: c.find_similar(FACE, face_ids=face_ids(1001)),
        "face_ids",
    ),
    (
        "find_similar, 0 candidates",
        lambda c: c.find_similar(FACE, face_list_id=LIST, max_num_of_candidates_returned=0),
        "max_num_of_candidates_returned",
    ),
    (
        "find_similar, 1001 candidates",
        lambda c: c.find_similar(FACE, face_list_id=LIST, max_num_of_candidates_returned=1001),
        "max_num_of_candidates_returned",
    ),
    (
        "find_similar, mode bogus",
        lambda c: c.find_similar(FACE, face_list_id=LIST, mode="bogus"),  # type: ignore[arg-type]
        "mode",
    ),
    # group: 2..1000 faces
    ("group, 1 faceId", lambda c: c.group([FACE]), "face_ids"),
    ("group, 1001 faceIds", lambda c: c.group(face_ids(1001)), "face_ids"),
    ("group, no faceIds", lambda c: c.group([]), "face_ids"),
    # detect
    (
        "detect, face_id_time_to_live 59",
        lambda c: c.detect(IMAGE, face_id_time_to_live=59),
        "face_id_time_to_live",
    ),
    (
        "detect, face_id_time_to_live 86401",
        lambda c: c.detect(IMAGE, face_id_time_to_live=86401),
        "face_id_time_to_live",
    ),
    (
        "detect, face_id_time_to_live True",
        lambda c: c.detect(IMAGE, face_id_time_to_live=True),
        "face_id_time_to_live",
    ),
    (
        "detect, unknown attribute beauty",
        lambda c: c.detect(IMAGE, return_face_attributes=["age", "beauty"]),  # type: ignore[list-item]
        "return_face_attributes",
    ),
    (
        "detect, detection_02 with attributes",
        lambda c: c.detect(
            IMAGE, detection_model="detection_02", return_face_attributes=["headPose"]
        ),
        "return_face_attributes",
    ),
    (
        "detect, detection_02 with landmarks",
        lambda c: c.detect(IMAGE, detection_model="detection_02", return_face_landmarks=True),
        "return_face_landmarks",
    ),
    (
        "detect, recognition_model with a space",
        lambda c: c.detect(IMAGE, recognition_model="bogus model"),  # type: ignore[arg-type]
        "recognition_model",
    ),
    (
        "detect, detection_model with a slash",
        lambda c: c.detect(IMAGE, detection_model="detection/01"),  # type: ignore[arg-type]
        "detection_model",
    ),
    (
        "person group create, recognition_model bogus",
        lambda c: c.person_groups.create(GROUP, name="n", recognition_model="bogus model"),  # type: ignore[arg-type]
        "recognition_model",
    ),
    (
        "face list add_face, detection_model bogus",
        lambda c: c.face_lists.add_face(LIST, IMAGE, detection_model="bogus model"),  # type: ignore[arg-type]
        "detection_model",
    ),
    # target face: four non-negative ints, positive width and height
    (
        "target_face of 3 ints",
        lambda c: c.face_lists.add_face(LIST, IMAGE, target_face=(1, 2, 3)),
        "target_face",
    ),
    (
        "target_face of 5 ints",
        lambda c: c.large_face_lists.add_face(LIST, IMAGE, target_face=(1, 2, 3, 4, 5)),
        "target_face",
    ),
    (
        "target_face of strings",
        lambda c: c.person_groups.persons.add_face(
            GROUP,
            PERSON,
            IMAGE,
            target_face=("1", "2", "3", "4"),  # type: ignore[arg-type]
        ),
        "target_face",
    ),
    (
        "target_face as a csv string",
        lambda c: c.face_lists.add_face(LIST, IMAGE, target_face="1,2,3,4"),  # type: ignore[arg-type]
        "target_face",
    ),
    (
        "target_face with floats",
        lambda c: c.face_lists.add_face(
            LIST,
            IMAGE,
            target_face=(1.0, 2, 3, 4),  # type: ignore[arg-type]
        ),
        "target_face",
    ),
    (
        "target_face with negative left",
        lambda c: c.large_person_groups.persons.add_face(
            GROUP, PERSON, IMAGE, target_face=(-1, 0, 10, 10)
        ),
        "target_face",
    ),
    (
        "target_face with zero width",
        lambda c: c.face_lists.add_face(LIST, IMAGE, target_face=(0, 0, 0, 10)),
        "target_face",
    ),
    (
        "target_face with zero height",
        lambda c: c.face_lists.add_face(LIST, IMAGE, target_face=(0, 0, 10, 0)),
        "target_face",
    ),
    # list paging: top 1..1000, start at most 64 characters
    ("person_groups.list top 0", lambda c: c.person_groups.list(top=0), "top"),
    ("person_groups.list top 1001", lambda c: c.person_groups.list(top=1001), "top"),
    ("large_person_groups.list top 0", lambda c: c.large_person_groups.list(top=0), "top"),
    ("large_face_lists.list top 1001", lambda c: c.large_face_lists.list(top=1001), "top"),
    (
        "persons.list top 0",
        lambda c: c.person_groups.persons.list(GROUP, top=0),
        "top",
    ),
    (
        "large group persons.list top 1001",
        lambda c: c.large_person_groups.persons.list(GROUP, top=1001),
        "top",
    ),
    (
        "large_face_lists.list_faces top 0",
        lambda c: c.large_face_lists.list_faces(LIST, top=0),
        "top",
    ),
    (
        "person_groups.list start of 65 characters",
        lambda c: c.person_groups.list(start="a" * 65),
        "start",
    ),
    (
        "persons.list start of 65 characters",
        lambda c: c.large_person_groups.persons.list(GROUP, start="a" * 65),
        "start",
    ),
    (
        "large_face_lists.list_faces start of 65 characters",
        lambda c: c.large_face_lists.list_faces(LIST, start="a" * 65),
        "start",
    ),
    # updates need something to change
    ("person group update, nothing", lambda c: c.person_groups.update(GROUP), "name/user_data"),
    ("face list update, nothing", lambda c: c.face_lists.update(LIST), "name/user_data"),
    (
        "person update, nothing",
        lambda c: c.person_groups.persons.update(GROUP, PERSON),
        "name/user_data",
    ),
    (
        "snapshot update, nothing",
        lambda c: c.snapshots.update(SNAPSHOT),
        "apply_scope/user_data",
    ),
    # snapshots
    (
        "snapshot take, empty apply_scope",
        lambda c: c.snapshots.take("PersonGroup", GROUP, []),
        "apply_scope",
    ),
    (
        "snapshot take, apply_scope as one string",
        lambda c: c.snapshots.take("PersonGroup", GROUP, SCOPE),
        "apply_scope",
    ),
    (
        "snapshot take, type Bogus",
        lambda c: c.snapshots.take("Bogus", GROUP, [SCOPE]),  # type: ignore[arg-type]
        "type",
    ),
    ("snapshot list, type Bogus", lambda c: c.snapshots.list(type="Bogus"), "type"),  # type: ignore[arg-type]
    (
        "snapshot update, empty apply_scope",
        lambda c: c.snapshots.update(SNAPSHOT, apply_scope=[]),
        "apply_scope",
    ),
    (
        "snapshot apply, mode Replace",
        lambda c: c.snapshots.apply(SNAPSHOT, GROUP, mode="Replace"),  # type: ignore[arg-type]
        "mode",
    ),
    # per-call headers cannot replace the credential or the host
    (
        "per-call Ocp-Apim-Subscription-Key",
        lambda c: c.person_groups.get(GROUP, headers={"Ocp-Apim-Subscription-Key": "other"}),
        "headers",
    ),
    (
        "per-call lower-case ocp-apim-subscription-key",
        lambda c: c.detect(IMAGE, headers={"ocp-apim-subscription-key": "other"}),
        "headers",
    ),
    (
        "per-call Authorization",
        lambda c: c.identify(
            [FACE], person_group_id=GROUP, headers={"Authorization": "Bearer stolen"}
        ),
        "headers",
    ),
    (
        "per-call Authorization on a pager",
        lambda c: c.person_groups.list(headers={"AUTHORIZATION": "Bearer stolen"}),
        "headers",
    ),
    (
        "per-call Authorization on snapshot take",
        lambda c: c.snapshots.take(
            "PersonGroup", GROUP, [SCOPE], headers={"Authorization": "Bearer stolen"}
        ),
        "headers",
    ),
    (
        "per-call Host",
        lambda c: c.face_lists.get(LIST, headers={"Host": "evil.example"}),
        "headers",
    ),
]


def _limit_cases() -> Iterator[Any]:
    for operation, call, parameter in CONTAINER_ID_OPERATIONS:
        for label, value in BAD_CONTAINER_IDS:
            yield pytest.param(
                lambda c, call=call, value=value: call(c, value),
                parameter,
                id=f"{operation}: {label} id",
            )
    for operation, call, parameter in UUID_OPERATIONS:
        for label, value in BAD_UUIDS:
            yield pytest.param(
                lambda c, call=call, value=value: call(c, value),
                parameter,
                id=f"{operation}: {label}",
            )
    for description, action, parameter in OTHER_LIMITS:
        yield pytest.param(action, parameter, id=description)


@pytest.mark.parametrize(("action", "parameter"), list(_limit_cases()))
async def test_a_broken_limit_is_refused_before_any_request(
    client: FaceClient, fake: FakeTransport, action: Action, parameter: str
) -> None:
    with pytest.raises(FaceValidationError) as caught:
        await run(action, client)
    assert caught.value.parameter == parameter
    assert str(caught.value).startswith(f"{parameter}: ")
    assert fake.requests == []


# -- image sources that break a limit ---------------------------------------------------

SMALL = 1023
TOO_BIG = 6 * 1024 * 1024 + 1


def _file(tmp: Path, size: int, name: str = "face.jpg") -> Path:
    path = tmp / name
    path.write_bytes(image_bytes(size))
    return path


def _text_file(tmp: Path, stack: contextlib.ExitStack) -> Any:
    path = _file(tmp, 4096, "face.txt")
    path.write_text("x" * 4096, encoding="utf-8")
    return stack.enter_context(path.open(encoding="utf-8"))


def _midway(data: bytes, position: int) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.seek(position)
    return buffer


BAD_IMAGES: list[tuple[str, Callable[[Path, contextlib.ExitStack], Any]]] = [
    ("bytes of 1023", lambda tmp, stack: image_bytes(SMALL)),
    ("bytearray of 1023", lambda tmp, stack: bytearray(image_bytes(SMALL))),
    ("memoryview of 1023", lambda tmp, stack: memoryview(image_bytes(SMALL))),
    ("empty bytes", lambda tmp, stack: b""),
    ("bytes of 6 MB + 1", lambda tmp, stack: b"\xff" * TOO_BIG),
    ("path to a small file", lambda tmp, stack: _file(tmp, 100)),
    ("path to a missing file", lambda tmp, stack: tmp / "missing.jpg"),
    ("path to a directory", lambda tmp, stack: tmp),
    ("seekable BytesIO under 1 KB", lambda tmp, stack: io.BytesIO(image_bytes(500))),
    ("BytesIO with under 1 KB left", lambda tmp, stack: _midway(image_bytes(2048), 1500)),
    ("BytesIO of 6 MB + 1", lambda tmp, stack: io.BytesIO(b"\xff" * TOO_BIG)),
    ("str that is a file name", lambda tmp, stack: "photo.jpg"),
    ("str that is a local path", lambda tmp, stack: str(_file(tmp, 4096))),
    ("str with an ftp URL", lambda tmp, stack: "ftp://example.com/face.jpg"),
    ("str with a file URL", lambda tmp, stack: "file:///etc/passwd"),
    ("str URL without a host", lambda tmp, stack: "https://"),
    ("an int", lambda tmp, stack: 42),
    ("None", lambda tmp, stack: None),
    ("a text-mode file", _text_file),
    ("a StringIO", lambda tmp, stack: io.StringIO("x" * 4096)),
]

IMAGE_OPERATIONS: list[tuple[str, Callable[[FaceClient, Any], Any]]] = [
    ("detect", lambda c, image: c.detect(image)),
    ("face_lists.add_face", lambda c, image: c.face_lists.add_face(LIST, image)),
    ("large_face_lists.add_face", lambda c, image: c.large_face_lists.add_face(LIST, image)),
    (
        "person_groups.persons.add_face",
        lambda c, image: c.person_groups.persons.add_face(GROUP, PERSON, image),
    ),
    (
        "large_person_groups.persons.add_face",
        lambda c, image: c.large_person_groups.persons.add_face(GROUP, PERSON, image),
    ),
]


@pytest.mark.parametrize(
    "operation", [pytest.param(call, id=name) for name, call in IMAGE_OPERATIONS]
)
@pytest.mark.parametrize("make_image", [pytest.param(make, id=label) for label, make in BAD_IMAGES])
async def test_an_unusable_image_is_refused_before_any_request(
    client: FaceClient,
    fake: FakeTransport,
    tmp_path: Path,
    operation: Callable[[FaceClient, Any], Any],
    make_image: Callable[[Path, contextlib.ExitStack], Any],
) -> None:
    with contextlib.ExitStack() as stack:
        image = make_image(tmp_path, stack)
        with pytest.raises(FaceValidationError) as caught:
            await operation(client, image)
    assert caught.value.parameter == "image"
    assert fake.requests == []


# -- client construction ------------------------------------------------------------------

REFUSED_CLIENTS: list[tuple[str, dict[str, Any], str]] = [
    ("plain http to a public host", {"endpoint": "http://example.com"}, "endpoint"),
    (
        "plain http to a host that only starts with localhost",
        {"endpoint": "http://localhost.evil.example"},
        "endpoint",
    ),
    (
        "endpoint that already carries the API path",
        {"endpoint": "https://example.com/face/v1.0"},
        "endpoint",
    ),
    (
        "endpoint with user and password",
        {"endpoint": "https://user:pass@example.com"},
        "endpoint",
    ),
    ("endpoint with a query", {"endpoint": "https://example.com/?key=1"}, "endpoint"),
    ("endpoint that is not a URL", {"endpoint": "not a url"}, "endpoint"),
    ("empty endpoint", {"endpoint": ""}, "endpoint"),
    ("ftp endpoint", {"endpoint": "ftp://example.com"}, "endpoint"),
    ("api_path without a leading slash", {"api_path": "face/v1.0"}, "api_path"),
    ("timeout 0", {"timeout": 0}, "timeout"),
    ("negative timeout", {"timeout": -1.0}, "timeout"),
    ("connect_timeout 0", {"connect_timeout": 0}, "connect_timeout"),
    ("max_connections 0", {"max_connections": 0}, "max_connections"),
    ("a session that is not an aiohttp session", {"session": object()}, "session"),
    ("a transport without send and aclose", {"transport": object()}, "transport"),
    ("a transport and a session", {"transport": FakeTransport(), "session": 5}, "transport"),
]

ACCEPTED_CLIENTS: list[tuple[str, dict[str, Any], str]] = [
    ("http to 127.0.0.1", {"endpoint": "http://127.0.0.1:5000"}, "http://127.0.0.1:5000"),
    ("http to localhost", {"endpoint": "http://localhost:1"}, "http://localhost:1"),
    ("http to ::1", {"endpoint": "http://[::1]:8080"}, "http://[::1]:8080"),
    (
        "http to a public host when opted in",
        {"endpoint": "http://example.com", "allow_insecure_http": True},
        "http://example.com",
    ),
    (
        "https with a trailing slash",
        {"endpoint": "https://example.com/"},
        "https://example.com",
    ),
]


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        pytest.param(arguments, parameter, id=label)
        for label, arguments, parameter in REFUSED_CLIENTS
    ],
)
async def test_a_client_with_an_unsafe_or_broken_setting_is_refused(
    arguments: dict[str, Any], parameter: str
) -> None:
    arguments = {"endpoint": "https://example.com", **arguments}
    # Refused in the constructor, before any connection exists, so there is nothing to close.
    with pytest.raises(FaceValidationError) as caught:
        FaceClient(credential=KeyCredential(KEY), **arguments)
    assert caught.value.parameter == parameter


@pytest.mark.parametrize(
    ("arguments", "endpoint"),
    [
        pytest.param(arguments, endpoint, id=label)
        for label, arguments, endpoint in ACCEPTED_CLIENTS
    ],
)
async def test_a_client_with_a_safe_endpoint_is_built(
    arguments: dict[str, Any], endpoint: str
) -> None:
    client = FaceClient(credential=KeyCredential(KEY), **arguments)
    try:
        assert client.endpoint == endpoint
        # The GA unless told otherwise.
        assert client.api_path == "/face/v1.2"
    finally:
        await client.aclose()


# -- values at the limits pass and reach the wire ------------------------------------------


class FakeRectangle:
    """Anything with as_target_face() is accepted as a target face."""

    def as_target_face(self) -> tuple[int, int, int, int]:
        return (5, 6, 70, 80)


def _url(path: str) -> re.Pattern[str]:
    """A route for a path under BASE with any query."""
    return re.compile(re.escape(f"{BASE}{path}") + r"(\?.*)?$")


VERIFY = {"isIdentical": True, "confidence": 0.9}
ADDED = {"persistedFaceId": PERSISTED}
SIX_MB = b"\xff" * (6 * 1024 * 1024)

# (description, action, method, path, reply payload, what must have been sent)
ACCEPTED: list[tuple[str, Action, str, str, Any, dict[str, Any]]] = [
    (
        "identify with 10 faceIds, 100 candidates and threshold 0",
        lambda c: c.identify(
            face_ids(10),
            person_group_id=GROUP,
            max_num_of_candidates_returned=100,
            confidence_threshold=0,
        ),
        "POST",
        "/identify",
        [],
        {
            "json": {
                "faceIds": face_ids(10),
                "personGroupId": GROUP,
                "maxNumOfCandidatesReturned": 100,
                "confidenceThreshold": 0.0,
            }
        },
    ),
    (
        "identify with 1 faceId, 1 candidate and threshold 1",
        lambda c: c.identify(
            [FACE],
            large_person_group_id=GROUP,
            max_num_of_candidates_returned=1,
            confidence_threshold=1,
        ),
        "POST",
        "/identify",
        [],
        {
            "json": {
                "faceIds": [FACE],
                "largePersonGroupId": GROUP,
                "maxNumOfCandidatesReturned": 1,
                "confidenceThreshold": 1.0,
            }
        },
    ),
    (
        "group with 2 faceIds",
        lambda c: c.group(face_ids(2)),
        "POST",
        "/group",
        {"groups": []},
        {"json": {"faceIds": face_ids(2)}},
    ),
    (
        "group with 1000 faceIds",
        lambda c: c.group(face_ids(1000)),
        "POST",
        "/group",
        {"groups": []},
        {"json": {"faceIds": face_ids(1000)}},
    ),
    (
        "find_similar with 1000 face_ids and 1000 candidates",
        lambda c: c.find_similar(
            FACE, face_ids=face_ids(1000), max_num_of_candidates_returned=1000, mode="matchFace"
        ),
        "POST",
        "/findsimilars",
        [],
        {
            "json": {
                "faceId": FACE,
                "faceIds": face_ids(1000),
                "maxNumOfCandidatesReturned": 1000,
                "mode": "matchFace",
            }
        },
    ),
    (
        "find_similar with 1 candidate in a large face list",
        lambda c: c.find_similar(FACE, large_face_list_id=LIST, max_num_of_candidates_returned=1),
        "POST",
        "/findsimilars",
        [],
        {"json": {"faceId": FACE, "largeFaceListId": LIST, "maxNumOfCandidatesReturned": 1}},
    ),
    (
        "uuid.UUID objects as face ids",
        lambda c: c.verify_face_to_face(uuid.UUID(FACE), uuid.UUID(PERSON)),  # type: ignore[arg-type]
        "POST",
        "/verify",
        VERIFY,
        {"json": {"faceId1": FACE, "faceId2": PERSON}},
    ),
    (
        "upper-case UUID",
        lambda c: c.verify_face_to_face(FACE.upper(), PERSON),
        "POST",
        "/verify",
        VERIFY,
        {"json": {"faceId1": FACE.upper(), "faceId2": PERSON}},
    ),
    (
        "a 64-character group id with every allowed character",
        lambda c: c.person_groups.get("a-_0" * 16),
        "GET",
        "/persongroups/" + "a-_0" * 16,
        {"personGroupId": "a-_0" * 16, "name": "n"},
        {},
    ),
    (
        "a 1-character list id",
        lambda c: c.large_face_lists.delete("x"),
        "DELETE",
        "/largefacelists/x",
        None,
        {},
    ),
    (
        "a uuid.UUID person id in the path",
        lambda c: c.person_groups.persons.get(GROUP, uuid.UUID(PERSON)),  # type: ignore[arg-type]
        "GET",
        f"/persongroups/{GROUP}/persons/{PERSON}",
        {"personId": PERSON},
        {},
    ),
    (
        "name of 128 and user_data of 16384 characters on create",
        lambda c: c.person_groups.create(GROUP, name="n" * 128, user_data="u" * 16384),
        "PUT",
        f"/persongroups/{GROUP}",
        None,
        {"json": {"name": "n" * 128, "userData": "u" * 16384}},
    ),
    (
        "a one-character name on update",
        lambda c: c.face_lists.update(LIST, name="n"),
        "PATCH",
        f"/facelists/{LIST}",
        None,
        {"json": {"name": "n"}},
    ),
    (
        "empty user_data alone on update",
        lambda c: c.person_groups.persons.update(GROUP, PERSON, user_data=""),
        "PATCH",
        f"/persongroups/{GROUP}/persons/{PERSON}",
        None,
        {"json": {"userData": ""}},
    ),
    (
        "face user_data of 1024 characters on update_face",
        lambda c: c.large_face_lists.update_face(LIST, PERSISTED, user_data="u" * 1024),
        "PATCH",
        f"/largefacelists/{LIST}/persistedfaces/{PERSISTED}",
        None,
        {"json": {"userData": "u" * 1024}},
    ),
    (
        "top 1000 and a 64-character start",
        lambda c: c.person_groups.list(start="s" * 64, top=1000),
        "GET",
        "/persongroups",
        [],
        {"query": {"start": "s" * 64, "top": "1000"}},
    ),
    (
        "top 1",
        lambda c: c.large_face_lists.list_faces(LIST, top=1),
        "GET",
        f"/largefacelists/{LIST}/persistedfaces",
        [],
        {"query": {"top": "1"}},
    ),
    (
        "an image of exactly 1024 bytes",
        lambda c: c.detect(image_bytes(1024)),
        "POST",
        "/detect",
        [],
        {"data": image_bytes(1024)},
    ),
    (
        "an image of exactly 6 MB",
        lambda c: c.detect(SIX_MB),
        "POST",
        "/detect",
        [],
        {"data": SIX_MB},
    ),
    (
        "face_id_time_to_live 60 and every attribute",
        lambda c: c.detect(
            IMAGE,
            face_id_time_to_live=60,
            return_face_attributes=["age", "qualityForRecognition"],
            allow_retired_attributes=True,
            detection_model="detection_01",
            recognition_model="recognition_04",
            return_face_landmarks=True,
        ),
        "POST",
        "/detect",
        [],
        {
            "query": {
                "faceIdTimeToLive": "60",
                "returnFaceAttributes": "age,qualityForRecognition",
                "recognitionModel": "recognition_04",
                "detectionModel": "detection_01",
                "returnFaceLandmarks": "true",
            }
        },
    ),
    (
        "face_id_time_to_live 86400 with detection_02 and no extras",
        lambda c: c.detect(
            IMAGE,
            face_id_time_to_live=86400,
            detection_model="detection_02",
            return_face_landmarks=False,
            return_face_attributes=[],
        ),
        "POST",
        "/detect",
        [],
        {
            "query": {
                "faceIdTimeToLive": "86400",
                "detectionModel": "detection_02",
                "returnFaceLandmarks": "false",
            }
        },
    ),
    (
        "face user_data of 1024 characters and a FaceRectangle on add_face",
        lambda c: c.face_lists.add_face(
            LIST,
            IMAGE,
            user_data="u" * 1024,
            target_face=FaceRectangle(left=0, top=0, width=1, height=1),  # type: ignore[arg-type]
        ),
        "POST",
        f"/facelists/{LIST}/persistedfaces",
        ADDED,
        {"query": {"userData": "u" * 1024, "targetFace": "0,0,1,1"}},
    ),
    (
        "any object with as_target_face()",
        lambda c: c.person_groups.persons.add_face(
            GROUP,
            PERSON,
            IMAGE,
            target_face=FakeRectangle(),  # type: ignore[arg-type]
        ),
        "POST",
        f"/persongroups/{GROUP}/persons/{PERSON}/persistedfaces",
        ADDED,
        {"query": {"targetFace": "5,6,70,80"}},
    ),
    (
        "a target_face list of four ints",
        lambda c: c.large_face_lists.add_face(LIST, IMAGE, target_face=[1, 2, 3, 4]),
        "POST",
        f"/largefacelists/{LIST}/persistedfaces",
        ADDED,
        {"query": {"targetFace": "1,2,3,4"}},
    ),
    (
        "snapshot update with only an apply_scope",
        lambda c: c.snapshots.update(SNAPSHOT, apply_scope=[SCOPE]),
        "PATCH",
        f"/snapshots/{SNAPSHOT}",
        None,
        {"json": {"applyScope": [SCOPE]}},
    ),
    (
        "snapshot list filtered by type and scope",
        lambda c: c.snapshots.list(type="LargeFaceList", apply_scope=[SCOPE, FACE]),
        "GET",
        "/snapshots",
        [],
        {"query": {"type": "LargeFaceList", "applyScope": f"{SCOPE},{FACE}"}},
    ),
    (
        "other per-call headers",
        lambda c: c.person_groups.get(GROUP, headers={"X-Trace": "abc"}),
        "GET",
        f"/persongroups/{GROUP}",
        {"personGroupId": GROUP, "name": "n"},
        {"headers": {"X-Trace": "abc"}},
    ),
]


@pytest.mark.parametrize(
    ("action", "method", "path", "reply", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in ACCEPTED],
)
async def test_values_at_the_limits_pass_and_are_sent(
    client: FaceClient,
    fake: FakeTransport,
    action: Action,
    method: str,
    path: str,
    reply: Any,
    expected: dict[str, Any],
) -> None:
    if reply is None:
        fake.add(_url(path), method=method, status=200, body="")
    else:
        fake.add(_url(path), method=method, payload=reply)

    await run(action, client)

    [(sent_method, url, request)] = sent(fake)
    assert sent_method == method
    assert url.path == f"{yarl.URL(BASE).path}{path}"
    if "json" in expected:
        assert request.json == expected["json"]
    if "query" in expected:
        assert dict(url.query) == expected["query"]
    if "data" in expected:
        assert request.data == expected["data"]
        assert request.headers["Content-Length"] == str(len(expected["data"]))
    for name, value in expected.get("headers", {}).items():
        assert request.headers[name] == value


async def test_snapshot_take_and_apply_accept_valid_arguments(
    client: FaceClient, fake: FakeTransport
) -> None:
    operation = "/operations/a61ba3a9-f3ad-4c72-9cb5-1c1bd1c54bb1"
    fake.post(f"{BASE}/snapshots", status=202, headers={"Operation-Location": operation})
    fake.post(
        f"{BASE}/snapshots/{SNAPSHOT}/apply",
        status=202,
        headers={"Operation-Location": operation},
    )

    await client.snapshots.take("LargeFaceList", LIST, [SCOPE], user_data="u" * 16384)
    await client.snapshots.apply(uuid.UUID(SNAPSHOT), "x" * 64, mode="CreateNew")  # type: ignore[arg-type]

    bodies = [request.json for _, _, request in sent(fake)]
    assert bodies == [
        {"type": "LargeFaceList", "objectId": LIST, "applyScope": [SCOPE], "userData": "u" * 16384},
        {"objectId": "x" * 64, "mode": "CreateNew"},
    ]


# -- path segments are escaped and cannot change the path ---------------------------------

TRICKY_SEGMENTS = [
    ("slash, query and fragment", "a/b?c#d"),
    ("dot-dot inside a segment", "a/../b"),
    ("percent-encoded slash", "%2F"),
    ("percent-encoded dots", "%2e%2e"),
    ("space", "a b"),
    ("non-ASCII", "gruppe-ü"),
    ("three dots", "..."),
]


@pytest.mark.parametrize(
    "segment", [pytest.param(segment, id=label) for label, segment in TRICKY_SEGMENTS]
)
async def test_a_path_segment_is_escaped_into_exactly_one_segment(
    client: FaceClient, segment: str
) -> None:
    base = client._session.base_url
    url = client._session.url_for(["persongroups", segment, "persons"], method="GET")

    assert url.parts == (*base.parts, "persongroups", segment, "persons")
    assert url.raw_path.startswith(base.raw_path + "/persongroups/")
    assert url.raw_path.count("/") == base.raw_path.count("/") + 3
    assert not url.raw_query_string
    assert not url.raw_fragment
    assert (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)


@pytest.mark.parametrize("segment", ["..", ".", ""])
async def test_a_dot_or_empty_path_segment_is_refused(client: FaceClient, segment: str) -> None:
    with pytest.raises(FaceValidationError) as caught:
        client._session.url_for(["persongroups", segment], method="GET")
    assert caught.value.parameter == "path"


@pytest.mark.parametrize(
    ("attributes", "models", "problem"),
    [
        (["mask"], {}, "mask: not returned by detection_01 (the default) (mask needs"),
        (["mask"], {"detection_model": "detection_01"}, "mask: not returned by detection_01 ("),
        (["headPose", "blur"], {"detection_model": "detection_03"}, "blur: not returned by"),
        (["qualityForRecognition"], {}, "not recognition_01 (the default)"),
        (
            ["qualityForRecognition"],
            {"detection_model": "detection_03", "recognition_model": "recognition_02"},
            "needs recognition_model recognition_03 or recognition_04, not recognition_02",
        ),
    ],
)
async def test_attributes_the_models_do_not_return_are_refused_before_sending(
    attributes: list[FaceAttributeName],
    models: dict[str, Any],
    problem: str,
    client: FaceClient,
    fake: FakeTransport,
) -> None:
    with pytest.raises(FaceValidationError, match=re.escape(problem)):
        await client.detect(IMAGE, return_face_attributes=attributes, **models)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("attributes", "models"),
    [
        (
            ["mask", "headPose", "qualityForRecognition"],
            {"detection_model": "detection_03", "recognition_model": "recognition_04"},
        ),
        (["headPose", "glasses", "blur", "exposure", "noise", "occlusion", "accessories"], {}),
        # A detection model newer than facekit: the service decides.
        (["mask", "blur"], {"detection_model": "detection_04"}),
    ],
)
async def test_attributes_the_models_return_are_sent(
    attributes: list[FaceAttributeName],
    models: dict[str, Any],
    client: FaceClient,
    fake: FakeTransport,
) -> None:
    fake.add(re.compile(r".*"), method="POST", status=200, body="[]")
    await client.detect(IMAGE, return_face_attributes=attributes, **models)
    (request,) = fake.requests
    assert request.url.query["returnFaceAttributes"] == ",".join(attributes)
