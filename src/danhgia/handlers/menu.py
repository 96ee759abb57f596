"""The command registry: which commands each role sees in /help and in Telegram's command menu — only those the
regime offers (the 360° round and the disclosure board exist under the Đà Nẵng model only)."""

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

from danhgia.scoring import Regime
from danhgia.texts import LANGUAGES, t
from danhgia.workflow import evaluation as ev
from danhgia.workflow.common import ROLE_ADMIN, ROLE_COUNCIL, ROLE_HR, ROLE_LEADER
from danhgia.workflow.disclosure import monthly_board
from danhgia.workflow.services import Services

RATINGS, BOARD = "ratings", "board"  # features a regime may offer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandInfo:
    """A command, its order in menus, the roles that may use it (None: every linked person) and the feature of the
    regime it needs (None: always offered)."""

    name: str
    roles: frozenset[str] | None = None
    feature: str | None = None

    def allowed(self, roles: Iterable[str], offered: frozenset[str]) -> bool:
        """Whether a person with these roles may use it, under a regime offering these features."""
        if self.feature is not None and self.feature not in offered:
            return False
        return self.roles is None or bool(self.roles.intersection(roles))


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("tuannay"),
    CommandInfo("baocaotuan"),
    CommandInfo("tudanhgia"),
    CommandInfo("danhgiacheo", feature=RATINGS),
    CommandInfo("ketqua"),
    CommandInfo("congkhai", feature=BOARD),
    CommandInfo("tamdung"),
    CommandInfo("duyet", frozenset({ROLE_LEADER})),
    CommandInfo("uyquyen", frozenset({ROLE_LEADER})),
    CommandInfo("nghiphep", frozenset({ROLE_LEADER, ROLE_HR, ROLE_ADMIN})),
    CommandInfo("kydanhgia", frozenset({ROLE_HR, ROLE_ADMIN})),
    CommandInfo("baocao", frozenset({ROLE_HR, ROLE_ADMIN, ROLE_LEADER})),
    CommandInfo("hoidong", frozenset({ROLE_COUNCIL})),
    CommandInfo("huy"),
    CommandInfo("help"),
    CommandInfo("start"),
    CommandInfo("ngonngu"),
    CommandInfo("golienket", frozenset({ROLE_ADMIN, ROLE_HR})),
)
GROUP_COMMANDS = ("help", "ketqua")


def features_of(regime: Regime) -> frozenset[str]:
    """The features a regime offers: the 360° round, the disclosure board."""
    return frozenset(
        name for name, on in ((RATINGS, regime.review_360 is not None), (BOARD, monthly_board(regime))) if on
    )


def offered_by(services: Services) -> frozenset[str]:
    """The features the deployment's regime offers."""
    return features_of(ev.regime_of(services.config.regime_id))


def commands_for(roles: Iterable[str], offered: frozenset[str]) -> list[CommandInfo]:
    """The commands a person with these roles can use under a regime offering these features, in menu order."""
    role_set = set(roles)
    return [c for c in COMMANDS if c.allowed(role_set, offered)]


def bot_commands(commands: Iterable[CommandInfo], lang: str) -> list[BotCommand]:
    """Telegram menu entries with descriptions in one language."""
    return [BotCommand(c.name, t(f"commands.{c.name}", lang)) for c in commands]


def menu_signature(roles: Iterable[str], offered: frozenset[str]) -> str:
    """A short fingerprint of the menu a person should have (stored to avoid re-sending it)."""
    names = ",".join(c.name for c in commands_for(roles, offered))
    return hashlib.sha256(names.encode()).hexdigest()[:16]


def default_signature(offered: frozenset[str]) -> str:
    """The fingerprint of the everyone-menu (a chat with it needs no menu of its own)."""
    return menu_signature((), offered)


async def publish_default_menus(bot: Bot, offered: frozenset[str]) -> None:
    """Register the everyone-menu for private chats and the group menu, in Vietnamese and English."""
    everyone = commands_for((), offered)
    for lang in LANGUAGES:
        code = None if lang == "vi" else lang
        await bot.set_my_commands(
            bot_commands(everyone, lang), scope=BotCommandScopeAllPrivateChats(), language_code=code
        )
        group = [c for c in everyone if c.name in GROUP_COMMANDS]
        await bot.set_my_commands(bot_commands(group, lang), scope=BotCommandScopeAllGroupChats(), language_code=code)


async def publish_chat_menu(bot: Bot, chat_id: int, roles: Iterable[str], offered: frozenset[str]) -> bool:
    """Give one person's private chat the menu of their roles (or the default one back); True if sent."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if menu_signature(roles, offered) == default_signature(offered):
            for lang in LANGUAGES:
                await bot.delete_my_commands(scope=scope, language_code=None if lang == "vi" else lang)
        else:
            for lang in LANGUAGES:
                await bot.set_my_commands(
                    bot_commands(commands_for(roles, offered), lang),
                    scope=scope,
                    language_code=None if lang == "vi" else lang,
                )
    except TelegramError as error:
        log.warning("could not set the command menu of chat %s: %s", chat_id, error)
        return False
    return True
