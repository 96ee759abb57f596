"""How updates reach the handlers: recorded before they are acknowledged, handled per chat in order, marked done.

`RecordingQueue` is the Application's update queue: python-telegram-bot's updater (and its webhook server) put
each update there, and the next getUpdates call acknowledges what was put — so the queue records the update in
the inbox first (the database), and an update recorded before (Telegram delivering it again) is not queued a
second time. On start, the recorded updates not yet handled are queued first (`replay`).

python-telegram-bot handles one update at a time by default, so one slow database call makes everyone
wait; fully concurrent handling could let a person's typed answer overtake the button they pressed just
before. `PerChatUpdateProcessor` gives each chat (or user) its own queue: fast for many people, orderly for
each; once an update is handled (its answer sent, or its failure answered), it is marked done in the inbox.

A process killed while handling an update handles it again on the next start: a use case already applied then
refuses as already done (versions and states guard every change), so nothing is applied twice; only an answer
that was on its way at the kill may be sent twice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot, Update
from telegram.ext import BaseUpdateProcessor

from danhgia.handlers.trace import tracing
from danhgia.workflow.inbox import InboxService

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ATTEMPTS = 3  # an update whose handling killed the process this many times is given up (and logged)


def chat_key(update: object) -> int | None:
    """The chat (or, without one, the user) an update belongs to: its updates are handled in order."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


async def on_inbox(inbox: InboxService, fn: Callable[..., T], *args: Any) -> T:
    """Run an inbox call on the inbox's own database threads (never behind the main database's writers)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(inbox.db.executor, functools.partial(fn, *args))


class RecordingQueue(asyncio.Queue[object]):
    """The update queue: an update is recorded before it is queued (and so before it is acknowledged)."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: InboxService | None = None

    async def put(self, item: object) -> None:
        """Record the update, then queue it; one recorded before is not queued again."""
        if isinstance(item, Update) and self.inbox is not None:
            new = await on_inbox(self.inbox, self.inbox.record, item.update_id, item.to_dict(), chat_key(item))
            if not new:
                log.info("update %s was delivered again: already recorded, not handled twice", item.update_id)
                return
        await super().put(item)

    async def replay(self, bot: Bot) -> int:
        """Queue the updates recorded but not handled before the last stop (oldest first); returns how many."""
        if self.inbox is None:
            return 0
        queued = 0
        for recorded in await on_inbox(self.inbox, self.inbox.pending):
            if recorded.attempts >= MAX_ATTEMPTS:
                log.error("update %s was tried %d times without an answer: given up", recorded.update_id, MAX_ATTEMPTS)
                await on_inbox(self.inbox, self.inbox.done, recorded.update_id)
                continue
            await on_inbox(self.inbox, self.inbox.begin, recorded.update_id)
            await super().put(Update.de_json(recorded.payload, bot))
            queued += 1
        if queued:
            log.info("handling %d update(s) received before the last stop", queued)
        return queued


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats (up to `max_concurrent_updates`), sequential within a chat."""

    __slots__ = ("_locks", "_users", "inbox")

    def __init__(self, max_concurrent_updates: int = 32) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self.inbox: InboxService | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's earlier updates, handle this one, then mark it done in the inbox."""
        key = chat_key(update)
        if key is None:
            with tracing() as trace:
                await coroutine
            await self._done(update, trace.edits)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                with tracing() as trace:  # what the handlers answer, save and edit
                    await coroutine
                await self._done(update, trace.edits)
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                self._locks.pop(key, None)

    async def _done(self, update: object, edits: list[list[Any]]) -> None:
        if self.inbox is not None and isinstance(update, Update):
            try:
                await on_inbox(self.inbox, self.inbox.done, update.update_id, edits)
            except Exception:  # the answer went out; a failure here only means it may be handled once more
                log.exception("could not mark update %s as handled", update.update_id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""
