"""The one cattrs converter: snake_case attrs models <-> camelCase JSON on the wire.

Responses tolerate unknown keys, unknown enum values and JSON nulls for optional fields;
request bodies leave out every field still at its default (None), so only what the caller
set is sent. A field's metadata may name its wire key (`"wire"`) and other keys versions
send it under (`"aliases"`: the liveness previews call a session's id "id").
"""

from __future__ import annotations

import enum
import re
import types
import typing
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._fast import fast_hook

__all__ = ["FaceEnum", "converter", "parse_datetime", "structure", "to_wire", "wire_name"]

T = TypeVar("T")

# Spellings the service and its specs use for one value ("nonstarted" is the v1.0 spec's
# typo for "notstarted"; v1.0-preview and later write "notStarted").
_ALIASES = {"nonstarted": "notstarted"}


class FaceEnum(enum.StrEnum):
    """A string enum that parses case-insensitively and keeps values it does not know.

    An unknown value becomes a pseudo-member carrying the value, so a new service value
    never breaks parsing and still round-trips unchanged.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        folded = value.lower()
        folded = _ALIASES.get(folded, folded)
        for member in cls:
            if member.value.lower() == folded:
                return member
        pseudo = str.__new__(cls, value)
        pseudo._name_ = value
        pseudo._value_ = value
        return pseudo


def wire_name(name: str) -> str:
    """snake_case -> camelCase ("face_id1" -> "faceId1")."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_LEGACY_DATE = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?: ?([AP]M))?$", re.I
)


def parse_datetime(value: str) -> datetime:
    """Parse the service's timestamps into aware datetimes (naive ones are UTC).

    Accepts ISO 8601 with any number of fractional digits and the legacy
    "1/3/2017 4:11:35 AM" form of the pre-OpenAPI reference.
    """
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        match = _LEGACY_DATE.match(text)
        if not match:
            raise ValueError(f"not a date-time: {value!r}") from None
        month, day, year, hour, minute, second = (int(g) for g in match.groups()[:6])
        meridiem = (match.group(7) or "").upper()
        if meridiem == "PM" and hour < 12:
            hour += 12
        elif meridiem == "AM" and hour == 12:
            hour = 0
        parsed = datetime(year, month, day, hour, minute, second)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _structure_datetime(value: Any, _: type) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        raise ValueError(f"not a date-time: {value!r}")
    return parse_datetime(value)


def _structure_enum(value: Any, cls: type[FaceEnum]) -> FaceEnum:
    # A known value exactly as spelled is a dict lookup; anything else goes through the
    # Enum machinery (_missing_: other cases, aliases, unknown values).
    member = cls._value2member_map_.get(value) if type(value) is str else None
    return member if member is not None else cls(str(value))  # type: ignore[return-value]


def _unstructure_enum(value: FaceEnum) -> str:
    return str(value.value)


def _structure_str(value: Any, _: type) -> str:
    # JSON numbers and booleans are not strings; accepting them silently hides a bad reply.
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return value


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ValueError(f"expected an integer, got {type(value).__name__}")
    return value


def _structure_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected a boolean, got {type(value).__name__}")
    return value


def _is_optional(tp: Any) -> bool:
    """`X | None` (or `Optional[X]`) of exactly one other type."""
    return (
        typing.get_origin(tp) in (typing.Union, types.UnionType)
        and len(tp.__args__) == 2
        and type(None) in tp.__args__
    )


def _optional_factory(conv: cattrs.Converter) -> Any:
    def factory(tp: Any) -> Any:
        inner_type = next(arg for arg in tp.__args__ if arg is not type(None))
        hook: Any = None

        def structure_optional(value: Any, _: Any) -> Any:
            # cattrs' own hook looks the inner type's hook up on every value; this one
            # once, on first use (not when built: a model may refer to itself).
            nonlocal hook
            if value is None:
                return None
            if hook is None:
                hook = conv.get_structure_hook(inner_type)
            return hook(value, inner_type)

        return structure_optional

    return factory


def _rename_map(cls: type) -> dict[str, Any]:
    return {
        field.name: override(rename=field.metadata.get("wire", wire_name(field.name)))
        for field in attrs.fields(cls)
    }


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter()
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat())
    # Strict primitives: cattrs would turn 5 into "5"; a reply with wrong types is malformed.
    # Class-based hooks dispatch on the most specific class, so FaceEnum (a str) keeps its own.
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(FaceEnum, _structure_enum)
    conv.register_unstructure_hook(FaceEnum, _unstructure_enum)

    def structure_factory(cls: type) -> Any:
        inner: Any = make_dict_structure_fn(cls, conv, **_rename_map(cls))
        optional = {
            field.metadata.get("wire", wire_name(field.name))
            for field in attrs.fields(cls)
            if field.default is not attrs.NOTHING
        }
        aliases = {
            alias: field.metadata.get("wire", wire_name(field.name))
            for field in attrs.fields(cls)
            for alias in field.metadata.get("aliases", ())
        }

        def structure_model(data: Any, target: type) -> Any:
            if not isinstance(data, dict):
                raise ValueError(f"expected a JSON object for {cls.__name__}")
            # A JSON null for an optional field means "absent"; let the default apply.
            # The reply's dict is never changed: a copy is made before anything is dropped
            # or renamed (most replies need neither).
            if None in data.values():
                data = {k: v for k, v in data.items() if not (v is None and k in optional)}
            if aliases and not aliases.keys().isdisjoint(data):
                data = dict(data)
                for alias, wire in aliases.items():
                    if alias in data and wire not in data:
                        data[wire] = data.pop(alias)
            return inner(data, target)

        return structure_model

    def unstructure_factory(cls: type) -> Any:
        return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **_rename_map(cls))

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_structure_hook_factory(_is_optional, _optional_factory(conv))
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    return conv


converter = _make_converter()


def structure(data: Any, cls: type[T]) -> T:
    """Parse wire JSON into a model (raises cattrs errors on a malformed reply)."""
    hook = _hooks.get(cls)
    if hook is None:
        fast = fast_hook(cls, converter.get_structure_hook, _wire_keys)
        hook = _hooks[cls] = fast or converter.get_structure_hook(cls)
    result: T = hook(data, cls)
    return result


#: The hook per target type asked of `structure`: a fast one for models and lists of
#: them (`_fast`), else the converter's (its own dispatch is slower).
_hooks: dict[Any, Any] = {}


def _wire_keys(cls: type) -> tuple[dict[str, str], list[str]]:
    """A model's wire key per field name, and the other keys versions send fields under."""
    fields = attrs.fields(cls)
    keys = {field.name: field.metadata.get("wire", wire_name(field.name)) for field in fields}
    aliases = [alias for field in fields for alias in field.metadata.get("aliases", ())]
    return keys, aliases


def to_wire(obj: Any) -> Any:
    """Unstructure a model into wire JSON, leaving out fields at their default."""
    return converter.unstructure(obj)
