"""/ngonngu: choose Vietnamese or English for the bot's messages."""

from __future__ import annotations

from telegram import Update

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
from danhgia.handlers.start import unlinked_text
from danhgia.handlers.trace import answer_once
from danhgia.handlers.ui import show
from danhgia.texts import DEFAULT_LANGUAGE, LANGUAGES, t, t_html
from danhgia.workflow.common import Actor

CALLBACK_PREFIX = "v1:lang:"


async def language_command(update: Update, context: Context) -> None:
    """Offer the two languages as buttons."""
    if not is_private(update):
        await refuse_in_group(update, context, DEFAULT_LANGUAGE)
        return
    identity = await identify(update, context)
    if identity is None:
        await reply(update, unlinked_text(context.bot.username, DEFAULT_LANGUAGE))
        return
    choices = (tuple(Choice(t(f"language.{code}", code), f"{CALLBACK_PREFIX}{code}") for code in LANGUAGES),)
    await reply(update, Panel(t_html("language.choose", identity.language), choices))


async def language_chosen(update: Update, context: Context) -> None:
    """Store the choice of the person who pressed (re-authorised: only their own setting)."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    code = query.data.removeprefix(CALLBACK_PREFIX)
    identity = await identify(update, context)
    if identity is None or code not in LANGUAGES:
        await answer_once(query, t("fallback.stale_button", DEFAULT_LANGUAGE))
        return
    await run_sync(
        services_of(context).linking.set_language,
        identity.person_id,
        code,
        Actor.person(identity.person_id, identity.telegram_user_id),
    )
    await answer_once(query)
    await show(update, t_html("language.changed", code))
