"""/tuannay (the week's tasks: add, edit, cancel) and /baocaotuan (check in on each open task with one tap).

Everything happens on one panel edited in place; typed answers (a title, a date, a weight, a note) are
steps kept in the database, so a restart in the middle of adding a task continues where it was.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from danhgia.chat.callbacks import as_int, button, cb_parts
from danhgia.chat.format import day, short
from danhgia.chat.panel import Choice, Keys, Panel, keyboard
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.dialog import text_step
from danhgia.handlers.ui import (
    ack,
    actor_of,
    ask_next,
    close_text_step,
    end_text_step,
    guarded,
    pressed,
    private_person,
    private_person_then,
    replace_panel,
    show,
)
from danhgia.handlers.ui import ask_text as ask
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow import inputs
from danhgia.workflow.calendar import end_of_month, fmt_short, friday_of
from danhgia.workflow.common import Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.tasks import CheckinOutcome, TaskView, WeekView, parse_weight

FEATURE = "tk"
CHECKIN = "ci"
WEIGHTS = ("0.5", "1", "2", "3")
OUTCOMES = {
    "ok": CheckinOutcome.ON_TIME,
    "late": CheckinOutcome.LATE,
    "prog": CheckinOutcome.IN_PROGRESS,
    "no": CheckinOutcome.NOT_DONE,
}
TASK_QUESTIONS = {  # a task's button → the typed step it opens and its question (about the task's {title})
    "ti": ("task.edit_title", "tasks.ask_new_title"),
    "tw": ("task.edit_weight", "tasks.ask_weight"),
    "tn": ("task.note", "tasks.ask_note"),
}


# -- rendering --------------------------------------------------------------------------------------------------


def _icon(task: TaskView) -> str:
    if task.status == "done_on_time":
        return "✅"
    if task.status == "done_late":
        return "🕒"
    if task.status == "not_done":
        return "❌"
    if task.overdue:
        return "⚠️"
    return "🔄" if task.progress == "in_progress" else "⏳"


def _status(task: TaskView, lang: str) -> str:
    key = ("overdue" if task.overdue else task.progress) if task.is_open else task.status
    return t(f"tasks.status.{key}", lang)


def _weight(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


def task_line(index: int, task: TaskView, lang: str) -> Html:
    """One line of the week list."""
    line = t_html(
        "tasks.line",
        lang,
        n=index,
        icon=_icon(task),
        title=task.title,
        due=fmt_short(task.due_on),
        weight=_weight(task.weight),
        status=_status(task, lang),
    )
    if task.quality_problem:
        line = Html(line + " " + t_html("tasks.quality_flag", lang))
    return line


def week_panel(week: WeekView, lang: str) -> Panel:
    """The week's tasks with buttons to add, edit, report and move between weeks."""
    header = t_html("tasks.week_header", lang, start=fmt_short(week.monday), end=day(week.sunday))
    if week.tasks:
        lines = [task_line(i, task, lang) for i, task in enumerate(week.tasks, 1)]
        done = sum(1 for task in week.tasks if not task.is_open)
        body = join_html([*lines, Html(""), t_html("tasks.week_counts", lang, total=len(week.tasks), done=done)])
    else:
        body = t_html("tasks.week_empty", lang)
    if week.upcoming:
        first = len(week.tasks) + 1
        later = [task_line(i, task, lang) for i, task in enumerate(week.upcoming, first)]
        body = join_html([body, Html(""), t_html("tasks.upcoming_header", lang), *later])
    rows: list[list[Choice]] = [
        [button(t("tasks.add_button", lang), FEATURE, "add")],
    ]
    if any(task.is_open for task in week.tasks) and week.monday <= week.today <= week.sunday:
        rows[0].append(button(t("tasks.report_button", lang), CHECKIN, "go"))
    rows += [
        [button(f"✏️ {i}. {short(task.title, 30)}", FEATURE, "t", task.id)]
        for i, task in enumerate((*week.tasks, *week.upcoming), 1)
    ]
    previous, following = week.monday - timedelta(days=7), week.monday + timedelta(days=7)
    nav = [button(t("tasks.prev_week", lang), FEATURE, "wk", previous.strftime("%Y%m%d"))]
    if not week.monday <= week.today <= week.sunday:
        nav.append(button(t("tasks.this_week", lang), FEATURE, "wk", week.today.strftime("%Y%m%d")))
    nav.append(button(t("tasks.next_week", lang), FEATURE, "wk", following.strftime("%Y%m%d")))
    rows.append(nav)
    return Panel(Html(header + "\n\n" + body), keyboard(rows))


