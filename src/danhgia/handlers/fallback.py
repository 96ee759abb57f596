"""Everything no feature handles: unlinked people, unknown commands, free text, stale buttons, errors."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Forbidden, NetworkError, TelegramError

from danhgia.handlers.context import Context, identify, is_private, refuse_in_group, reply, run_sync, services_of
from danhgia.handlers.notifier import wake
from danhgia.handlers.start import unlinked_text
from danhgia.handlers.trace import answer_once, press_answered, something_saved
from danhgia.texts import DEFAULT_LANGUAGE, t, t_html

log = logging.getLogger(__name__)


async def any_message(update: Update, context: Context) -> None:
    """Answer a message no command handled: explain linking to strangers, point linked people to /help."""
    message = update.effective_message
    if message is None:
        return
    if not is_private(update):
        if message.text and message.text.startswith("/"):
            await refuse_in_group(update, context, DEFAULT_LANGUAGE)
        return
    identity = await identify(update, context)
    if identity is None:
        await reply(update, unlinked_text(context.bot.username, DEFAULT_LANGUAGE))
        return
    text = message.text or ""
    if text.startswith("/"):
        command = text.split()[0].split("@")[0]
        await reply(update, t_html("fallback.unknown_command", identity.language, command=command))
    else:
        await reply(update, t_html("fallback.not_understood", identity.language))


async def stale_button(update: Update, context: Context) -> None:
    """A button whose action no handler knows (an old keyboard): say so instead of spinning forever."""
    query = update.callback_query
    if query is None:
        return
    identity = await identify(update, context)
    await answer_once(query, t("fallback.stale_button", identity.language if identity else DEFAULT_LANGUAGE))


async def blocked_or_unblocked(update: Update, context: Context) -> None:
    """A person blocked the bot (stop reminding them, tell their leader once) or unblocked it (remind again)."""
    member = update.my_chat_member
    if member is None:
        return
    log.info(
        "Telegram user %s changed the bot's status in chat %s: %s → %s",
        member.from_user.id,
        member.chat.id,
        member.old_chat_member.status,
        member.new_chat_member.status,
    )
    if member.chat.type != ChatType.PRIVATE:
        return
    identity = await identify(update, context)
    if identity is None:
        return
    services = services_of(context)
    if member.new_chat_member.status == ChatMemberStatus.BANNED:
        if await run_sync(services.reminders.mark_unreachable, identity.person_id):
            wake(context.application)
    elif member.new_chat_member.status == ChatMemberStatus.MEMBER:
        await run_sync(services.reminders.mark_reachable, identity.person_id)


async def on_error(update: object, context: Context) -> None:
    """Log the failure and tell the person politely what it means: nothing was done — or, when something was
    already saved, that it was saved and only its display failed. A press already answered is not answered
    again: the report goes to the chat instead."""
    error = context.error
    if isinstance(error, Forbidden):
        log.info("cannot write to a user: %s", error)
        return
    if isinstance(error, NetworkError):  # Telegram out of reach: expected from time to time, logged briefly
        log.warning("Telegram could not be reached while handling an update: %s", error)
    else:
        log.error("error while handling an update: %s", html.escape(repr(error)), exc_info=error)
    if not isinstance(update, Update):
        return
    key = "fallback.saved_not_shown" if something_saved() else "fallback.error"
    try:
        if update.callback_query is not None and not press_answered():
            await answer_once(update.callback_query, t(key, DEFAULT_LANGUAGE), alert=True)
        elif update.effective_chat is not None and is_private(update):
            await reply(update, t_html(key, DEFAULT_LANGUAGE))
    except TelegramError as send_error:
        log.warning("could not report the error to the user: %s", send_error)
