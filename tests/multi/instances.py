"""Several instances of the bot in one event loop, as far as their updates go: each records what it receives in the
shared inbox and handles it through its own processor; what they handle is written to one log."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, text
from telegram import Bot, Chat, Message, Update, User

from danhgia.bot.updates import PerChatUpdateProcessor, RecordingQueue, chat_key
from danhgia.handlers.trace import current_trace
from danhgia.storage.db import make_engine
from danhgia.storage.uow import Database
from danhgia.workflow.clock import SystemClock
from danhgia.workflow.inbox import InboxService, SharedInbox
from tests.conftest import START

BOT = Bot("123456789:SANDBOX-TEST-TOKEN")


def update(update_id: int, chat_id: int, text_: str = "/help") -> Update:
    """A message in a private chat (positive id) or a group (negative id)."""
    user = User(abs(chat_id), "An", False)
    chat = Chat(chat_id, Chat.PRIVATE if chat_id > 0 else Chat.GROUP)
    return Update(update_id, message=Message(update_id, START, chat, from_user=user, text=text_))


class Log:
    """What every instance handled, in the order handled; two handlings of one chat at once are violations."""

    def __init__(self) -> None:
        self.handled: list[tuple[str, int, int | None]] = []  # (instance, update id, chat)
        self.active: set[int | None] = set()
        self.overlaps: list[tuple[str, int]] = []

    def ids(self, chat: int | None = None) -> list[int]:
        """Update ids handled (of one chat), in the order handled."""
        return [u for _, u, c in self.handled if chat is None or c == chat]


class Instance:
    """One instance: a RecordingQueue and a PerChatUpdateProcessor on the shared inbox, handling into the log."""

    def __init__(self, name: str, url: str, log: Log, *, rng: random.Random | None = None) -> None:
        self.name = name
        self.log = log
        self.rng = rng
        self.db = Database(make_engine(url))
        self.inbox = InboxService(self.db.inbox(), SystemClock())
        self.queue = RecordingQueue(shared=True)
        self.queue.inbox = self.inbox
        shared = SharedInbox.of(self.inbox)
        assert shared is not None
        self.processor = PerChatUpdateProcessor(shared=shared, sweep_seconds=0)
        self.processor.inbox = self.inbox
        self.processor.attach(self)
        self.bot = BOT
        self.bot_data: dict[str, Any] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self.gates: dict[int, asyncio.Event] = {}  # updates whose handling waits for their event
        self.edits: dict[int, list[list[Any]]] = {}  # panel edits the handling of an update makes

    async def start(self) -> None:
        """What PTB's Application.initialize does for the processor."""
        await self.processor.initialize()

    async def process_update(self, update: object) -> None:
        """The handlers (what `Application.process_update` would run)."""
        assert isinstance(update, Update)
        key = chat_key(update)
        if key in self.log.active:
            self.log.overlaps.append((self.name, update.update_id))
        self.log.active.add(key)
        try:
            self.log.handled.append((self.name, update.update_id, key))
            trace = current_trace.get()
            if trace is not None:
                trace.edits.extend(self.edits.get(update.update_id, []))
            if update.update_id in self.gates:
                await self.gates[update.update_id].wait()
            await asyncio.sleep(self.rng.uniform(0.0005, 0.004) if self.rng else 0.001)
        finally:
            self.log.active.discard(key)

    async def record(self, item: Update) -> None:
        """Receive an update: it is recorded (then Telegram would be answered) and queued, not yet handled."""
        await self.queue.put(item)

    def handle_queued(self) -> None:
        """Hand what was queued to the processor, as PTB's update fetcher does."""
        while not self.queue.empty():
            item = self.queue.get_nowait()
            self.tasks.append(asyncio.create_task(self.processor.process_update(item, self.process_update(item))))

    async def receive(self, item: Update) -> None:
        """Record an update and start handling it."""
        await self.record(item)
        self.handle_queued()

    async def sweep(self) -> None:
        """One sweep of the pending updates (what the processor does every few seconds)."""
        await self.processor.sweep()

    async def settle(self) -> None:
        """Wait until everything this instance started is finished."""
        await asyncio.gather(*self.tasks)

    async def die(self) -> None:
        """The process is gone: its tasks stop where they are (call after its connections were ended)."""
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def close(self) -> None:
        """Stop and free the database connections."""
        await self.processor.shutdown()
        self.db.dispose()


def end_sessions_holding_chat(url: str, chat_id: int) -> int:
    """End the database session holding a chat's lock (what PostgreSQL does when its process dies); returns how
    many were ended."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    query = text(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted"
        " AND ((classid::bigint << 32) | objid::bigint) = :key"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with engine.connect() as conn:
        ended = len(conn.execute(query, {"key": chat_id}).all())
    engine.dispose()
    return ended


async def until(condition: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    """Wait until a condition holds (a guard against hanging, not a measure of speed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"still waiting for: {what}")
        await asyncio.sleep(0.01)
