"""The 360° round's panels, as pure functions of workflow views: whom the person must rate, one rating's
criterion step (full points, listed deductions, typed points; no notes, which could identify a rater), the
summary with the total and Submit, and what follows Submit. Secret ratings say that they only ever appear as
an average of at least `min_raters` people; a leader's rating says that it counts as the leader's score."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from danhgia.chat.format import points, short
from danhgia.chat.panel import Choice, Keys, Panel, chunks, keyboard
from danhgia.handlers.criteria import CatalogKeys, choice_rows, criterion_lines, entry_of, nav_rows, points_question
from danhgia.handlers.ratings.callbacks import (
    Deduct,
    Full,
    GoTo,
    OpenRating,
    RatingList,
    ShowRating,
    Submit,
    TypePoints,
)
from danhgia.scoring import Criterion
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow import evaluation as ev
from danhgia.workflow.ratings import RatingTask

Rows = list[list[Choice]]
ROLE_ORDER = ("peer", "subordinate", "direct_leader", "higher_leader")
MAX_LIST_BUTTONS = 80  # Telegram shows at most 100 buttons; a leader of a very large unit sees the rest later
KEYS = CatalogKeys.under("ratings.walk", note=None)


def _kind(role: str, lang: str) -> str:
    try:
        return t(f"ratings.kind.{role}", lang)
    except KeyError:
        return role


def _entry(task: RatingTask, code: str) -> dict[str, Any]:
    return entry_of(task.criteria, code)


def _total(task: RatingTask) -> tuple[Decimal, Decimal]:
    """The total the rater gives (for their own summary only) and the maximum."""
    regime = task.regime
    total = sum((ev.criterion_points(regime, _entry(task, c.code), c.code) for c in regime.criteria), Decimal(0))
    return total, sum((c.max_points for c in regime.criteria), Decimal(0))


# -- the list --------------------------------------------------------------------------------------------------


def list_panel(tasks: list[RatingTask], lang: str) -> Panel:
    """Whom the person must rate, grouped by kind, done ones ticked; one button per colleague."""
    labels = list(dict.fromkeys(task.period_label for task in tasks))
    done = sum(1 for task in tasks if task.done)
    lines = [t_html("ratings.title", lang, label=", ".join(labels))]
    if done == len(tasks):
        lines.append(t_html("ratings.all_done", lang, count=len(tasks)))
    else:
        lines.append(t_html("ratings.progress", lang, count=len(tasks), done=done))
    roles = [r for r in ROLE_ORDER if any(task.role == r for task in tasks)]
    roles += sorted({task.role for task in tasks} - set(roles))
    ordered: list[RatingTask] = []
    for role in roles:
        group = [task for task in tasks if task.role == role]
        ordered += group
        key = "ratings.group_secret" if group[0].secret else "ratings.group"
        lines.append(Html(""))
        lines.append(t_html(key, lang, kind=_kind(role, lang)))
        for task in group:
            line_key = "ratings.line_done" if task.done else "ratings.line_pending"
            lines.append(t_html(line_key, lang, name=task.ratee_name, position=task.ratee_position))
    lines.append(Html(""))
    if any(task.secret for task in tasks):
        lines.append(t_html("ratings.secret", lang, min=tasks[0].min_raters))
    if any(task.by_leader for task in tasks):
        lines.append(t_html("ratings.leader_note", lang))
    # Buttons: the pending ones first (the workflow's order), as many as a keyboard can carry.
    pending_first = sorted(ordered, key=lambda task: task.done)
    shown = pending_first[:MAX_LIST_BUTTONS]
    if done < len(tasks):
        lines.append(Html("<i>" + t_html("ratings.pick", lang) + "</i>"))
    if len(pending_first) > len(shown):
        lines.append(t_html("ratings.more", lang, count=len(pending_first) - len(shown)))
    buttons = [
        OpenRating(task.id).choice(
            t("ratings.button_done" if task.done else "ratings.button_pending", lang, name=short(task.ratee_name, 28))
        )
        for task in shown
    ]
    return Panel(join_html(lines), keyboard(chunks(buttons, 1 if len(buttons) <= 8 else 2)))


def nothing_text(state: str, lang: str) -> Html:
    """Why the list is empty: no open period, a regime without a 360° round, or nobody to rate."""
    key = {"no_period": "ratings.none_no_period", "not_used": "ratings.none_not_used"}.get(state, "ratings.none_asked")
    return t_html(key, lang)


# -- one rating ------------------------------------------------------------------------------------------------


def _to_list(lang: str) -> list[Choice]:
    return [RatingList().choice(t("ratings.list_button", lang))]


def _who(task: RatingTask, lang: str) -> Html:
    key = "ratings.walk.who_secret" if task.secret else "ratings.walk.who"
    return t_html(key, lang, position=task.ratee_position, kind=_kind(task.role, lang))


def panel(task: RatingTask, lang: str, note: Html | None = None) -> Panel:
    """The rating at its saved step: a criterion, or the summary; read-only once sent or closed."""
    if task.done:
        text = t_html("ratings.done.readonly", lang, name=task.ratee_name, label=task.period_label)
        return Panel(text, keyboard([_to_list(lang)]))
    if not task.period_open:
        text = t_html("ratings.done.closed", lang, name=task.ratee_name, label=task.period_label)
        return Panel(text, keyboard([_to_list(lang)]))
    index = task.step if task.has_step(task.step) else 0
    criterion = task.criterion_at(index)
    if criterion is None:
        body, rows = _summary(task, lang)
    else:
        body, rows = _criterion(task, index, criterion, lang)
    top: list[Html] = [note] if note else []
    return Panel(Html("\n\n".join([*top, body])), keyboard(rows))


def _criterion(task: RatingTask, index: int, criterion: Criterion, lang: str) -> tuple[Html, Rows]:
    regime = task.regime
    count = len(regime.criteria)
    entry = _entry(task, criterion.code)
    lines = [
        t_html("ratings.walk.header", lang, name=task.ratee_name, n=index + 1, count=count + 1),
        _who(task, lang),
        Html(""),
        t_html("ratings.walk.criterion", lang, n=index + 1, count=count, name=criterion.name),
        *criterion_lines(criterion, entry, KEYS, lang),
    ]
    rid, ver = task.id, task.version
    deduct = partial(Deduct, rid, ver, index)  # the deduction's index added
    rows = choice_rows(criterion, entry, KEYS, lang, Full(rid, ver, index), TypePoints(rid, ver, index), deduct)
    rows += nav_rows(index, count, lang, KEYS.back, KEYS.next, KEYS.to_summary, partial(GoTo, rid, ver))
    rows.append(_to_list(lang))
    return join_html(lines), rows


def _summary(task: RatingTask, lang: str) -> tuple[Html, Rows]:
    regime = task.regime
    criteria = regime.criteria
    total, maximum = _total(task)
    lines = [
        t_html("ratings.summary.title", lang, name=task.ratee_name, label=task.period_label),
        _who(task, lang),
        Html(""),
    ]
    rid, ver = task.id, task.version
    edit: Rows = []
    for number, criterion in enumerate(criteria):
        given = ev.criterion_points(regime, _entry(task, criterion.code), criterion.code)
        values = {"points": points(given), "max": points(criterion.max_points)}
        lines.append(t_html("ratings.summary.line", lang, name=criterion.name, **values))
        label = t("ratings.summary.edit_line", lang, n=number + 1, name=short(criterion.name, 28), **values)
        edit.append([GoTo(rid, ver, number).choice(label)])
    lines.append(t_html("ratings.summary.total", lang, total=points(total), max=points(maximum)))
    lines.append(Html(""))
    if task.secret:
        lines.append(t_html("ratings.summary.secret", lang, min=task.min_raters))
    elif task.by_leader:
        kind = t(f"ratings.role_as.{task.role}", lang)
        lines.append(t_html("ratings.summary.leader", lang, kind=kind, name=task.ratee_name))
    lines.append(t_html("ratings.summary.lock_hint", lang))
    rows: Rows = [[Submit(rid, ver).choice(t("ratings.summary.submit", lang))]]
    rows += edit
    rows.append([GoTo(rid, ver, len(criteria) - 1).choice(t("ratings.walk.back", lang))])
    rows.append(_to_list(lang))
    return join_html(lines), rows


def points_panel(task: RatingTask, criterion: Criterion, lang: str) -> Panel:
    """The question asking for a criterion's points, with the way back to the rating."""
    question = points_question("ratings.walk.ask_points", criterion, lang)
    return Panel(question, keyboard([[ShowRating(task.id).choice(t("ratings.walk.back", lang))]]))


