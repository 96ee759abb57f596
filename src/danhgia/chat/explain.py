"""Explanation lines worded for the reader: the catalog's `explain.<kind>` template filled with the line's params,
then its points and citation (`explain.line.*`), in the reader's language.

A line of unknown kind, or whose kind has no template (or a template its params do not fill), is shown by the
Vietnamese sentence stored with it. Every Vietnamese template gives exactly the sentence scoring writes.

Params are formatted by name: points (`points`, `max`, `total`, `threshold`, `average`, `gap`) as the bot shows
points ("87,5"), percentages (`percent`, `weight`) as "25 %", an evaluator `role` and a kind of `leave` by their
names in the catalog. Derived for the templates: `aside` (" (2 lần, note)" from `count` and `note`) and `who` (the
role, numbered when several raters of one role are named).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Protocol

from danhgia.scoring import format_percent, format_points
from danhgia.scoring.model import ParamValue
from danhgia.texts import DEFAULT_LANGUAGE, Html, catalog, escape, t, t_html

POINTS = frozenset({"points", "max", "total", "threshold", "average", "gap"})
PERCENTS = frozenset({"percent", "weight"})


class Labelled(Protocol):
    """A citation with a short label."""

    @property
    def label(self) -> str: ...


class Line(Protocol):
    """What wording a line needs (a scoring `ExplanationLine` or a stored line of `workflow.privacy`)."""

    @property
    def kind(self) -> str: ...

    @property
    def delta(self) -> Decimal | None: ...

    @property
    def citation(self) -> Labelled: ...

    @property
    def text(self) -> str: ...

    def values(self) -> dict[str, ParamValue]: ...


def _number(value: ParamValue) -> Decimal:
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise InvalidOperation(value)
    return number


def _filled(values: Mapping[str, ParamValue], lang: str) -> dict[str, str]:
    """The template parameters of a line: its params formatted, and the derived `aside` and `who`."""
    out: dict[str, str] = {}
    for name, value in values.items():
        if name in POINTS:
            out[name] = format_points(_number(value))
        elif name in PERCENTS:
            out[name] = format_percent(_number(value))
        elif name in ("role", "leave"):
            out[name] = t(f"explain.{name}.{value}", lang)
        else:
            out[name] = str(value)
    count = int(values.get("count", 1) or 1)
    note = str(values.get("note", "") or "")
    items = ([t("explain.fragment.times", lang, count=count)] if count > 1 else []) + ([note] if note else [])
    out["aside"] = t("explain.fragment.aside", lang, items=", ".join(items)) if items else ""
    if "role" in out:
        number = int(values.get("number", 0) or 0)
        out["who"] = t("explain.fragment.numbered", lang, role=out["role"], number=number) if number else out["role"]
    return out


def reason_html(line: Line, lang: str = DEFAULT_LANGUAGE) -> Html | None:
    """The line's reason worded by its kind's template, or None when it has no usable template."""
    key = f"explain.{line.kind}"
    if not line.kind or key not in catalog(DEFAULT_LANGUAGE):
        return None
    try:
        return t_html(key, lang, **_filled(line.values(), lang))
    except (KeyError, IndexError, ValueError, ArithmeticError):
        return None


def line_html(line: Line, lang: str = DEFAULT_LANGUAGE) -> Html:
    """One explanation line in the reader's language: points, reason and citation; the stored sentence when its
    kind has no template."""
    reason = reason_html(line, lang)
    if reason is None:
        return Html(escape(line.text))
    citation = line.citation.label
    if line.delta is None:
        return t_html("explain.line.fact", lang, reason=reason, citation=citation)
    delta = format_points(line.delta, signed=True)
    return t_html("explain.line.change", lang, delta=delta, reason=reason, citation=citation)


def lines_html(lines: Iterable[Line], lang: str = DEFAULT_LANGUAGE) -> list[Html]:
    """Each line in the reader's language; lines with nothing to say are left out."""
    return [html for html in (line_html(line, lang) for line in lines) if html]
