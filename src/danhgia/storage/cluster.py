"""PostgreSQL's tools for several instances of the bot on one database (the only SQL of the cluster).

Each lock is a PostgreSQL advisory lock held on a connection of its own (autocommit): it is released when the
lock is given back or when the connection closes — when the process holding it dies. Keepalives on both ends
make the server notice a dead machine or a cut network within about ten seconds, not hours. Chats are locked by
their id (the one-bigint key space); the scheduler's leader by a key of the two-int key space, which never meets
the first (PostgreSQL keeps them apart).

The inbox statements that run under a chat's lock are here too: take the chat's next pending update (counting an
attempt), mark it done, read the panel edits other instances made in that chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Json
from sqlalchemy import Engine

log = logging.getLogger(__name__)
LEADER_LOCK = (0x64676961, 1)  # ('dgia', 1) in the two-int key space: the scheduler's leader
WAKE_CHANNEL = "danhgia_outbox"  # NOTIFY'd by an instance that queued messages, LISTENed to by the leader
KEEPALIVE = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2", "tcp_keepalives_count": "3"}
LOCK_WAIT = "60s"  # a chat's lock not obtained within this (its holder hangs): the update is left to the sweep
Connection = psycopg.AsyncConnection[Any]


def conninfo(engine: Engine) -> str | None:
    """The libpq address of a PostgreSQL engine's database; None for any other database (SQLite)."""
    if engine.dialect.name != "postgresql":
        return None
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def connect(address: str, purpose: str, *, lock_wait: str | None = None) -> Connection:
    """A connection of its own (autocommit) whose death the server notices within seconds."""
    conn = await psycopg.AsyncConnection.connect(
        address,
        autocommit=True,
        application_name=f"danhgia {purpose}"[:63],
        keepalives=1,
        keepalives_idle=5,
        keepalives_interval=2,
        keepalives_count=3,
        connect_timeout=10,
    )
    settings = dict(KEEPALIVE, **({"lock_timeout": lock_wait} if lock_wait else {}))
    names = ", ".join(f"set_config('{name}', %s, false)" for name in settings)
    await conn.execute(f"SELECT {names}", list(settings.values()))
    return conn


async def close_quietly(conn: Connection) -> None:
    """Close a connection (and so free its locks), whatever state it is in."""
    with contextlib.suppress(Exception):
        await conn.close()


async def _one(conn: Connection, query: str, params: tuple[Any, ...] = ()) -> Any:
    cursor = await conn.execute(query, params)
    row = await cursor.fetchone()
    return None if row is None else row[0]


# -- the scheduler's leader -----------------------------------------------------------------------------


async def try_leader_lock(conn: Connection) -> bool:
    """Take the leader's lock on this connection if nobody holds it (never waits)."""
    return bool(await _one(conn, "SELECT pg_try_advisory_lock(%s, %s)", LEADER_LOCK))


async def holds_leader_lock(conn: Connection) -> bool:
    """Whether this connection's session still holds the leader's lock."""
    query = (
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        " AND classid = %s AND objid = %s AND objsubid = 2 AND granted)"
    )
    return bool(await _one(conn, query, (LEADER_LOCK[0] & 0xFFFFFFFF, LEADER_LOCK[1])))


async def listen(conn: Connection, channel: str = WAKE_CHANNEL) -> None:
    """Receive this channel's notifications on this connection."""
    await conn.execute(f'LISTEN "{channel}"')


async def notify(conn: Connection, channel: str = WAKE_CHANNEL) -> None:
    """Notify whoever listens on this channel."""
    await conn.execute("SELECT pg_notify(%s, '')", (channel,))


async def notifications(conn: Connection, timeout: float) -> int:
    """Wait up to `timeout` seconds for a notification on the channels listened to; returns how many came."""
    received = 0
    async for _ in conn.notifies(timeout=max(0.0, timeout), stop_after=1):
        received += 1
    return received


# -- a chat's lock and the inbox statements run under it ------------------------------------------------


@dataclass(frozen=True)
class PendingRow:
    """A recorded update taken for handling under its chat's lock (its attempts already counted)."""

    update_id: int
    payload: dict[str, Any]
    attempts: int


_NEXT = (
    "UPDATE inbound_update SET attempts = attempts + 1 WHERE update_id = ("
    " SELECT update_id FROM inbound_update WHERE {chat} AND state = 'pending' AND update_id <= %s"
    " ORDER BY update_id LIMIT 1) AND state = 'pending' RETURNING update_id, payload, attempts"
)
_EDITS = (
    "SELECT update_id, edits FROM inbound_update WHERE {chat} AND update_id > %s AND state = 'done'"
    " AND edits IS NOT NULL ORDER BY update_id"
)
_ORPHANS = "SELECT chat_key, update_id FROM inbound_update WHERE state = 'pending' ORDER BY update_id LIMIT %s"


