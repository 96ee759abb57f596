"""Callback data: what a choice asks for, as `v1:<feature>:<code>:<field>…` (at most 64 bytes). It names an
action and a record, never a permission; the use case checks who may do it.

Each action is a small frozen dataclass that subclasses `Callback` with its feature and code; `pack()` writes
it and `unpack()` reads any data back into the right class, or None when it was forged or is outdated. A feature
that shows another feature's button imports that class instead of copying its string.

Fields are `int`, `str` (no ":"), `bool` written as a token when true (`flag("q")`) and omitted when false,
or `int | None` / `str | None` omitted when None; optional fields come last.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, ClassVar, TypeVar, cast

from danhgia.chat.panel import CALLBACK_MAX_BYTES, Choice

VERSION = "v1"
SEP = ":"
INT_LIMIT = 2**62
C = TypeVar("C", bound="Callback")
_registry: dict[tuple[str, str | None], type[Callback]] = {}


def cb(*parts: object) -> str:
    """`v1:part:part…` from loose parts (checked against Telegram's 64-byte limit)."""
    data = SEP.join((VERSION, *(str(p) for p in parts)))
    if len(data.encode()) > CALLBACK_MAX_BYTES:
        raise ValueError(f"callback data over {CALLBACK_MAX_BYTES} bytes: {data!r}")
    return data


def button(label: str, *parts: object) -> Choice:
    """A choice carrying loose callback data (features with typed data use `Callback.choice`)."""
    return Choice(label, cb(*parts))


def cb_parts(data: str | None, feature: str) -> list[str]:
    """The parts after `v1:<feature>:`, or [] when the data is not for this feature."""
    if not data:
        return []
    parts = data.split(SEP)
    if len(parts) < 3 or parts[0] != VERSION or parts[1] != feature:
        return []
    return parts[2:]


def as_int(value: str) -> int | None:
    """An integer from callback data (ASCII digits, within bounds), None if forged."""
    text = value[1:] if value.startswith("-") else value
    if not text.isascii() or not text.isdigit():
        return None
    number = int(value)
    return number if -INT_LIMIT < number < INT_LIMIT else None


def flag(token: str) -> Any:
    """A bool field written as `token` when true and left out when false."""
    return dataclasses.field(default=False, metadata={"flag": token})


class Callback:
    """Typed callback data of one action; subclasses are frozen dataclasses declared with
    `class Approve(Callback, feature="rv", code="a")` (code None: the fields follow the feature directly)."""

    feature: ClassVar[str]
    code: ClassVar[str | None]

    def __init_subclass__(cls, *, feature: str, code: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        key = (feature, code)
        if key in _registry:
            raise ValueError(f"callback {feature}:{code} declared twice")
        if code is not None and SEP in code:
            raise ValueError(f"callback code {code!r} contains {SEP!r}")
        cls.feature, cls.code = feature, code
        _registry[key] = cls

    def pack(self) -> str:
        """The callback data of this action."""
        parts: list[str] = [self.feature] + ([self.code] if self.code is not None else [])
        ended = False
        for spec, kind in _fields(type(self)):
            value = getattr(self, spec.name)
            token = spec.metadata.get("flag")
            if token is not None:
                if value:
                    if ended:
                        raise ValueError(f"{spec.name} follows an omitted field")
                    parts.append(token)
                continue
            if value is None:
                ended = True
                continue
            if ended:
                raise ValueError(f"{spec.name} follows an omitted field")
            text = str(int(value)) if kind is int else str(value)
            if SEP in text:
                raise ValueError(f"{spec.name} contains {SEP!r}: {text!r}")
            parts.append(text)
        return cb(*parts)

    def choice(self, label: str) -> Choice:
        """A choice labelled `label` that asks for this action."""
        return Choice(label, self.pack())


def unpack(data: str | None, feature: str | None = None) -> Callback | None:
    """The action written in callback data (of `feature`, when given); None when it is not well formed."""
    if not data:
        return None
    parts = data.split(SEP)
    if len(parts) < 2 or parts[0] != VERSION or (feature is not None and parts[1] != feature):
        return None
    cls = _registry.get((parts[1], parts[2])) if len(parts) > 2 else None
    rest = parts[3:]
    if cls is None:
        cls, rest = _registry.get((parts[1], None)), parts[2:]
    if cls is None:
        return None
    values: dict[str, Any] = {}
    for spec, kind in _fields(cls):
        token = spec.metadata.get("flag")
        if token is not None:
            values[spec.name] = bool(rest) and rest[0] == token
            rest = rest[1:] if values[spec.name] else rest
            continue
        if not rest:
            if spec.default is dataclasses.MISSING:
                return None
            continue
        head, rest = rest[0], rest[1:]
        if kind is int:
            number = as_int(head)
            if number is None:
                return None
            values[spec.name] = number
        else:
            values[spec.name] = head
    if rest:
        return None
    return cls(**values)


def unpack_as(data: str | None, cls: type[C]) -> C | None:
    """The action in callback data when it is of class `cls`, else None."""
    found = unpack(data, cls.feature)
    return found if isinstance(found, cls) else None


@typing.no_type_check
def _kind(hint: Any) -> type:
    """int or str from a field's type (bool fields are flags)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    if hint not in (int, str, bool):
        raise TypeError(f"callback fields are int, str or bool, not {hint!r}")
    return hint


_field_cache: dict[type, list[tuple[dataclasses.Field[Any], type]]] = {}


def _fields(cls: type) -> list[tuple[dataclasses.Field[Any], type]]:
    found = _field_cache.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = []
        for spec in dataclasses.fields(cast(Any, cls)):
            kind = _kind(hints[spec.name])
            if kind is bool and "flag" not in spec.metadata:
                raise TypeError(f"{cls.__name__}.{spec.name}: a bool field is a flag(token)")
            found.append((spec, kind))
        _field_cache[cls] = found
    return found
