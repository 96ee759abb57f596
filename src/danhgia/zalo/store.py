"""The Zalo channel's ids, panels and inbox in the database: nothing of it lives only in memory, so a restart (or a
kill -9) loses nothing.

`DbChatIds`, `DbMessageIds` and `DbPanelStore` implement the protocols of `danhgia.zalo.ids` and
`danhgia.zalo.panels` (ids and panels cached in memory, written through); `ZaloInbox` records a Zalo event in the
inbox, deduped by Zalo's message id, in one transaction. Within a recording every call of these stores on the same
database joins the recording's transaction, so that SQLite's one writer is never waited for by itself.

Each takes the main `Database` or the inbox's and works in the inbox's (`zalo_database`): there the inbox's readers
find what is recorded, and an event's dedupe, update and panel share one transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel

from danhgia.storage.uow import Database
from danhgia.storage.zalo import ZaloRepository
from danhgia.workflow.clock import Clock
from danhgia.zalo.ids import ZALO_UPDATE_BASE, number_candidates
from danhgia.zalo.panels import ShownPanel

ZALO_TABLES = ("zalo_chat", "zalo_panel", "zalo_event")
INBOX_STEM = ".inbox"  # SQLite's companion inbox file is `<name>.inbox.db` (`Database.inbox()`)

Build = Callable[[int, ShownPanel | None, Callable[[], int]], dict[str, Any]]


def zalo_database(db: Database) -> Database:
    """Where the Zalo stores work: the inbox's database, so that an event is deduped and recorded in one
    transaction. Given the main database it is `db.inbox()`; given the inbox's (`services.inbox.db`), that one. On
    SQLite's companion inbox file the Zalo tables are made here if missing (migrations make them in the main
    database, which is also the inbox's on PostgreSQL)."""
    database = db.engine.url.database or ""
    companion = db.engine.dialect.name == "sqlite" and Path(database).stem.endswith(INBOX_STEM)
    target = db if companion else db.inbox()
    if target is not db or companion:
        _ensure_tables(target)
    return target


def _ensure_tables(db: Database) -> None:
    """Make the Zalo tables in a companion inbox file where missing (a store is made once per process)."""
    tables = [SQLModel.metadata.tables[name] for name in ZALO_TABLES]
    SQLModel.metadata.create_all(db.engine, tables=tables, checkfirst=True)


@dataclass
class _Recording:
    """A recording under way: its database, its transaction's repository, what to do once it is committed."""

    db: Database
    repo: ZaloRepository
    after_commit: list[Callable[[], None]] = field(default_factory=list)


_recording: ContextVar[_Recording | None] = ContextVar("danhgia_zalo_recording", default=None)


def _joined(db: Database) -> _Recording | None:
    """The recording under way on this database (the same URL: another `Database` of it too) in this context."""
    active = _recording.get()
    if active is None or (active.db is not db and active.db.engine.url != db.engine.url):
        return None
    return active


class DbChatIds:
    """`ChatIds` in the `zalo_chat` table, both directions cached (an assignment never changes). A number is derived
    from the id (SHA-256, in [2**51, 2**52)); a collision takes the next free number."""

    def __init__(self, db: Database) -> None:
        self._db = zalo_database(db)
        self._numbers: dict[str, int] = {}
        self._ids: dict[int, str] = {}
        self._lock = threading.Lock()

    def _remember(self, zalo_id: str, number: int) -> None:
        with self._lock:
            self._numbers[zalo_id] = number
            self._ids[number] = zalo_id

    def number(self, zalo_id: str) -> int:
        """The integer for a Zalo id (assigned and saved on first sight, the same ever after)."""
        if not zalo_id:
            raise ValueError("a Zalo id is never empty")
        with self._lock:
            found = self._numbers.get(zalo_id)
        if found is not None:
            return found
        active = _joined(self._db)
        if active is not None:
            number = active.repo.assign(zalo_id, number_candidates(zalo_id))
            active.after_commit.append(partial(self._remember, zalo_id, number))
            return number
        with self._db.reader() as reader:
            known = ZaloRepository(reader.session).number_of(zalo_id)
        if known is None:
            with self._db.uow() as uow:
                known = ZaloRepository(uow.session).assign(zalo_id, number_candidates(zalo_id))
                uow.commit()
        self._remember(zalo_id, known)
        return known

    def zalo_id(self, number: int) -> str | None:
        """The Zalo id of an integer, or None when none was assigned."""
        with self._lock:
            found = self._ids.get(number)
        if found is not None:
            return found
        active = _joined(self._db)
        if active is not None:
            found = active.repo.zalo_id_of(number)
            if found is not None:
                active.after_commit.append(partial(self._remember, found, number))
            return found
        with self._db.reader() as reader:
            found = ZaloRepository(reader.session).zalo_id_of(number)
        if found is not None:
            self._remember(found, number)
        return found


