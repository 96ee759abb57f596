"""What the sandbox remembers: users, chats, every message with its keyboard and edits, and the webhook."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class User:
    """A simulated Telegram user."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "vi"
    blocked_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        """The Bot API `User` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    @property
    def display_name(self) -> str:
        """First and last name."""
        return " ".join(p for p in (self.last_name, self.first_name) if p)


@dataclass
class Edit:
    """One earlier version of an edited message."""

    text: str | None
    html: str | None
    reply_markup: dict[str, Any] | None
    date: int


@dataclass
class Message:
    """A message in a chat, as both sides see it."""

    message_id: int
    chat_id: int
    sender_id: int
    from_bot: bool
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    markup: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    edit_date: int | None = None
    history: list[Edit] = field(default_factory=list)
    deleted: bool = False
    document: dict[str, Any] | None = None
    caption: str | None = None
    sticker: dict[str, Any] | None = None
    seq: int = 0
    at: float = 0.0  # when it was sent, to the sandbox clock's precision (benchmarks)
    paid: bool = False  # sent by the bot as a paid broadcast (allow_paid_broadcast)

    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row by row flattened."""
        if not self.reply_markup or "inline_keyboard" not in self.reply_markup:
            return []
        return [button for row in self.reply_markup["inline_keyboard"] for button in row]

    def button_texts(self) -> list[str]:
        """The labels of the inline buttons."""
        return [b["text"] for b in self.buttons()]

    def button(self, label: str) -> dict[str, Any]:
        """The inline button with this exact label, or one whose label contains it."""
        buttons = self.buttons()
        for b in buttons:
            if b["text"] == label:
                return b
        matches = [b for b in buttons if label in b["text"]]
        if len(matches) == 1:
            return matches[0]
        raise LookupError(f"no single button {label!r} in {[b['text'] for b in buttons]}")


@dataclass
class Chat:
    """A private chat with one user, or a group."""

    id: int
    type: str
    title: str | None = None
    user_id: int | None = None
    members: set[int] = field(default_factory=set)
    messages: list[Message] = field(default_factory=list)
    next_message_id: int = 1

    def visible(self) -> list[Message]:
        """Messages not deleted, oldest first."""
        return [m for m in self.messages if not m.deleted]

    def find(self, message_id: int) -> Message | None:
        """A message by id."""
        for message in self.messages:
            if message.message_id == message_id:
                return message
        return None


@dataclass
class CallbackQuery:
    """A button press and the bot's answer to it."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False


@dataclass
class Webhook:
    """The webhook the bot set with setWebhook, and the last error of delivering to it (getWebhookInfo)."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
