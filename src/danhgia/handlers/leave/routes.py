"""/nghiphep's command, its buttons as a route table and its typed steps (a staff code, the dates, a note). Every
press is of HR or a leader (the table's guard); every choice is checked again by the workflow."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Update
from telegram.ext import CommandHandler

from danhgia.chat.format import day
from danhgia.chat.panel import Panel
from danhgia.handlers.context import Context, reply, run_sync, services_of
from danhgia.handlers.dialog import text_step
from danhgia.handlers.leave import panels
from danhgia.handlers.leave.callbacks import (
    FEATURE,
    AskCancel,
    Cancel,
    Confirm,
    Dates,
    Kind,
    LeaveChoice,
    List,
    New,
    NoNote,
    Pick,
    Reports,
    UnitPeople,
)
from danhgia.handlers.routes import Routes
from danhgia.handlers.ui import (
    ack,
    actor_of,
    answered,
    ask_next,
    ask_text,
    close_text_step,
    command_person,
    guarded,
    replace_panel,
    show,
)
from danhgia.texts import Html, t, t_html
from danhgia.workflow import inputs
from danhgia.workflow.absence import LEAVE_KINDS, MAX_LEAVE_DAYS, LeavePerson, LeaveView
from danhgia.workflow.calendar import from_ymd
from danhgia.workflow.common import ROLE_ADMIN, ROLE_HR, ROLE_LEADER, Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services

HORIZON = timedelta(days=3 * 366)  # "upcoming" leave: recorded up to this far ahead
NOTE_MAX = 255
PERSON, RANGE, NOTE = "leave.person", "leave.range", "leave.note"


def _is_hr(identity: Identity) -> bool:
    return identity.has_role(ROLE_HR, ROLE_ADMIN)


async def _may_record(update: Update, _context: Context, identity: Identity) -> bool:
    if identity.has_role(ROLE_HR, ROLE_ADMIN, ROLE_LEADER):
        return True
    await ack(update, t("nghiphep.not_allowed_short", identity.language), alert=True)
    return False


routes = Routes(FEATURE, guard=_may_record)


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


async def _leaves(services: Services, identity: Identity) -> list[LeaveView]:
    today = services.absence.today()
    ids = None if _is_hr(identity) else [p.id for p in await _people(services, identity)]
    return await run_sync(services.absence.leaves, ids, today, today + HORIZON) if ids is None or ids else []


async def _list(services: Services, identity: Identity, note: Html | None = None) -> Panel:
    leaves = await _leaves(services, identity)
    return panels.list_panel(leaves, services.absence.today(), identity.language, note)


def _check_range(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise Refusal("range_reversed")
    if (ends_on - starts_on).days >= MAX_LEAVE_DAYS:
        raise Refusal("leave_too_long", days=MAX_LEAVE_DAYS)


async def _confirm(
    services: Services, person: LeavePerson, kind: int, starts_on: date, ends_on: date, note: str, lang: str
) -> Panel:
    calendar = await run_sync(services.absence.calendar)
    workdays = calendar.working_days_between(starts_on, ends_on)
    return panels.confirm_panel(person, kind, starts_on, ends_on, note, workdays, lang)


# -- /nghiphep and its buttons --------------------------------------------------------------------------------------


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


@routes.on(List)
async def list_(update: Update, context: Context, identity: Identity, _data: List) -> None:
    """Back to the list."""
    await close_text_step(context, identity)
    panel = await _list(services_of(context), identity)
    await ack(update)
    await show(update, panel)


@routes.on(New)
async def new(update: Update, context: Context, identity: Identity, _data: New) -> None:
    """Leaders: their reports as buttons. HR: type a staff code, or pick a unit."""
    people = await _people(services_of(context), identity)
    if not _is_hr(identity):
        await close_text_step(context, identity)
        await ack(update)
        await show(update, panels.reports_panel(people, 0, identity.language))
        return
    await ack(update)
    await ask_text(update, context, identity, PERSON, {}, panels.units_panel(people, identity.language))


@routes.on(Reports)
async def reports(update: Update, context: Context, identity: Identity, data: Reports) -> None:
    """Another page of a leader's reports."""
    await close_text_step(context, identity)
    people = await _people(services_of(context), identity)
    await ack(update)
    await show(update, panels.reports_panel(people, data.page, identity.language))


