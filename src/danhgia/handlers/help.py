"""/help: the commands of the person's roles."""

from __future__ import annotations

from telegram import Update

from danhgia.handlers.context import Context, identify, is_private, refuse_in_group, reply, services_of
from danhgia.handlers.menu import commands_for, offered_by
from danhgia.handlers.start import command_line, unlinked_text
from danhgia.texts import DEFAULT_LANGUAGE, Html, join_html, t, t_html


async def help_command(update: Update, context: Context) -> None:
    """List what this person can do."""
    if not is_private(update):
        await refuse_in_group(update, context, DEFAULT_LANGUAGE)
        return
    identity = await identify(update, context)
    if identity is None:
        await reply(update, unlinked_text(context.bot.username, DEFAULT_LANGUAGE))
        return
    lang = identity.language
    roles = ", ".join(t(f"role.{r}", lang) for r in sorted(identity.roles))
    lines = [t_html("help.header", lang, roles=roles)]
    lines += [command_line(c.name, lang) for c in commands_for(identity.roles, offered_by(services_of(context)))]
    lines += [Html(""), t_html("help.footer", lang)]
    await reply(update, join_html(lines))