def submitted_panel(task: RatingTask, todo: list[RatingTask], lang: str) -> Panel:
    """Right after Submit: locked; how many are left, with a button to the next one."""
    lines = [t_html("ratings.done.submitted", lang, name=task.ratee_name)]
    left = [other for other in todo if not other.done]
    rows: Rows = []
    if left:
        lines.append(t_html("ratings.done.left", lang, count=len(left)))
        name = short(left[0].ratee_name, 30)
        rows.append([OpenRating(left[0].id).choice(t("ratings.done.next_button", lang, name=name))])
    else:
        lines.append(t_html("ratings.all_done", lang, count=len(todo)))
    rows.append(_to_list(lang))
    return Panel(join_html(lines), keyboard(rows))


# -- the notices -----------------------------------------------------------------------------------------------


def _open_list(lang: str) -> Keys:
    return keyboard([[RatingList().choice(t("ratings.notice.open_button", lang))]])


def request_panel(tasks: list[RatingTask], label: str, unit: str, lang: str) -> Panel:
    """A 360° period is open: how many colleagues to rate (and that peers' ratings are secret)."""
    lines = [t_html("ratings.notice.request", lang, label=label, unit=unit, count=len(tasks))]
    if any(task.secret for task in tasks):
        lines.append(t_html("ratings.notice.secret", lang, min=tasks[0].min_raters))
    return Panel(join_html(lines), _open_list(lang))


def reminder_panel(count: int, label: str, closing: str, lang: str) -> Panel:
    """Ratings still to give in an open round: how many, and when the round closes."""
    text = t_html("ratings.notice.reminder", lang, label=label, count=count, closing=closing)
    return Panel(text, _open_list(lang))