@routes.on(UnitPeople)
async def unit_people(update: Update, context: Context, identity: Identity, data: UnitPeople) -> None:
    """The people of one unit (HR)."""
    await close_text_step(context, identity)
    people = await _people(services_of(context), identity, unit_id=data.unit_id)
    if not people:
        await ack(update, t("fallback.stale_button", identity.language))
        return
    await ack(update)
    await show(update, panels.unit_people_panel(people, data.unit_id, data.page, identity.language))


@routes.on(Pick)
async def pick(update: Update, context: Context, identity: Identity, data: Pick) -> None:
    """A person chosen: the kinds of leave."""
    await close_text_step(context, identity)
    person = await _person(services_of(context), identity, data.person_id)
    await ack(update)
    await show(update, panels.kinds_panel(person, identity.language))


@routes.on(Kind)
async def kind(update: Update, context: Context, identity: Identity, data: Kind) -> None:
    """A kind chosen: the dates, as buttons or typed."""
    if panels.kind_at(data.kind) is None:
        await ack(update, t("fallback.stale_button", identity.language))
        return
    services = services_of(context)
    person = await _person(services, identity, data.person_id)
    panel = panels.range_panel(person, data.kind, services.absence.today(), identity.language)
    await ack(update)
    await ask_text(update, context, identity, RANGE, {"person": person.id, "kind": data.kind}, panel)


async def _leave_of(update: Update, identity: Identity, data: LeaveChoice) -> tuple[date, date] | None:
    """The dates of a choice carrying a whole leave; None (said as an outdated button) when forged."""
    starts_on, ends_on = from_ymd(data.starts_on), from_ymd(data.ends_on)
    if panels.kind_at(data.kind) is None or starts_on is None or ends_on is None:
        await ack(update, t("fallback.stale_button", identity.language))
        return None
    _check_range(starts_on, ends_on)
    return starts_on, ends_on


def _data(person: LeavePerson, kind: int, starts_on: date, ends_on: date) -> dict[str, object]:
    return {"person": person.id, "kind": kind, "start": starts_on.isoformat(), "end": ends_on.isoformat()}


@routes.on(Dates)
async def dates(update: Update, context: Context, identity: Identity, data: Dates) -> None:
    """The dates chosen: the optional note."""
    found = await _leave_of(update, identity, data)
    if found is None:
        return
    starts_on, ends_on = found
    person = await _person(services_of(context), identity, data.person_id)
    await ack(update)
    panel = panels.note_panel(person, data.kind, starts_on, ends_on, identity.language)
    await ask_next(update, context, identity, None, NOTE, _data(person, data.kind, starts_on, ends_on), panel)


@routes.on(NoNote)
async def no_note(update: Update, context: Context, identity: Identity, data: NoNote) -> None:
    """No note: the confirmation."""
    found = await _leave_of(update, identity, data)
    if found is None:
        return
    services = services_of(context)
    person = await _person(services, identity, data.person_id)
    await close_text_step(context, identity)
    panel = await _confirm(services, person, data.kind, *found, "", identity.language)
    await ack(update)
    await show(update, panel)


@routes.on(Confirm)
async def confirm(update: Update, context: Context, identity: Identity, data: Confirm) -> None:
    """Record the leave as the confirmation showed it (with the note typed on that confirmation)."""
    found = await _leave_of(update, identity, data)
    if found is None:
        return
    starts_on, ends_on = found
    services = services_of(context)
    lang = identity.language
    person = await _person(services, identity, data.person_id)
    dialog = await run_sync(services.dialogs.get, identity.person_id)
    shown = _data(person, data.kind, starts_on, ends_on)
    note = ""
    if dialog is not None and dialog.kind == NOTE and all(dialog.data.get(k) == v for k, v in shown.items()):
        note = str(dialog.data.get("note", ""))
    kind_code = LEAVE_KINDS[data.kind]
    actor = actor_of(identity)
    added = await run_sync(services.absence.add_leave, actor, person.id, kind_code, starts_on, ends_on, note)
    await close_text_step(context, identity)
    done = t_html(
        "nghiphep.added",
        lang,
        kind=panels.kind_name(kind_code, lang),
        name=added.person_name,
        start=day(added.starts_on),
        end=day(added.ends_on),
    )
    panel = await _list(services, identity, done)
    await ack(update, t("nghiphep.added_ack", lang))
    await show(update, panel)


