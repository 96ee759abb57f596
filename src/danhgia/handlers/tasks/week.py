"""/tuannay: the week's tasks on one panel — move between weeks, add a task (title → due date → weight),
edit or cancel one. Typed answers are steps kept in the database, so a restart in the middle of adding a task
continues where it was."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from telegram import Update
from telegram.ext import CommandHandler

from danhgia.chat.format import day
from danhgia.chat.panel import Panel, keyboard
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.dialog import text_step
from danhgia.handlers.routes import Routes
from danhgia.handlers.tasks import callbacks as cb
from danhgia.handlers.tasks.panels import (
    back_to,
    cancel_question,
    checkin_panel,
    due_question,
    next_to_report,
    past_due_question,
    task_panel,
    week_panel,
    weight_keys,
)
from danhgia.handlers.ui import (
    ack,
    actor_of,
    ask_next,
    ask_text,
    close_text_step,
    end_text_step,
    guarded,
    private_person_then,
    replace_panel,
    show,
)
from danhgia.texts import t, t_html
from danhgia.workflow import inputs
from danhgia.workflow.calendar import from_ymd
from danhgia.workflow.common import Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.tasks import TITLE_MAX, TaskView, clean_text, parse_weight

routes = Routes(cb.FEATURE)
TITLE, DUE, WEIGHT = "task.title", "task.due", "task.weight"
EDIT_TITLE, EDIT_DUE, EDIT_WEIGHT, NOTE = "task.edit_title", "task.edit_due", "task.edit_weight", "task.note"


def _weight_of(text: str) -> Decimal | None:
    """A weight from callback data ("0_5"), None when forged."""
    try:
        return parse_weight(text.replace("_", "."))
    except Refusal:
        return None


def _viewed(week: object) -> date | None:
    """The week the person was looking at (its Monday, as a button or a step carries it), None if none."""
    return from_ymd(week) if isinstance(week, str) and week else None


async def _stale(update: Update, identity: Identity) -> None:
    await ack(update, t("fallback.stale_button", identity.language))


async def _cancel_to_week(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    week = await run_sync(services_of(context).tasks.week, identity.person_id)
    await replace_panel(update, context, dialog, week_panel(week, identity.language))


async def _cancel_to_task(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    services = services_of(context)
    if dialog.data.get("from") == "checkin":
        week = await run_sync(services.tasks.week, identity.person_id)
        await replace_panel(update, context, dialog, checkin_panel(week, next_to_report(week), identity.language))
        return
    task = await run_sync(services.tasks.get, identity.person_id, int(dialog.data["task"]))
    await replace_panel(update, context, dialog, task_panel(task, identity.language, _viewed(dialog.data.get("week"))))


@guarded
async def week_command(update: Update, context: Context) -> None:
    """/tuannay: this week's tasks."""
    tasks = services_of(context).tasks
    found = await private_person_then(update, context, lambda who: tasks.week(who.person_id))
    if found is None:
        return
    identity, week = found
    await close_text_step(context, identity)
    await show(update, week_panel(week, identity.language))


@routes.on(cb.Week)
async def week(update: Update, context: Context, identity: Identity, data: cb.Week) -> None:
    """The week that holds a date."""
    tasks = services_of(context).tasks
    when = tasks.today() if data.when == cb.TODAY else from_ymd(data.when)
    if when is None:
        await _stale(update, identity)
        return
    await close_text_step(context, identity)
    shown = await run_sync(tasks.week, identity.person_id, when)
    await ack(update)
    await show(update, week_panel(shown, identity.language))


# -- adding a task: title → due date → weight ----------------------------------------------------------------


@routes.on(cb.Add)
async def add(update: Update, context: Context, identity: Identity, _data: cb.Add) -> None:
    """Ask for the new task's title."""
    lang = identity.language
    await ack(update)
    question = Panel(t_html("tasks.ask_title", lang), keyboard([[back_to(None, lang)]]))
    await ask_text(update, context, identity, TITLE, {}, question)


@text_step(TITLE, _cancel_to_week)
async def title_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The title of a new task; next, its due date."""
    lang = identity.language
    title = clean_text(text, TITLE_MAX, code="title")
    today = services_of(context).tasks.today()
    question = due_question(title, today, lang)
    await ask_next(update, context, identity, dialog, DUE, {"title": title}, question)


@text_step(DUE, _cancel_to_week)
async def due_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The due date of a new task, typed as dd/mm."""
    services = services_of(context)
    today = services.tasks.today()
    due = inputs.day(text, today)
    services.tasks.check_due(due)
    title = str(dialog.data["title"])
    if due < today:  # already past: ask before the task is overdue at once
        question = past_due_question(title, due, today, identity.language)
        await ask_next(update, context, identity, dialog, DUE, {"title": title}, question)
        return
    await _ask_weight(update, context, identity, dialog, {"title": title, "due": due.isoformat()})


