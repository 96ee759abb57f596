"""Edits Telegram would refuse are never made: what a message shows is compared before it is edited.

A message's content is its text, its entities and its buttons — what Telegram compares when it answers "message
is not modified". `content_digest` gives that mark for HTML the bot is about to send, `message_digest` for a
message as an update carries it. A button press carries the message as it was when the person pressed; when
two presses were made on the same view (a double tap), the second one's view is older than what the first one
already put there, so each application remembers, per message, the last edit it made (from which view to which
content): a later press made on that same older view, asking for that same content, needs no edit. The content an
edit put is remembered by `panel_key` (the panel's HTML and buttons, no parsing); the press's view is compared
with `content_digest` only when the buttons already match, since other buttons always make a different message.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message

from danhgia.chat.panel import Keys, Panel
from danhgia.handlers.present import text_of
from danhgia.handlers.trace import current_trace
from danhgia.texts.telegram_html import HtmlParseError, parse_html

MEMORY_SIZE = 4096  # messages remembered per application


def _mark(text: str, entities: list[tuple[Any, ...]], buttons: dict[str, Any] | None) -> str:
    payload = json.dumps([text.strip(), sorted(entities), buttons], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


# Buttons set by any of these (or carrying fields unknown to the library) are serialised by the library itself.
_RARE_BUTTON_FIELDS = tuple(
    name for name in InlineKeyboardButton.__slots__ if name not in ("text", "url", "callback_data")
)


def _buttons(markup: InlineKeyboardMarkup | None) -> dict[str, Any] | None:
    """What `markup.to_dict()` gives (None without buttons), written out directly for plain buttons."""
    if markup is None or not markup.inline_keyboard:
        return None
    if markup.api_kwargs:
        return markup.to_dict()
    rows: list[list[dict[str, Any]]] = []
    for row in markup.inline_keyboard:
        out: list[dict[str, Any]] = []
        for button in row:
            if button.api_kwargs or any(getattr(button, name) is not None for name in _RARE_BUTTON_FIELDS):
                return markup.to_dict()
            plain: dict[str, Any] = {"text": button.text}
            if button.url is not None:
                plain["url"] = button.url
            if button.callback_data is not None:
                if not isinstance(button.callback_data, str):
                    return markup.to_dict()
                plain["callback_data"] = button.callback_data
            out.append(plain)
        rows.append(out)
    return {"inline_keyboard": rows}


def panel_buttons(keys: Keys) -> dict[str, Any] | None:
    """The buttons of a panel as `_buttons` gives them for the keyboard `present.markup(keys)` (None: no button),
    without making the keyboard."""
    rows = [
        [
            {"text": c.label, "url": c.url} if c.url is not None else {"text": c.label, "callback_data": c.data}
            for c in row
        ]
        for row in keys
        if row
    ]
    return {"inline_keyboard": rows} if rows else None


def content_digest(panel: Panel) -> str | None:
    """The mark of what a message would show for this panel (None: not valid HTML)."""
    try:
        plain, entities = parse_html(text_of(panel))
    except HtmlParseError:
        return None
    found = [(e["type"], e["offset"], e["length"], e.get("url"), e.get("language")) for e in entities]
    return _mark(plain, found, panel_buttons(panel.keys))


def message_buttons(message: object) -> dict[str, Any] | None:
    """The buttons a message carries, as `panel_buttons` gives a panel's (None: none, or not a message)."""
    return _buttons(message.reply_markup) if isinstance(message, Message) else None


def message_digest(message: object) -> str | None:
    """The mark of what a message shows, as an update carries it (None: not a text message)."""
    if not isinstance(message, Message) or message.text is None:
        return None
    found = [(str(e.type), e.offset, e.length, e.url, e.language) for e in message.entities]
    return _mark(message.text, found, _buttons(message.reply_markup))


def panel_key(panel: Panel) -> str:
    """A cheap mark of a panel as the bot renders it (its HTML and buttons): equal panels, equal keys. What an edit
    put on a message is remembered by it (`PanelMemory`); it is not comparable with `message_digest`."""
    payload = json.dumps([text_of(panel), panel_buttons(panel.keys)], ensure_ascii=False)
    return "p:" + hashlib.sha256(payload.encode()).hexdigest()


def unchanged(message: object, panel: Panel) -> bool:
    """Whether editing this message to show this panel would change nothing."""
    shown = message_digest(message)
    return shown is not None and shown == content_digest(panel)


class PanelMemory:
    """The last edit this application made to each recent message: (view it replaced, content it put there)."""

    def __init__(self, size: int = MEMORY_SIZE) -> None:
        self._size = size
        self._edits: OrderedDict[tuple[int, int], tuple[str, str]] = OrderedDict()

    def already(
        self,
        chat_id: int,
        message_id: int,
        view: str | None,
        content: str | None,
        also: Callable[[], str | None] | None = None,
    ) -> bool:
        """A press made on `view` asks for `content`, which an edit from that very view already put there. `also`
        gives another mark of that content, looked at only when the views match and the first mark does not (an
        edit remembered by an earlier version, which marked contents with `content_digest`)."""
        if view is None or content is None:
            return False
        last = self._edits.get((chat_id, message_id))
        if last is None or last[0] != view:
            return False
        return last[1] == content or (also is not None and last[1] == also())

    def edited(self, chat_id: int, message_id: int, view: str | None, content: str | None) -> None:
        """Remember an edit (the oldest are forgotten); the update being handled keeps it too, for the inbox, so
        that the next process remembers it after a restart."""
        trace = current_trace.get()
        if trace is not None and view is not None and content is not None:
            trace.edits.append([chat_id, message_id, view, content])
        self.remember(chat_id, message_id, view, content)

    def remember(self, chat_id: int, message_id: int, view: str | None, content: str | None) -> None:
        """Remember an edit (the oldest are forgotten)."""
        key = (chat_id, message_id)
        if view is None or content is None:
            self._edits.pop(key, None)
            return
        self._edits[key] = (view, content)
        self._edits.move_to_end(key)
        while len(self._edits) > self._size:
            self._edits.popitem(last=False)


# The memory of the application whose handler is running (set around each handler by `ui.guarded`).
current_memory: contextvars.ContextVar[PanelMemory | None] = contextvars.ContextVar("panel_memory", default=None)


_locks: weakref.WeakValueDictionary[tuple[int, int], asyncio.Lock] = weakref.WeakValueDictionary()


def message_lock(chat_id: int, message_id: int) -> asyncio.Lock:
    """The lock that keeps two edits of one message from overlapping in this process (a press and the outbox's
    refresh of the same card): whoever holds it reads what the message shows, edits it and records it."""
    lock = _locks.get((chat_id, message_id))
    if lock is None:
        lock = asyncio.Lock()
        _locks[(chat_id, message_id)] = lock
    return lock
