"""Panels rendered for Telegram, in one place: choices become an inline keyboard, the text is sent in HTML mode
(cut to fit), files follow as documents."""

from __future__ import annotations

from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode

from danhgia.chat.format import fit
from danhgia.chat.panel import Choice, Keys, Panel
from danhgia.texts import Html


def as_panel(content: Panel | str) -> Panel:
    """A panel, or HTML text shown without choices."""
    return content if isinstance(content, Panel) else Panel(Html(content))


def _button(choice: Choice) -> InlineKeyboardButton:
    if choice.url is not None:
        return InlineKeyboardButton(choice.label, url=choice.url)
    return InlineKeyboardButton(choice.label, callback_data=choice.data)


def markup(keys: Keys) -> InlineKeyboardMarkup | None:
    """The inline keyboard of these choices; None when there is none."""
    rows = [[_button(choice) for choice in row] for row in keys if row]
    return InlineKeyboardMarkup(rows) if rows else None


def text_of(panel: Panel) -> Html:
    """The HTML sent for a panel (cut at a line boundary to fit one message)."""
    return fit(panel.text)


async def send(bot: Bot, chat_id: int, panel: Panel, **kwargs: Any) -> Message:
    """Send a panel to a chat (its files after it); returns the message with the choices."""
    message = await bot.send_message(
        chat_id, text_of(panel), parse_mode=ParseMode.HTML, reply_markup=markup(panel.keys), **kwargs
    )
    for attachment in panel.attachments:
        send_file = bot.send_photo if attachment.photo else bot.send_document
        await send_file(
            chat_id,
            InputFile(attachment.content, filename=attachment.filename),
            caption=attachment.caption,
            parse_mode=ParseMode.HTML if attachment.caption else None,
        )
    return message


async def edit(message: Any, panel: Panel) -> Message | bool:
    """Edit a message (as a callback query's `edit_message_text`) to show a panel."""
    result: Message | bool = await message.edit_message_text(
        text_of(panel), parse_mode=ParseMode.HTML, reply_markup=markup(panel.keys)
    )
    return result


async def edit_message(bot: Bot, chat_id: int, message_id: int, panel: Panel) -> None:
    """Edit a message the bot sent earlier (not the one pressed) to show a panel."""
    await bot.edit_message_text(
        text_of(panel),
        chat_id=chat_id,
        message_id=message_id,
        parse_mode=ParseMode.HTML,
        reply_markup=markup(panel.keys),
    )
