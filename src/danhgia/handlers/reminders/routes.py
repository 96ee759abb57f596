"""/tamdung: one panel edited in place — the current pause, buttons for the usual lengths, "resume now", and a
typed range ("dd/mm - dd/mm", a step kept in the database) — and the route of each of its buttons."""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.ext import CommandHandler

from danhgia.chat.panel import Panel
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.dialog import text_step
from danhgia.handlers.reminders.callbacks import FEATURE, OpenSnooze, Resume, SnoozeFor, TypeRange
from danhgia.handlers.reminders.panels import range_question, snooze_choices, snooze_panel, snoozed_note
from danhgia.handlers.routes import Routes
from danhgia.handlers.ui import (
    ack,
    ask_text,
    close_text_step,
    command_person,
    end_text_step,
    guarded,
    replace_panel,
    show,
)
from danhgia.texts import Html, t, t_html
from danhgia.workflow import inputs
from danhgia.workflow.absence import MAX_SNOOZE_DAYS, SnoozeView
from danhgia.workflow.common import Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services

RANGE_STEP = "snooze.range"
routes = Routes(FEATURE)


async def _panel(context: Context, identity: Identity, note: Html | None = None) -> Panel:
    """The /tamdung panel as things are now."""
    services = services_of(context)
    pause = await run_sync(services.absence.snoozed, identity.person_id)
    return snooze_panel(pause, services.absence.today(), identity.language, note)


async def _snooze(services: Services, identity: Identity, starts_on: date, ends_on: date) -> SnoozeView:
    try:
        return await run_sync(services.absence.snooze, identity.person_id, starts_on, ends_on)
    except Refusal as error:
        if error.code == "range_too_long":
            raise Refusal("snooze_too_long", days=MAX_SNOOZE_DAYS) from error
        raise


@guarded
async def snooze_command(update: Update, context: Context) -> None:
    """/tamdung: pause (or resume) one's own weekly prompts."""
    identity = await command_person(update, context)
    if identity is None:
        return
    await show(update, await _panel(context, identity))


@routes.on(OpenSnooze)
async def open_snooze(update: Update, context: Context, identity: Identity, data: OpenSnooze) -> None:
    """The panel (from /tamdung's "back" or the weekly prompts' "🔕 Tạm dừng nhắc")."""
    await close_text_step(context, identity)
    await ack(update)
    await show(update, await _panel(context, identity))


@routes.on(SnoozeFor)
async def snooze_for(update: Update, context: Context, identity: Identity, data: SnoozeFor) -> None:
    """Pause from today for one of the offered lengths."""
    lang = identity.language
    services = services_of(context)
    today = services.absence.today()
    end = next((last for code, _, last in snooze_choices(today) if code == data.length), None)
    if end is None:
        await ack(update, t("fallback.stale_button", lang))
        return
    await close_text_step(context, identity)
    pause = await _snooze(services, identity, today, end)
    await ack(update, t("tamdung.snoozed_ack", lang))
    await show(update, await _panel(context, identity, snoozed_note(pause, lang)))


@routes.on(Resume)
async def resume(update: Update, context: Context, identity: Identity, data: Resume) -> None:
    """End the pause now."""
    lang = identity.language
    await close_text_step(context, identity)
    resumed = await run_sync(services_of(context).absence.unsnooze, identity.person_id)
    note = t_html("tamdung.resumed" if resumed else "tamdung.nothing_paused", lang)
    await ack(update, t("tamdung.resumed_ack", lang) if resumed else None)
    await show(update, await _panel(context, identity, note))


@routes.on(TypeRange)
async def type_range(update: Update, context: Context, identity: Identity, data: TypeRange) -> None:
    """Ask for the range as typed text."""
    await ack(update)
    await ask_text(update, context, identity, RANGE_STEP, {}, range_question(identity.language))


async def _cancel_to_snooze(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    await replace_panel(update, context, dialog, await _panel(context, identity))


@text_step(RANGE_STEP, _cancel_to_snooze)
async def snooze_range_typed(
    update: Update, context: Context, identity: Identity, dialog: DialogState, text: str
) -> None:
    """A pause typed as "dd/mm - dd/mm" (or one date: from today to it)."""
    services = services_of(context)
    starts_on, ends_on = inputs.day_range(text, services.absence.today(), single_day=False, code="absence_range_format")
    pause = await _snooze(services, identity, starts_on, ends_on)
    await end_text_step(context, identity)
    await replace_panel(
        update, context, dialog, await _panel(context, identity, snoozed_note(pause, identity.language))
    )


HANDLERS = [
    CommandHandler("tamdung", snooze_command),
    routes.handler(),
]
