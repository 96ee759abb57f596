"""The review's messages from the outbox: a new card to the reviewer (and to whoever acts for them), the
refresh of every card of a record after a decision, and the notice that tells the person what was decided.
Each is dropped when the record has moved on since it was queued (the lifecycle's `notice_current`)."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest, Forbidden

from danhgia.handlers import notifier, present
from danhgia.handlers.context import run_sync
from danhgia.handlers.edits import content_digest, message_lock
from danhgia.handlers.review.panels import card_panel, notice_panel
from danhgia.workflow import lifecycle
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services

log = logging.getLogger(__name__)


@notifier.renderer("review_card")
async def render_review_card(bot: Bot, services: Services, item: OutboxItem) -> None:
    """A new card to the reviewer (or an acting reviewer), remembered so that decisions edit it in place."""
    assessment_id = int(item.payload["assessment_id"])
    try:
        view = await run_sync(services.review.for_reviewer, item.person_id, assessment_id)
    except Refusal as error:
        raise notifier.Obsolete(error.code) from error
    if not lifecycle.pending(view.state):
        raise notifier.Obsolete("already decided")
    card = card_panel(view, item.language, services.config.timezone, item.person_id)
    message_id = await notifier.send(bot, item, card)
    assert item.chat_id is not None
    await run_sync(
        services.review.record_card, assessment_id, item.person_id, item.chat_id, message_id, content_digest(card)
    )


@notifier.renderer("card_refresh")
async def render_card_refresh(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Edit every card of the assessment in place to show where it stands now."""
    assessment_id = int(item.payload["assessment_id"])
    try:
        view = await run_sync(services.assessments.view, assessment_id)
    except Refusal as error:
        raise notifier.Obsolete(error.code) from error
    cards = await run_sync(services.review.cards_of, assessment_id)
    for person_id, chat_id, message_id, _shown in cards:
        identity = await run_sync(services.linking.whois, chat_id)
        lang = identity.language if identity is not None else item.language
        card = card_panel(view, lang, services.config.timezone, person_id)
        digest = content_digest(card)
        async with message_lock(chat_id, message_id):  # a press on this card may be editing it right now
            if digest == await run_sync(services.review.card_digest, chat_id, message_id):
                continue  # the card already shows this: Telegram would refuse the edit
            try:
                await present.edit_message(bot, chat_id, message_id, card)
            except Forbidden as error:  # the chat is gone
                log.info("card %s/%s of assessment %s not edited: %s", chat_id, message_id, assessment_id, error)
                continue
            except BadRequest as error:  # the message is gone (deleted in the chat): never edit it again
                log.info("card %s/%s of assessment %s not edited: %s", chat_id, message_id, assessment_id, error)
                await run_sync(services.review.card_shown, chat_id, message_id, None)
                continue
            await run_sync(services.review.card_shown, chat_id, message_id, digest)


@notifier.renderer("decision")
async def render_decision(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Tell the person what was decided (dropped when the record has moved on since)."""
    assessment_id = int(item.payload["assessment_id"])
    decision = str(item.payload.get("decision", ""))
    try:
        view = await run_sync(services.assessments.view, assessment_id)
    except Refusal as error:
        raise notifier.Obsolete(error.code) from error
    if not lifecycle.notice_current(decision, view.state, view.decision):
        raise notifier.Obsolete(f"no longer {decision}")
    await notifier.send(bot, item, notice_panel(view, decision, item.language))
