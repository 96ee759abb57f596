"""The inbox: every update from the messaging platform is recorded (its id as the key) before it is
acknowledged, handled from the record, and marked done once handled. A crash loses nothing — what was recorded
and not handled is handled first on the next start — and an update delivered twice is handled once.

On PostgreSQL several instances share the inbox (`SharedInbox`): whichever instance holds a chat's lock handles
that chat's pending updates, recorded by any instance, one at a time in update_id order, each marked done before
the next; the lock is freed when its holder's connection closes, so a dead instance's updates are handled by
another one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from danhgia.storage.cluster import ChatLocks, ChatTurn, conninfo
from danhgia.storage.repositories import InboxRepository
from danhgia.storage.uow import Database
from danhgia.workflow.clock import Clock

KEEP = timedelta(days=7)
RECENT_EDITS = timedelta(days=2)  # handled updates are kept this long (to recognise redeliveries), then forgotten


@dataclass(frozen=True)
class Recorded:
    """An update waiting in the inbox."""

    update_id: int
    payload: dict[str, Any]
    attempts: int


class InboxService:
    """Records, hands out and closes the updates received."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def record(self, update_id: int, payload: dict[str, Any], chat_key: int | None) -> bool:
        """Record an update before it is acknowledged; False when it was already recorded (a redelivery)."""
        with self.db.uow() as uow:
            new = uow.inbox.record(update_id, payload, chat_key, self.clock.now())
            uow.commit()
            return new

    def pending(self, limit: int = 10_000) -> list[Recorded]:
        """Recorded updates not yet handled, in the order they came."""
        with self.db.reader() as uow:
            return [Recorded(u.update_id, dict(u.payload), u.attempts) for u in uow.inbox.pending(limit)]

    def begin(self, update_id: int) -> None:
        """An attempt at handling an update starts."""
        with self.db.uow() as uow:
            uow.inbox.begin(update_id)
            uow.commit()

    def done(self, update_id: int, edits: list[list[Any]] | None = None) -> None:
        """The update was handled (its answer sent, or its failure answered), with the panels it edited."""
        with self.db.uow() as uow:
            uow.inbox.done(update_id, self.clock.now(), edits)
            uow.commit()

    def write(
        self,
        records: Sequence[tuple[int, dict[str, Any], int | None]],
        done: Sequence[tuple[int, list[list[Any]] | None]],
        *,
        inline: bool = False,
    ) -> list[bool]:
        """Updates handled (`done`: update id, panel edits) and updates received (`records`: update id, payload, chat
        key) in one transaction; for each record, whether it is new (False: recorded before, or twice here).
        `inline`: see `Database.dedicated` (then `flush` before acknowledging the records)."""
        now = self.clock.now()
        with self.db.dedicated(inline=inline) as connection:
            if done:
                InboxRepository.done_many(connection, done, now)
            return InboxRepository.record_many(connection, records, now) if records else []

    def flush(self) -> None:
        """Make what inline writes saved survive a power cut (waits for the disk)."""
        self.db.flush_log()

    def recent_edits(self) -> list[list[Any]]:
        """The panel edits made while handling the updates of the last two days, oldest first."""
        with self.db.reader() as uow:
            return uow.inbox.edits_since(self.clock.now() - RECENT_EDITS)

    def prune(self) -> int:
        """Forget updates handled more than a week ago."""
        with self.db.uow() as uow:
            removed = uow.inbox.prune(self.clock.now() - KEEP)
            uow.commit()
            return removed

    def counts(self) -> dict[str, int]:
        """How many updates are pending and done (operations)."""
        with self.db.reader() as uow:
            return uow.inbox.counts()


class InboxTurn:
    """A chat's turn (its lock held by this instance): take its pending updates in order and mark them done."""

    def __init__(self, turn: ChatTurn, clock: Clock) -> None:
        self._turn = turn
        self.clock = clock

    async def next(self, upto: int) -> Recorded | None:
        """The chat's oldest pending update with an id at most `upto`, one more attempt counted (None: none left)."""
        row = await self._turn.next_pending(upto)
        return None if row is None else Recorded(row.update_id, row.payload, row.attempts)

    async def done(self, update_id: int, edits: list[list[Any]] | None = None) -> None:
        """The update was handled; saved before the chat's lock is given back."""
        await self._turn.done(update_id, self.clock.now(), edits)

    async def edits_after(self, update_id: int) -> list[tuple[int, list[list[Any]]]]:
        """(update id, panel edits) of the chat's updates handled after `update_id` (by any instance)."""
        return await self._turn.edits_after(update_id)


class SharedInbox:
    """The inbox of several instances on one PostgreSQL database: chats' turns, taken on advisory locks."""

    def __init__(self, locks: ChatLocks, clock: Clock) -> None:
        self.locks = locks
        self.clock = clock

    @classmethod
    def of(cls, inbox: InboxService, chats_at_once: int = 8) -> SharedInbox | None:
        """The shared inbox over an inbox's database: None unless it is PostgreSQL (SQLite serves one process). Up to
        `chats_at_once` chats are handled at once, each holding a database connection for its lock."""
        address = conninfo(inbox.db.engine)
        return None if address is None else cls(ChatLocks(address, chats_at_once), inbox.clock)

    @asynccontextmanager
    async def turn(self, chat_key: int | None, *, wait: bool = True) -> AsyncIterator[InboxTurn | None]:
        """Hold a chat's lock for the block; None when `wait` is false and another instance holds it."""
        async with self.locks.hold(chat_key, wait=wait) as held:
            yield None if held is None else InboxTurn(held, self.clock)

    async def pending(self, limit: int = 1000) -> list[tuple[int | None, int]]:
        """(chat key, update id) of every pending update, oldest first."""
        return await self.locks.pending(limit)

    async def high_water(self) -> int:
        """The highest update id recorded so far."""
        return await self.locks.high_water()

    async def close(self) -> None:
        """Close the connections kept for chats' locks."""
        await self.locks.close()