def task_panel(task: TaskView, lang: str) -> Panel:
    """One task with its details and what can be changed."""
    text = t_html(
        "tasks.detail",
        lang,
        title=task.title,
        due=day(task.due_on),
        weight=_weight(task.weight),
        status=_status(task, lang),
    )
    if task.quality_problem:
        text = Html(text + "\n" + t_html("tasks.quality_flag", lang))
    if task.note:
        text = Html(text + "\n" + t_html("tasks.note_line", lang, note=task.note))
    rows = [
        [
            button(t("tasks.edit_title", lang), FEATURE, "ti", task.id),
            button(t("tasks.edit_due", lang), FEATURE, "td", task.id),
        ],
        [
            button(t("tasks.edit_weight", lang), FEATURE, "tw", task.id),
            button(t("tasks.edit_note", lang), FEATURE, "tn", task.id),
        ],
        [button(t("tasks.cancel_task", lang), FEATURE, "tx", task.id)],
        [button(t("tasks.back_to_week", lang), FEATURE, "wk", task.due_on.strftime("%Y%m%d"))],
    ]
    return Panel(text, keyboard(rows))


def checkin_panel(week: WeekView, task: TaskView | None, lang: str, note: Html | None = None) -> Panel:
    """The next task to report on, or the week's summary when every open task is reported."""
    header = t_html("checkin.header", lang, start=fmt_short(week.monday), end=day(week.sunday))
    prefix = Html(note + "\n\n") if note else Html("")
    if task is None:
        done = sum(1 for x in week.tasks if not x.is_open)
        going = sum(1 for x in week.tasks if x.is_open)
        summary = (
            t_html("checkin.all_done", lang, done=done, going=going) if week.tasks else t_html("checkin.no_tasks", lang)
        )
        rows = [[button(t("checkin.to_week", lang), FEATURE, "wk", week.today.strftime("%Y%m%d"))]]
        return Panel(Html(prefix + header + "\n\n" + summary), keyboard(rows))
    pending = week.to_report
    position = next((i for i, x in enumerate(pending, 1) if x.id == task.id), 1)
    body = t_html(
        "checkin.task",
        lang,
        n=position,
        count=len(pending),
        title=task.title,
        due=day(task.due_on),
        weight=_weight(task.weight),
        status=_status(task, lang),
    )
    if task.note:
        body = Html(body + "\n" + t_html("tasks.note_line", lang, note=task.note))
    quality = t("checkin.quality_on", lang) if task.quality_problem else t("checkin.quality_off", lang)
    rows = [
        [
            button(t("checkin.on_time", lang), CHECKIN, task.id, "ok"),
            button(t("checkin.late", lang), CHECKIN, task.id, "late"),
        ],
        [
            button(t("checkin.in_progress", lang), CHECKIN, task.id, "prog"),
            button(t("checkin.not_done", lang), CHECKIN, task.id, "no"),
        ],
        [button(quality, CHECKIN, task.id, "q"), button(t("checkin.note", lang), CHECKIN, task.id, "n")],
        [button(t("checkin.skip", lang), CHECKIN, task.id, "s")],
    ]
    return Panel(Html(prefix + header + "\n\n" + body), keyboard(rows))


def next_to_report(week: WeekView, after: int | None = None) -> TaskView | None:
    """The first open task not reported this week (after a given one when skipping)."""
    pending = list(week.to_report)
    if after is not None:
        ids = [task.id for task in week.tasks]
        if after in ids:
            later = ids[ids.index(after) + 1 :]
            pending = [task for task in pending if task.id in later] or pending
            pending = [task for task in pending if task.id != after] or []
    return pending[0] if pending else None


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
    await replace_panel(update, context, dialog, task_panel(task, identity.language))


# -- /tuannay ------------------------------------------------------------------------------------------------------


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


