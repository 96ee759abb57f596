"""The self-assessment's message from the outbox: a person's unit has opened a period (with a button to the
self-assessment); dropped when the period is no longer open."""

from __future__ import annotations

from telegram import Bot

from danhgia.handlers import notifier
from danhgia.handlers.context import run_sync
from danhgia.handlers.selfassess.states import period_opened_panel
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services


@notifier.renderer("period_opened")
async def render_period_opened(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Tell a person privately that their unit's period is open, with a button to the self-assessment."""
    try:
        period = await run_sync(services.periods.info, int(item.payload["period_id"]))
    except (Refusal, KeyError, ValueError) as error:
        raise notifier.Obsolete("no such period") from error
    if period.status != "open":
        raise notifier.Obsolete("the period is no longer open")
    await notifier.send(bot, item, period_opened_panel(period, item.language))
