"""The Bot API specification as data (`telegram-bot-api/api.json`): decode and check every call against it."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_ENV = "DANHGIA_BOT_API_SPEC"
_PRIMITIVES = {"Integer", "String", "Boolean", "True", "Float", "InputFile"}


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a method or field of a type; `constant` when the spec fixes its value."""

    name: str
    types: tuple[str, ...]
    required: bool
    constant: str | None = None


@dataclass(frozen=True)
class MethodSpec:
    """One method of the Bot API."""

    name: str
    fields: dict[str, FieldSpec]


@dataclass(frozen=True)
class TypeSpec:
    """One object type of the Bot API."""

    name: str
    fields: dict[str, FieldSpec]
    subtypes: tuple[str, ...]


_CONSTANT = re.compile(r"""(?:must be|always) [“"]?([a-z_]+)[”"]?$""")


def _fields(raw: list[dict[str, Any]]) -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for f in raw:
        constant = None
        if f["name"] in ("type", "status", "source"):
            match = _CONSTANT.search(f.get("description", "").strip())
            constant = match.group(1) if match else None
        fields[f["name"]] = FieldSpec(f["name"], tuple(f["types"]), bool(f["required"]), constant)
    return fields


class ApiSpec:
    """Methods and types of one version of the Bot API, with call checking."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data.get("version", "?")
        self.methods = {
            name.lower(): MethodSpec(name, _fields(m.get("fields", []))) for name, m in data["methods"].items()
        }
        self.types = {
            name: TypeSpec(name, _fields(t.get("fields", [])), tuple(t.get("subtypes", [])))
            for name, t in data["types"].items()
        }

    @classmethod
    def load(cls, path: Path) -> ApiSpec:
        """Read a spec file."""
        return cls(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def find(cls, start: Path | None = None) -> ApiSpec | None:
        """The spec from `$DANHGIA_BOT_API_SPEC` or a `shared/telegram-bot-api/api.json` beside a parent folder."""
        explicit = os.environ.get(SPEC_ENV)
        if explicit:
            return cls.load(Path(explicit))
        for base in [start or Path.cwd(), Path(__file__).resolve()]:
            for folder in [base, *base.parents]:
                candidate = folder / "shared" / "telegram-bot-api" / "api.json"
                if candidate.is_file():
                    return cls.load(candidate)
        return None

    def method(self, name: str) -> MethodSpec | None:
        """A method by name (Telegram matches method names case-insensitively)."""
        return self.methods.get(name.lower())

    # -- decoding form values ----------------------------------------------------------------------

    def decode(self, method: MethodSpec, raw: dict[str, Any]) -> dict[str, Any]:
        """Turn form-encoded strings into typed values, as Telegram does (JSON for objects and arrays)."""
        decoded: dict[str, Any] = {}
        for name, value in raw.items():
            spec = method.fields.get(name)
            if spec is None or not isinstance(value, str):
                decoded[name] = value
                continue
            decoded[name] = _decode_value(value, spec.types)
        return decoded

    # -- checking ----------------------------------------------------------------------------------

    def check_call(self, method: MethodSpec, params: dict[str, Any]) -> list[str]:
        """Every way a call breaks the spec: unknown or missing parameters, values of the wrong type."""
        problems: list[str] = []
        for name in params:
            if name not in method.fields:
                problems.append(f"{method.name}: unknown parameter '{name}'")
        for spec in method.fields.values():
            if spec.required and spec.name not in params:
                problems.append(f"{method.name}: missing required parameter '{spec.name}'")
            elif spec.name in params:
                problems.extend(self.check_value(params[spec.name], spec.types, f"{method.name}.{spec.name}"))
        return problems

    def check_value(self, value: Any, types: tuple[str, ...], path: str) -> list[str]:
        """Problems of one value against a union of spec types (empty when any alternative fits)."""
        best: list[str] | None = None
        for kind in types:
            problems = self._check_one(value, kind, path)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or []

    def _check_one(self, value: Any, kind: str, path: str) -> list[str]:
        if kind.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: expected {kind}, got {type(value).__name__}"]
            inner = kind[len("Array of ") :]
            problems: list[str] = []
            for index, item in enumerate(value):
                problems.extend(self._check_one(item, inner, f"{path}[{index}]"))
            return problems
        if kind in _PRIMITIVES:
            ok = {
                "Integer": isinstance(value, int) and not isinstance(value, bool),
                "String": isinstance(value, str),
                "Boolean": isinstance(value, bool),
                "True": value is True,
                "Float": isinstance(value, int | float) and not isinstance(value, bool),
                "InputFile": isinstance(value, str | bytes | UploadedFile),
            }[kind]
            return [] if ok else [f"{path}: expected {kind}, got {value!r:.60}"]
        spec = self.types.get(kind)
        if spec is None:
            return []  # a type the spec does not describe: nothing to check against
        if spec.subtypes:
            return self.check_value(value, spec.subtypes, path)
        if not isinstance(value, dict):
            return [f"{path}: expected {kind} object, got {value!r:.60}"]
        problems = [f"{path}: unknown field '{name}' for {kind}" for name in value if name not in spec.fields]
        for field in spec.fields.values():
            if field.constant is not None and value.get(field.name) != field.constant:
                problems.append(f"{path}.{field.name}: must be {field.constant!r} for {kind}")
            elif field.name in value:
                problems.extend(self.check_value(value[field.name], field.types, f"{path}.{field.name}"))
            elif field.required:
                problems.append(f"{path}: missing required field '{field.name}' of {kind}")
        return problems


@dataclass(frozen=True)
class UploadedFile:
    """A file sent in a multipart request."""

    filename: str
    content_type: str
    data: bytes


def _decode_value(value: str, types: tuple[str, ...]) -> Any:
    for kind in types:
        if kind == "Integer":
            try:
                return int(value)
            except ValueError:
                continue
        elif kind == "Float":
            try:
                return float(value)
            except ValueError:
                continue
        elif kind in ("Boolean", "True"):
            if value.lower() in ("true", "1"):
                return True
            if value.lower() in ("false", "0"):
                return False
        elif kind in ("String", "InputFile"):
            return value
        else:
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                continue
    return value
