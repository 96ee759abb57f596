"""The criteria walk shared by /tudanhgia (selfassess.py), /danhgiacheo (ratings.py) and the reviewer's
adjustment (review.py): a criterion's points (marked when typed) with its chosen deductions listed ×n, the
buttons for full points, each listed deduction and typed points, and back / next between the steps.

Each feature keeps its own texts (`Keys`, catalog keys) and its own callback data: the button functions take
the leading parts of the data (`v1:<feature>:<action>:<record>:…`), to which they add the step or the
deduction's index.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from danhgia.chat.callbacks import button
from danhgia.chat.format import points, short
from danhgia.chat.panel import Choice
from danhgia.scoring import Criterion, Deduction, Regime
from danhgia.texts import Html, t, t_html
from danhgia.workflow.evaluation import criterion_points

Rows = list[list[Choice]]


@dataclass(frozen=True)
class CatalogKeys:
    """One feature's catalog keys for a criterion's panel (`note` None: the feature takes no notes)."""

    points: str  # {max, points}
    typed: str  # after the points when they were typed
    deductions: str  # above the chosen deductions
    deduction_line: str  # {label, count, points}
    note: str | None  # {note}
    hint: str
    full: str  # {max}
    full_current: str  # {max}, while the points are full
    type_points: str
    deduction_button: str  # {points, label}
    deduction_button_count: str  # {points, label, count}
    back: str
    next: str
    to_summary: str

    @classmethod
    def under(cls, prefix: str, **keys: str | None) -> CatalogKeys:
        """The keys `<prefix>.<field>`, except those given."""
        found: dict[str, Any] = {field.name: f"{prefix}.{field.name}" for field in dataclasses.fields(cls)}
        return cls(**(found | keys))


def entry_of(criteria: Mapping[str, Any], code: str) -> dict[str, Any]:
    """One criterion's answers (points, deductions, note) from a map of criteria; {} when there are none."""
    entry = criteria.get(code, {})
    return dict(entry) if isinstance(entry, dict) else {}


def chosen(entry: dict[str, Any]) -> dict[str, int]:
    """How many times each listed deduction was chosen, by code, in the order they were first chosen."""
    return {c["code"]: int(c.get("count", 1)) for c in entry.get("deductions", [])}


def deduction_lines(
    criterion: Criterion, entry: dict[str, Any], key: str, lang: str, *, in_order_chosen: bool = False
) -> list[Html]:
    """A line per chosen deduction ({label} ×{count}: −{points}), in the regime's order or in the order chosen."""
    counts = chosen(entry)
    if in_order_chosen:
        items = [item for item in map(criterion.deduction, counts) if item is not None]
    else:
        items = [item for item in criterion.deductions if item.code in counts]
    return [
        t_html(key, lang, label=item.label, count=counts[item.code], points=points(item.points * counts[item.code]))
        for item in items
    ]


def criterion_lines(
    regime: Regime, criterion: Criterion, entry: dict[str, Any], keys: CatalogKeys, lang: str
) -> list[Html]:
    """The points now (marked when typed), the chosen deductions, the note, and the hint."""
    typed = entry.get("points") is not None
    current = points(criterion_points(regime, entry, criterion.code))
    line = t_html(keys.points, lang, max=points(criterion.max_points), points=current)
    if typed:
        line = Html(line + " " + t_html(keys.typed, lang))
    lines = [line]
    if chosen(entry):
        lines.append(t_html(keys.deductions, lang))
        lines += deduction_lines(criterion, entry, keys.deduction_line, lang)
    if keys.note is not None and entry.get("note"):
        lines.append(t_html(keys.note, lang, note=entry["note"]))
    lines.append(Html("<i>" + t_html(keys.hint, lang) + "</i>"))
    return lines


def choice_rows(
    criterion: Criterion,
    entry: dict[str, Any],
    keys: CatalogKeys,
    lang: str,
    full: Sequence[object],
    type_points: Sequence[object],
    deduct: Sequence[object],
) -> Rows:
    """Full points (ticked while full) and typed points, then a button per listed deduction (×n once chosen);
    `full`, `type_points` and `deduct` are the callback parts, the deduction's index added to `deduct`."""
    counts = chosen(entry)
    at_full = entry.get("points") is None and not counts
    maximum = points(criterion.max_points)
    rows: Rows = [
        [
            button(t(keys.full_current if at_full else keys.full, lang, max=maximum), *full),
            button(t(keys.type_points, lang), *type_points),
        ]
    ]
    for number, item in enumerate(criterion.deductions):
        count = counts.get(item.code, 0)
        values = {"points": points(item.points), "label": short(item.label, 40)}
        label = (
            t(keys.deduction_button_count, lang, count=count, **values)
            if count
            else t(keys.deduction_button, lang, **values)
        )
        rows.append([button(label, *deduct, number)])
    return rows


def nav_rows(index: int, last: int, lang: str, back: str, forward: str, to_summary: str | None, *go: object) -> Rows:
    """Back (after the first step) and next (before the `last` one), then a jump to the last step (the summary)
    unless it is next or `to_summary` is None; `go` is the callback parts, the step's index added."""
    row = []
    if index > 0:
        row.append(button(t(back, lang), *go, index - 1))
    if index < last:
        row.append(button(t(forward, lang), *go, index + 1))
    rows = [row]
    if to_summary is not None and index + 1 < last:
        rows.append([button(t(to_summary, lang), *go, last)])
    return rows


def points_question(key: str, criterion: Criterion, lang: str) -> Html:
    """The question asking for a criterion's points ({name}, {max})."""
    return t_html(key, lang, name=criterion.name, max=points(criterion.max_points))


def deduction_at(criterion: Criterion, number: int | None) -> Deduction | None:
    """The listed deduction at an index from callback data; None when forged or stale."""
    if number is None or not 0 <= number < len(criterion.deductions):
        return None
    return criterion.deductions[number]