@text_step(WEIGHT, _cancel_to_week)
async def weight_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The weight of a new task, typed; then the task is saved."""
    await _create(update, context, identity, dialog, parse_weight(text))


async def _ask_weight(
    update: Update, context: Context, identity: Identity, dialog: DialogState | None, data: dict[str, object]
) -> None:
    lang = identity.language
    await ack(update)
    question = Panel(t_html("tasks.ask_weight", lang, title=str(data["title"])), weight_keys(lang))
    await ask_next(update, context, identity, dialog, WEIGHT, dict(data), question)


async def _adding(update: Update, context: Context, identity: Identity, expected: str) -> DialogState | None:
    """The open step of adding a task that a chosen answer is for; None (the press answered) when it is not."""
    dialog = await run_sync(services_of(context).dialogs.get, identity.person_id)
    if dialog is None or dialog.kind != expected:
        await _stale(update, identity)
        return None
    return dialog


@routes.on(cb.AddDue)
async def add_due(update: Update, context: Context, identity: Identity, data: cb.AddDue) -> None:
    """The new task's due date, chosen; next, its weight."""
    dialog = await _adding(update, context, identity, DUE)
    if dialog is None:
        return
    due = from_ymd(data.when)
    if due is None:
        await _stale(update, identity)
        return
    services_of(context).tasks.check_due(due)
    await _ask_weight(update, context, identity, dialog, {"title": dialog.data["title"], "due": due.isoformat()})


@routes.on(cb.AddWeight)
async def add_weight(update: Update, context: Context, identity: Identity, data: cb.AddWeight) -> None:
    """The new task's weight, chosen; then it is saved."""
    dialog = await _adding(update, context, identity, WEIGHT)
    if dialog is None:
        return
    weight = _weight_of(data.weight)
    if weight is None:
        await _stale(update, identity)
        return
    await _create(update, context, identity, dialog, weight)


async def _create(update: Update, context: Context, identity: Identity, dialog: DialogState, weight: Decimal) -> None:
    services = services_of(context)
    due = date.fromisoformat(str(dialog.data["due"]))
    title = str(dialog.data["title"])
    task = await run_sync(services.tasks.add, actor_of(identity), identity.person_id, title, due, weight)
    await end_text_step(context, identity)
    week = await run_sync(services.tasks.week, identity.person_id)
    note = t_html("tasks.added", identity.language, title=task.title, due=day(task.due_on))
    panel = week_panel(week, identity.language).under(note)
    if update.callback_query is not None:
        await ack(update, t("tasks.saved", identity.language))
        await show(update, panel)
    else:
        await replace_panel(update, context, dialog, panel)


# -- one task ------------------------------------------------------------------------------------------------------


async def _task(context: Context, identity: Identity, task_id: int) -> TaskView:
    """The person's own task (someone else's is `not_found`)."""
    return await run_sync(services_of(context).tasks.get, identity.person_id, task_id)


@routes.on(cb.Task)
async def task(update: Update, context: Context, identity: Identity, data: cb.Task) -> None:
    """One task's panel."""
    found = await _task(context, identity, data.task_id)
    await close_text_step(context, identity)
    await ack(update)
    await show(update, task_panel(found, identity.language, _viewed(data.week)))


@routes.on(cb.EditTitle, cb.EditWeight, cb.EditNote)
async def ask_change(
    update: Update, context: Context, identity: Identity, data: cb.EditTitle | cb.EditWeight | cb.EditNote
) -> None:
    """Ask for a new title, weight (or a choice of the usual ones) or note."""
    found = await _task(context, identity, data.task_id)
    lang, week = identity.language, _viewed(data.week)
    if isinstance(data, cb.EditTitle):
        kind, key, keys = EDIT_TITLE, "tasks.ask_new_title", keyboard([[back_to(found.id, lang, week)]])
    elif isinstance(data, cb.EditWeight):
        kind, key, keys = EDIT_WEIGHT, "tasks.ask_weight", weight_keys(lang, found.id, week)
    else:
        kind, key, keys = NOTE, "tasks.ask_note", keyboard([[back_to(found.id, lang, week)]])
    await ack(update)
    step = {"task": found.id, "week": data.week}
    await ask_text(update, context, identity, kind, step, Panel(t_html(key, lang, title=found.title), keys))


@routes.on(cb.EditDue)
async def ask_due(update: Update, context: Context, identity: Identity, data: cb.EditDue) -> None:
    """Ask for a new due date (or a choice of the usual ones)."""
    found = await _task(context, identity, data.task_id)
    lang, today = identity.language, services_of(context).tasks.today()
    question = due_question(found.title, today, lang, found.id, _viewed(data.week))
    await ack(update)
    await ask_text(update, context, identity, EDIT_DUE, {"task": found.id, "week": data.week}, question)


async def _after_edit(
    update: Update,
    context: Context,
    identity: Identity,
    dialog: DialogState | None,
    edited: TaskView,
    week: date | None = None,
) -> None:
    await end_text_step(context, identity)
    if dialog is not None and week is None:
        week = _viewed(dialog.data.get("week"))
    panel = task_panel(edited, identity.language, week).under(t_html("tasks.saved_line", identity.language))
    if update.callback_query is not None:
        await ack(update, t("tasks.saved", identity.language))
        await show(update, panel)
    else:
        await replace_panel(update, context, dialog, panel)


