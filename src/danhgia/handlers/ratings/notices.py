"""The 360° round's outbox renderers: a rater is asked to rate ("rating_request", when a period opens) and
reminded of what is left ("remind_rating"); either is dropped once the period closed or nothing is left."""

from __future__ import annotations

from datetime import date

from telegram import Bot

from danhgia.handlers import notifier
from danhgia.handlers.context import run_sync
from danhgia.handlers.ratings.panels import reminder_panel, request_panel
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services


@notifier.renderer("rating_request")
async def render_rating_request(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Tell a rater privately that a 360° period is open and how many colleagues they are asked to rate."""
    try:
        period = await run_sync(services.periods.info, int(item.payload["period_id"]))
    except (Refusal, KeyError, ValueError, TypeError) as error:
        raise notifier.Obsolete("no such period") from error
    if period.status != "open":
        raise notifier.Obsolete("the period is no longer open")
    tasks = await run_sync(services.ratings.left_in, item.person_id, period.id)
    if not tasks:
        raise notifier.Obsolete("nothing left to rate")
    await notifier.send(bot, item, request_panel(tasks, period.label, period.unit_name, item.language))


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
    left = await run_sync(services.ratings.left_in, item.person_id, period.id)
    if not left:
        raise notifier.Obsolete("everything rated meanwhile")
    panel = reminder_panel(len(left), period.label, closing.strftime("%d/%m/%Y"), item.language)
    await notifier.send(bot, item, panel)
