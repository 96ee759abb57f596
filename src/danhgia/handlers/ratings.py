"""/danhgiacheo: the 360° round — the colleagues a person must rate, and the criteria walk of one rating on one
panel edited in place (full points, listed deductions, typed points; no notes, which could identify a rater),
a summary with the total, and Submit, after which the rating is locked.

The rater sees only whom they must rate (workflow/ratings.py). Peers and a leader's own staff rate in secret:
the panels say so, and that such scores only ever appear as an average of at least `min_raters` people. What
a leader gives their staff counts as the leader's score, and the panels say that too.

Callback data: `v1:dc:ls` (the list), `v1:dc:o:<rating id>` (open one), `v1:dc:sh:<rating id>` (back from the
points question), and for every change `v1:dc:<action>:<rating id>:<version>[:<step>[:<deduction index>]]`
with the rating's version, so a double tap or an old panel changes nothing (`stale`); someone else's rating
id is `not_found`. Also renders the `rating_request` notice ({period_id}) with a button to the list.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from telegram import Bot, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from danhgia.chat.callbacks import as_int, button
from danhgia.chat.format import points, short
from danhgia.chat.panel import Choice, Panel, chunks, keyboard
from danhgia.handlers import notifier
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.criteria import (
    CatalogKeys,
    choice_rows,
    criterion_lines,
    deduction_at,
    entry_of,
    nav_rows,
    points_question,
)
from danhgia.handlers.dialog import text_step
from danhgia.handlers.ui import (
    ack,
    answered,
    ask_text,
    close_text_step,
    command_person,
    guarded,
    pressed,
    replace_panel,
    show,
)
from danhgia.scoring import Regime
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow import evaluation as ev
from danhgia.workflow.common import Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.ratings import RatingTask
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services

FEATURE = "dc"
Panel = Panel
Rows = list[list[Choice]]
ROLE_ORDER = ("peer", "subordinate", "direct_leader", "higher_leader")
LEADER_ROLES = ("direct_leader", "higher_leader")
MAX_LIST_BUTTONS = 80  # Telegram shows at most 100 buttons; a leader of a very large unit sees the rest later
POINTS_STEP = "dc.points"
KEYS = CatalogKeys.under("ratings.walk", note=None)


# -- what kind of rating ---------------------------------------------------------------------------------------


def _secret(task: RatingTask) -> bool:
    """Whether this rating is secret (an anonymous role of the regime: peers, a leader's own staff)."""
    review = task.regime.review_360
    return review is not None and task.role in review.anonymous_roles


def _min_raters(regime: Regime) -> int:
    review = regime.review_360
    return review.min_raters if review is not None else 1


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


# -- rendering: the list ---------------------------------------------------------------------------------------


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
        key = "ratings.group_secret" if _secret(group[0]) else "ratings.group"
        lines.append(Html(""))
        lines.append(t_html(key, lang, kind=_kind(role, lang)))
        for task in group:
            line_key = "ratings.line_done" if task.done else "ratings.line_pending"
            lines.append(t_html(line_key, lang, name=task.ratee_name, position=task.ratee_position))
    lines.append(Html(""))
    if any(_secret(task) for task in tasks):
        lines.append(t_html("ratings.secret", lang, min=_min_raters(tasks[0].regime)))
    if any(task.role in LEADER_ROLES for task in tasks):
        lines.append(t_html("ratings.leader_note", lang))
    # Buttons: the pending ones first (the workflow's order), as many as a keyboard can carry.
    pending_first = sorted(ordered, key=lambda task: task.done)
    shown = pending_first[:MAX_LIST_BUTTONS]
    if done < len(tasks):
        lines.append(Html("<i>" + t_html("ratings.pick", lang) + "</i>"))
    if len(pending_first) > len(shown):
        lines.append(t_html("ratings.more", lang, count=len(pending_first) - len(shown)))
    buttons = [
        button(
            t(
                "ratings.button_done" if task.done else "ratings.button_pending",
                lang,
                name=short(task.ratee_name, 28),
            ),
            FEATURE,
            "o",
            task.id,
        )
        for task in shown
    ]
    return Panel(join_html(lines), keyboard(chunks(buttons, 1 if len(buttons) <= 8 else 2)))


def nothing_text(state: str, lang: str) -> Html:
    """Why the list is empty: no open period, a regime without a 360° round, or nobody to rate."""
    key = {"no_period": "ratings.none_no_period", "not_used": "ratings.none_not_used"}.get(state, "ratings.none_asked")
    return t_html(key, lang)


# -- rendering: one rating -------------------------------------------------------------------------------------


def _to_list(lang: str) -> list[Choice]:
    return [button(t("ratings.list_button", lang), FEATURE, "ls")]


def _who(task: RatingTask, lang: str) -> Html:
    key = "ratings.walk.who_secret" if _secret(task) else "ratings.walk.who"
    return t_html(key, lang, position=task.ratee_position, kind=_kind(task.role, lang))


def panel(task: RatingTask, lang: str, note: Html | None = None) -> Panel:
    """The rating at its saved step: a criterion, or the summary; read-only once sent or closed."""
    if task.done:
        text = t_html("ratings.done.readonly", lang, name=task.ratee_name, label=task.period_label)
        return Panel(text, keyboard([_to_list(lang)]))
    if not task.period_open:
        text = t_html("ratings.done.closed", lang, name=task.ratee_name, label=task.period_label)
        return Panel(text, keyboard([_to_list(lang)]))
    criteria = task.regime.criteria
    last = len(criteria)
    index = task.step if 0 <= task.step <= last else 0
    if index == last:
        body, rows = _summary(task, lang)
    else:
        body, rows = _criterion(task, index, lang)
    top: list[Html] = [note] if note else []
    return Panel(Html("\n\n".join([*top, body])), keyboard(rows))


def _criterion(task: RatingTask, index: int, lang: str) -> tuple[Html, Rows]:
    regime = task.regime
    criteria = regime.criteria
    criterion = criteria[index]
    entry = _entry(task, criterion.code)
    lines = [
        t_html("ratings.walk.header", lang, name=task.ratee_name, n=index + 1, count=len(criteria) + 1),
        _who(task, lang),
        Html(""),
        t_html("ratings.walk.criterion", lang, n=index + 1, count=len(criteria), name=criterion.name),
        *criterion_lines(regime, criterion, entry, KEYS, lang),
    ]
    key = (task.id, task.version, index)
    rows = choice_rows(criterion, entry, KEYS, lang, (FEATURE, "f", *key), (FEATURE, "p", *key), (FEATURE, "d", *key))
    rows += nav_rows(
        index, len(criteria), lang, KEYS.back, KEYS.next, KEYS.to_summary, FEATURE, "go", task.id, task.version
    )
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
        edit.append([button(label, FEATURE, "go", rid, ver, number)])
    lines.append(t_html("ratings.summary.total", lang, total=points(total), max=points(maximum)))
    lines.append(Html(""))
    if _secret(task):
        lines.append(t_html("ratings.summary.secret", lang, min=_min_raters(regime)))
    elif task.role in LEADER_ROLES:
        kind = t(f"ratings.role_as.{task.role}", lang)
        lines.append(t_html("ratings.summary.leader", lang, kind=kind, name=task.ratee_name))
    lines.append(t_html("ratings.summary.lock_hint", lang))
    rows: Rows = [[button(t("ratings.summary.submit", lang), FEATURE, "s", rid, ver)]]
    rows += edit
    rows.append([button(t("ratings.walk.back", lang), FEATURE, "go", rid, ver, len(criteria) - 1)])
    rows.append(_to_list(lang))
    return join_html(lines), rows


def submitted_panel(task: RatingTask, todo: list[RatingTask], lang: str) -> Panel:
    """Right after Submit: locked; how many are left, with a button to the next one."""
    lines = [t_html("ratings.done.submitted", lang, name=task.ratee_name)]
    left = [other for other in todo if not other.done]
    rows: Rows = []
    if left:
        lines.append(t_html("ratings.done.left", lang, count=len(left)))
        name = short(left[0].ratee_name, 30)
        rows.append([button(t("ratings.done.next_button", lang, name=name), FEATURE, "o", left[0].id)])
    else:
        lines.append(t_html("ratings.all_done", lang, count=len(todo)))
    rows.append(_to_list(lang))
    return Panel(join_html(lines), keyboard(rows))


# -- /danhgiacheo and its buttons ------------------------------------------------------------------------------


async def _list(services: Services, identity: Identity) -> Panel:
    tasks = await run_sync(services.ratings.todo, identity.person_id)
    if tasks:
        return list_panel(tasks, identity.language)
    state = await run_sync(services.ratings.round_state, identity.person_id)
    return Panel(nothing_text(state, identity.language))


@guarded
async def ratings_command(update: Update, context: Context) -> None:
    """/danhgiacheo: the colleagues to rate in the open 360° periods (or why there are none)."""
    identity = await command_person(update, context)
    if identity is None:
        return
    await show(update, await _list(services_of(context), identity))


def _editable(task: RatingTask, version: int) -> None:
    """The checks of the workflow, for buttons that only ask: still open, not sent, this very version."""
    if not task.period_open:
        raise Refusal("period_closed")
    if task.done:
        raise Refusal("rating_submitted")
    if task.version != version:
        raise Refusal("stale")


ACTIONS = ("go", "f", "d", "p", "s")


@guarded
async def ratings_button(update: Update, context: Context) -> None:
    """Every button of the list and of a rating's panel (and `v1:dc:ls` from the notice)."""
    press = await pressed(update, context, FEATURE)
    if press is None:
        return
    identity, parts = press
    lang = identity.language
    services = services_of(context)
    ratings = services.ratings
    pid = identity.person_id
    action = parts[0] if parts else ""
    if parts == ["ls"]:
        await close_text_step(context, identity)
        listed = await _list(services, identity)
        await ack(update)
        await show(update, listed)
        return
    rid = as_int(parts[1]) if len(parts) > 1 else None
    if action in ("o", "sh") and rid is not None and len(parts) == 2:
        task = await run_sync(ratings.get, pid, rid)
        await close_text_step(context, identity)
        await ack(update)
        await show(update, panel(task, lang))
        return
    version = as_int(parts[2]) if len(parts) > 2 else None
    args = [as_int(x) for x in parts[3:]]
    if rid is None or version is None or action not in ACTIONS or None in args:
        await ack(update, t("fallback.stale_button", lang))
        return
    if action == "s":
        sent = await run_sync(ratings.submit, pid, rid, version)
        todo = await run_sync(ratings.todo, pid)
        await close_text_step(context, identity)
        await ack(update)
        await show(update, submitted_panel(sent, todo, lang))
        return
    task = await run_sync(ratings.get, pid, rid)  # someone else's id: not_found, whatever the button said
    criteria = task.regime.criteria
    index = args[0] if args else None
    if action == "go":
        if index is None or not 0 <= index <= len(criteria):
            await ack(update, t("fallback.stale_button", lang))
            return
        moved = await run_sync(ratings.go_to, pid, rid, version, index)
        await close_text_step(context, identity)
        await ack(update)
        await show(update, panel(moved, lang))
        return
    if index is None or not 0 <= index < len(criteria):
        await ack(update, t("fallback.stale_button", lang))
        return
    criterion = criteria[index]
    if action == "f":
        changed = await run_sync(ratings.full, pid, rid, version, criterion.code)
    elif action == "d":
        item = deduction_at(criterion, args[1] if len(args) > 1 else None)
        if item is None:
            await ack(update, t("fallback.stale_button", lang))
            return
        changed = await run_sync(ratings.deduct, pid, rid, version, criterion.code, item.code)
    else:  # "p": ask for typed points
        _editable(task, version)
        await ack(update)
        question = points_question("ratings.walk.ask_points", criterion, lang)
        back = keyboard([[button(t("ratings.walk.back", lang), FEATURE, "sh", rid)]])
        await ask_text(update, context, identity, POINTS_STEP, {"rid": rid, "step": index}, Panel(question, back))
        return
    await close_text_step(context, identity)
    await ack(update, t("ratings.walk.saved", lang))
    await show(update, panel(changed, lang))


# -- typed points ----------------------------------------------------------------------------------------------


async def _dialog_task(context: Context, identity: Identity, dialog: DialogState) -> RatingTask:
    rid = dialog.data.get("rid")
    if not isinstance(rid, int):
        raise Refusal("stale")
    return await run_sync(services_of(context).ratings.get, identity.person_id, rid)


async def _back_to_panel(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    """After /huy: the rating's panel as it was, nothing changed."""
    task = await _dialog_task(context, identity, dialog)
    await replace_panel(update, context, dialog, panel(task, identity.language))


@text_step(POINTS_STEP, _back_to_panel)
async def points_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """Points typed for a criterion (0 to its maximum); a refusal keeps the step waiting."""
    task = await _dialog_task(context, identity, dialog)
    index = dialog.data.get("step")
    criteria = task.regime.criteria
    if not isinstance(index, int) or not 0 <= index < len(criteria):
        raise Refusal("stale")
    services = services_of(context)
    changed = await run_sync(
        services.ratings.points, identity.person_id, task.id, task.version, criteria[index].code, text
    )
    note = t_html("ratings.walk.saved_line", identity.language)
    await answered(update, context, identity, dialog, panel(changed, identity.language, note))


# -- the notice that a rater is asked to rate ------------------------------------------------------------------


@notifier.renderer("rating_request")
async def render_rating_request(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Tell a rater privately that a 360° period is open and how many colleagues they are asked to rate."""
    try:
        period = await run_sync(services.periods.info, int(item.payload["period_id"]))
    except (Refusal, KeyError, ValueError, TypeError) as error:
        raise notifier.Obsolete("no such period") from error
    if period.status != "open":
        raise notifier.Obsolete("the period is no longer open")
    tasks = [
        task
        for task in await run_sync(services.ratings.todo, item.person_id)
        if task.period_id == period.id and not task.done
    ]
    if not tasks:
        raise notifier.Obsolete("nothing left to rate")
    lang = item.language
    lines = [
        t_html("ratings.notice.request", lang, label=period.label, unit=period.unit_name, count=len(tasks)),
    ]
    if any(_secret(task) for task in tasks):
        lines.append(t_html("ratings.notice.secret", lang, min=_min_raters(tasks[0].regime)))
    markup = keyboard([[button(t("ratings.notice.open_button", lang), FEATURE, "ls")]])
    await notifier.send(bot, item, Panel(join_html(lines), markup))


@notifier.renderer("remind_rating")
async def render_rating_reminder(bot: Bot, services: Services, item: OutboxItem) -> None:
    """A rater still has ratings of an open 360° round to give: how many, and when the round closes."""
    try:
        period = await run_sync(services.periods.info, int(item.payload["period_id"]))
        closing = date.fromisoformat(str(item.payload["closing"]))
    except (Refusal, KeyError, ValueError, TypeError) as error:
        raise notifier.Obsolete("no such period") from error
    if period.status != "open":
        raise notifier.Obsolete("the period is no longer open")
    left = [t for t in await run_sync(services.ratings.todo, item.person_id) if t.period_id == period.id and not t.done]
    if not left:
        raise notifier.Obsolete("everything rated meanwhile")
    lang = item.language
    text = t_html(
        "ratings.notice.reminder", lang, label=period.label, count=len(left), closing=closing.strftime("%d/%m/%Y")
    )
    await notifier.send(
        bot, item, Panel(text, keyboard([[button(t("ratings.notice.open_button", lang), FEATURE, "ls")]]))
    )


HANDLERS = [
    CommandHandler("danhgiacheo", ratings_command),
    CallbackQueryHandler(ratings_button, pattern=rf"^v1:{FEATURE}:"),
]