async def _lock(conn: Connection, key: int, wait: bool) -> bool:
    if wait:
        await conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        return True
    return bool(await _one(conn, "SELECT pg_try_advisory_lock(%s)", (key,)))


def _chat(chat_key: int | None) -> tuple[str, tuple[Any, ...]]:
    return ("chat_key IS NULL", ()) if chat_key is None else ("chat_key = %s", (chat_key,))


class ChatTurn:
    """A chat's lock, held: its pending updates are taken one at a time, each marked done before the next."""

    def __init__(self, conn: Connection, chat_key: int | None) -> None:
        self.conn = conn
        self.chat_key = chat_key

    async def next_pending(self, upto: int) -> PendingRow | None:
        """The chat's oldest pending update whose id is at most `upto`, one more attempt counted; None if none."""
        where, params = _chat(self.chat_key)
        cursor = await self.conn.execute(_NEXT.format(chat=where), (*params, upto))
        row = await cursor.fetchone()
        return None if row is None else PendingRow(int(row[0]), dict(row[1] or {}), int(row[2]))

    async def done(self, update_id: int, now: datetime, edits: list[list[Any]] | None) -> None:
        """The update was handled (committed before the lock is given back)."""
        await self.conn.execute(
            "UPDATE inbound_update SET state = 'done', handled_at = %s, edits = %s WHERE update_id = %s",
            (now, Json(edits) if edits else None, update_id),
        )

    async def edits_after(self, update_id: int) -> list[tuple[int, list[list[Any]]]]:
        """The panel edits made while handling the chat's updates after `update_id`, oldest first."""
        where, params = _chat(self.chat_key)
        cursor = await self.conn.execute(_EDITS.format(chat=where), (*params, update_id))
        return [(int(uid), list(edits)) for uid, edits in await cursor.fetchall()]


class ChatLocks:
    """A pool of connections on which chats' locks are held while their updates are handled.

    At most `size` chats are handled at once by this process (each holds one connection, opened when first
    needed). A connection whose lock could not be given back cleanly is closed, which frees the lock.
    """

    def __init__(self, address: str, size: int = 8) -> None:
        self.address = address
        self.size = size
        self._idle: list[Connection] = []
        self._slots = asyncio.Semaphore(size)
        self._closed = False

    async def _take(self) -> Connection:
        await self._slots.acquire()
        try:
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed:
                    return conn
            return await connect(self.address, "chat lock", lock_wait=LOCK_WAIT)
        except BaseException:
            self._slots.release()
            raise

    async def _give(self, conn: Connection, reusable: bool) -> None:
        try:
            if reusable and not self._closed and not conn.closed:
                self._idle.append(conn)
            else:
                await close_quietly(conn)
        finally:
            self._slots.release()

    @asynccontextmanager
    async def hold(self, chat_key: int | None, *, wait: bool = True) -> AsyncIterator[ChatTurn | None]:
        """Hold a chat's lock for the block (None when `wait` is false and another session holds it).

        Waiting longer than LOCK_WAIT raises psycopg's LockNotAvailable.
        """
        key = 0 if chat_key is None else chat_key  # Telegram's chat ids are never 0
        conn = await self._take()
        reusable = False
        try:
            try:
                got = await _lock(conn, key, wait)
            except psycopg.OperationalError:
                if not conn.broken:  # the lock's wait ran out (LockNotAvailable): not the connection's fault
                    raise
                await close_quietly(conn)  # an idle connection that died meanwhile: once more on a new one
                conn = await connect(self.address, "chat lock", lock_wait=LOCK_WAIT)
                got = await _lock(conn, key, wait)
            if not got:
                reusable = True
                yield None
            else:
                yield ChatTurn(conn, chat_key)  # an exception here leaves the connection to be closed (lock freed)
                reusable = bool(await _one(conn, "SELECT pg_advisory_unlock(%s)", (key,)))
        finally:
            await self._give(conn, reusable)

    async def pending(self, limit: int = 1000) -> list[tuple[int | None, int]]:
        """(chat key, update id) of the pending updates, oldest first (for the sweep after a death)."""
        conn = await self._take()
        reusable = False
        try:
            cursor = await conn.execute(_ORPHANS, (limit,))
            rows = [(None if chat is None else int(chat), int(uid)) for chat, uid in await cursor.fetchall()]
            reusable = True
            return rows
        finally:
            await self._give(conn, reusable)

    async def high_water(self) -> int:
        """The highest update id recorded so far (0 if none)."""
        conn = await self._take()
        reusable = False
        try:
            found = await _one(conn, "SELECT coalesce(max(update_id), 0) FROM inbound_update")
            reusable = True
            return int(found)
        finally:
            await self._give(conn, reusable)

    async def close(self) -> None:
        """Close every idle connection; those in use close when given back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await close_quietly(conn)
