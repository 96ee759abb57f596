"""The criteria walk shared by /tudanhgia (selfassess.py), /danhgiacheo (ratings.py) and the reviewer's
adjustment (review.py): a criterion's points (marked when typed) with its chosen deductions listed ×n, the
buttons for full points, each listed deduction and typed points, and back / next between the steps.

Each feature keeps its own texts (`CatalogKeys`) and its own callback data: a button's target is either a typed
`Callback` (or a function from the step's or deduction's index to one), or the leading parts of loose data
(`v1:<feature>:<action>:<record>:…`) to which the index is added. Answers are `CriterionAnswer`s (stored entries
are read into one).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from danhgia.chat.callbacks import Callback, button
from danhgia.chat.format import points, short
from danhgia.chat.panel import Choice
from danhgia.scoring import Criterion, Deduction
from danhgia.texts import Html, t, t_html
from danhgia.workflow.answers import CriterionAnswer

Rows = list[list[Choice]]
Entry = CriterionAnswer | Mapping[str, Any]
Target = Callback | Callable[[int], Callback] | Sequence[object]


def answer_of(entry: Entry) -> CriterionAnswer:
    """A criterion's answer, read from a stored entry when it is one."""
    return entry if isinstance(entry, CriterionAnswer) else CriterionAnswer.of(entry)


def choice_to(label: str, target: Target, *index: int) -> Choice:
    """A choice that asks for `target` (with the index added, for a function of it or loose parts)."""
    if isinstance(target, Callback):
        return target.choice(label)
    if callable(target):
        return target(*index).choice(label)
    return button(label, *target, *index)


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


def chosen(entry: Entry) -> dict[str, int]:
    """How many times each listed deduction was chosen, by code, in the order they were first chosen."""
    return answer_of(entry).counts()


def deduction_lines(
    criterion: Criterion, entry: Entry, key: str, lang: str, *, in_order_chosen: bool = False
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


def criterion_lines(criterion: Criterion, entry: Entry, keys: CatalogKeys, lang: str) -> list[Html]:
    """The points now (marked when typed), the chosen deductions, the note, and the hint."""
    answer = answer_of(entry)
    line = t_html(keys.points, lang, max=points(criterion.max_points), points=points(answer.score(criterion)))
    if answer.typed:
        line = Html(line + " " + t_html(keys.typed, lang))
    lines = [line]
    if answer.deductions:
        lines.append(t_html(keys.deductions, lang))
        lines += deduction_lines(criterion, answer, keys.deduction_line, lang)
    if keys.note is not None and answer.note:
        lines.append(t_html(keys.note, lang, note=answer.note))
    if _numbered(criterion):  # labels too long for a button: in full here, numbered like their buttons
        lines.append(t_html("criteria.deduction_list", lang))
        lines += [
            t_html("criteria.deduction_item", lang, n=n, points=points(item.points), label=item.label)
            for n, item in enumerate(criterion.deductions, 1)
        ]
    lines.append(Html("<i>" + t_html(keys.hint, lang) + "</i>"))
    return lines


BUTTON_LABEL = 40  # characters of a deduction's label that fit on a phone's button


def _numbered(criterion: Criterion) -> bool:
    """Whether a criterion's deductions are listed in full in the text and numbered on their buttons (some label
    is too long for a button)."""
    return any(len(item.label) > BUTTON_LABEL for item in criterion.deductions)


def choice_rows(
    criterion: Criterion,
    entry: Entry,
    keys: CatalogKeys,
    lang: str,
    full: Target,
    type_points: Target,
    deduct: Target,
) -> Rows:
    """Full points (ticked while full) and typed points, then a button per listed deduction (×n once chosen);
    `deduct` gets the deduction's index."""
    answer = answer_of(entry)
    counts = answer.counts()
    at_full = not answer.typed and not counts
    maximum = points(criterion.max_points)
    rows: Rows = [
        [
            choice_to(t(keys.full_current if at_full else keys.full, lang, max=maximum), full),
            choice_to(t(keys.type_points, lang), type_points),
        ]
    ]
    numbered = _numbered(criterion)
    for number, item in enumerate(criterion.deductions):
        count = counts.get(item.code, 0)
        values = {
            "points": points(item.points),
            "label": short(item.label, BUTTON_LABEL - 4 if numbered else BUTTON_LABEL),
        }
        label = (
            t(keys.deduction_button_count, lang, count=count, **values)
            if count
            else t(keys.deduction_button, lang, **values)
        )
        rows.append([choice_to(f"{number + 1}. {label}" if numbered else label, deduct, number)])
    return rows


def nav_rows(index: int, last: int, lang: str, back: str, forward: str, to_summary: str | None, *go: object) -> Rows:
    """Back (after the first step) and next (before the `last` one), then a jump to the last step (the summary)
    unless it is next or `to_summary` is None; `go` is the step's target (a function of the step's index), or
    loose callback parts to which the index is added."""
    target: Target = go[0] if len(go) == 1 and callable(go[0]) else go
    row = []
    if index > 0:
        row.append(choice_to(t(back, lang), target, index - 1))
    if index < last:
        row.append(choice_to(t(forward, lang), target, index + 1))
    rows = [row]
    if to_summary is not None and index + 1 < last:
        rows.append([choice_to(t(to_summary, lang), target, last)])
    return rows


def points_question(key: str, criterion: Criterion, lang: str) -> Html:
    """The question asking for a criterion's points ({name}, {max})."""
    return t_html(key, lang, name=criterion.name, max=points(criterion.max_points))


def deduction_at(criterion: Criterion, number: int | None) -> Deduction | None:
    """The listed deduction at an index from callback data; None when forged or stale."""
    if number is None or not 0 <= number < len(criterion.deductions):
        return None
    return criterion.deductions[number]
