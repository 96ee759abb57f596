"""/nghiphep's panels as pure functions of what the workflow read: the list, people to choose, the kinds, the
usual ranges, the note's question, the confirmation and the cancel question."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from danhgia.chat.callbacks import Callback
from danhgia.chat.format import day, fit, short
from danhgia.chat.panel import Choice, Keys, Panel, chunks, keyboard
from danhgia.handlers.leave.callbacks import (
    AskCancel,
    Cancel,
    Confirm,
    Dates,
    Kind,
    List,
    New,
    NoNote,
    Pick,
    Reports,
    UnitPeople,
)
from danhgia.scoring import LEAVE_TYPES
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow.absence import LEAVE_KINDS, LeavePerson, LeaveView
from danhgia.workflow.calendar import fmt_short, friday_of, week_bounds, ymd

PAGE = 12  # people buttons per page
LIST_LINES = 40  # leave lines in the list
CANCEL_BUTTONS = 15
UNIT_BUTTONS = 30


def kind_name(kind: str, lang: str) -> str:
    """The name of a kind of leave (the catalog's, else the scoring regime's)."""
    try:
        return t(f"nghiphep.kind.{kind}", lang)
    except KeyError:
        return LEAVE_TYPES.get(kind, kind)


def kind_at(index: int) -> str | None:
    """The kind of leave a button's index names (None: forged or outdated)."""
    return LEAVE_KINDS[index] if 0 <= index < len(LEAVE_KINDS) else None


def list_panel(leaves: list[LeaveView], today: date, lang: str, note: Html | None = None) -> Panel:
    """Current and upcoming leave of the people managed, with a cancel button each."""
    lines = [note, Html("")] if note else []
    lines += [t_html("nghiphep.title", lang), t_html("nghiphep.hint", lang), Html("")]
    if leaves:
        lines.append(t_html("nghiphep.list_header", lang))
        for leave in leaves[:LIST_LINES]:
            key = "nghiphep.line_now" if leave.starts_on <= today else "nghiphep.line"
            lines.append(
                t_html(
                    key,
                    lang,
                    name=leave.person_name,
                    kind=kind_name(leave.kind, lang),
                    start=day(leave.starts_on),
                    end=day(leave.ends_on),
                )
            )
        if len(leaves) > LIST_LINES:
            lines.append(t_html("nghiphep.more", lang, count=len(leaves) - LIST_LINES))
    else:
        lines.append(t_html("nghiphep.none", lang))
    rows = [[New().choice(t("nghiphep.new_button", lang))]]
    rows += [
        [
            AskCancel(leave.id).choice(
                t(
                    "nghiphep.cancel_button",
                    lang,
                    name=short(leave.person_name, 22),
                    start=fmt_short(leave.starts_on),
                    end=fmt_short(leave.ends_on),
                )
            )
        ]
        for leave in leaves[:CANCEL_BUTTONS]
    ]
    return Panel(fit(join_html(lines)), keyboard(rows))


