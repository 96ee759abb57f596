"""Explanation lines as a record stores them, and who may read which.

The rule: **a person sees the rule and their own lines, never a colleague's.** A line is visible to a viewer when
its kind is known and it is about the rule or the group (`subject` None) or about the viewer (`subject` is their
staff code). A line about several named people (a tie on the quota line: their codes joined by ", ") is nobody's
own, so none of them reads it in private. `visible_lines` is that rule, applied where the lines of a group are
kept with one person's record (`workflow.quota.own_quota_lines`) and again where they are shown
(`handlers/results`); a person's own result lines are all about them.

Stored lines are dicts (`scoring.serialize.line_to_dict`: kind, params, subject, delta, part, text, reason,
citation). Older versions stored bare sentences (the quota's lines) or dicts without a kind (a result's lines);
`read_line` reads them as lines of unknown kind ("") about nobody, shown by their stored text. **Decision: a quota
line of unknown kind is never shown**: records closed before each person's lines were cut hold every colleague's
demotion, and whom a bare sentence is about could only be guessed from its wording, which this rule refuses to
do. The person still reads their level before and after the quota; only the stored sentences are withheld.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from danhgia.scoring.model import ParamValue

__all__ = ["Attributed", "Cited", "StoredLine", "read_line", "read_lines", "visible", "visible_lines"]


class Attributed(Protocol):
    """A line with a kind and a subject (a scoring `ExplanationLine` or a `StoredLine`)."""

    @property
    def kind(self) -> str: ...

    @property
    def subject(self) -> str | None: ...


L = TypeVar("L", bound=Attributed)


def visible(line: Attributed, viewer: str) -> bool:
    """Whether the person with staff code `viewer` may read this line (see the module docstring)."""
    return bool(line.kind) and (line.subject is None or line.subject == viewer)


def visible_lines(lines: Iterable[L], viewer: str) -> list[L]:
    """The lines the person with staff code `viewer` may read, in order."""
    return [line for line in lines if visible(line, viewer)]


@dataclass(frozen=True)
class Cited:
    """The citation of a stored line: its key, short label and confidence tag."""

    key: str = ""
    label: str = ""
    source: str = ""


@dataclass(frozen=True)
class StoredLine:
    """An explanation line read back from a stored record; `stored` is the value as it was stored."""

    kind: str
    params: Mapping[str, ParamValue]
    subject: str | None
    delta: Decimal | None
    citation: Cited
    text: str
    stored: dict[str, Any] | str = field(compare=False, repr=False)

    def values(self) -> dict[str, ParamValue]:
        """The params as a dict of names to values."""
        return dict(self.params)


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _param(value: object) -> ParamValue:
    return value if isinstance(value, str | int) else str(value)


def read_line(value: object) -> StoredLine:
    """A stored line: a dict (with or without a kind) or a bare sentence of an older version (unknown kind)."""
    if not isinstance(value, Mapping):
        text = "" if value is None else str(value)
        return StoredLine("", {}, None, None, Cited(), text, text)
    data = dict(value)
    params = data.get("params")
    cite = data.get("citation")
    cite = cite if isinstance(cite, Mapping) else {}
    subject = data.get("subject")
    return StoredLine(
        str(data.get("kind") or ""),
        {str(k): _param(v) for k, v in params.items()} if isinstance(params, Mapping) else {},
        str(subject) if subject else None,
        _decimal(data.get("delta")),
        Cited(str(cite.get("key") or ""), str(cite.get("label") or ""), str(cite.get("source") or "")),
        str(data.get("text") or ""),
        data,
    )


def read_lines(values: object) -> list[StoredLine]:
    """The stored lines of a list (anything else: none)."""
    return [read_line(value) for value in values] if isinstance(values, list) else []
