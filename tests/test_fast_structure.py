"""The fast structuring of replies gives exactly what the cattrs converter gives.

`facekit.models._fast` builds a model from a well-formed reply itself and hands anything
else to the converter. These tests hold it to the converter's results and errors on every
JSON object of every example reply in the specs, tried against every model, and on
generated replies with every kind of flaw; and they check that well-formed replies do not
quietly take the slow way (which would keep results right and lose the speed).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import typing
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import facekit.models as models_package
from facekit.models._fast import fast_hook
from facekit.models._serde import FaceEnum, _wire_keys, converter, structure

FIXTURES = Path(__file__).parent / "fixtures"


def _models() -> list[type]:
    found: set[type] = set()
    for module in pkgutil.iter_modules(models_package.__path__):
        loaded = importlib.import_module(f"facekit.models.{module.name}")
        found.update(
            value
            for value in vars(loaded).values()
            if isinstance(value, type)
            and attrs.has(value)
            and value.__module__.startswith("facekit.models")
        )
    return sorted(found, key=lambda cls: cls.__qualname__)


MODELS = _models()


def _objects(value: Any) -> typing.Iterator[Any]:
    """Every JSON object and array in an example reply, nested ones included."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _objects(item)
    elif isinstance(value, list):
        yield value
        for item in value:
            yield from _objects(item)


def _example_replies() -> list[Any]:
    replies: list[Any] = []
    seen: set[str] = set()
    for path in sorted(FIXTURES.rglob("*.json")):
        if "examples" not in path.parent.name:
            continue
        document = json.loads(path.read_text(encoding="utf-8"))
        for response in (document.get("responses") or {}).values():
            body = response.get("body") if isinstance(response, dict) else None
            for found in _objects(body):
                text = json.dumps(found, sort_keys=True)
                if text not in seen:
                    seen.add(text)
                    replies.append(found)
    return replies


EXAMPLES = _example_replies()


def _outcome(hook: Any, data: Any, target: Any) -> tuple[str, Any]:
    try:
        return "value", hook(data, target)
    except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
        messages = (
            cattrs.transform_error(exc)
            if isinstance(exc, cattrs.BaseValidationError)
            else [str(exc)]
        )
        return type(exc).__name__, sorted(messages)


def _fast_and_slow(target: Any) -> tuple[Any, Any, Counter[Any]]:
    """The fast hook (counting its whole-model fallbacks) and the converter's own."""
    fallbacks: Counter[Any] = Counter()

    def counting(tp: Any) -> Any:
        hook = converter.get_structure_hook(tp)
        if not (attrs.has(tp) or typing.get_origin(tp) is list):
            return hook  # a field's own hook (dates): part of the fast way

        def fallback(data: Any, target: Any) -> Any:
            fallbacks[tp] += 1
            return hook(data, target)

        return fallback

    fast = fast_hook(target, counting, _wire_keys)
    assert fast is not None
    return fast, converter.get_structure_hook(target), fallbacks


def test_every_model_and_list_of_models_gets_a_fast_hook() -> None:
    assert len(MODELS) > 60
    for cls in MODELS:
        assert fast_hook(cls, converter.get_structure_hook, _wire_keys) is not None
        assert fast_hook(list[cls], converter.get_structure_hook, _wire_keys) is not None  # type: ignore[valid-type]
    # Other types keep the converter's hooks.
    assert fast_hook(str, converter.get_structure_hook, _wire_keys) is None
    assert fast_hook(list[str], converter.get_structure_hook, _wire_keys) is None


def test_every_example_object_against_every_model_matches_the_converter() -> None:
    assert len(EXAMPLES) > 200
    parsed = fast_ways = 0
    for cls in MODELS:
        for target in (cls, list[cls]):  # type: ignore[valid-type]
            fast, slow, fallbacks = _fast_and_slow(target)
            for data in EXAMPLES:
                before = sum(fallbacks.values())
                expected = _outcome(slow, data, target)
                assert _outcome(fast, data, target) == expected, (target, data)
                if expected[0] == "value":
                    parsed += 1
                    fast_ways += sum(fallbacks.values()) == before
    # Not a vacuous comparison: many example objects are replies of some model, and
    # nearly all of those are built the fast way (an alias key or an enum value the
    # model does not know sends one to the converter).
    assert parsed > 300
    assert fast_ways / parsed > 0.95, (fast_ways, parsed)


