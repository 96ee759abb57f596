"""The outbox renderers of the reminders the scheduler queues: remind_plan and remind_checkin (weekly), remind_self
(the self-assessment window), remind_review (a leader's nudge), escalate_review (to the higher leader), hr_digest
(HR's table) and unreachable (to a leader: someone blocked the bot).

Whether a reminder is still worth sending is the workflow's rule, the one that queued it
(`ReminderService.stale`); a renderer asks it, reads what the message shows, and sends the panel.
"""

from __future__ import annotations

from datetime import date

from telegram import Bot

from danhgia.handlers import notifier
from danhgia.handlers.context import run_sync
from danhgia.handlers.reminders.panels import (
    checkin_notice,
    digest_notice,
    escalation_notice,
    plan_notice,
    review_notice,
    self_notice,
    unreachable_notice,
)
from danhgia.workflow.calendar import payload_day, span_from_key
from danhgia.workflow.lifecycle import RETURNED
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.reminders import checkin_wanted
from danhgia.workflow.services import Services


def _day(item: OutboxItem, key: str) -> date:
    found = payload_day(item.payload, key)
    if found is None:
        raise notifier.Obsolete(f"malformed payload: {key}")
    return found


async def _still_current(services: Services, item: OutboxItem) -> None:
    """Drop the reminder (`Obsolete`) when the rule that queued it no longer holds."""
    reason = await run_sync(services.reminders.stale, item)
    if reason is not None:
        raise notifier.Obsolete(reason)


@notifier.renderer("remind_plan")
async def render_plan(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Monday morning: plan the week's tasks (with the number already planned)."""
    monday = _day(item, "week")
    await _still_current(services, item)
    week = await run_sync(services.tasks.week, item.person_id, monday)
    await notifier.send(bot, item, plan_notice(week, item.language))


@notifier.renderer("remind_checkin")
async def render_checkin(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Friday afternoon: report on the week's open tasks (dropped when everything is reported already)."""
    monday = _day(item, "week")
    await _still_current(services, item)
    week = await run_sync(services.tasks.week, item.person_id, monday)
    if not checkin_wanted(week):
        raise notifier.Obsolete("every task is reported already")
    await notifier.send(bot, item, checkin_notice(week, item.language))


@notifier.renderer("remind_self")
async def render_self(bot: Bot, services: Services, item: OutboxItem) -> None:
    """The self-assessment: window opening, D-3, D-1, deadline morning — only while not submitted."""
    deadline = _day(item, "deadline")
    await _still_current(services, item)
    try:
        period_id = int(item.payload["period_id"])
        period = await run_sync(services.periods.info, period_id)
    except (Refusal, KeyError, ValueError) as error:
        raise notifier.Obsolete("no such period") from error
    history = await run_sync(services.results.history, item.person_id)
    returned = any(entry.period.id == period_id and entry.state == RETURNED for entry in history)
    days = await run_sync(services.reminders.working_days_left, deadline)
    step = str(item.payload.get("step", ""))
    await notifier.send(bot, item, self_notice(period.label, deadline, days, step, returned, item.language))


@notifier.renderer("remind_review")
async def render_review(bot: Bot, services: Services, item: OutboxItem) -> None:
    """A leader's nudge before (and on) the review deadline, with the number still pending."""
    deadline = _day(item, "deadline")
    await _still_current(services, item)
    key = str(item.payload.get("key", ""))
    waiting = [view for view in await run_sync(services.review.queue_for, item.person_id) if view.period.key == key]
    label = str(item.payload.get("label") or (waiting[0].period.label if waiting else ""))
    days = await run_sync(services.reminders.working_days_left, deadline)
    await notifier.send(bot, item, review_notice(len(waiting), label, deadline, days, item.language))


@notifier.renderer("escalate_review")
async def render_escalation(bot: Bot, services: Services, item: OutboxItem) -> None:
    """The day after the review deadline, to the higher leader (or HR): who has not reviewed whom."""
    deadline = _day(item, "deadline")
    rows = [row for row in item.payload.get("overdue") or [] if isinstance(row, dict) and row.get("people")]
    if not rows:
        raise notifier.Obsolete("nothing overdue")
    await _still_current(services, item)
    label = str(item.payload.get("label", ""))
    await notifier.send(bot, item, escalation_notice(label, deadline, rows, item.language))


@notifier.renderer("hr_digest")
async def render_digest(bot: Bot, services: Services, item: OutboxItem) -> None:
    """HR's daily digest from the window's opening to the closing day, with a button to /kydanhgia."""
    on, deadline, closing = (_day(item, k) for k in ("day", "deadline", "closing"))
    units = [u for u in item.payload.get("units") or [] if isinstance(u, dict)]
    if not units:
        raise notifier.Obsolete("no unit has this period")
    await _still_current(services, item)
    key = str(item.payload.get("key", ""))
    try:
        label = span_from_key(key).label()
    except ValueError:
        label = str(item.payload.get("label", ""))
    previous = key == services.periods.span().previous().key
    found = await run_sync(services.reminders.broadcast_status, on)
    last = found.last_sent_at.astimezone(services.reminders.tz).strftime("%H:%M") if found.last_sent_at else ""
    sending = (found.queued, found.sent, last)
    spent = await run_sync(services.reminders.stars_spent, on)  # None unless paid broadcasts are on
    stars = (spent.spent_stars, spent.budget_stars) if spent is not None else None
    panel = digest_notice(label, on, deadline, closing, units, previous, item.language, sending, stars)
    await notifier.send(bot, item, panel)


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
    await notifier.send(bot, item, unreachable_notice(name, code, item.language))
