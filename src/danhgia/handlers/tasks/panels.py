"""The tasks' panels, pure: the week list (add, edit, report, move between weeks), one task with what can be
changed, the check-in of the next open task, and the choices of a due date or a weight."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from danhgia.chat.format import day, short
from danhgia.chat.panel import Choice, Keys, Panel, keyboard
from danhgia.handlers.tasks import callbacks as cb
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow.calendar import end_of_month, fmt_short, friday_of, ymd
from danhgia.workflow.tasks import TaskView, WeekView

WEIGHTS = ("0.5", "1", "2", "3")


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


def status(task: TaskView, lang: str) -> str:
    """Where a task stands, in words (overdue, in progress, done on time …)."""
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
        status=status(task, lang),
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
    this_week = week.monday <= week.today <= week.sunday
    rows: list[list[Choice]] = [[cb.Add().choice(t("tasks.add_button", lang))]]
    if any(task.is_open for task in week.tasks) and this_week:
        rows[0].append(cb.CheckinStart().choice(t("tasks.report_button", lang)))
    rows += [
        [cb.Task(task.id, ymd(week.monday)).choice(f"✏️ {i}. {short(task.title, 30)}")]
        for i, task in enumerate((*week.tasks, *week.upcoming), 1)
    ]
    previous, following = week.monday - timedelta(days=7), week.monday + timedelta(days=7)
    nav = [cb.Week(ymd(previous)).choice(t("tasks.prev_week", lang))]
    if not this_week:
        nav.append(cb.Week(ymd(week.today)).choice(t("tasks.this_week", lang)))
    nav.append(cb.Week(ymd(following)).choice(t("tasks.next_week", lang)))
    rows.append(nav)
    return Panel(Html(header + "\n\n" + body), keyboard(rows))


def _week(week: date | None) -> str | None:
    return None if week is None else ymd(week)


def task_panel(task: TaskView, lang: str, week: date | None = None) -> Panel:
    """One task with its details and what can be changed; `week` is the week the person was looking at (back
    there, else to the task's own week)."""
    values = {"title": task.title, "due": day(task.due_on), "weight": _weight(task.weight)}
    text = t_html("tasks.detail", lang, status=status(task, lang), **values)
    if task.quality_problem:
        text = Html(text + "\n" + t_html("tasks.quality_flag", lang))
    if task.note:
        text = Html(text + "\n" + t_html("tasks.note_line", lang, note=task.note))
    w = _week(week)
    rows = [
        [
            cb.EditTitle(task.id, w).choice(t("tasks.edit_title", lang)),
            cb.EditDue(task.id, w).choice(t("tasks.edit_due", lang)),
        ],
        [
            cb.EditWeight(task.id, w).choice(t("tasks.edit_weight", lang)),
            cb.EditNote(task.id, w).choice(t("tasks.edit_note", lang)),
        ],
        [cb.AskCancel(task.id, w).choice(t("tasks.cancel_task", lang))],
        [cb.Week(ymd(week or task.due_on)).choice(t("tasks.back_to_week", lang))],
    ]
    return Panel(text, keyboard(rows))


def cancel_question(task: TaskView, lang: str, week: date | None = None) -> Panel:
    """Cancel this task, or keep it."""
    w = _week(week)
    rows = [
        [
            cb.ConfirmCancel(task.id, w).choice(t("tasks.confirm_cancel", lang)),
            cb.Task(task.id, w).choice(t("tasks.keep_task", lang)),
        ]
    ]
    return Panel(t_html("tasks.cancel_question", lang, title=task.title), keyboard(rows))


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
        rows = [[cb.Week(ymd(week.today)).choice(t("checkin.to_week", lang))]]
        return Panel(Html(prefix + header + "\n\n" + summary), keyboard(rows))
    pending = week.to_report
    # This week's round: the tasks already reported this week, then those still to report ("Việc 2/2" after one).
    reported = sum(1 for x in week.tasks if x.reported_this_week and all(x.id != p.id for p in pending))
    position = reported + next((i for i, x in enumerate(pending, 1) if x.id == task.id), 1)
    body = t_html(
        "checkin.task",
        lang,
        n=position,
        count=reported + len(pending),
        title=task.title,
        due=day(task.due_on),
        weight=_weight(task.weight),
        status=status(task, lang),
    )
    if task.note:
        body = Html(body + "\n" + t_html("tasks.note_line", lang, note=task.note))
    quality = t("checkin.quality_on", lang) if task.quality_problem else t("checkin.quality_off", lang)

    def tap(action: str, label: str) -> Choice:
        return cb.Checkin(task.id, action).choice(label)

    rows = [
        [tap("ok", t("checkin.on_time", lang)), tap("late", t("checkin.late", lang))],
        [tap("prog", t("checkin.in_progress", lang)), tap("no", t("checkin.not_done", lang))],
        [tap("q", quality), tap("n", t("checkin.note", lang))],
        [tap("s", t("checkin.skip", lang))],
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


def back_to(task_id: int | None, lang: str, week: date | None = None) -> Choice:
    """Back to the task (when editing one), else to this week."""
    if task_id is None:
        return cb.Week(cb.TODAY).choice(t("tasks.back_to_week", lang))
    return cb.Task(task_id, _week(week)).choice(t("tasks.back_to_task", lang))


def due_keys(today: date, lang: str, task_id: int | None = None, week: date | None = None) -> Keys:
    """Today, this Friday, the end of the month — each day once (on a Friday, "today" is Friday) — for a new task,
    or to move an existing one."""
    candidates = [
        ("tasks.due_today", today),
        ("tasks.due_friday", max(today, friday_of(today))),
        ("tasks.due_month_end", end_of_month(today)),
    ]
    choices = [(key, when) for i, (key, when) in enumerate(candidates) if all(when != w for _, w in candidates[:i])]
    row = [
        (cb.AddDue(ymd(when)) if task_id is None else cb.SetDue(task_id, ymd(when), _week(week))).choice(
            t(key, lang, date=fmt_short(when))
        )
        for key, when in choices
    ]
    return keyboard([row, [back_to(task_id, lang, week)]])


def due_question(title: str, today: date, lang: str, task_id: int | None = None, week: date | None = None) -> Panel:
    """Ask for a task's due date, with an example near today (this week's Friday, or next week's)."""
    friday = friday_of(today)
    example = friday if friday > today else friday + timedelta(days=7)
    text = t_html("tasks.ask_due", lang, title=title, example=fmt_short(example))
    return Panel(text, due_keys(today, lang, task_id, week))


def past_due_question(
    title: str, due: date, today: date, lang: str, task_id: int | None = None, week: date | None = None
) -> Panel:
    """A typed due date already past: asked before it is taken (the task would be overdue at once); confirm it,
    choose another, or type again."""
    confirm = (cb.AddDue(ymd(due)) if task_id is None else cb.SetDue(task_id, ymd(due), _week(week))).choice(
        t("tasks.past_due_confirm", lang, date=fmt_short(due))
    )
    keys = due_keys(today, lang, task_id, week)
    text = t_html("tasks.past_due", lang, title=title, date=day(due))
    return Panel(text, ((confirm,), *keys))


def weight_keys(lang: str, task_id: int | None = None, week: date | None = None) -> Keys:
    """The usual weights (for a new task, or to change one's)."""
    row = [
        (
            cb.AddWeight(w.replace(".", "_"))
            if task_id is None
            else cb.SetWeight(task_id, w.replace(".", "_"), _week(week))
        ).choice(w.replace(".", ","))
        for w in WEIGHTS
    ]
    return keyboard([row, [back_to(task_id, lang, week)]])
