"""/baocaotuan: check in on each open task of the week with one tap — an outcome (on time, late, in progress,
not done), the quality flag, a note, or skip to the next. An outcome is the hot path: who taps and the check-in
are one trip to the database; every other tap goes through the feature's route table."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from danhgia.chat.callbacks import VERSION, unpack_as
from danhgia.chat.format import day, short
from danhgia.chat.panel import Panel, keyboard
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.routes import Routes
from danhgia.handlers.tasks import callbacks as cb
from danhgia.handlers.tasks.panels import checkin_panel, next_to_report, status
from danhgia.handlers.tasks.week import NOTE
from danhgia.handlers.ui import (
    ack,
    actor_of,
    ask_text,
    close_text_step,
    guarded,
    private_person_then,
    show,
)
from danhgia.texts import t, t_html
from danhgia.workflow.common import Identity
from danhgia.workflow.tasks import CheckinOutcome

routes = Routes(cb.CHECKIN)
OUTCOMES = {
    "ok": CheckinOutcome.ON_TIME,
    "late": CheckinOutcome.LATE,
    "prog": CheckinOutcome.IN_PROGRESS,
    "no": CheckinOutcome.NOT_DONE,
}


@guarded
async def checkin_command(update: Update, context: Context) -> None:
    """/baocaotuan: report on the week's open tasks, one tap each."""
    tasks = services_of(context).tasks
    found = await private_person_then(update, context, lambda who: tasks.week(who.person_id))
    if found is None:
        return
    identity, week = found
    await close_text_step(context, identity)
    await show(update, checkin_panel(week, next_to_report(week), identity.language))


async def _record(update: Update, context: Context, task_id: int, outcome: CheckinOutcome) -> None:
    """An outcome tapped: who it is and the check-in in one trip; then the next task to report on."""
    tasks = services_of(context).tasks
    found = await private_person_then(
        update, context, lambda who: tasks.checkin(actor_of(who), who.person_id, task_id, outcome), writes=True
    )
    if found is None:
        return
    identity, result = found
    lang = identity.language
    note = None
    if result.auto_late:
        note = t_html("checkin.auto_late", lang, title=result.task.title, due=day(result.task.due_on))
    await ack(update, t("checkin.recorded", lang, title=short(result.task.title, 60), status=status(result.task, lang)))
    await show(update, checkin_panel(result.week, next_to_report(result.week), lang, note))


@guarded
async def checkin_button(update: Update, context: Context) -> None:
    """A tap on the check-in panel: an outcome (the hot path), else the route of the tap."""
    query = update.callback_query
    tap = unpack_as(query.data if query is not None else None, cb.Checkin)
    if tap is not None and tap.action in OUTCOMES:
        await _record(update, context, tap.task_id, OUTCOMES[tap.action])
        return
    await routes.dispatch(update, context)


@routes.on(cb.CheckinStart)
async def start(update: Update, context: Context, identity: Identity, _data: cb.CheckinStart) -> None:
    """The next task to report on."""
    await close_text_step(context, identity)
    week = await run_sync(services_of(context).tasks.week, identity.person_id)
    await ack(update)
    await show(update, checkin_panel(week, next_to_report(week), identity.language))


@routes.on(cb.Checkin)
async def other_tap(update: Update, context: Context, identity: Identity, data: cb.Checkin) -> None:
    """The quality flag (q), a note (n) or skip (s) on a task of the week (someone else's is `not_found`)."""
    tasks, lang = services_of(context).tasks, identity.language
    week = await run_sync(tasks.week, identity.person_id)
    task = next((x for x in week.tasks if x.id == data.task_id), None)
    if task is None:
        task = await run_sync(tasks.get, identity.person_id, data.task_id)  # refuses others' tasks
    if data.action == "q":
        task = await run_sync(tasks.toggle_quality, actor_of(identity), identity.person_id, data.task_id)
        week = await run_sync(tasks.week, identity.person_id)
        await ack(update)
        await show(update, checkin_panel(week, task, lang))
    elif data.action == "n":
        await ack(update)
        back = keyboard([[cb.CheckinStart().choice(t("checkin.back", lang))]])
        question = Panel(t_html("tasks.ask_note", lang, title=task.title), back)
        await ask_text(update, context, identity, NOTE, {"task": data.task_id, "from": "checkin"}, question)
    elif data.action == "s":
        await ack(update)
        await show(update, checkin_panel(week, next_to_report(week, after=data.task_id), lang))
    else:
        await ack(update, t("fallback.stale_button", lang))


HANDLERS = [
    CommandHandler("baocaotuan", checkin_command),
    CallbackQueryHandler(checkin_button, pattern=rf"^{VERSION}:{cb.CHECKIN}:"),
]
