"""No edit Telegram would refuse: a message's content (text, entities, buttons) compared before an edit, and a
double tap's second press recognised as asking for what the first one already showed."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity

from danhgia.chat.panel import Choice, Keys, Panel
from danhgia.handlers.edits import PanelMemory, content_digest, message_digest, unchanged
from danhgia.texts import Html
from danhgia.texts.telegram_html import parse_html

CHAT = Chat(42, Chat.PRIVATE)
KEYS: Keys = ((Choice("✅ Duyệt", "v1:rv:a:7"),),)
MARKUP = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Duyệt", callback_data="v1:rv:a:7")]])


def panel(html: str, keys: Keys = ()) -> Panel:
    return Panel(Html(html), keys)


def shown(html: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """The message as Telegram would hand it back after the bot sent this HTML."""
    text, entities = parse_html(html)
    found = tuple(MessageEntity(e["type"], e["offset"], e["length"], url=e.get("url")) for e in entities)
    return Message(7, datetime.now(UTC), CHAT, text=text, entities=found, reply_markup=markup)


def test_the_same_text_entities_and_buttons_need_no_edit() -> None:
    card = "📋 <b>Bản tự đánh giá tháng 11/2026</b>\nTự chấm: <b>99</b>/100 điểm — <i>Chờ duyệt</i>"
    message = shown(card, MARKUP)
    assert unchanged(message, panel(card, KEYS))
    assert unchanged(
        message, panel(card.replace("<b>", "<strong>").replace("</b>", "</strong>"), KEYS)
    )  # same entities
    assert not unchanged(message, panel(card.replace("<i>Chờ duyệt</i>", "Chờ duyệt"), KEYS))  # formatting only
    assert not unchanged(message, panel(card.replace("99", "98"), KEYS))
    assert not unchanged(message, panel(card))  # the buttons go
    other: Keys = ((Choice("📄 Chi tiết", "v1:rv:d:7"),),)
    assert not unchanged(message, panel(card, other))
    assert not unchanged(message, panel("<b>not closed", KEYS))  # invalid HTML: never taken as unchanged
    assert not unchanged(object(), panel(card, KEYS))
    assert message_digest(message) == content_digest(panel(card, KEYS))


def test_a_double_tap_asks_for_what_the_first_press_already_showed() -> None:
    memory = PanelMemory(size=2)
    before, after = content_digest(panel("Chờ duyệt", KEYS)), content_digest(panel("✅ Đã duyệt"))
    assert not memory.already(42, 7, before, after)
    memory.edited(42, 7, before, after)
    assert memory.already(42, 7, before, after)  # the second press was made on the view before the edit
    assert not memory.already(42, 7, after, before)  # a press on the new view asking to go back: an edit
    assert not memory.already(42, 8, before, after)  # another message
    memory.edited(42, 8, before, after)
    memory.edited(42, 9, before, after)  # the oldest is forgotten
    assert not memory.already(42, 7, before, after) and memory.already(42, 9, before, after)
    memory.edited(42, 9, None, after)  # an unknown view: forget rather than guess
    assert not memory.already(42, 9, before, after)