def test_the_model_built_the_fast_way_is_the_same_object_the_converter_builds() -> None:
    from facekit.models.groups import LargePersonGroup

    data = {
        "largePersonGroupId": "g",
        "name": "G",
        "userData": None,
        "recognitionModel": "recognition_04",
        "unknownKey": [1, 2],
    }
    fast, slow, fallbacks = _fast_and_slow(LargePersonGroup)
    built = fast(data, LargePersonGroup)
    assert not fallbacks
    assert built == slow(data, LargePersonGroup)
    assert type(built) is LargePersonGroup
    assert repr(built) == repr(slow(data, LargePersonGroup))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.name = "other"  # type: ignore[misc]
    # The reply is not changed.
    assert data["userData"] is None
    assert "unknownKey" in data


def test_lists_in_a_reply_are_copied_not_shared() -> None:
    from facekit.models.groups import Person

    data = {"personId": "p", "name": "n", "persistedFaceIds": ["a", "b"]}
    person = structure(data, Person)
    data["persistedFaceIds"].append("c")  # type: ignore[attr-defined]
    assert person.persisted_face_ids == ["a", "b"]


# -- generated replies, with every kind of flaw ---------------------------------------


def _value_for(tp: Any, depth: int) -> st.SearchStrategy[Any]:
    """Wire values for a field type: mostly right, sometimes of the wrong JSON type."""
    wrong = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.text(max_size=3))
    origin = typing.get_origin(tp)
    if origin in (typing.Union, type(int | None)):
        inner = next(arg for arg in typing.get_args(tp) if arg is not type(None))
        return st.one_of(st.none(), _value_for(inner, depth))
    if tp is str:
        right: st.SearchStrategy[Any] = st.text(max_size=5)
    elif tp is bool:
        right = st.booleans()
    elif tp is int:
        right = st.one_of(st.integers(), st.just(3.0))
    elif tp is float:
        right = st.one_of(st.floats(allow_nan=False), st.integers())
    elif tp is datetime:
        right = st.sampled_from(["2024-01-02T03:04:05Z", "1/3/2017 4:11:35 AM", "not a date"])
    elif isinstance(tp, type) and issubclass(tp, FaceEnum):
        values = [member.value for member in tp]
        right = st.sampled_from([*values, values[0].upper(), "somethingNew"])
    elif origin is list:
        (item,) = typing.get_args(tp)
        right = st.lists(_value_for(item, depth + 1), max_size=2)
    elif attrs.has(tp) and depth < 3:
        right = _wire_dict(tp, depth + 1)
    else:
        right = st.none()
    return st.one_of(right, right, right, wrong, st.none())


def _wire_dict(cls: type, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    hints = typing.get_type_hints(cls)
    keys, aliases = _wire_keys(cls)
    entries = {
        keys[field.name]: _value_for(hints[field.name], depth) for field in attrs.fields(cls)
    }
    extra: dict[str, st.SearchStrategy[Any]] = {alias: st.text(max_size=3) for alias in aliases}
    extra["someUnknownKey"] = st.integers()
    return st.fixed_dictionaries({}, optional={**entries, **extra})


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__qualname__)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_replies_match_the_converter(cls: type, data: st.DataObject) -> None:
    fast, slow, _ = _fast_and_slow(cls)
    reply = data.draw(_wire_dict(cls))
    assert _outcome(fast, reply, cls) == _outcome(slow, reply, cls)
    listed = [reply, data.draw(_wire_dict(cls))]
    fast_list, slow_list, _ = _fast_and_slow(list[cls])  # type: ignore[valid-type]
    assert _outcome(fast_list, listed, list[cls]) == _outcome(slow_list, listed, list[cls])  # type: ignore[valid-type]


@pytest.mark.parametrize("bad", [None, "text", 5, [1], {"a": 1}, [[]]])
def test_replies_of_the_wrong_shape_raise_as_the_converter_does(bad: Any) -> None:
    from facekit.models.groups import LargePersonGroup

    for target in (LargePersonGroup, list[LargePersonGroup]):
        fast, slow, _ = _fast_and_slow(target)
        assert _outcome(fast, bad, target) == _outcome(slow, bad, target)
        assert _outcome(fast, bad, target)[0] != "value"
