"""The reminders the scheduler queues (rendered here, each with a button to the right dialog) and /tamdung (pause
one's own weekly prompts for a while).

Renderers: remind_plan and remind_checkin (weekly, to everyone not on leave or snoozed), remind_self (the window's
opening, D-3, D-1 and the deadline morning, only to those who have not submitted), remind_review (a leader's
nudge with the number pending), escalate_review (to the higher leader, listing what is overdue), hr_digest (a
per-unit table for HR) and unreachable (to a leader: someone blocked the bot). A reminder that lost its purpose
between queueing and delivery (submitted meanwhile, nothing pending any more, paused, on leave) is dropped.

/tamdung: one panel edited in place — the current pause, buttons for the usual lengths, "resume now", and a
typed range ("dd/mm - dd/mm", a step kept in the database).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from telegram import Bot, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from danhgia.chat.callbacks import button
from danhgia.chat.format import day, fit
from danhgia.chat.panel import Choice, Panel, keyboard
from danhgia.handlers import notifier
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.dialog import text_step
from danhgia.handlers.ui import (
    ack,
    ask_text,
    close_text_step,
    command_person,
    end_text_step,
    guarded,
    pressed,
    replace_panel,
    show,
)
from danhgia.texts import Html, escape, join_html, t, t_html
from danhgia.workflow import inputs
from danhgia.workflow.absence import MAX_SNOOZE_DAYS, SnoozeView
from danhgia.workflow.calendar import end_of_month, fmt_short, span_from_key
from danhgia.workflow.common import Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.lifecycle import EDITABLE
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services

FEATURE = "rm"
PLAN_BUTTON = ("tk", "wk", "0")  # /tuannay's week panel
CHECKIN_BUTTON = ("ci", "go")  # /baocaotuan's check-in panel
SELF_BUTTON = ("sa", "open")  # /tudanhgia
QUEUE_BUTTON = ("rv", "q")  # /duyet's queue
PERIODS_FEATURE = "pd"  # /kydanhgia: "ov" + "0" (current period) or "1" (previous)
DIGEST_UNITS = 60  # rows of HR's table (the message stays far below Telegram's limit)
UNIT_WIDTH = 16  # the table is 36 characters wide: fits a phone in portrait
Panel = Panel


# -- dates in callback data (shared with /nghiphep) -----------------------------------------------------------


def ymd(value: date) -> str:
    """A date in callback data."""
    return value.strftime("%Y%m%d")


def from_ymd(text: str) -> date | None:
    """A date from callback data, None if forged."""
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if len(text) == 8 and text.isdigit() else None
    except ValueError:
        return None


# -- the renderers --------------------------------------------------------------------------------------------------


def _payload_date(item: OutboxItem, key: str) -> date:
    try:
        return date.fromisoformat(str(item.payload[key]))
    except (KeyError, ValueError) as error:
        raise notifier.Obsolete(f"malformed payload: {key}") from error


def _working_days_left(services: Services, deadline: date) -> int:
    """Working days from today to the deadline, both included."""
    return services.absence.calendar().working_days_between(services.absence.today(), deadline)


def _weekly_paused(services: Services, person_id: int) -> bool:
    today = services.absence.today()
    pause = services.absence.snoozed(person_id)
    return (pause is not None and pause.starts_on <= today <= pause.ends_on) or person_id in services.absence.on_leave(
        today
    )


@notifier.renderer("remind_plan")
async def render_plan(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Monday morning: plan the week's tasks (with the number already planned)."""
    monday = _payload_date(item, "week")
    if await run_sync(_weekly_paused, services, item.person_id):
        raise notifier.Obsolete("paused or on leave")
    week = await run_sync(services.tasks.week, item.person_id, monday)
    lang = item.language
    key = "nhac.plan_some" if week.tasks else "nhac.plan"
    text = t_html(key, lang, start=fmt_short(week.monday), end=day(week.sunday), count=len(week.tasks))
    markup = keyboard(
        [
            [button(t("nhac.plan_button", lang), *PLAN_BUTTON)],
            [button(t("nhac.snooze_button", lang), FEATURE, "p")],
        ]
    )
    await notifier.send(bot, item, Panel(text, markup))


