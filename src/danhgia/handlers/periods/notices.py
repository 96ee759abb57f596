"""The outbox notices of closing a period, each to one person privately: "final_result" (their final result,
with the quota explained and the details and contest buttons) and "no_result" (the period closed without their
self-assessment)."""

from __future__ import annotations

from telegram import Bot

from danhgia.chat.panel import Panel, keyboard
from danhgia.handlers import notifier
from danhgia.handlers.context import run_sync
from danhgia.handlers.results import contest_row, final_result_text
from danhgia.handlers.results.callbacks import Details
from danhgia.texts import Html, t, t_html
from danhgia.workflow.lifecycle import LOCKED
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services


@notifier.renderer("final_result")
async def render_final_result(bot: Bot, services: Services, item: OutboxItem) -> None:
    """The person's final result of a closed period, privately, with the quota explained and a details button."""
    try:
        entry = await run_sync(services.results.entry, item.person_id, int(item.payload["assessment_id"]))
    except Refusal as error:
        raise notifier.Obsolete("the assessment is gone") from error
    if entry.state != LOCKED:
        raise notifier.Obsolete("reopened before the notice went out")
    deadline, refused = await run_sync(services.council.contest_status, item.person_id, entry.assessment_id)
    markup = keyboard(
        [
            [Details(entry.assessment_id).choice(t("ketqua.details_button", item.language))],
            contest_row(entry.assessment_id, deadline is not None, item.language),
        ]
    )
    text = final_result_text(entry, item.language)
    if refused == "no_council":  # nobody on the council to hear a contest: say whom to ask instead
        text = Html(text + "\n\n" + t_html("council.contest_ask_hr", item.language))
    await notifier.send(bot, item, Panel(text, markup))


@notifier.renderer("no_result")
async def render_no_result(bot: Bot, services: Services, item: OutboxItem) -> None:
    """The period closed without a self-assessment from this person."""
    try:
        info = await run_sync(services.periods.info, int(item.payload["period_id"]))
    except Refusal as error:
        raise notifier.Obsolete("the period is gone") from error
    text = t_html("kydanhgia.no_result", item.language, period=info.label, unit=info.unit_name)
    await notifier.send(bot, item, text)