class DbMessageIds:
    """`MessageIds` in the `zalo_panel` table: each allocation is an atomic increment in the database (no cache, so
    that the recorder's allocations and this store's never overlap)."""

    def __init__(self, db: Database) -> None:
        self._db = zalo_database(db)

    def allocate(self, chat: int) -> int:
        """A new message id in this chat (increasing across restarts, never reused)."""
        active = _joined(self._db)
        if active is not None:
            return active.repo.next_message_id(chat)
        with self._db.uow() as uow:
            number = ZaloRepository(uow.session).next_message_id(chat)
            uow.commit()
        return number


class DbPanelStore:
    """`PanelStore` in the `zalo_panel` table, the latest panel of each chat cached (written through: the cache
    changes only once the database has the panel)."""

    def __init__(self, db: Database) -> None:
        self._db = zalo_database(db)
        self._panels: dict[int, ShownPanel] = {}
        self._lock = threading.Lock()

    def _remember(self, chat: int, panel: ShownPanel) -> None:
        with self._lock:
            self._panels[chat] = panel

    def get(self, chat: int) -> ShownPanel | None:
        """The panel the chat was shown last, or None."""
        with self._lock:
            cached = self._panels.get(chat)
        if cached is not None:
            return cached
        active = _joined(self._db)
        if active is not None:
            data = active.repo.panel(chat)
            return None if data is None else ShownPanel.from_dict(data)
        with self._db.reader() as reader:
            data = ZaloRepository(reader.session).panel(chat)
        if data is None:
            return None
        panel = ShownPanel.from_dict(data)
        self._remember(chat, panel)
        return panel

    def put(self, chat: int, panel: ShownPanel) -> None:
        """Record the panel the chat now shows last (saved before this returns)."""
        active = _joined(self._db)
        if active is not None:
            active.repo.put_panel(chat, panel.as_dict())
            active.after_commit.append(partial(self._remember, chat, panel))
            return
        with self._db.uow() as uow:
            ZaloRepository(uow.session).put_panel(chat, panel.as_dict())
            uow.commit()
        self._remember(chat, panel)


class ZaloInbox:
    """Records Zalo events in the inbox: each deduped by Zalo's message id, given the next Zalo update id (from
    `ZALO_UPDATE_BASE`), built into its Telegram-shaped update and recorded, all in one transaction."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = zalo_database(db)
        self.clock = clock

    def record(self, message_id: str, chat_zalo_id: str, build: Build) -> tuple[int, dict[str, Any]] | None:
        """Record an event: `build(update_id, the chat's latest panel, next_message_id)` makes its update (the
        stores of this database called inside join the transaction); (update id, payload), or None when the event
        was recorded before (nothing is written then)."""
        if not message_id:
            raise ValueError("a Zalo event without a message id cannot be deduplicated")
        now = self.clock.now()
        with self.db.uow() as uow:
            repo = ZaloRepository(uow.session)
            repo.lock_events()
            chat = repo.assign(chat_zalo_id, number_candidates(chat_zalo_id))
            update_id = repo.next_update_id(ZALO_UPDATE_BASE)
            if not repo.add_event(message_id, update_id, chat, now):
                return None  # recorded before: the unit of work ends without a commit
            data = repo.panel(chat)
            panel = None if data is None else ShownPanel.from_dict(data)
            recording = _Recording(self.db, repo)
            token = _recording.set(recording)
            try:
                payload = build(update_id, panel, partial(repo.next_message_id, chat))
            finally:
                _recording.reset(token)
            if not uow.inbox.record(update_id, payload, chat, now):
                raise RuntimeError(f"update {update_id} is in the inbox already: were Zalo events forgotten?")
            uow.commit()
        for remember in recording.after_commit:
            remember()
        return update_id, payload
