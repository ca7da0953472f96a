"""The converter: camelCase on the wire, tolerant parsing, lean request bodies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from facekit.models import (
    BlurLevel,
    DetectedFace,
    OperationStatus,
    OperationStatusType,
    Person,
    TrainingStatus,
    TrainingStatusType,
)
from facekit.models._serde import parse_datetime, structure, to_wire, wire_name
from facekit.models.requests import (
    FindSimilarBody,
    IdentifyBody,
    MetaDataBody,
    VerifyFaceToFaceBody,
)

CREATED = "2017-12-21T12:57:27.00Z"


@pytest.mark.parametrize(
    ("python", "wire"),
    [
        ("face_id", "faceId"),
        ("face_id1", "faceId1"),
        ("max_num_of_candidates_returned", "maxNumOfCandidatesReturned"),
        ("last_successful_training_date_time", "lastSuccessfulTrainingDateTime"),
        ("url", "url"),
    ],
)
def test_wire_names_are_camel_case(python: str, wire: str) -> None:
    assert wire_name(python) == wire


@pytest.mark.parametrize("spelling", ["notstarted", "notStarted", "NOTSTARTED", "nonstarted"])
def test_training_status_parses_every_spelling_of_not_started(spelling: str) -> None:
    status = structure({"status": spelling, "createdDateTime": CREATED}, TrainingStatus)
    assert status.status is TrainingStatusType.NOT_STARTED


def test_operation_status_parses_the_preview_camel_case() -> None:
    status = structure({"status": "notStarted", "createdTime": CREATED}, OperationStatus)
    assert status.status is OperationStatusType.NOT_STARTED


def test_an_unknown_enum_value_is_kept_not_fatal() -> None:
    status = structure({"status": "paused", "createdDateTime": CREATED}, TrainingStatus)
    assert status.status == "paused"
    assert isinstance(status.status, TrainingStatusType)
    assert status.status not in (TrainingStatusType.RUNNING, TrainingStatusType.SUCCEEDED)
    assert to_wire(status)["status"] == "paused"


def test_enum_values_parse_case_insensitively() -> None:
    face = structure(
        {
            "faceRectangle": {"left": 1, "top": 2, "width": 3, "height": 4},
            "faceAttributes": {"blur": {"blurLevel": "medium", "value": 0.5}},
        },
        DetectedFace,
    )
    assert face.face_attributes is not None
    assert face.face_attributes.blur is not None
    assert face.face_attributes.blur.blur_level is BlurLevel.MEDIUM


def test_unknown_fields_are_ignored() -> None:
    person = structure({"personId": "p", "name": "Ann", "futureField": {"x": 1}}, Person)
    assert person == Person(person_id="p", name="Ann")


def test_json_null_in_an_optional_field_means_absent() -> None:
    person = structure({"personId": "p", "persistedFaceIds": None, "userData": None}, Person)
    assert person.persisted_face_ids == []
    assert person.user_data is None


def test_a_wrong_type_in_an_optional_field_is_an_error_and_a_right_one_is_kept() -> None:
    with pytest.raises(Exception, match="Person"):
        structure({"personId": "p", "userData": 5}, Person)
    with pytest.raises(Exception, match="DetectedFace"):
        structure(
            {
                "faceRectangle": {"left": 1, "top": 2, "width": 3, "height": 4},
                "faceAttributes": {"blur": {"blurLevel": "low", "value": "high"}},
            },
            DetectedFace,
        )
    face = structure(
        {
            "faceRectangle": {"left": 1, "top": 2, "width": 3, "height": 4},
            "faceAttributes": {"blur": {"blurLevel": "low", "value": 0.1}},
        },
        DetectedFace,
    )
    assert face.face_attributes is not None
    assert face.face_attributes.blur is not None
    assert face.face_attributes.blur.value == 0.1
    assert structure({"personId": "p", "userData": "u"}, Person).user_data == "u"


def test_enum_members_parse_from_their_exact_value_or_a_member() -> None:
    status = structure({"status": "succeeded", "createdDateTime": CREATED}, TrainingStatus)
    assert status.status is TrainingStatusType.SUCCEEDED
    again = structure(
        {"status": TrainingStatusType.RUNNING, "createdDateTime": CREATED}, TrainingStatus
    )
    assert again.status is TrainingStatusType.RUNNING


def test_a_list_of_models_parses_each_and_again_the_same() -> None:
    for _ in range(2):  # the second time through the hook kept for list[Person]
        people = structure([{"personId": "a"}, {"personId": "b", "name": "B"}], list[Person])
        assert people == [Person(person_id="a"), Person(person_id="b", name="B")]


def test_a_missing_required_field_is_an_error_naming_it() -> None:
    with pytest.raises(Exception, match="TrainingStatus"):
        structure({"createdDateTime": CREATED}, TrainingStatus)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-12-25T11:41:02.2331413Z", datetime(2018, 12, 25, 11, 41, 2, 233141, tzinfo=UTC)),
        ("2017-12-21T12:57:27.00Z", datetime(2017, 12, 21, 12, 57, 27, tzinfo=UTC)),
        ("2017-12-21T12:57:27", datetime(2017, 12, 21, 12, 57, 27, tzinfo=UTC)),
        ("1/3/2017 4:11:35 AM", datetime(2017, 1, 3, 4, 11, 35, tzinfo=UTC)),
        ("1/3/2017 4:11:35 PM", datetime(2017, 1, 3, 16, 11, 35, tzinfo=UTC)),
        ("12/31/2017 12:00:00 AM", datetime(2017, 12, 31, 0, 0, 0, tzinfo=UTC)),
    ],
)
def test_dates_parse_to_aware_datetimes(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is not None


def test_a_bad_date_is_an_error() -> None:
    with pytest.raises(ValueError, match="date"):
        parse_datetime("yesterday")


def test_request_bodies_leave_out_what_was_not_given() -> None:
    assert to_wire(IdentifyBody(face_ids=["a"])) == {"faceIds": ["a"]}
    assert to_wire(MetaDataBody(name="n")) == {"name": "n"}
    assert to_wire(FindSimilarBody(face_id="f", face_list_id="l")) == {
        "faceId": "f",
        "faceListId": "l",
    }


def test_request_bodies_keep_every_value_the_caller_gave() -> None:
    body = IdentifyBody(
        face_ids=["a"],
        person_group_id="g",
        max_num_of_candidates_returned=1,
        confidence_threshold=0.0,
    )
    assert to_wire(body) == {
        "faceIds": ["a"],
        "personGroupId": "g",
        "maxNumOfCandidatesReturned": 1,
        "confidenceThreshold": 0.0,
    }
    assert to_wire(VerifyFaceToFaceBody(face_id1="a", face_id2="b")) == {
        "faceId1": "a",
        "faceId2": "b",
    }


def test_operation_status_gives_the_snapshot_id_from_resource_location() -> None:
    status = structure(
        {
            "status": "succeeded",
            "createdTime": CREATED,
            "resourceLocation": "/snapshots/e58b3f08-1e8b-4165-81df-aa9858f233dc",
        },
        OperationStatus,
    )
    assert status.snapshot_id == "e58b3f08-1e8b-4165-81df-aa9858f233dc"