def people_rows(
    people: list[LeavePerson], page: int, lang: str, page_of: Callable[[int], Callback]
) -> list[list[Choice]]:
    """A page of people as buttons, with previous/next buttons (`page_of(n)`: the button of page n)."""
    pages = max(1, -(-len(people) // PAGE))
    page = min(max(page, 0), pages - 1)
    rows = [
        [Pick(p.id).choice(short(f"{p.full_name} — {p.staff_code}", 44))]
        for p in people[page * PAGE : (page + 1) * PAGE]
    ]
    moves = []
    if page > 0:
        moves.append(page_of(page - 1).choice(t("nghiphep.page_prev", lang)))
    if page + 1 < pages:
        moves.append(page_of(page + 1).choice(t("nghiphep.page_next", lang)))
    rows.append(moves)
    return rows


def reports_panel(people: list[LeavePerson], page: int, lang: str) -> Panel:
    """A leader's direct reports as buttons (or a word that there are none)."""
    back = [List().choice(t("nghiphep.back", lang))]
    if not people:
        return Panel(t_html("nghiphep.no_reports", lang), keyboard([back]))
    rows = [*people_rows(people, page, lang, Reports), back]
    return Panel(t_html("nghiphep.pick_person", lang), keyboard(rows))


def units_panel(people: list[LeavePerson], lang: str) -> Panel:
    """HR: type a staff code, or pick a unit (its number of people on the button)."""
    units: dict[int, tuple[str, int]] = {}
    for person in people:
        name, count = units.get(person.unit_id, (person.unit_name, 0))
        units[person.unit_id] = (name, count + 1)
    unit_rows = [
        [UnitPeople(unit_id, 0).choice(short(f"{name} ({count})", 40))]
        for unit_id, (name, count) in list(units.items())[:UNIT_BUTTONS]
    ]
    rows = [*unit_rows, [List().choice(t("nghiphep.back", lang))]]
    return Panel(t_html("nghiphep.ask_code", lang), keyboard(rows))


def unit_people_panel(people: list[LeavePerson], unit_id: int, page: int, lang: str) -> Panel:
    """The people of one unit as buttons (`people` not empty)."""
    rows = [
        *people_rows(people, page, lang, lambda n: UnitPeople(unit_id, n)),
        [New().choice(t("nghiphep.back", lang))],
    ]
    return Panel(t_html("nghiphep.pick_in_unit", lang, unit=people[0].unit_name), keyboard(rows))


def kinds_panel(person: LeavePerson, lang: str) -> Panel:
    """The kinds of leave as buttons."""
    kinds = [Kind(person.id, i).choice(kind_name(kind, lang)) for i, kind in enumerate(LEAVE_KINDS)]
    rows = [*chunks(kinds, 2), [New().choice(t("nghiphep.back", lang))]]
    return Panel(t_html("nghiphep.pick_kind", lang, name=person.full_name, unit=person.unit_name), keyboard(rows))


def range_choices(today: date) -> list[tuple[str, dict[str, str], date, date]]:
    """The usual ranges: today, tomorrow, to Friday, next week (Monday to Friday)."""
    tomorrow = today + timedelta(days=1)
    friday = friday_of(today)
    monday = week_bounds(today)[0] + timedelta(days=7)
    found = [
        ("nghiphep.today", {"date": fmt_short(today)}, today, today),
        ("nghiphep.tomorrow", {"date": fmt_short(tomorrow)}, tomorrow, tomorrow),
    ]
    if friday > tomorrow:
        found.append(("nghiphep.to_friday", {"date": fmt_short(friday)}, today, friday))
    found.append(
        (
            "nghiphep.next_week",
            {"start": fmt_short(monday), "end": fmt_short(monday + timedelta(days=4))},
            monday,
            monday + timedelta(days=4),
        )
    )
    return found


def range_panel(person: LeavePerson, kind: int, today: date, lang: str) -> Panel:
    """The dates of the leave: the usual ranges as buttons, or typed; back to the kinds."""
    question = t_html("nghiphep.ask_range", lang, name=person.full_name, kind=kind_name(LEAVE_KINDS[kind], lang))
    return Panel(question, range_keyboard(person.id, kind, today, lang))


def range_keyboard(person_id: int, kind: int, today: date, lang: str) -> Keys:
    """Buttons for the usual ranges and a way back to the kinds."""
    choices = [
        Dates(person_id, kind, ymd(start), ymd(end)).choice(t(key, lang, **params))
        for key, params, start, end in range_choices(today)
    ]
    return keyboard([*chunks(choices, 2), [Pick(person_id).choice(t("nghiphep.back", lang))]])


def note_panel(person: LeavePerson, kind: int, starts_on: date, ends_on: date, lang: str) -> Panel:
    """The optional note (typed), or none."""
    question = t_html(
        "nghiphep.ask_note",
        lang,
        name=person.full_name,
        kind=kind_name(LEAVE_KINDS[kind], lang),
        start=day(starts_on),
        end=day(ends_on),
    )
    rows = [
        [NoNote(person.id, kind, ymd(starts_on), ymd(ends_on)).choice(t("nghiphep.no_note", lang))],
        [Kind(person.id, kind).choice(t("nghiphep.change_dates", lang))],
    ]
    return Panel(question, keyboard(rows))


def confirm_panel(
    person: LeavePerson, kind: int, starts_on: date, ends_on: date, note: str, workdays: int, lang: str
) -> Panel:
    """The last step before the leave is recorded."""
    lines = [
        t_html(
            "nghiphep.confirm",
            lang,
            name=person.full_name,
            unit=person.unit_name,
            kind=kind_name(LEAVE_KINDS[kind], lang),
            start=day(starts_on),
            end=day(ends_on),
            days=workdays,
        )
    ]
    if note:
        lines += [t_html("nghiphep.note_line", lang, note=note), t_html("nghiphep.retype_note", lang)]
    rows = [
        [Confirm(person.id, kind, ymd(starts_on), ymd(ends_on)).choice(t("nghiphep.confirm_button", lang))],
        [
            Kind(person.id, kind).choice(t("nghiphep.change_dates", lang)),
            List().choice(t("nghiphep.cancel", lang)),
        ],
    ]
    return Panel(join_html(lines), keyboard(rows))


def cancel_question_panel(leave: LeaveView, lang: str) -> Panel:
    """Ask before cancelling a leave."""
    text = t_html(
        "nghiphep.cancel_question",
        lang,
        name=leave.person_name,
        kind=kind_name(leave.kind, lang),
        start=day(leave.starts_on),
        end=day(leave.ends_on),
    )
    rows = [
        [
            Cancel(leave.id).choice(t("nghiphep.cancel_confirm", lang)),
            List().choice(t("nghiphep.keep", lang)),
        ]
    ]
    return Panel(text, keyboard(rows))