@guarded
async def week_button(update: Update, context: Context) -> None:
    """Every button of the week panel and of a task's panel."""
    press = await pressed(update, context, FEATURE)
    if press is None:
        return
    identity, parts = press
    lang = identity.language
    services = services_of(context)
    action, arg = ([*parts, "", ""])[:2]
    if action == "wk":
        when = services.tasks.today() if arg == "0" else _yyyymmdd(arg)
        if when is None:
            await ack(update, t("fallback.stale_button", lang))
            return
        await close_text_step(context, identity)
        week = await run_sync(services.tasks.week, identity.person_id, when)
        await ack(update)
        await show(update, week_panel(week, lang))
        return
    if action == "add":
        await ack(update)
        await ask(
            update, context, identity, "task.title", {}, Panel(t_html("tasks.ask_title", lang), _back_to_week(lang))
        )
        return
    if action in ("ad", "aw"):
        await _add_button(update, context, identity, action, arg)
        return
    task_id = as_int(arg)
    if task_id is None:
        await ack(update, t("fallback.stale_button", lang))
        return
    task = await run_sync(services.tasks.get, identity.person_id, task_id)
    if action == "t":
        await close_text_step(context, identity)
        await ack(update)
        await show(update, task_panel(task, lang))
    elif action in TASK_QUESTIONS:
        kind, key = TASK_QUESTIONS[action]
        markup = _weight_keyboard(lang, "ew", task_id) if action == "tw" else _back_to_task(task_id, lang)
        await ack(update)
        await ask(
            update, context, identity, kind, {"task": task_id}, Panel(t_html(key, lang, title=task.title), markup)
        )
    elif action == "td":
        await ack(update)
        await ask(
            update,
            context,
            identity,
            "task.edit_due",
            {"task": task_id},
            Panel(
                _due_question(services.tasks.today(), lang, task.title),
                _due_keyboard(services.tasks.today(), lang, "ed", task_id),
            ),
        )
    elif action == "ed":
        await _edit_due_button(update, context, identity, task_id, parts[2] if len(parts) > 2 else "")
    elif action == "ew":
        value = _weight_arg(parts[2] if len(parts) > 2 else "")
        if value is None:
            await ack(update, t("fallback.stale_button", lang))
            return
        edited = await run_sync(services.tasks.edit, actor_of(identity), identity.person_id, task_id, weight=value)
        await close_text_step(context, identity)
        await ack(update, t("tasks.saved", lang))
        await show(update, task_panel(edited, lang))
    elif action == "tx":
        await ack(update)
        confirm = keyboard(
            [
                [
                    button(t("tasks.confirm_cancel", lang), FEATURE, "tX", task_id),
                    button(t("tasks.keep_task", lang), FEATURE, "t", task_id),
                ]
            ]
        )
        await show(update, Panel(t_html("tasks.cancel_question", lang, title=task.title), confirm))
    elif action == "tX":
        await run_sync(services.tasks.cancel, actor_of(identity), identity.person_id, task_id)
        week = await run_sync(services.tasks.week, identity.person_id, task.due_on)
        await ack(update, t("tasks.cancelled", lang))
        await show(update, week_panel(week, lang))
    else:
        await ack(update, t("fallback.stale_button", lang))


