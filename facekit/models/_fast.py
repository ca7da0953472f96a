"""Fast structuring of well-formed replies; anything unusual goes to the cattrs converter.

cattrs calls a hook per field (and collects errors for each), which makes a reply of a
few strings cost more than the request that fetched it. For each model this module
generates one function that reads the wire keys, checks the JSON types inline and builds
the model. At the first thing it does not expect (a wrong type, a null where a value is
required, an enum value spelled otherwise, an alias key) it gives the whole reply to the
converter's own hook, so results and error messages stay exactly the converter's.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["Fallback", "fast_hook"]

#: A converter hook: (data, type) -> value.
Hook = Callable[[Any, Any], Any]
#: Gives the converter's hook for a type (what a reply falls back to).
Fallback = Callable[[Any], Hook]


class _Unexpected(Exception):
    """The reply is not the plain shape the fast function handles."""


def fast_hook(target: Any, fallback: Fallback, wire_names: Callable[[Any], Any]) -> Hook | None:
    """A fast hook for an attrs model or a list of one; None for any other type.

    `wire_names(cls)` gives (wire key per field name, alias keys) as the converter uses them.
    """
    return _Builder(fallback, wire_names).hook(target)


class _Builder:
    def __init__(self, fallback: Fallback, wire_names: Callable[[Any], Any]) -> None:
        self._fallback = fallback
        self._wire_names = wire_names
        self._models: dict[type, Hook] = {}
        self._building: set[type] = set()

    def hook(self, target: Any) -> Hook | None:
        if attrs.has(target):
            return self._model(target)
        if typing.get_origin(target) is list and attrs.has(typing.get_args(target)[0]):
            item_type = typing.get_args(target)[0]
            item = self._model(item_type)
            slow = self._fallback(target)

            def structure_list(data: Any, _: Any) -> Any:
                if type(data) is list:
                    try:
                        return [item(value, item_type) for value in data]
                    except Exception:
                        pass
                return slow(data, target)

            return structure_list
        return None

    def _model(self, cls: type) -> Hook:
        known = self._models.get(cls)
        if known is not None:
            return known
        self._building.add(cls)
        try:
            hook = self._generate(cls)
        finally:
            self._building.discard(cls)
        self._models[cls] = hook
        return hook

    def _generate(self, cls: type) -> Hook:
        wire, aliases = self._wire_names(cls)
        hints = typing.get_type_hints(cls)
        namespace: dict[str, Any] = {
            "cls": cls,
            "slow": self._fallback(cls),
            "Unexpected": _Unexpected,
            "aliases": frozenset(aliases),
        }
        lines = [
            "def structure(data, _):",
            "    if type(data) is not dict or (aliases and not aliases.isdisjoint(data)):",
            "        return slow(data, cls)",
            "    try:",
            "        get = data.get",
        ]
        arguments = []
        # A slotted model without validators, converters or a post-init hook is built by
        # setting its slots: its frozen __init__ calls object.__setattr__ per field,
        # which costs twice as much.
        fields = attrs.fields(cls)
        slots = [getattr(cls, field.name, None) for field in fields]
        by_slots = all(isinstance(slot, types.MemberDescriptorType) for slot in slots) and not (
            hasattr(cls, "__attrs_post_init__")
            or any(field.validator or field.converter for field in fields)
        )
        namespace["new"] = object.__new__
        for index, field in enumerate(fields):
            name = f"v{index}"
            lines.append(f"        {name} = get({wire[field.name]!r})")
            tp = hints[field.name]
            optional = _optional_inner(tp)
            if field.default is attrs.NOTHING:
                # Required: a missing key or a null is the converter's error to tell.
                lines.append(f"        if {name} is None: raise Unexpected")
                lines.extend(self._check(name, optional or tp, namespace, "        "))
            else:
                lines.append(f"        if {name} is not None:")
                lines.extend(self._check(name, optional or tp, namespace, "            "))
                default = field.default
                if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                    if default.takes_self:
                        return self._fallback(cls)
                    namespace[f"factory{index}"] = default.factory
                    lines.append(f"        else: {name} = factory{index}()")
                elif default is not None:
                    namespace[f"default{index}"] = default
                    lines.append(f"        else: {name} = default{index}")
            arguments.append(f"{field.alias}={name}")
        if by_slots:
            lines.append("        model = new(cls)")
            for index, slot in enumerate(slots):
                namespace[f"set{index}"] = slot.__set__  # type: ignore[union-attr]
                lines.append(f"        set{index}(model, v{index})")
            lines.append("        return model")
        else:
            lines.append(f"        return cls({', '.join(arguments)})")
        lines += [
            "    except Exception:",
            "        pass",
            "    return slow(data, cls)",
        ]
        source = "\n".join(lines)
        code = compile(source, f"<facekit fast structure {cls.__qualname__}>", "exec")
        exec(code, namespace)
        hook: Hook = namespace["structure"]
        return hook

    def _model_call(self, name: str, model: type, namespace: dict[str, Any], value: str) -> str:
        """An expression building `model` from `value` with its own fast function."""
        namespace[f"model_{name}"] = self._model(model)
        namespace[f"type_{name}"] = model
        return f"model_{name}({value}, type_{name})"

    def _check(self, name: str, tp: Any, namespace: dict[str, Any], indent: str) -> list[str]:
        """Lines that check (and convert) `name`, a value that is not None, as `tp`."""
        if tp is str or tp is bool or tp is int:
            return [f"{indent}if type({name}) is not {tp.__name__}: raise Unexpected"]
        if tp is float:
            return [
                f"{indent}if type({name}) is not float:",
                f"{indent}    if type({name}) is not int: raise Unexpected",
                f"{indent}    {name} = float({name})",
            ]
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            key = f"members_{name}"
            namespace[key] = tp._value2member_map_
            return [
                f"{indent}{name} = {key}.get({name}) if type({name}) is str else None",
                f"{indent}if {name} is None: raise Unexpected",
            ]
        if attrs.has(tp) and tp not in self._building:
            return [f"{indent}{name} = {self._model_call(name, tp, namespace, name)}"]
        if typing.get_origin(tp) is list:
            (item,) = typing.get_args(tp) or (Any,)
            if item is str:
                return [
                    f"{indent}if type({name}) is not list: raise Unexpected",
                    f"{indent}for item in {name}:",
                    f"{indent}    if type(item) is not str: raise Unexpected",
                    f"{indent}{name} = list({name})",
                ]
            if attrs.has(item) and item not in self._building:
                built = self._model_call(name, item, namespace, "item")
                return [
                    f"{indent}if type({name}) is not list: raise Unexpected",
                    f"{indent}{name} = [{built} for item in {name}]",
                ]
        # Anything else (dates, nested lists, a model being built): the converter's hook
        # for that value alone.
        key = f"hook_{name}"
        namespace[key] = self._fallback(tp)
        namespace[f"type_{name}"] = tp
        return [f"{indent}{name} = {key}({name}, type_{name})"]


def _optional_inner(tp: Any) -> Any:
    """X of `X | None`, or None when `tp` is not optional."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0]
    return None