@notifier.renderer("remind_checkin")
async def render_checkin(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Friday afternoon: report on the week's open tasks (dropped when everything is reported already)."""
    monday = _payload_date(item, "week")
    if await run_sync(_weekly_paused, services, item.person_id):
        raise notifier.Obsolete("paused or on leave")
    week = await run_sync(services.tasks.week, item.person_id, monday)
    lang = item.language
    start, end = fmt_short(week.monday), day(week.sunday)
    snooze = [button(t("nhac.snooze_button", lang), FEATURE, "p")]
    if not week.tasks:
        text = t_html("nhac.checkin_empty", lang, start=start, end=end)
        markup = keyboard([[button(t("nhac.week_button", lang), *PLAN_BUTTON)], snooze])
    elif week.to_report:
        text = t_html("nhac.checkin", lang, start=start, end=end, count=len(week.to_report))
        markup = keyboard([[button(t("nhac.checkin_button", lang), *CHECKIN_BUTTON)], snooze])
    else:
        raise notifier.Obsolete("every task is reported already")
    await notifier.send(bot, item, Panel(text, markup))


@notifier.renderer("remind_self")
async def render_self(bot: Bot, services: Services, item: OutboxItem) -> None:
    """The self-assessment: window opening, D-3, D-1, deadline morning — only while not submitted."""
    deadline = _payload_date(item, "deadline")
    try:
        period_id = int(item.payload["period_id"])
        period = await run_sync(services.periods.info, period_id)
    except (Refusal, KeyError, ValueError) as error:
        raise notifier.Obsolete("no such period") from error
    if period.status != "open":
        raise notifier.Obsolete("the period is closed")
    history = await run_sync(services.results.history, item.person_id)
    mine = next((entry for entry in history if entry.period.id == period_id), None)
    if mine is not None and mine.state not in EDITABLE:
        raise notifier.Obsolete("submitted meanwhile")
    returned = mine is not None and mine.state == "returned"
    lang = item.language
    days = await run_sync(_working_days_left, services, deadline)
    step = str(item.payload.get("step", ""))
    label, shown = period.label, day(deadline)
    if step == "d0" or days <= 1:
        text = t_html("nhac.self_today", lang, label=label, deadline=shown)
    elif step == "open":
        text = t_html("nhac.self_open", lang, label=label, deadline=shown, days=days)
    else:
        text = t_html("nhac.self_again", lang, label=label, deadline=shown, days=days)
    if returned:
        text = Html(text + "\n" + t_html("nhac.self_returned", lang))
    label_key = "nhac.self_fix_button" if returned else "nhac.self_button"
    await notifier.send(bot, item, Panel(text, keyboard([[button(t(label_key, lang), *SELF_BUTTON)]])))


@notifier.renderer("remind_review")
async def render_review(bot: Bot, services: Services, item: OutboxItem) -> None:
    """A leader's nudge before (and on) the review deadline, with the number still pending."""
    deadline = _payload_date(item, "deadline")
    key = str(item.payload.get("key", ""))
    views = await run_sync(services.review.queue_for, item.person_id)
    waiting = [v for v in views if v.period.key == key]
    if not waiting:
        raise notifier.Obsolete("nothing pending any more")
    lang = item.language
    label = str(item.payload.get("label") or waiting[0].period.label)
    days = await run_sync(_working_days_left, services, deadline)
    if days <= 1:
        text = t_html("nhac.review_today", lang, count=len(waiting), label=label, deadline=day(deadline))
    else:
        text = t_html("nhac.review", lang, count=len(waiting), label=label, deadline=day(deadline), days=days)
    await notifier.send(bot, item, Panel(text, keyboard([[button(t("nhac.review_button", lang), *QUEUE_BUTTON)]])))


@notifier.renderer("escalate_review")
async def render_escalation(bot: Bot, services: Services, item: OutboxItem) -> None:
    """The day after the review deadline, to the higher leader (or HR): who has not reviewed whom."""
    deadline = _payload_date(item, "deadline")
    rows = [row for row in item.payload.get("overdue") or [] if isinstance(row, dict) and row.get("people")]
    if not rows:
        raise notifier.Obsolete("nothing overdue")
    lang = item.language
    lines = [t_html("nhac.escalation", lang, label=str(item.payload.get("label", "")), deadline=day(deadline))]
    for row in rows:
        people = [str(name) for name in row["people"]]
        lines.append(
            t_html(
                "nhac.escalation_line",
                lang,
                reviewer=str(row.get("reviewer", "")),
                count=len(people),
                people=", ".join(people),
            )
        )
    lines.append(t_html("nhac.escalation_hint", lang))
    await notifier.send(bot, item, fit(join_html(lines)))


def digest_table(units: list[dict[str, Any]], lang: str) -> Html:
    """A monospace per-unit table (submitted / pending review / not submitted / overdue) with a total line."""

    def cell(value: object) -> str:
        return f"{value!s:>5}"

    def name(text: str) -> str:
        text = " ".join(text.split())
        text = text if len(text) <= UNIT_WIDTH else text[: UNIT_WIDTH - 1] + "…"
        return f"{text:<{UNIT_WIDTH}}"

    columns = ("submitted", "pending_review", "not_submitted", "overdue")
    header = name(t("nhac.col_unit", lang)) + "".join(cell(t(f"nhac.col_{c}", lang)) for c in columns)
    lines = [header]
    for unit in units[:DIGEST_UNITS]:
        lines.append(name(str(unit.get("unit", ""))) + "".join(cell(int(unit.get(c, 0))) for c in columns))
    totals = [sum(int(unit.get(c, 0)) for unit in units) for c in columns]
    lines.append(name(t("nhac.col_total", lang)) + "".join(cell(n) for n in totals))
    table = Html("<pre>" + escape("\n".join(lines)) + "</pre>")
    if len(units) > DIGEST_UNITS:
        table = Html(table + "\n" + t_html("nhac.digest_more", lang, count=len(units) - DIGEST_UNITS))
    return table


@notifier.renderer("hr_digest")
async def render_digest(bot: Bot, services: Services, item: OutboxItem) -> None:
    """HR's daily digest from the window's opening to the closing day, with a button to /kydanhgia."""
    on, deadline, closing = (_payload_date(item, k) for k in ("day", "deadline", "closing"))
    units = [u for u in item.payload.get("units") or [] if isinstance(u, dict)]
    if not units:
        raise notifier.Obsolete("no unit has this period")
    lang = item.language
    key = str(item.payload.get("key", ""))
    try:
        label = span_from_key(key).label()
    except ValueError:
        label = str(item.payload.get("label", ""))
    head = t_html("nhac.digest", lang, label=label, day=day(on), deadline=day(deadline), closing=day(closing))
    lines = [head, digest_table(units, lang), t_html("nhac.digest_legend", lang)]
    rounds = [u for u in units if u.get("ratings_asked")]
    if rounds:  # the 360° round, counts only
        sent = sum(int(u.get("ratings_sent", 0)) for u in rounds)
        asked = sum(int(u.get("ratings_asked", 0)) for u in rounds)
        lines.append(t_html("nhac.digest_ratings", lang, sent=sent, asked=asked))
    text = join_html(lines)
    span = services.periods.span()
    which = "1" if key == span.previous().key else "0"
    markup = keyboard([[button(t("nhac.digest_button", lang), PERIODS_FEATURE, "ov", which)]])
    await notifier.send(bot, item, Panel(text, markup))


@notifier.renderer("unreachable")
async def render_unreachable(bot: Bot, services: Services, item: OutboxItem) -> None:
    """To a leader (or HR): someone blocked the bot, so reminders cannot reach them."""
    try:
        person_id = int(item.payload["person_id"])
    except (KeyError, ValueError) as error:
        raise notifier.Obsolete("malformed payload") from error
    names = await run_sync(services.reminders.names, {person_id})
    if person_id not in names:
        raise notifier.Obsolete("unknown person")
    name, code = names[person_id]
    await notifier.send(bot, item, t_html("nhac.unreachable", item.language, name=name, code=code))


# -- /tamdung ---------------------------------------------------------------------------------------------------------


def _choices(today: date) -> list[tuple[str, str, date]]:
    """The pause lengths offered as buttons: (code, text key, last day)."""
    return [
        ("w1", "tamdung.one_week", today + timedelta(days=6)),
        ("w2", "tamdung.two_weeks", today + timedelta(days=13)),
        ("me", "tamdung.month_end", end_of_month(today)),
    ]


def snooze_panel(pause: SnoozeView | None, today: date, lang: str, note: Html | None = None) -> Panel:
    """The current pause (if any) and the choices."""
    lines = [note, Html("")] if note else []
    lines += [t_html("tamdung.title", lang), t_html("tamdung.intro", lang), Html("")]
    if pause is None:
        lines.append(t_html("tamdung.none", lang))
    else:
        key = "tamdung.active" if pause.starts_on <= today else "tamdung.planned"
        lines.append(t_html(key, lang, start=day(pause.starts_on), end=day(pause.ends_on)))
    lines.append(t_html("tamdung.choose", lang))
    choices = [button(t(key, lang, date=fmt_short(end)), FEATURE, "s", code) for code, key, end in _choices(today)]
    rows: list[list[Choice]] = [choices[:2], choices[2:]]
    rows.append([button(t("tamdung.custom", lang), FEATURE, "r")])
    if pause is not None:
        rows.append([button(t("tamdung.resume", lang), FEATURE, "u")])
    return Panel(join_html(lines), keyboard(rows))


async def _show_snooze(update: Update, context: Context, identity: Identity, note: Html | None = None) -> Panel:
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
    await show(update, await _show_snooze(update, context, identity))


@guarded
async def snooze_button(update: Update, context: Context) -> None:
    """Every button of the /tamdung panel (and the "🔕 Tạm dừng nhắc" button of the weekly prompts)."""
    press = await pressed(update, context, FEATURE)
    if press is None:
        return
    identity, parts = press
    lang = identity.language
    services = services_of(context)
    action, arg = ([*parts, "", ""])[:2]
    if action == "p" and len(parts) == 1:
        await close_text_step(context, identity)
        await ack(update)
        await show(update, await _show_snooze(update, context, identity))
    elif action == "s" and len(parts) == 2 and arg in ("w1", "w2", "me"):
        today = services.absence.today()
        end = next(last for code, _, last in _choices(today) if code == arg)
        await close_text_step(context, identity)
        pause = await _snooze(services, identity, today, end)
        note = t_html("tamdung.snoozed", lang, start=day(pause.starts_on), end=day(pause.ends_on))
        await ack(update, t("tamdung.snoozed_ack", lang))
        await show(update, await _show_snooze(update, context, identity, note))
    elif action == "u" and len(parts) == 1:
        await close_text_step(context, identity)
        resumed = await run_sync(services.absence.unsnooze, identity.person_id)
        note = t_html("tamdung.resumed" if resumed else "tamdung.nothing_paused", lang)
        await ack(update, t("tamdung.resumed_ack", lang) if resumed else None)
        await show(update, await _show_snooze(update, context, identity, note))
    elif action == "r" and len(parts) == 1:
        await ack(update)
        back = keyboard([[button(t("tamdung.back", lang), FEATURE, "p")]])
        await ask_text(update, context, identity, "snooze.range", {}, Panel(t_html("tamdung.ask_range", lang), back))
    else:
        await ack(update, t("fallback.stale_button", lang))


async def _cancel_to_snooze(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    await replace_panel(update, context, dialog, await _show_snooze(update, context, identity))


@text_step("snooze.range", _cancel_to_snooze)
async def snooze_range_typed(
    update: Update, context: Context, identity: Identity, dialog: DialogState, text: str
) -> None:
    """A pause typed as "dd/mm - dd/mm" (or one date: from today to it)."""
    services = services_of(context)
    starts_on, ends_on = inputs.day_range(text, services.absence.today(), single_day=False, code="absence_range_format")
    pause = await _snooze(services, identity, starts_on, ends_on)
    await end_text_step(context, identity)
    note = t_html("tamdung.snoozed", identity.language, start=day(pause.starts_on), end=day(pause.ends_on))
    await replace_panel(update, context, dialog, await _show_snooze(update, context, identity, note))


HANDLERS = [
    CommandHandler("tamdung", snooze_command),
    CallbackQueryHandler(snooze_button, pattern=rf"^v1:{FEATURE}:"),
]