def _yyyymmdd(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def _back_to_week(lang: str) -> Keys:
    return keyboard([[button(t("tasks.back_to_week", lang), FEATURE, "wk", "0")]])


def _back_to_task(task_id: int, lang: str) -> Keys:
    return keyboard([[button(t("tasks.back_to_task", lang), FEATURE, "t", task_id)]])


def _due_question(today: date, lang: str, title: str) -> Html:
    return t_html("tasks.ask_due", lang, title=title)


def _due_keyboard(today: date, lang: str, action: str, task_id: int | None = None) -> Keys:
    choices = [
        ("tasks.due_today", today),
        ("tasks.due_friday", max(today, friday_of(today))),
        ("tasks.due_month_end", end_of_month(today)),
    ]
    extra = [] if task_id is None else [task_id]
    row = [
        button(t(key, lang, date=fmt_short(when)), FEATURE, action, *extra, when.strftime("%Y%m%d"))
        for key, when in choices
    ]
    back = (
        button(t("tasks.back_to_week", lang), FEATURE, "wk", "0")
        if task_id is None
        else button(t("tasks.back_to_task", lang), FEATURE, "t", task_id)
    )
    return keyboard([row, [back]])


def _weight_keyboard(lang: str, action: str, task_id: int | None = None) -> Keys:
    extra = [] if task_id is None else [task_id]
    row = [button(w.replace(".", ","), FEATURE, action, *extra, w.replace(".", "_")) for w in WEIGHTS]
    back = (
        button(t("tasks.back_to_week", lang), FEATURE, "wk", "0")
        if task_id is None
        else button(t("tasks.back_to_task", lang), FEATURE, "t", task_id)
    )
    return keyboard([row, [back]])


def _weight_arg(text: str) -> Decimal | None:
    try:
        return parse_weight(text.replace("_", "."))
    except Refusal:
        return None


# -- adding a task: title → due date → weight ----------------------------------------------------------------


@text_step("task.title", _cancel_to_week)
async def title_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The title of a new task; next, its due date."""
    from danhgia.workflow.tasks import TITLE_MAX, clean_text

    lang = identity.language
    title = clean_text(text, TITLE_MAX, code="title")
    today = services_of(context).tasks.today()
    await ask_next(
        update,
        context,
        identity,
        dialog,
        "task.due",
        {"title": title},
        Panel(_due_question(today, lang, title), _due_keyboard(today, lang, "ad")),
    )


@text_step("task.due", _cancel_to_week)
async def due_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The due date of a new task, typed as dd/mm."""
    services = services_of(context)
    due = inputs.day(text, services.tasks.today())
    services.tasks.check_due(due)
    await _ask_weight(update, context, identity, dialog, {"title": dialog.data["title"], "due": due.isoformat()})


@text_step("task.weight", _cancel_to_week)
async def weight_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The weight of a new task, typed; then the task is saved."""
    weight = parse_weight(text)
    await _create(update, context, identity, dialog, weight)


async def _ask_weight(
    update: Update, context: Context, identity: Identity, dialog: DialogState | None, data: dict[str, object]
) -> None:
    lang = identity.language
    await ack(update)
    question = t_html("tasks.ask_weight", lang, title=str(data["title"]))
    await ask_next(
        update,
        context,
        identity,
        dialog,
        "task.weight",
        dict(data),
        Panel(question, _weight_keyboard(lang, "aw")),
    )


async def _add_button(update: Update, context: Context, identity: Identity, action: str, arg: str) -> None:
    lang = identity.language
    services = services_of(context)
    dialog = await run_sync(services.dialogs.get, identity.person_id)
    expected = "task.due" if action == "ad" else "task.weight"
    if dialog is None or dialog.kind != expected:
        await ack(update, t("fallback.stale_button", lang))
        return
    if action == "ad":
        due = _yyyymmdd(arg)
        if due is None:
            await ack(update, t("fallback.stale_button", lang))
            return
        services.tasks.check_due(due)
        await _ask_weight(update, context, identity, dialog, {"title": dialog.data["title"], "due": due.isoformat()})
        return
    weight = _weight_arg(arg)
    if weight is None:
        await ack(update, t("fallback.stale_button", lang))
        return
    await _create(update, context, identity, dialog, weight)


async def _create(update: Update, context: Context, identity: Identity, dialog: DialogState, weight: Decimal) -> None:
    services = services_of(context)
    due = date.fromisoformat(str(dialog.data["due"]))
    task = await run_sync(
        services.tasks.add, actor_of(identity), identity.person_id, str(dialog.data["title"]), due, weight
    )
    await end_text_step(context, identity)
    week = await run_sync(services.tasks.week, identity.person_id)
    panel = week_panel(week, identity.language).under(
        t_html("tasks.added", identity.language, title=task.title, due=day(task.due_on))
    )
    if update.callback_query is not None:
        await ack(update, t("tasks.saved", identity.language))
        await show(update, panel)
    else:
        await replace_panel(update, context, dialog, panel)


# -- editing a task ------------------------------------------------------------------------------------------------


async def _after_edit(
    update: Update, context: Context, identity: Identity, dialog: DialogState | None, task: TaskView
) -> None:
    await end_text_step(context, identity)
    panel = task_panel(task, identity.language).under(t_html("tasks.saved_line", identity.language))
    if update.callback_query is not None:
        await ack(update, t("tasks.saved", identity.language))
        await show(update, panel)
    else:
        await replace_panel(update, context, dialog, panel)


@text_step("task.edit_title", _cancel_to_task)
async def edit_title_typed(
    update: Update, context: Context, identity: Identity, dialog: DialogState, text: str
) -> None:
    """A new title for a task."""
    task = await run_sync(
        services_of(context).tasks.edit, actor_of(identity), identity.person_id, int(dialog.data["task"]), title=text
    )
    await _after_edit(update, context, identity, dialog, task)


@text_step("task.edit_due", _cancel_to_task)
async def edit_due_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """A new due date for a task, typed as dd/mm."""
    services = services_of(context)
    due = inputs.day(text, services.tasks.today())
    task = await run_sync(
        services.tasks.edit, actor_of(identity), identity.person_id, int(dialog.data["task"]), due_on=due
    )
    await _after_edit(update, context, identity, dialog, task)


async def _edit_due_button(update: Update, context: Context, identity: Identity, task_id: int, arg: str) -> None:
    due = _yyyymmdd(arg)
    if due is None:
        await ack(update, t("fallback.stale_button", identity.language))
        return
    task = await run_sync(services_of(context).tasks.edit, actor_of(identity), identity.person_id, task_id, due_on=due)
    await _after_edit(update, context, identity, None, task)


@text_step("task.edit_weight", _cancel_to_task)
async def edit_weight_typed(
    update: Update, context: Context, identity: Identity, dialog: DialogState, text: str
) -> None:
    """A new weight for a task."""
    weight = parse_weight(text)
    task = await run_sync(
        services_of(context).tasks.edit, actor_of(identity), identity.person_id, int(dialog.data["task"]), weight=weight
    )
    await _after_edit(update, context, identity, dialog, task)


@text_step("task.note", _cancel_to_task)
async def note_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """A note on a task (from its panel or from the check-in)."""
    services = services_of(context)
    task_id = int(dialog.data["task"])
    task = await run_sync(services.tasks.edit, actor_of(identity), identity.person_id, task_id, note=text)
    if dialog.data.get("from") == "checkin":
        await end_text_step(context, identity)
        week = await run_sync(services.tasks.week, identity.person_id)
        current = next((x for x in week.tasks if x.id == task_id), None)
        await replace_panel(
            update,
            context,
            dialog,
            checkin_panel(
                week,
                current if current and current.is_open else next_to_report(week),
                identity.language,
                t_html("tasks.saved_line", identity.language),
            ),
        )
        return
    await _after_edit(update, context, identity, dialog, task)


# -- /baocaotuan -----------------------------------------------------------------------------------------------------


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


@guarded
async def checkin_button(update: Update, context: Context) -> None:
    """A tap on the check-in panel: an outcome, the quality flag, a note, or skip."""
    query = update.callback_query
    assert query is not None
    parts = cb_parts(query.data, CHECKIN)
    services = services_of(context)
    task_id = as_int(parts[0]) if parts else None
    action = parts[1] if len(parts) > 1 else ""
    if task_id is not None and action in OUTCOMES:  # the hot path: who it is and the check-in, in one trip
        outcome = OUTCOMES[action]
        found = await private_person_then(
            update,
            context,
            lambda who: services.tasks.checkin(actor_of(who), who.person_id, task_id, outcome),
        )
        if found is None:
            return
        identity, result = found
        lang = identity.language
        note = (
            t_html("checkin.auto_late", lang, title=result.task.title, due=day(result.task.due_on))
            if result.auto_late
            else None
        )
        await ack(
            update, t("checkin.recorded", lang, title=short(result.task.title, 60), status=_status(result.task, lang))
        )
        await show(update, checkin_panel(result.week, next_to_report(result.week), lang, note))
        return
    person = await private_person(update, context)
    if person is None:
        return
    identity = person
    lang = identity.language
    if parts == ["go"]:
        await close_text_step(context, identity)
        week = await run_sync(services.tasks.week, identity.person_id)
        await ack(update)
        await show(update, checkin_panel(week, next_to_report(week), lang))
        return
    if task_id is None or not action:
        await ack(update, t("fallback.stale_button", lang))
        return
    week = await run_sync(services.tasks.week, identity.person_id)
    task = next((x for x in week.tasks if x.id == task_id), None)
    if task is None:
        task = await run_sync(services.tasks.get, identity.person_id, task_id)  # raises not_found for others' tasks
    if action == "q":
        task = await run_sync(services.tasks.toggle_quality, actor_of(identity), identity.person_id, task_id)
        week = await run_sync(services.tasks.week, identity.person_id)
        await ack(update)
        await show(update, checkin_panel(week, task, lang))
    elif action == "n":
        await ack(update)
        back = keyboard([[button(t("checkin.back", lang), CHECKIN, "go")]])
        await ask(
            update,
            context,
            identity,
            "task.note",
            {"task": task_id, "from": "checkin"},
            Panel(t_html("tasks.ask_note", lang, title=task.title), back),
        )
    elif action == "s":
        await ack(update)
        await show(update, checkin_panel(week, next_to_report(week, after=task_id), lang))
    else:
        await ack(update, t("fallback.stale_button", lang))


HANDLERS = [
    CommandHandler("tuannay", week_command),
    CommandHandler("baocaotuan", checkin_command),
    CallbackQueryHandler(week_button, pattern=rf"^v1:{FEATURE}:"),
    CallbackQueryHandler(checkin_button, pattern=rf"^v1:{CHECKIN}:"),
]
