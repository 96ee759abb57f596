"""Handles for acting as a user in the sandbox and waiting for what the bot answers (tests, the demo)."""

from __future__ import annotations

from danhgia.sandbox.core import BotApiSandbox
from danhgia.sandbox.state import CallbackQuery, Chat, Message, User


class SimUser:
    """One simulated person: types, taps buttons and links, blocks the bot, and reads their chat."""

    def __init__(self, sandbox: BotApiSandbox, user: User) -> None:
        self.sandbox = sandbox
        self.user = user
        self._seen = 0  # sequence number of the last bot message this handle returned

    @property
    def id(self) -> int:
        """The Telegram user id."""
        return self.user.id

    @property
    def chat(self) -> Chat:
        """The private chat with the bot."""
        return self.sandbox.private_chat(self.user.id)

    # -- acting ------------------------------------------------------------------------------------

    def send(self, text: str, chat: Chat | None = None) -> Message:
        """Type a message or command (in the private chat unless a group is given)."""
        self._mark_read(chat)
        return self.sandbox.act_send(self.user.id, text, chat.id if chat else None)

    def send_sticker(self, emoji: str = "👍") -> Message:
        """Send a sticker in the private chat."""
        self._mark_read(None)
        return self.sandbox.act_send_sticker(self.user.id, emoji)

    def open_link(self, url: str) -> Message:
        """Tap a deep link to the bot."""
        self._mark_read(None)
        return self.sandbox.act_open_link(self.user.id, url)

    def press(self, message: Message, label: str) -> CallbackQuery:
        """Press the inline button with this label (or the only one containing it)."""
        button = message.button(label)
        self._mark_read(self.sandbox.chats[message.chat_id])
        return self.sandbox.act_press(self.user.id, message.chat_id, message.message_id, button["callback_data"])

    def press_forged(self, message: Message, callback_data: str) -> CallbackQuery:
        """Send callback data that no button carries (a tampered client) from one of the bot's messages."""
        self._mark_read(self.sandbox.chats[message.chat_id])
        return self.sandbox.act_press(self.user.id, message.chat_id, message.message_id, callback_data, forged=True)

    def block(self) -> None:
        """Block the bot."""
        self.sandbox.act_block(self.user.id)

    def unblock(self) -> None:
        """Unblock the bot."""
        self.sandbox.act_unblock(self.user.id)

    # -- reading -----------------------------------------------------------------------------------

    def _mark_read(self, chat: Chat | None) -> None:
        target = chat or self.chat
        latest = [m.seq for m in target.messages if m.from_bot]
        self._seen = max([self._seen, *latest])

    def bot_messages(self, chat: Chat | None = None) -> list[Message]:
        """The bot's messages in a chat (private by default), oldest first, deleted ones left out."""
        return [m for m in (chat or self.chat).visible() if m.from_bot]

    def last(self, chat: Chat | None = None) -> Message:
        """The bot's latest message in a chat."""
        messages = self.bot_messages(chat)
        if not messages:
            raise LookupError("the bot has said nothing in this chat")
        return messages[-1]

    async def next_message(self, timeout: float = 10.0, chat: Chat | None = None) -> Message:
        """Wait for the next new or edited bot message after the last action or read."""

        def fresh() -> Message | None:
            candidates = [m for m in (chat or self.chat).visible() if m.from_bot and m.seq > self._seen]
            return min(candidates, key=lambda m: m.seq) if candidates else None

        message = await self.sandbox.wait_for(fresh, timeout, f"a bot message to {self.user.display_name}")
        self._seen = message.seq
        return message

    async def say(self, text: str, timeout: float = 10.0) -> Message:
        """Send a message and wait for the bot's answer."""
        self.send(text)
        return await self.next_message(timeout)

    async def tap(self, message: Message, label: str, timeout: float = 10.0) -> Message:
        """Press a button and wait until the bot answers the press and shows something new."""
        query = self.press(message, label)
        await self.sandbox.wait_for(lambda: query.answered, timeout, f"an answer to the press of {label!r}")
        return await self.next_message(timeout, self.sandbox.chats[message.chat_id])

    async def answer_to(self, query: CallbackQuery, timeout: float = 10.0) -> CallbackQuery:
        """Wait until the bot answers a button press (the little toast or alert)."""
        return await self.sandbox.wait_for(lambda: query if query.answered else None, timeout, "a callback answer")


def add_user(sandbox: BotApiSandbox, first_name: str, last_name: str | None = None, **kwargs: object) -> SimUser:
    """Create a simulated user and a handle for them."""
    user = sandbox.add_user(first_name, last_name, **kwargs)  # type: ignore[arg-type]
    return SimUser(sandbox, user)
