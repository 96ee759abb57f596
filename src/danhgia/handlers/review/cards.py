"""Review cards on Telegram: a card is the message a submission brings to its reviewer, and every decision edits
it in place. Showing a panel on a card remembers what the card shows now (so that the outbox's refresh never
repeats it); a card sent twice by a dying process is adopted on its first press; after typed text the new panel
takes the old card's place."""

from __future__ import annotations

import functools

from telegram import Update

from danhgia.chat.panel import Panel
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.edits import content_digest, message_lock
from danhgia.handlers.review.panels import card_panel
from danhgia.handlers.review.walk import walk_panel
from danhgia.handlers.ui import ack, replace_panel, show
from danhgia.texts import t
from danhgia.workflow import lifecycle
from danhgia.workflow.answers import Adjustment, ReviewDraft
from danhgia.workflow.assessments import AssessmentView
from danhgia.workflow.common import Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.evaluation import STEP_SUMMARY


async def show_on_card(update: Update, context: Context, panel: Panel) -> None:
    """Show a panel in place; when the message is a review card, remember what it shows now. The outbox's refresh
    of the same card may run meanwhile: the card's lock keeps the two apart, and a card the refresh already
    brought to this very panel is not edited again (Telegram would refuse it)."""
    query = update.callback_query
    if query is None or query.message is None:
        await show(update, panel)
        return
    review = services_of(context).review
    chat_id, pressed_on = query.message.chat.id, query.message.message_id
    digest = content_digest(panel)
    async with message_lock(chat_id, pressed_on):
        if digest is not None and await run_sync(review.card_digest, chat_id, pressed_on) == digest:
            return
        message = await show(update, panel)
        if message is not None and message.message_id == pressed_on:
            await run_sync(review.card_shown, message.chat_id, message.message_id, digest)


async def show_card(
    update: Update, context: Context, identity: Identity, view: AssessmentView, from_queue: bool
) -> None:
    """The card as it stands now, in place of the pressed message."""
    card = card_panel(view, identity.language, services_of(context).config.timezone, identity.person_id, from_queue)
    await show_on_card(update, context, card)
    query = update.callback_query
    if from_queue or query is None or query.message is None:
        return
    # A card nobody recorded (sent twice when a process died between Telegram's answer and the record) is adopted
    # on its first press: from then on every decision refreshes it like the other, so no two cards disagree.
    chat_id, message_id = query.message.chat.id, query.message.message_id
    review = services_of(context).review
    cards = await run_sync(review.cards_of, view.id)
    if not any(chat == chat_id and message == message_id for _person, chat, message, _shown in cards):
        digest = content_digest(card)
        await run_sync(review.record_card, view.id, identity.person_id, chat_id, message_id, digest)


async def already(
    update: Update, context: Context, identity: Identity, view: AssessmentView, from_queue: bool = False
) -> None:
    """Someone already decided (or the record moved on): say so and show the card as it stands. A second tap of
    the person who just decided (a double tap) is answered quietly: their decision stands, nothing to tell."""
    lang = identity.language
    if lifecycle.decided(view.state) and view.decided_by == identity.person_id:
        await ack(update)
    else:
        await ack(update, t("error.already_decided", lang, state=t(f"state.{view.state}", lang)), alert=True)
    if update.callback_query is not None:
        await show_card(update, context, identity, view, from_queue)


async def walk(context: Context, identity: Identity, view: AssessmentView) -> Panel:
    """The reviewer's own adjustment at its step (with the preview of the result on the summary)."""
    draft = view.draft_of(identity.person_id) or ReviewDraft(identity.person_id, "", Adjustment())
    preview = None
    if draft.step == STEP_SUMMARY:
        preview = await run_sync(services_of(context).review.adjust_preview, view.id)
    return walk_panel(view, draft, identity.language, preview)


async def show_walk(update: Update, context: Context, identity: Identity, view: AssessmentView) -> None:
    """The walk at its step, on the card."""
    await show_on_card(update, context, await walk(context, identity, view))


async def replace(
    update: Update, context: Context, identity: Identity, dialog: DialogState, assessment_id: int, panel: Panel
) -> None:
    """After typed text: the new panel replaces the old one; if the old one was a card, so is the new one."""
    review = services_of(context).review
    cards = await run_sync(review.cards_of, assessment_id)
    was_card = any(
        person == identity.person_id and chat == dialog.chat_id and message == dialog.message_id
        for person, chat, message, _shown in cards
    )
    message = await replace_panel(update, context, dialog, panel)
    if was_card and message is not None:  # the old card was deleted: the new message is the card from now on
        await run_sync(
            functools.partial(
                review.record_card,
                assessment_id,
                identity.person_id,
                message.chat_id,
                message.message_id,
                content_digest(panel),
                replaces=dialog.message_id,
            )
        )
