"""The command registry: which commands each role sees in /help and in Telegram's command menu."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError

from danhgia.texts import LANGUAGES, t
from danhgia.workflow.common import ROLE_ADMIN, ROLE_COUNCIL, ROLE_HR, ROLE_LEADER

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandInfo:
    """A command, its order in menus, and the roles that may use it (None: every linked person)."""

    name: str
    roles: frozenset[str] | None = None

    def allowed(self, roles: Iterable[str]) -> bool:
        """Whether a person with these roles may use it."""
        return self.roles is None or bool(self.roles.intersection(roles))


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("tuannay"),
    CommandInfo("baocaotuan"),
    CommandInfo("tudanhgia"),
    CommandInfo("danhgiacheo"),
    CommandInfo("ketqua"),
    CommandInfo("congkhai"),
    CommandInfo("tamdung"),
    CommandInfo("duyet", frozenset({ROLE_LEADER})),
    CommandInfo("uyquyen", frozenset({ROLE_LEADER})),
    CommandInfo("nghiphep", frozenset({ROLE_LEADER, ROLE_HR, ROLE_ADMIN})),
    CommandInfo("kydanhgia", frozenset({ROLE_HR, ROLE_ADMIN})),
    CommandInfo("hoidong", frozenset({ROLE_COUNCIL})),
    CommandInfo("huy"),
    CommandInfo("help"),
    CommandInfo("start"),
    CommandInfo("ngonngu"),
    CommandInfo("golienket", frozenset({ROLE_ADMIN, ROLE_HR})),
)
GROUP_COMMANDS = ("help", "ketqua")


def commands_for(roles: Iterable[str]) -> list[CommandInfo]:
    """The commands a person with these roles can use, in menu order."""
    role_set = set(roles)
    return [c for c in COMMANDS if c.allowed(role_set)]


def bot_commands(commands: Iterable[CommandInfo], lang: str) -> list[BotCommand]:
    """Telegram menu entries with descriptions in one language."""
    return [BotCommand(c.name, t(f"commands.{c.name}", lang)) for c in commands]


def menu_signature(roles: Iterable[str]) -> str:
    """A short fingerprint of the menu a person should have (stored to avoid re-sending it)."""
    names = ",".join(c.name for c in commands_for(roles))
    return hashlib.sha256(names.encode()).hexdigest()[:16]


DEFAULT_SIGNATURE = menu_signature(())


async def publish_default_menus(bot: Bot) -> None:
    """Register the everyone-menu for private chats and the group menu, in Vietnamese and English."""
    everyone = commands_for(())
    for lang in LANGUAGES:
        code = None if lang == "vi" else lang
        await bot.set_my_commands(
            bot_commands(everyone, lang), scope=BotCommandScopeAllPrivateChats(), language_code=code
        )
        group = [c for c in everyone if c.name in GROUP_COMMANDS]
        await bot.set_my_commands(bot_commands(group, lang), scope=BotCommandScopeAllGroupChats(), language_code=code)


async def publish_chat_menu(bot: Bot, chat_id: int, roles: Iterable[str]) -> bool:
    """Give one person's private chat the menu of their roles (or the default one back); True if sent."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if menu_signature(roles) == DEFAULT_SIGNATURE:
            for lang in LANGUAGES:
                await bot.delete_my_commands(scope=scope, language_code=None if lang == "vi" else lang)
        else:
            for lang in LANGUAGES:
                await bot.set_my_commands(
                    bot_commands(commands_for(roles), lang),
                    scope=scope,
                    language_code=None if lang == "vi" else lang,
                )
    except TelegramError as error:
        log.warning("could not set the command menu of chat %s: %s", chat_id, error)
        return False
    return True
