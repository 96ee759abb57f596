"""What a person sent a Zalo bot, as typed events parsed from getUpdates' result or a webhook's body.

Parsing is tolerant on purpose (docs/zalo-api.md): the body may be bare (`{event_name, message}`) or wrapped
(`{ok, result}`), ids may arrive as numbers, `date` is in milliseconds (a value that can only be seconds is
scaled), an image's link may be `photo` or `photo_url`, and an event without `event_name` is named after what its
message carries. A payload that names no chat and no sender is not an event (None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

TEXT_RECEIVED: Final = "message.text.received"
IMAGE_RECEIVED: Final = "message.image.received"
STICKER_RECEIVED: Final = "message.sticker.received"
UNSUPPORTED_RECEIVED: Final = "message.unsupported.received"
PRIVATE: Final = "PRIVATE"
_SECONDS_BEFORE = 100_000_000_000  # a `date` below this is seconds (year 5138 in seconds, 1973 in milliseconds)
_LAST_MS = 253_402_300_799_999  # 31/12/9999: anything later is not a date


@dataclass(frozen=True)
class Sender:
    """Who sent a message: Zalo's opaque id (per bot), the name they show, whether it is a bot."""

    id: str
    display_name: str
    is_bot: bool = False


@dataclass(frozen=True)
class ChatRef:
    """The conversation to answer in: its opaque id and type ("PRIVATE"; "GROUP" is in beta at Zalo)."""

    id: str
    chat_type: str = PRIVATE


@dataclass(frozen=True, kw_only=True)
class ZaloEvent:
    """Something a person sent the bot; subclasses carry what each kind of message holds."""

    event_name: str
    message_id: str
    sender: Sender
    chat: ChatRef
    date_ms: int
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def date(self) -> datetime:
        """When it was sent (timezone-aware, UTC)."""
        return datetime.fromtimestamp(self.date_ms / 1000, tz=UTC)

    @property
    def is_private(self) -> bool:
        """Whether it came in a private chat with the bot."""
        return self.chat.chat_type == PRIVATE


@dataclass(frozen=True, kw_only=True)
class TextEvent(ZaloEvent):
    """A text message (commands such as "/huy" are text too)."""

    text: str


@dataclass(frozen=True, kw_only=True)
class ImageEvent(ZaloEvent):
    """A photo, with its link and an optional caption."""

    photo_url: str | None = None
    caption: str | None = None


@dataclass(frozen=True, kw_only=True)
class StickerEvent(ZaloEvent):
    """A sticker: its id and, when given, its image's link."""

    sticker: str | None = None
    url: str | None = None


@dataclass(frozen=True, kw_only=True)
class UnsupportedEvent(ZaloEvent):
    """Anything else: voice, files, messages from protected accounts (Zalo withholds their content), new kinds."""


def unwrap(payload: object) -> object:
    """The event object of a body, whether bare or wrapped in `{ok, result}`."""
    if isinstance(payload, Mapping) and "result" in payload and "message" not in payload:
        return payload["result"]
    return payload


def parse_event(payload: object) -> ZaloEvent | None:
    """The event in a getUpdates result or a webhook body (bare or wrapped), or None if it holds none."""
    body = unwrap(payload)
    if not isinstance(body, Mapping):
        return None
    message = body.get("message")
    if not isinstance(message, Mapping):
        return None
    sender_raw = _mapping(message.get("from"))
    chat_raw = _mapping(message.get("chat"))
    sender_id = _text(sender_raw.get("id"))
    chat_id = _text(chat_raw.get("id")) or sender_id
    if not chat_id:
        return None
    sender = Sender(
        id=sender_id or chat_id,
        display_name=_text(sender_raw.get("display_name") or sender_raw.get("first_name") or sender_raw.get("name")),
        is_bot=sender_raw.get("is_bot") is True,
    )
    chat = ChatRef(id=chat_id, chat_type=(_text(chat_raw.get("chat_type")) or PRIVATE).upper())
    name = _text(body.get("event_name")) or _infer_name(message)
    common: dict[str, Any] = {
        "event_name": name,
        "message_id": _text(message.get("message_id")),
        "sender": sender,
        "chat": chat,
        "date_ms": _date_ms(message.get("date")),
        "raw": dict(body),
    }
    text = message.get("text")
    if name == TEXT_RECEIVED and isinstance(text, str):
        return TextEvent(**common, text=text)
    if name == IMAGE_RECEIVED:
        photo = message.get("photo") or message.get("photo_url")
        return ImageEvent(**common, photo_url=_text(photo) or None, caption=_text(message.get("caption")) or None)
    if name == STICKER_RECEIVED:
        sticker, url = _text(message.get("sticker")) or None, _text(message.get("url")) or None
        return StickerEvent(**common, sticker=sticker, url=url)
    return UnsupportedEvent(**common)


def _infer_name(message: Mapping[str, Any]) -> str:
    if isinstance(message.get("text"), str):
        return TEXT_RECEIVED
    if message.get("photo") or message.get("photo_url"):
        return IMAGE_RECEIVED
    if message.get("sticker"):
        return STICKER_RECEIVED
    return UNSUPPORTED_RECEIVED


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str:
    """A string field that may arrive as a string or a number; anything else is empty."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int):
        return str(value)
    return ""


def _date_ms(value: object) -> int:
    """`date` in milliseconds (0 when missing or unreadable); a value that can only be seconds is scaled."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdecimal():
        value = int(value.strip())
    if isinstance(value, float) and value == value and abs(value) < 1e18:
        value = int(value)
    if not isinstance(value, int) or value <= 0:
        return 0
    milliseconds = value * 1000 if value < _SECONDS_BEFORE else value
    return milliseconds if milliseconds <= _LAST_MS else 0