@routes.on(AskCancel)
async def ask_cancel(update: Update, context: Context, identity: Identity, data: AskCancel) -> None:
    """Ask before cancelling a leave (gone already: say so and show the list)."""
    await close_text_step(context, identity)
    services = services_of(context)
    lang = identity.language
    leaves = await _leaves(services, identity)
    leave = next((item for item in leaves if item.id == data.leave_id), None)
    if leave is None:
        await ack(update, t("nghiphep.gone", lang), alert=True)
        await show(update, panels.list_panel(leaves, services.absence.today(), lang))
        return
    await ack(update)
    await show(update, panels.cancel_question_panel(leave, lang))


@routes.on(Cancel)
async def cancel(update: Update, context: Context, identity: Identity, data: Cancel) -> None:
    """Cancel the leave; the list with a word of what was cancelled."""
    await close_text_step(context, identity)
    services = services_of(context)
    lang = identity.language
    cancelled = await run_sync(services.absence.cancel_leave, actor_of(identity), data.leave_id)
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


# -- typed steps ----------------------------------------------------------------------------------------------------


async def _cancel_to_list(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    await replace_panel(update, context, dialog, await _list(services_of(context), identity))


@text_step(PERSON, _cancel_to_list)
async def person_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """HR typed a staff code."""
    services = services_of(context)
    code = " ".join(text.split())
    found = await _people(services, identity, staff_code=code) if code and len(code) <= 64 else []
    if not found:
        raise Refusal("leave_person_unknown", text=code[:20])
    await answered(update, context, identity, dialog, panels.kinds_panel(found[0], identity.language))


@text_step(RANGE, _cancel_to_list)
async def range_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The dates of the leave, typed as "dd/mm - dd/mm" (one date: that day only)."""
    services = services_of(context)
    starts_on, ends_on = inputs.day_range(text, services.absence.today(), single_day=True, code="absence_range_format")
    _check_range(starts_on, ends_on)
    person = await _person(services, identity, int(dialog.data["person"]))
    kind_index = int(dialog.data["kind"])
    if panels.kind_at(kind_index) is None:
        raise Refusal("leave_kind")
    panel = panels.note_panel(person, kind_index, starts_on, ends_on, identity.language)
    await ask_next(update, context, identity, dialog, NOTE, _data(person, kind_index, starts_on, ends_on), panel)


@text_step(NOTE, _cancel_to_list)
async def note_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """A note on the leave (e.g. the decision's number); then the confirmation, the step staying open so that
    typing again replaces the note."""
    services = services_of(context)
    note = inputs.text(text, NOTE_MAX, code="note")
    person = await _person(services, identity, int(dialog.data["person"]))
    data = {k: dialog.data[k] for k in ("person", "kind", "start", "end")}
    starts_on, ends_on = date.fromisoformat(str(data["start"])), date.fromisoformat(str(data["end"]))
    panel = await _confirm(services, person, int(str(data["kind"])), starts_on, ends_on, note, identity.language)
    chat = update.effective_chat
    stored = {**data, "note": note}
    await run_sync(services.dialogs.expect, identity.person_id, NOTE, stored, chat.id if chat else None)
    message = await replace_panel(update, context, dialog, panel)  # stored first, sent after
    if message is not None:
        await run_sync(services.dialogs.placed, identity.person_id, NOTE, message.message_id)


HANDLERS = [CommandHandler("nghiphep", leave_command), routes.handler()]
