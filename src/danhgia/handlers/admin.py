"""/golienket: an administrator or HR officer removes a person's Telegram link (with confirmation)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from danhgia.chat.panel import Choice, Panel
from danhgia.handlers.context import (
    Context,
    identify,
    is_private,
    refuse_in_group,
    reply,
    run_sync,
    services_of,
)
from danhgia.handlers.menu import COMMANDS
from danhgia.handlers.present import send
from danhgia.handlers.start import unlinked_text
from danhgia.handlers.trace import answer_once
from danhgia.handlers.ui import show
from danhgia.texts import DEFAULT_LANGUAGE, t, t_html
from danhgia.workflow.common import Actor
from danhgia.workflow.linking import ResetOutcome

log = logging.getLogger(__name__)
CONFIRM = "v1:unlink:"
CANCEL = "v1:unlink-no"
_ALLOWED = next(c for c in COMMANDS if c.name == "golienket")


async def unlink_command(update: Update, context: Context) -> None:
    """Ask for confirmation before unlinking the person with the given staff code."""
    if not is_private(update):
        await refuse_in_group(update, context, DEFAULT_LANGUAGE)
        return
    identity = await identify(update, context)
    if identity is None:
        await reply(update, unlinked_text(context.bot.username, DEFAULT_LANGUAGE))
        return
    lang = identity.language
    if not _ALLOWED.allowed(identity.roles, frozenset()):
        await reply(update, t_html("fallback.not_allowed", lang))
        return
    if not context.args:
        await reply(update, t_html("unlink.usage", lang))
        return
    code = context.args[0]
    person = await run_sync(services_of(context).linking.find_person, code)
    if person is None:
        await reply(update, t_html("unlink.unknown_person", lang, code=code))
        return
    if not person.linked:
        await reply(update, t_html("unlink.not_linked", lang, name=person.full_name, code=person.staff_code))
        return
    choices = (
        (
            Choice(t("unlink.confirm_button", lang), f"{CONFIRM}{person.person_id}"),
            Choice(t("unlink.cancel_button", lang), CANCEL),
        ),
    )
    await reply(update, Panel(t_html("unlink.confirm", lang, name=person.full_name, code=person.staff_code), choices))


async def unlink_pressed(update: Update, context: Context) -> None:
    """Carry out (or cancel) the unlinking; the presser's role is checked again here."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    identity = await identify(update, context)
    if identity is None or not _ALLOWED.allowed(identity.roles, frozenset()):
        await answer_once(
            query, t("fallback.not_allowed", identity.language if identity else DEFAULT_LANGUAGE), alert=True
        )
        return
    lang = identity.language
    await answer_once(query)
    if query.data == CANCEL:
        await show(update, t_html("unlink.cancelled", lang))
        return
    try:
        person_id = int(query.data.removeprefix(CONFIRM))
    except ValueError:
        await show(update, t_html("fallback.stale_button", lang))
        return
    services = services_of(context)
    actor = Actor.person(identity.person_id, identity.telegram_user_id)
    result = await run_sync(services.linking.reset, person_id, actor, "Gỡ liên kết qua lệnh /golienket")
    if result.outcome is not ResetOutcome.RESET:
        await show(update, t_html("fallback.stale_button", lang))
        return
    when = services.clock.now().astimezone(services.config.timezone).strftime("%H:%M %d/%m/%Y")
    await show(update, t_html("unlink.done", lang, name=result.full_name, code=result.staff_code, time=when))
    if result.old_chat_id is not None:
        try:
            await send(context.bot, result.old_chat_id, Panel(t_html("unlink.notice", DEFAULT_LANGUAGE)))
        except TelegramError as error:
            log.info("could not tell chat %s about the unlinking: %s", result.old_chat_id, error)
