"""What a person's Zalo event becomes: the Telegram update the handlers already understand (docs/zalo-api.md, "How
the Zalo channel plugs into the bot", step 1).

- A text that names a choice of the chat's latest panel (a number, the choice's words, "0"/"quay lại") is the press
  of that choice: a `callback_query` on the panel's message, with the choice's data — re-authorised by the handlers
  exactly as a tap on Telegram. While a dialog waits for a typed value, a number is that value, never a choice.
- "LIENKET 4K7Q2PXM" (any case, "liên kết" too) is `/start 4K7Q2PXM`: Zalo links carry no start parameter, so the
  invite's Zalo code is typed.
- Any other text is a text message (commands such as "/huy" with their entity); a photo, a sticker or anything else
  becomes a message the handlers answer with their usual "text only" hint. Nothing a person sent is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from danhgia.texts.telegram_html import utf16_len
from danhgia.zalo.events import ImageEvent, StickerEvent, TextEvent, ZaloEvent
from danhgia.zalo.panels import ShownPanel
from danhgia.zalo.text import normalise_answer

UNKNOWN_PERSON: Final = "Người dùng Zalo"
LINK_WORD: Final = "LIENKET"
SHORT_CODE_MAX: Final = 16  # a code this short is a Zalo code, issued upper-case; longer ones are case-sensitive
_CODE = re.compile(r"[A-Za-z0-9_-]{4,64}")
_NUMBER = re.compile(r"^\s*[+-]?[0-9]+(?:[.,][0-9]+)?\s*%?\s*$")


def link_code(text: str) -> str | None:
    """The invite code of a "LIENKET CODE" message, or None; a short code (the Zalo column's) is upper-cased, as
    it was issued, since people type it in any case."""
    words = text.split()
    if not words:
        return None
    head, rest = normalise_answer(words[0]), words[1:]
    if head == "lien" and rest and normalise_answer(rest[0]) == "ket":
        rest = rest[1:]
    elif head != "lienket":
        return None
    code = rest[0].strip(":-") if len(rest) == 1 else ""
    if not _CODE.fullmatch(code):
        return None
    return code.upper() if len(code) <= SHORT_CODE_MAX else code


def event_update(
    event: ZaloEvent,
    *,
    chat: int,
    user: int,
    latest: ShownPanel | None,
    next_message_id: Callable[[], int],
    update_id: int,
    now: int,
    awaits_text: bool = False,
) -> dict[str, Any]:
    """The Telegram update (as the Bot API writes it) of a Zalo event, given the chat's and sender's integer ids,
    the chat's latest panel and whether a dialog waits for a typed value; `now` (seconds) dates an undated event."""
    name = event.sender.display_name or UNKNOWN_PERSON
    sender = {"id": user, "is_bot": event.sender.is_bot, "first_name": name}
    chat_object: dict[str, Any] = {"id": chat, "type": "private", "first_name": name}
    if not event.is_private:
        chat_object = {"id": chat, "type": "group", "title": "Zalo"}
    message: dict[str, Any] = {"from": sender, "chat": chat_object, "date": event.date_ms // 1000 or now}
    if isinstance(event, TextEvent):
        code = link_code(event.text) if event.is_private else None
        text = f"/start {code}" if code is not None else event.text
        choice = _choice(latest, text, awaits_text=awaits_text)
        if latest is not None and choice is not None:
            query = {
                "id": f"{chat}:{event.message_id or update_id}",
                "from": sender,
                "chat_instance": str(chat),
                "data": choice,
                "message": latest.message(chat_object),
            }
            return {"update_id": update_id, "callback_query": query}
        message["text"] = text
        if text.startswith("/"):
            word = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(word)}]
    else:
        message.update(_media(event))
    message["message_id"] = next_message_id()
    return {"update_id": update_id, "message": message}


def _choice(latest: ShownPanel | None, text: str, *, awaits_text: bool) -> str | None:
    """The callback data of the choice a text names on the latest panel, or None (a command never names one; while
    a dialog waits, a number is an answer to it)."""
    if latest is None or text.startswith("/"):
        return None
    if awaits_text and _NUMBER.match(text):  # a number typed for a waiting step: a value shown, or a numbered choice
        choice = latest.choose(text) if latest.has_values else latest.numbered(text)
    else:
        choice = latest.choose(text)
    return choice.data if choice is not None else None


def _media(event: ZaloEvent) -> Mapping[str, Any]:
    """What a non-text event becomes in a Telegram message: a photo or a sticker, or a message with nothing the
    handlers read (they answer that only text is understood)."""
    unique = event.message_id or "zalo"
    if isinstance(event, ImageEvent):
        photo = {"file_id": f"zalo-{unique}", "file_unique_id": unique[:32], "width": 0, "height": 0}
        return {"photo": [photo], **({"caption": event.caption} if event.caption else {})}
    if isinstance(event, StickerEvent):
        sticker = {
            "file_id": f"zalo-{unique}",
            "file_unique_id": unique[:32],
            "type": "regular",
            "width": 0,
            "height": 0,
            "is_animated": False,
            "is_video": False,
        }
        return {"sticker": sticker}
    return {}


__all__ = ["LINK_WORD", "UNKNOWN_PERSON", "event_update", "link_code"]
