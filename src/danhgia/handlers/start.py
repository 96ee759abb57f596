"""/start: link an account from an invite deep link, or greet a linked person."""

from __future__ import annotations

import logging

from telegram import Update

from danhgia.handlers.context import (
    Context,
    identify,
    is_private,
    refuse_in_group,
    reply,
    run_sync,
    services_of,
)
from danhgia.handlers.menu import commands_for, default_signature, menu_signature, offered_by, publish_chat_menu
from danhgia.texts import Html, join_html, normalise_language, t, t_html
from danhgia.workflow.common import Identity
from danhgia.workflow.linking import RedeemOutcome

log = logging.getLogger(__name__)


def greeting(identity: Identity, offered: frozenset[str]) -> Html:
    """Name, role, position and the commands this person can use (under a regime offering these features)."""
    lang = identity.language
    roles = ", ".join(t(f"role.{r}", lang) for r in sorted(identity.roles)) or t("role.nhan_vien", lang)
    if identity.position:
        position_line = t_html("start.position_line", lang, position=identity.position, unit=identity.unit_name)
    else:
        position_line = t_html("start.unit_line", lang, unit=identity.unit_name)
    commands = join_html([command_line(c.name, lang) for c in commands_for(identity.roles, offered)])
    return t_html(
        "start.greeting",
        lang,
        name=identity.full_name,
        roles=roles,
        position_line=position_line,
        commands=commands,
    )


def command_line(name: str, lang: str) -> Html:
    """`/command — what it does`."""
    return t_html("help.line", lang, command=name, description=t(f"commands.{name}", lang))


def unlinked_text(bot_username: str, lang: str) -> Html:
    """The polite explanation for anyone not linked."""
    return t_html("start.unlinked", lang, bot=bot_username)


async def start(update: Update, context: Context) -> None:
    """Handle /start with or without an invite code."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    lang = normalise_language(None)
    if not is_private(update):
        await refuse_in_group(update, context, lang)
        return
    code = context.args[0] if context.args else ""
    services = services_of(context)
    if not code:
        identity = await identify(update, context)
        if identity is None:
            await reply(update, unlinked_text(context.bot.username, lang))
        else:
            await reply(update, greeting(identity, offered_by(services)))
        return
    result = await run_sync(services.linking.redeem, code, user.id, chat.id, user.username)
    if result.outcome in (RedeemOutcome.LINKED, RedeemOutcome.ALREADY_LINKED) and result.identity is not None:
        identity = result.identity
        key = "start.linked" if result.outcome is RedeemOutcome.LINKED else "start.already_linked"
        offered = offered_by(services)
        await reply(update, t_html(key, identity.language) + "\n\n" + greeting(identity, offered))
        if result.outcome is RedeemOutcome.LINKED:
            log.info("linked Telegram user %s to person %s", user.id, identity.staff_code)
            signature = menu_signature(identity.roles, offered)
            if signature != default_signature(offered) and await publish_chat_menu(
                context.bot, chat.id, identity.roles, offered
            ):
                await run_sync(services.linking.record_menu, identity.person_id, signature)
        return
    log.info("refused invite for Telegram user %s: %s", user.id, result.outcome.value)
    await reply(update, t_html(f"start.refused_{result.outcome.value}", lang))
