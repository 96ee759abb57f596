"""One scheduler at a time: of several instances on one PostgreSQL database, the one holding the leader's lock runs
the timed jobs (the reminder tick, the outbox delivery).

The lock is a session-level advisory lock held on a connection of the leader's own: when the leader's process
dies its connection closes and PostgreSQL frees the lock at once (a dead machine or a cut network: within about
ten seconds, by the keepalives); the other instances try to take it every `retry_seconds`, so one of them leads
again within a few seconds. A leader that finds its connection broken or its lock gone stops leading at once.

Leading is an optimisation, not what keeps the jobs safe: for the moment two instances might both believe they
lead (the old one has not yet seen its connection die), the database still lets each reminder be queued once and
each message be claimed by one sender. An instance that queued messages while another leads wakes the leader
(NOTIFY on the leader's channel) rather than delivering them itself. On SQLite (one process) it always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import psycopg

from danhgia.storage import cluster
from danhgia.storage.uow import Database

log = logging.getLogger(__name__)
RETRY_SECONDS = 2.0


class Leadership:
    """Whether this instance runs the timed jobs; with a PostgreSQL address, an election on the leader's lock."""

    def __init__(self, address: str | None, *, retry_seconds: float = RETRY_SECONDS) -> None:
        self.address = address
        self.retry_seconds = retry_seconds
        self.on_change: Callable[[bool], None] | None = None  # called when this instance starts or stops leading
        self.on_wake: Callable[[], None] | None = None  # called on the leader when another instance queued messages
        self._leading = address is None
        self._conn: cluster.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    @classmethod
    def of(cls, db: Database, *, retry_seconds: float = RETRY_SECONDS) -> Leadership:
        """An election among the instances on this database (PostgreSQL); SQLite: always the leader."""
        return cls(cluster.conninfo(db.engine), retry_seconds=retry_seconds)

    @property
    def is_leader(self) -> bool:
        """Whether this instance runs the timed jobs now."""
        return self._leading

    @property
    def elected(self) -> bool:
        """Whether leading is decided by an election (several instances may run)."""
        return self.address is not None

    async def start(self) -> None:
        """Take part in the election: one attempt at once (a lone instance leads from its first moment), then in
        the background."""
        if self.address is None or self._task is not None:
            return
        with contextlib.suppress(psycopg.Error, OSError):
            await self._attempt()
        self._task = asyncio.create_task(self._run(), name="danhgia leader election")

    async def stop(self) -> None:
        """Leave the election; the lock is freed at once for the next leader."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._drop()

    def wake_leader(self) -> None:
        """Messages were queued here: ask the leader to deliver now (on the leader itself, `on_wake`)."""
        if self._leading:
            if self.on_wake is not None:
                self.on_wake()
        else:
            self._wake.set()

    async def _connection(self) -> cluster.Connection:
        if self._conn is None or self._conn.closed:
            assert self.address is not None
            self._conn = await cluster.connect(self.address, "scheduler")
        return self._conn

    async def _attempt(self) -> bool:
        conn = await self._connection()
        if await cluster.try_leader_lock(conn):
            await cluster.listen(conn)
            self._set(True)
        return self._leading

    def _set(self, leading: bool) -> None:
        if leading == self._leading:
            return
        self._leading = leading
        log.info("this instance %s the scheduler's leader", "is now" if leading else "is no longer")
        if self.on_change is not None:
            self.on_change(leading)

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self._set(False)
        if conn is not None:
            await cluster.close_quietly(conn)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_try = loop.time() + self.retry_seconds
        while True:
            try:
                if self._leading:
                    await self._lead()
                    next_try = loop.time() + self.retry_seconds
                elif loop.time() >= next_try:
                    await self._attempt()
                    next_try = loop.time() + self.retry_seconds
                else:
                    await self._follow(next_try - loop.time())
            except (psycopg.Error, OSError, TimeoutError) as error:
                log.warning("scheduler election: the database connection failed (%s); trying again", error)
                await self._drop()
                await asyncio.sleep(self.retry_seconds)
                next_try = loop.time()

    async def _lead(self) -> None:
        """Wait for wake-ups for one period, then make sure the lock is still ours."""
        conn = await self._connection()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.retry_seconds
        while (left := deadline - loop.time()) > 0:
            if await cluster.notifications(conn, left) and self.on_wake is not None:
                self.on_wake()
        if not await asyncio.wait_for(cluster.holds_leader_lock(conn), timeout=2 * self.retry_seconds + 5):
            log.warning("the scheduler's lock is gone (its session was ended)")
            await self._drop()

    async def _follow(self, timeout: float) -> None:
        """Until the next attempt: pass on wake-ups to the leader."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        if self._wake.is_set():
            self._wake.clear()
            await cluster.notify(await self._connection())