@routes.on(cb.SetDue)
async def set_due(update: Update, context: Context, identity: Identity, data: cb.SetDue) -> None:
    """A new due date, chosen."""
    await _task(context, identity, data.task_id)
    due = from_ymd(data.when)
    if due is None:
        await _stale(update, identity)
        return
    tasks = services_of(context).tasks
    edited = await run_sync(tasks.edit, actor_of(identity), identity.person_id, data.task_id, due_on=due)
    await _after_edit(update, context, identity, None, edited, _viewed(data.week))


@routes.on(cb.SetWeight)
async def set_weight(update: Update, context: Context, identity: Identity, data: cb.SetWeight) -> None:
    """A new weight, chosen."""
    await _task(context, identity, data.task_id)
    weight = _weight_of(data.weight)
    if weight is None:
        await _stale(update, identity)
        return
    tasks = services_of(context).tasks
    edited = await run_sync(tasks.edit, actor_of(identity), identity.person_id, data.task_id, weight=weight)
    await close_text_step(context, identity)
    await ack(update, t("tasks.saved", identity.language))
    await show(update, task_panel(edited, identity.language, _viewed(data.week)))


@routes.on(cb.AskCancel)
async def ask_cancel(update: Update, context: Context, identity: Identity, data: cb.AskCancel) -> None:
    """Ask before cancelling the task."""
    found = await _task(context, identity, data.task_id)
    await ack(update)
    await show(update, cancel_question(found, identity.language, _viewed(data.week)))


@routes.on(cb.ConfirmCancel)
async def confirm_cancel(update: Update, context: Context, identity: Identity, data: cb.ConfirmCancel) -> None:
    """Cancel the task; back to the week the person was looking at (else the task's own week)."""
    found = await _task(context, identity, data.task_id)
    tasks = services_of(context).tasks
    await run_sync(tasks.cancel, actor_of(identity), identity.person_id, found.id)
    shown = await run_sync(tasks.week, identity.person_id, _viewed(data.week) or found.due_on)
    await ack(update, t("tasks.cancelled", identity.language))
    await show(update, week_panel(shown, identity.language))


@text_step(EDIT_TITLE, _cancel_to_task)
async def edit_title_typed(
    update: Update, context: Context, identity: Identity, dialog: DialogState, text: str
) -> None:
    """A new title for a task."""
    tasks, task_id = services_of(context).tasks, int(dialog.data["task"])
    edited = await run_sync(tasks.edit, actor_of(identity), identity.person_id, task_id, title=text)
    await _after_edit(update, context, identity, dialog, edited)


@text_step(EDIT_DUE, _cancel_to_task)
async def edit_due_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """A new due date for a task, typed as dd/mm."""
    tasks, task_id = services_of(context).tasks, int(dialog.data["task"])
    today = tasks.today()
    due = inputs.day(text, today)
    if due < today:  # already past: ask before the task is overdue at once
        found = await _task(context, identity, task_id)
        week = dialog.data.get("week")
        question = past_due_question(found.title, due, today, identity.language, task_id, _viewed(week))
        await ask_next(update, context, identity, dialog, EDIT_DUE, {"task": task_id, "week": week}, question)
        return
    edited = await run_sync(tasks.edit, actor_of(identity), identity.person_id, task_id, due_on=due)
    await _after_edit(update, context, identity, dialog, edited)


@text_step(EDIT_WEIGHT, _cancel_to_task)
async def edit_weight_typed(
    update: Update, context: Context, identity: Identity, dialog: DialogState, text: str
) -> None:
    """A new weight for a task."""
    weight = parse_weight(text)
    tasks, task_id = services_of(context).tasks, int(dialog.data["task"])
    edited = await run_sync(tasks.edit, actor_of(identity), identity.person_id, task_id, weight=weight)
    await _after_edit(update, context, identity, dialog, edited)


@text_step(NOTE, _cancel_to_task)
async def note_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """A note on a task (from its panel or from the check-in)."""
    tasks, task_id = services_of(context).tasks, int(dialog.data["task"])
    edited = await run_sync(tasks.edit, actor_of(identity), identity.person_id, task_id, note=text)
    if dialog.data.get("from") != "checkin":
        await _after_edit(update, context, identity, dialog, edited)
        return
    await end_text_step(context, identity)
    shown = await run_sync(tasks.week, identity.person_id)
    current = next((x for x in shown.tasks if x.id == task_id), None)
    next_task = current if current and current.is_open else next_to_report(shown)
    saved = t_html("tasks.saved_line", identity.language)
    await replace_panel(update, context, dialog, checkin_panel(shown, next_task, identity.language, saved))


HANDLERS = [CommandHandler("tuannay", week_command), routes.handler()]
