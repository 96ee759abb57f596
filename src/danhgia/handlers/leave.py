"""/nghiphep: HR (to_chuc, quan_tri) and leaders record the leave of the people they manage — leaders for their
direct reports, HR for anyone — and cancel it. People on leave get no reminders on those days, and the scoring
receives the working-time facts (both done by the workflow).

One panel edited in place: the current and upcoming leave (a cancel button each) → a person (leaders: buttons of
their reports; HR: a typed staff code, or a unit's people as buttons) → the kind → the dates (buttons, or typed
as "dd/mm - dd/mm") → an optional note (typed) → a confirmation. The choices travel in the callback data; the
typed steps are kept in the database, so a restart loses nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from danhgia.chat.callbacks import as_int, button
from danhgia.chat.format import day, fit, short
from danhgia.chat.panel import Choice, Keys, Panel, chunks, keyboard
from danhgia.handlers.context import Context, reply, run_sync, services_of
from danhgia.handlers.dialog import text_step
from danhgia.handlers.reminders import from_ymd, ymd
from danhgia.handlers.ui import (
    ack,
    actor_of,
    answered,
    ask_next,
    ask_text,
    close_text_step,
    command_person,
    guarded,
    pressed,
    replace_panel,
    show,
)
from danhgia.scoring import LEAVE_TYPES
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow import inputs
from danhgia.workflow.absence import LEAVE_KINDS, MAX_LEAVE_DAYS, LeavePerson, LeaveView
from danhgia.workflow.calendar import fmt_short, friday_of, week_bounds
from danhgia.workflow.common import ROLE_ADMIN, ROLE_HR, ROLE_LEADER, Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services

FEATURE = "lv"
PAGE = 12  # people buttons per page
LIST_LINES = 40  # leave lines in the list
CANCEL_BUTTONS = 15
UNIT_BUTTONS = 30
HORIZON = timedelta(days=3 * 366)  # "upcoming" leave: recorded up to this far ahead
NOTE_MAX = 255
Panel = Panel


def _is_hr(identity: Identity) -> bool:
    return identity.has_role(ROLE_HR, ROLE_ADMIN)


def kind_name(kind: str, lang: str) -> str:
    """The name of a kind of leave (the catalog's, else the scoring regime's)."""
    try:
        return t(f"nghiphep.kind.{kind}", lang)
    except KeyError:
        return LEAVE_TYPES.get(kind, kind)


def _kind_of(index: str) -> str | None:
    number = as_int(index)
    return LEAVE_KINDS[number] if number is not None and 0 <= number < len(LEAVE_KINDS) else None


# -- rendering ------------------------------------------------------------------------------------------------------


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
    rows = [[button(t("nghiphep.new_button", lang), FEATURE, "n")]]
    rows += [
        [
            button(
                t(
                    "nghiphep.cancel_button",
                    lang,
                    name=short(leave.person_name, 22),
                    start=fmt_short(leave.starts_on),
                    end=fmt_short(leave.ends_on),
                ),
                FEATURE,
                "x",
                leave.id,
            )
        ]
        for leave in leaves[:CANCEL_BUTTONS]
    ]
    return Panel(fit(join_html(lines)), keyboard(rows))


def people_rows(people: list[LeavePerson], page: int, lang: str, *nav: object) -> list[list[Choice]]:
    """A page of people as buttons, with previous/next buttons carrying `nav` + the page."""
    pages = max(1, -(-len(people) // PAGE))
    page = min(max(page, 0), pages - 1)
    rows = [
        [button(short(f"{p.full_name} — {p.staff_code}", 44), FEATURE, "p", p.id)]
        for p in people[page * PAGE : (page + 1) * PAGE]
    ]
    moves = []
    if page > 0:
        moves.append(button(t("nghiphep.page_prev", lang), FEATURE, *nav, page - 1))
    if page + 1 < pages:
        moves.append(button(t("nghiphep.page_next", lang), FEATURE, *nav, page + 1))
    rows.append(moves)
    return rows


def kinds_panel(person: LeavePerson, lang: str) -> Panel:
    """The kinds of leave as buttons."""
    kinds = [button(kind_name(kind, lang), FEATURE, "k", person.id, i) for i, kind in enumerate(LEAVE_KINDS)]
    rows = [*chunks(kinds, 2), [button(t("nghiphep.back", lang), FEATURE, "n")]]
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


def range_keyboard(person_id: int, kind_index: int, today: date, lang: str) -> Keys:
    """Buttons for the usual ranges and a way back to the kinds."""
    choices = [
        button(t(key, lang, **params), FEATURE, "d", person_id, kind_index, ymd(start), ymd(end))
        for key, params, start, end in range_choices(today)
    ]
    return keyboard([*chunks(choices, 2), [button(t("nghiphep.back", lang), FEATURE, "p", person_id)]])


def confirm_panel(
    person: LeavePerson, kind_index: int, starts_on: date, ends_on: date, note: str, workdays: int, lang: str
) -> Panel:
    """The last step before the leave is recorded."""
    kind = LEAVE_KINDS[kind_index]
    lines = [
        t_html(
            "nghiphep.confirm",
            lang,
            name=person.full_name,
            unit=person.unit_name,
            kind=kind_name(kind, lang),
            start=day(starts_on),
            end=day(ends_on),
            days=workdays,
        )
    ]
    if note:
        lines += [t_html("nghiphep.note_line", lang, note=note), t_html("nghiphep.retype_note", lang)]
    args = (person.id, kind_index, ymd(starts_on), ymd(ends_on))
    rows = [
        [button(t("nghiphep.confirm_button", lang), FEATURE, "ok", *args)],
        [
            button(t("nghiphep.change_dates", lang), FEATURE, "k", person.id, kind_index),
            button(t("nghiphep.cancel", lang), FEATURE, "l"),
        ],
    ]
    return Panel(join_html(lines), keyboard(rows))


# -- reading through the workflow -----------------------------------------------------------------------------------


async def _people(
    services: Services,
    identity: Identity,
    *,
    unit_id: int | None = None,
    staff_code: str | None = None,
    person_id: int | None = None,
) -> list[LeavePerson]:
    return await run_sync(
        services.absence.recordable_people,
        actor_of(identity),
        unit_id=unit_id,
        staff_code=staff_code,
        person_id=person_id,
    )


async def _person(services: Services, identity: Identity, person_id: int) -> LeavePerson:
    found = await _people(services, identity, person_id=person_id)
    if not found:
        raise Refusal("not_leave_recorder")
    return found[0]


async def _list(services: Services, identity: Identity, note: Html | None = None) -> Panel:
    today = services.absence.today()
    ids = None if _is_hr(identity) else [p.id for p in await _people(services, identity)]
    leaves = await run_sync(services.absence.leaves, ids, today, today + HORIZON) if ids is None or ids else []
    return list_panel(leaves, today, identity.language, note)


def _check_range(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise Refusal("range_reversed")
    if (ends_on - starts_on).days >= MAX_LEAVE_DAYS:
        raise Refusal("leave_too_long", days=MAX_LEAVE_DAYS)


# -- /nghiphep ------------------------------------------------------------------------------------------------------


@guarded
async def leave_command(update: Update, context: Context) -> None:
    """/nghiphep: the leave of the people one manages."""
    identity = await command_person(update, context)
    if identity is None:
        return
    if not identity.has_role(ROLE_HR, ROLE_ADMIN, ROLE_LEADER):
        await reply(update, t_html("nghiphep.not_allowed", identity.language))
        return
    await show(update, await _list(services_of(context), identity))


@guarded
async def leave_button(update: Update, context: Context) -> None:
    """Every button of the /nghiphep panel (each choice re-checked by the workflow)."""
    press = await pressed(update, context, FEATURE)
    if press is None:
        return
    identity, parts = press
    lang = identity.language
    services = services_of(context)
    action, args = (parts[0], parts[1:]) if parts else ("", [])
    if not identity.has_role(ROLE_HR, ROLE_ADMIN, ROLE_LEADER):
        await ack(update, t("nghiphep.not_allowed_short", lang), alert=True)
        return
    if action == "l" and not args:
        await close_text_step(context, identity)
        panel = await _list(services, identity)
        await ack(update)
        await show(update, panel)
    elif action == "n" and not args:
        await _choose_person(update, context, identity)
    elif action == "u" and len(args) == 2 and as_int(args[0]) is not None and as_int(args[1]) is not None:
        await close_text_step(context, identity)
        await _unit_people(update, context, identity, as_int(args[0]) or 0, as_int(args[1]) or 0)
    elif action == "lp" and len(args) == 1 and as_int(args[0]) is not None:
        await close_text_step(context, identity)
        people = await _people(services, identity)
        rows = [
            *people_rows(people, as_int(args[0]) or 0, lang, "lp"),
            [button(t("nghiphep.back", lang), FEATURE, "l")],
        ]
        await ack(update)
        await show(update, Panel(t_html("nghiphep.pick_person", lang), keyboard(rows)))
    elif action == "p" and len(args) == 1 and as_int(args[0]) is not None:
        await close_text_step(context, identity)
        person = await _person(services, identity, as_int(args[0]) or 0)
        await ack(update)
        await show(update, kinds_panel(person, lang))
    elif action == "k" and len(args) == 2 and as_int(args[0]) is not None and _kind_of(args[1]) is not None:
        await _ask_range(update, context, identity, as_int(args[0]) or 0, as_int(args[1]) or 0)
    elif action in ("d", "c", "ok") and len(args) == 4:
        await _with_range(update, context, identity, action, args)
    elif action == "x" and len(args) == 1 and as_int(args[0]) is not None:
        await close_text_step(context, identity)
        await _cancel_question(update, context, identity, as_int(args[0]) or 0)
    elif action == "X" and len(args) == 1 and as_int(args[0]) is not None:
        await close_text_step(context, identity)
        cancelled = await run_sync(services.absence.cancel_leave, actor_of(identity), as_int(args[0]) or 0)
        note = t_html(
            "nghiphep.cancelled",
            lang,
            name=cancelled.person_name,
            start=day(cancelled.starts_on),
            end=day(cancelled.ends_on),
        )
        panel = await _list(services, identity, note)
        await ack(update, t("nghiphep.cancelled_ack", lang))
        await show(update, panel)
    else:
        await ack(update, t("fallback.stale_button", lang))


async def _choose_person(update: Update, context: Context, identity: Identity) -> None:
    """Leaders: their reports as buttons. HR: type a staff code, or pick a unit."""
    services = services_of(context)
    lang = identity.language
    people = await _people(services, identity)
    back = [button(t("nghiphep.back", lang), FEATURE, "l")]
    if not _is_hr(identity):
        await close_text_step(context, identity)
        await ack(update)
        if not people:
            await show(update, Panel(t_html("nghiphep.no_reports", lang), keyboard([back])))
            return
        rows = [*people_rows(people, 0, lang, "lp"), back]
        await show(update, Panel(t_html("nghiphep.pick_person", lang), keyboard(rows)))
        return
    units: dict[int, tuple[str, int]] = {}
    for person in people:
        name, count = units.get(person.unit_id, (person.unit_name, 0))
        units[person.unit_id] = (name, count + 1)
    unit_buttons = [
        button(short(f"{name} ({count})", 40), FEATURE, "u", unit_id, 0)
        for unit_id, (name, count) in list(units.items())[:UNIT_BUTTONS]
    ]
    await ack(update)
    markup = keyboard([*([b] for b in unit_buttons), back])
    await ask_text(update, context, identity, "leave.person", {}, Panel(t_html("nghiphep.ask_code", lang), markup))


async def _unit_people(update: Update, context: Context, identity: Identity, unit_id: int, page: int) -> None:
    services = services_of(context)
    lang = identity.language
    people = await _people(services, identity, unit_id=unit_id)
    if not people:
        await ack(update, t("fallback.stale_button", lang))
        return
    rows = [*people_rows(people, page, lang, "u", unit_id), [button(t("nghiphep.back", lang), FEATURE, "n")]]
    await ack(update)
    await show(update, Panel(t_html("nghiphep.pick_in_unit", lang, unit=people[0].unit_name), keyboard(rows)))


async def _ask_range(update: Update, context: Context, identity: Identity, person_id: int, kind_index: int) -> None:
    services = services_of(context)
    lang = identity.language
    person = await _person(services, identity, person_id)
    question = t_html("nghiphep.ask_range", lang, name=person.full_name, kind=kind_name(LEAVE_KINDS[kind_index], lang))
    markup = range_keyboard(person.id, kind_index, services.absence.today(), lang)
    await ack(update)
    await ask_text(
        update, context, identity, "leave.range", {"person": person.id, "kind": kind_index}, Panel(question, markup)
    )


async def _with_range(update: Update, context: Context, identity: Identity, action: str, args: list[str]) -> None:
    """The dates were chosen (d: ask the note), the note was skipped (c: confirm), or the leave confirmed (ok)."""
    services = services_of(context)
    lang = identity.language
    person_id, kind_index = as_int(args[0]), as_int(args[1])
    starts_on, ends_on = from_ymd(args[2]), from_ymd(args[3])
    if person_id is None or kind_index is None or _kind_of(args[1]) is None or starts_on is None or ends_on is None:
        await ack(update, t("fallback.stale_button", lang))
        return
    _check_range(starts_on, ends_on)
    person = await _person(services, identity, person_id)
    data = {"person": person.id, "kind": kind_index, "start": starts_on.isoformat(), "end": ends_on.isoformat()}
    if action == "d":
        await ack(update)
        await _ask_note(update, context, identity, None, person, data)
        return
    if action == "c":
        await close_text_step(context, identity)
        panel = await _confirm(services, person, data, "", lang)
        await ack(update)
        await show(update, panel)
        return
    dialog = await run_sync(services.dialogs.get, identity.person_id)
    note = ""
    if dialog is not None and dialog.kind == "leave.note" and all(dialog.data.get(k) == v for k, v in data.items()):
        note = str(dialog.data.get("note", ""))
    kind = LEAVE_KINDS[kind_index]
    added = await run_sync(services.absence.add_leave, actor_of(identity), person.id, kind, starts_on, ends_on, note)
    await close_text_step(context, identity)
    done = t_html(
        "nghiphep.added",
        lang,
        kind=kind_name(kind, lang),
        name=added.person_name,
        start=day(added.starts_on),
        end=day(added.ends_on),
    )
    panel = await _list(services, identity, done)
    await ack(update, t("nghiphep.added_ack", lang))
    await show(update, panel)


async def _ask_note(
    update: Update,
    context: Context,
    identity: Identity,
    dialog: DialogState | None,
    person: LeavePerson,
    data: dict[str, object],
) -> None:
    lang = identity.language
    starts_on, ends_on = date.fromisoformat(str(data["start"])), date.fromisoformat(str(data["end"]))
    kind_index = int(str(data["kind"]))
    question = t_html(
        "nghiphep.ask_note",
        lang,
        name=person.full_name,
        kind=kind_name(LEAVE_KINDS[kind_index], lang),
        start=day(starts_on),
        end=day(ends_on),
    )
    args = (person.id, kind_index, ymd(starts_on), ymd(ends_on))
    markup = keyboard(
        [
            [button(t("nghiphep.no_note", lang), FEATURE, "c", *args)],
            [button(t("nghiphep.change_dates", lang), FEATURE, "k", person.id, kind_index)],
        ]
    )
    await ask_next(update, context, identity, dialog, "leave.note", dict(data), Panel(question, markup))


async def _confirm(services: Services, person: LeavePerson, data: dict[str, object], note: str, lang: str) -> Panel:
    starts_on, ends_on = date.fromisoformat(str(data["start"])), date.fromisoformat(str(data["end"]))
    calendar = await run_sync(services.absence.calendar)
    workdays = calendar.working_days_between(starts_on, ends_on)
    return confirm_panel(person, int(str(data["kind"])), starts_on, ends_on, note, workdays, lang)


async def _cancel_question(update: Update, context: Context, identity: Identity, leave_id: int) -> None:
    services = services_of(context)
    lang = identity.language
    today = services.absence.today()
    ids = None if _is_hr(identity) else [p.id for p in await _people(services, identity)]
    leaves = await run_sync(services.absence.leaves, ids, today, today + HORIZON) if ids is None or ids else []
    leave = next((item for item in leaves if item.id == leave_id), None)
    if leave is None:
        await ack(update, t("nghiphep.gone", lang), alert=True)
        await show(update, list_panel(leaves, today, lang))
        return
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
            button(t("nghiphep.cancel_confirm", lang), FEATURE, "X", leave.id),
            button(t("nghiphep.keep", lang), FEATURE, "l"),
        ]
    ]
    await ack(update)
    await show(update, Panel(text, keyboard(rows)))


# -- typed steps ----------------------------------------------------------------------------------------------------


async def _cancel_to_list(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    await replace_panel(update, context, dialog, await _list(services_of(context), identity))


@text_step("leave.person", _cancel_to_list)
async def person_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """HR typed a staff code."""
    services = services_of(context)
    code = " ".join(text.split())
    found = await _people(services, identity, staff_code=code) if code and len(code) <= 64 else []
    if not found:
        raise Refusal("leave_person_unknown", text=code[:20])
    await answered(update, context, identity, dialog, kinds_panel(found[0], identity.language))


@text_step("leave.range", _cancel_to_list)
async def range_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The dates of the leave, typed as "dd/mm - dd/mm" (one date: that day only)."""
    services = services_of(context)
    starts_on, ends_on = inputs.day_range(text, services.absence.today(), single_day=True, code="absence_range_format")
    _check_range(starts_on, ends_on)
    person = await _person(services, identity, int(dialog.data["person"]))
    kind_index = int(dialog.data["kind"])
    if _kind_of(str(kind_index)) is None:
        raise Refusal("leave_kind")
    data: dict[str, object] = {
        "person": person.id,
        "kind": kind_index,
        "start": starts_on.isoformat(),
        "end": ends_on.isoformat(),
    }
    await _ask_note(update, context, identity, dialog, person, data)


@text_step("leave.note", _cancel_to_list)
async def note_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """A note on the leave (e.g. the decision's number); then the confirmation, the step staying open so that
    typing again replaces the note."""
    services = services_of(context)
    note = inputs.text(text, NOTE_MAX, code="note")
    person = await _person(services, identity, int(dialog.data["person"]))
    data = {k: dialog.data[k] for k in ("person", "kind", "start", "end")}
    panel = await _confirm(services, person, data, note, identity.language)
    chat = update.effective_chat
    stored = {**data, "note": note}
    await run_sync(services.dialogs.expect, identity.person_id, "leave.note", stored, chat.id if chat else None)
    message = await replace_panel(update, context, dialog, panel)  # stored first, sent after
    if message is not None:
        await run_sync(services.dialogs.placed, identity.person_id, "leave.note", message.message_id)


HANDLERS = [
    CommandHandler("nghiphep", leave_command),
    CallbackQueryHandler(leave_button, pattern=rf"^v1:{FEATURE}:"),
]
