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

Several instances on one PostgreSQL database (`shared`: workflow.inbox.SharedInbox), each receiving any update: the
inbox is the queue. An instance records the update (the unique update_id makes exactly one instance queue it),
then takes the chat's lock — a PostgreSQL advisory lock on a connection of its own, freed if the process dies —
and handles, in update_id order, every pending update of that chat up to its own, whoever recorded them, each
marked done before the next; one that finds its update already done does nothing. Updates left pending by an
instance that died (their chat's lock freed with its connection) are taken over by the sweep of another instance
within seconds. Panel edits made by other instances in a chat are learnt (from the inbox) when its lock is taken.
With SQLite (one process) a chat's order is kept by an asyncio.Lock, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from telegram import Bot, Update
from telegram.error import NetworkError
from telegram.ext import BaseUpdateProcessor

from danhgia.handlers.edits import PanelMemory
from danhgia.handlers.ratelimit import TelegramRequest
from danhgia.handlers.trace import tracing
from danhgia.handlers.ui import MEMORY_KEY
from danhgia.storage.db import WouldBlock
from danhgia.workflow.inbox import InboxService, InboxTurn, SharedInbox

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ATTEMPTS = 3  # an update whose handling killed the process this many times is given up (and logged)
SWEEP_SECONDS = 3.0  # shared inbox: how often pending updates are looked at (those seen twice are taken over)
KNOWN_CHATS = 50_000  # shared inbox: chats whose latest learnt edit is remembered
DONE_DELAY = 0.0  # seconds an update handled waits to be marked done with the next update received (0: at once)


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


class InboxWriter:
    """Group commit of the inbox: the updates received (recorded) and handled (marked done) while one transaction is
    being written are all written by the next one, in one transaction and one disk flush. An update received is
    written at once (it is acknowledged only once saved); an update handled waits up to `done_delay` seconds for
    company — the next update received (the same person's next tap, usually) — while its chat waits for it, as
    before: a chat's next update is handled only once the previous one is saved as done. Each caller waits until
    its own write is saved; when the transaction fails, each of them fails (an update not recorded is not
    acknowledged, so Telegram delivers it again; one not marked done is handled again after a restart).

    An update received by polling waits only for its transaction (an SQLite file's is then in the operating
    system's hands: a `kill -9` loses nothing of it), not for the disk: the next getUpdates, which acknowledges the
    batch, first waits for one flush of all of it (`saved`) — one flush a batch instead of one an update."""

    def __init__(self, inbox: InboxService, done_delay: float = DONE_DELAY) -> None:
        self.inbox = inbox
        self.done_delay = done_delay
        self._records: list[tuple[int, dict[str, Any], int | None, bool, asyncio.Future[bool]]] = []
        self._done: list[tuple[int, list[list[Any]] | None, asyncio.Future[bool]]] = []
        self._writing: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._done_since = 0.0  # when the oldest update handled and not yet written was handled
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unflushed = False  # records committed inline whose flush to disk was left to `saved`

    async def record(self, update_id: int, payload: dict[str, Any], key: int | None, *, flush: bool = True) -> bool:
        """Record an update received (once saved; with `flush=False` once committed, its flush left to `saved`);
        False when it was recorded before."""
        future = self._future()
        self._records.append((update_id, payload, key, flush, future))
        self._start()
        return await future

    async def saved(self) -> None:
        """Wait until every update recorded so far is on disk (before it is acknowledged)."""
        if self._unflushed:
            await self._flush()

    async def _flush(self) -> None:
        """Flush the inbox file to disk; if that fails, every record since the last flush is still to flush."""
        self._unflushed = False
        try:
            await on_inbox(self.inbox, self.inbox.flush)
        except BaseException:
            self._unflushed = True
            raise

    async def done(self, update_id: int, edits: list[list[Any]] | None = None) -> None:
        """Mark an update handled, with the panels it edited (once saved)."""
        future = self._future()
        if not self._done:
            self._done_since = time.monotonic()
        self._done.append((update_id, edits, future))
        if self.done_delay <= 0:
            self._start()
        elif self._writing is None or self._writing.done():
            self._wait_for_company()
        await future

    def _wait_for_company(self) -> None:
        """Write the updates handled when they have waited `done_delay` (unless an update received comes first)."""
        if self._timer is None and self._done:
            assert self._loop is not None
            wait = self._done_since + self.done_delay - time.monotonic()
            self._timer = self._loop.call_later(max(wait, 0), self._start)

    def _future(self) -> asyncio.Future[bool]:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests): nothing of the old one is waited for any more
            self._loop, self._writing, self._timer, self._records, self._done = loop, None, None, [], []
        return loop.create_future()

    def _start(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._writing is None or self._writing.done():
            assert self._loop is not None
            self._writing = self._loop.create_task(self._write_all(), name="danhgia inbox writes")

    async def _write_all(self) -> None:
        while self._records or (self._done and time.monotonic() >= self._done_since + self.done_delay):
            records, self._records = self._records, []
            done, self._done = self._done, []
            try:
                flush = any(wait for *_, wait, _ in records)
                new = await self._write([(u, p, k) for u, p, k, *_ in records], [(u, e) for u, e, _ in done], flush)
            except Exception as error:  # nothing of it was saved: each caller fails as its own write would have
                _settle([future for *_, future in records] + [future for *_, future in done], error=error)
                continue
            for (*_, future), is_new in zip(records, new, strict=True):
                _settle([future], result=is_new)
            _settle([future for *_, future in done], result=True)
        self._wait_for_company()  # updates handled meanwhile, not due yet

    async def _write(
        self,
        records: list[tuple[int, dict[str, Any], int | None]],
        done: list[tuple[int, list[list[Any]] | None]],
        flush: bool,
    ) -> list[bool]:
        if not self.inbox.db.runs_inline:  # PostgreSQL: the network is waited for on the inbox's threads
            return await on_inbox(self.inbox, self.inbox.write, records, done)
        # An SQLite file: the few statements run here (a hop to a thread costs more than they do), the disk's
        # flush is waited for on a thread. Done marks need no flush of their own: on disk with the next records
        # (a power cut before that only means an update handled once more, as after a crash while handling it).
        try:
            new = self.inbox.write(records, done, inline=True)
        except WouldBlock:  # another connection is writing the inbox file: nothing was saved, wait on a thread
            return await on_inbox(self.inbox, self.inbox.write, records, done)
        if records and flush:  # an update is acknowledged only once its record is on disk
            await self._flush()
        elif records:
            self._unflushed = True  # flushed by `saved`, before the next getUpdates acknowledges them
        return new


def _settle(futures: list[asyncio.Future[bool]], *, result: bool = True, error: BaseException | None = None) -> None:
    for future in futures:
        if future.done():  # its caller gave up waiting (cancelled)
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)


_writers: weakref.WeakKeyDictionary[InboxService, InboxWriter] = weakref.WeakKeyDictionary()


def inbox_writer(inbox: InboxService) -> InboxWriter:
    """The one group-committing writer of this inbox (the update queue's records and the processor's done marks
    share it)."""
    writer = _writers.get(inbox)
    if writer is None:
        writer = _writers[inbox] = InboxWriter(inbox)
    return writer


class RecordingQueue(asyncio.Queue[object]):
    """The update queue: an update is recorded before it is queued (and so before it is acknowledged)."""

    def __init__(self, *, shared: bool = False) -> None:
        super().__init__()
        self.inbox: InboxService | None = None
        self.shared = shared  # several instances: attempts are counted under the chat's lock, not here
        self.polled = False  # updates come by getUpdates, whose next call (`PollRequest`) acknowledges them
        self._received: dict[int, dict[str, Any]] = {}  # update id → the JSON Telegram sent, of the latest batch

    async def put(self, item: object) -> None:
        """Record the update, then queue it; one recorded before is not queued again. A polled update is queued
        once committed: the next getUpdates waits for it to be on disk (`saved`) before acknowledging it."""
        if isinstance(item, Update) and self.inbox is not None:
            payload = self._received.pop(item.update_id, None) or item.to_dict()  # as sent, when it was seen
            writer = inbox_writer(self.inbox)
            new = await writer.record(item.update_id, payload, chat_key(item), flush=not self.polled)
            if not new:
                log.info("update %s was delivered again: already recorded, not handled twice", item.update_id)
                return
        await super().put(item)

    def received(self, updates: list[dict[str, Any]]) -> None:
        """The updates of a getUpdates answer as Telegram sent them (recorded as they are, not re-serialised)."""
        self._received = {raw["update_id"]: raw for raw in updates if isinstance(raw, dict) and "update_id" in raw}

    async def saved(self) -> None:
        """Wait until every update put so far is on disk (before the updates are acknowledged)."""
        if self.inbox is not None:
            await inbox_writer(self.inbox).saved()

    async def put_recorded(self, item: object) -> None:
        """Queue an update its receiver has recorded already (the Zalo channel records an event with its dedupe)."""
        await super().put(item)

    async def replay(self, bot: Bot) -> int:
        """Queue the updates recorded but not handled before the last stop (oldest first); returns how many."""
        if self.inbox is None:
            return 0
        queued = 0
        for recorded in await on_inbox(self.inbox, self.inbox.pending):
            if self.shared:  # other instances may be handling some: the chat's lock sorts it out
                await super().put(Update.de_json(recorded.payload, bot))
                queued += 1
                continue
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


class PollRequest(TelegramRequest):
    """The request getUpdates goes through: each call acknowledges every update before its offset, so it first waits
    until the updates put into `queue` are on disk; until they are, it fails as a network error (retried)."""

    def __init__(self, queue: RecordingQueue, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.queue = queue

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Make the updates received so far durable, then ask for the next ones."""
        self.queue.polled = True
        try:
            await self.queue.saved()
        except Exception as error:
            raise NetworkError(f"the updates received could not be saved: {error}") from error
        return await super().do_request(*args, **kwargs)

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        """Parse the answer, handing the updates as sent to the queue (python-telegram-bot never alters them)."""
        data = super().parse_json_payload(payload)
        result = data.get("result")
        if isinstance(result, list):
            self.queue.received(result)
        return data


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats (up to `max_concurrent_updates`), sequential within a chat — within this process,
    or, given a `shared` inbox, across every instance on the database (then `attach` the Application)."""

    __slots__ = (
        "_app",
        "_horizon",
        "_locks",
        "_seen",
        "_suspects",
        "_sweeper",
        "_users",
        "inbox",
        "shared",
        "sweep_seconds",
    )

    def __init__(
        self,
        max_concurrent_updates: int = 32,
        shared: SharedInbox | None = None,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int | None, asyncio.Lock] = {}
        self._users: dict[int | None, int] = {}
        self.inbox: InboxService | None = None
        self.shared = shared
        self.sweep_seconds = sweep_seconds
        self._app: Any = None
        self._seen: dict[int | None, int] = {}  # chat → the latest update whose panel edits this process knows
        self._horizon = 0  # every edit recorded before this process started was loaded at start-up
        self._suspects: set[int] = set()  # updates pending at the last sweep
        self._sweeper: asyncio.Task[None] | None = None

    def attach(self, app: Any) -> None:
        """The Application that handles the updates other instances recorded (shared inbox only)."""
        self._app = app

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's earlier updates, handle this one, then mark it done in the inbox."""
        key = chat_key(update)
        if self.shared is not None and isinstance(update, Update):
            await self._take_turn(key, update.update_id, coroutine, wait=True)
            return
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
                await inbox_writer(self.inbox).done(update.update_id, edits)
            except Exception:  # the answer went out; a failure here only means it may be handled once more
                log.exception("could not mark update %s as handled", update.update_id)

    # -- several instances: the shared inbox -------------------------------------------------------------

    async def _take_turn(self, key: int | None, upto: int, own: Awaitable[Any] | None, *, wait: bool) -> int:
        """Under the chat's lock (this process's, then the database's), handle the chat's pending updates up to
        `upto` in order; `own` is update `upto`'s own handling (closed unawaited if another instance did it).
        Returns how many updates were handled (or given up)."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        handled_own, count = False, 0
        try:
            if wait or not lock.locked():  # the sweep never waits for a chat this process is busy with
                async with lock:
                    handled_own, count = await self._drain(key, upto, own, wait=wait)
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                self._locks.pop(key, None)
            if own is not None and not handled_own and inspect.iscoroutine(own):
                own.close()  # handled by another instance (or left to the sweep): never run here
        return count

    async def _drain(self, key: int | None, upto: int, own: Awaitable[Any] | None, *, wait: bool) -> tuple[bool, int]:
        assert self.shared is not None
        handled_own, count = False, 0
        try:
            async with self.shared.turn(key, wait=wait) as turn:
                if turn is None:
                    return False, 0
                await self._learn_edits(turn, key)
                while (recorded := await turn.next(upto)) is not None:
                    count += 1
                    if recorded.attempts > MAX_ATTEMPTS:
                        log.error(
                            "update %s was tried %d times without an answer: given up", recorded.update_id, MAX_ATTEMPTS
                        )
                        await turn.done(recorded.update_id)
                        continue
                    if own is not None and recorded.update_id == upto:
                        work, handled_own = own, True
                    else:
                        work = self._handle_recorded(recorded.payload)
                    with tracing() as trace:
                        await work
                    await self._shared_done(turn, key, recorded.update_id, trace.edits)
        except psycopg.errors.LockNotAvailable:
            log.warning("chat %s stayed locked by another instance too long: its updates are left to the sweep", key)
        except psycopg.Error:  # the lock's connection failed: what was not marked done is handled again (sweep)
            log.exception("lost the database connection holding chat %s's lock", key)
        return handled_own, count

    def _handle_recorded(self, payload: dict[str, Any]) -> Awaitable[Any]:
        if self._app is None:
            raise RuntimeError("PerChatUpdateProcessor.attach(app) is needed with a shared inbox")
        return self._app.process_update(Update.de_json(payload, self._app.bot))  # type: ignore[no-any-return]

    async def _shared_done(self, turn: InboxTurn, key: int | None, update_id: int, edits: list[list[Any]]) -> None:
        try:
            await turn.done(update_id, edits)
        except psycopg.Error:  # mark it done another way before giving the (maybe lost) lock up
            if self.inbox is not None:
                with contextlib.suppress(Exception):
                    await on_inbox(self.inbox, self.inbox.done, update_id, edits)
            raise
        if len(self._seen) > KNOWN_CHATS:
            self._seen.clear()
        self._seen[key] = max(update_id, self._seen.get(key, self._horizon))

    async def _learn_edits(self, turn: InboxTurn, key: int | None) -> None:
        """Remember the panel edits other instances made in this chat since this process last looked."""
        memory = self._app.bot_data.get(MEMORY_KEY) if self._app is not None else None
        if not isinstance(memory, PanelMemory):
            return
        seen = self._seen.get(key, self._horizon)
        for update_id, edits in await turn.edits_after(seen):
            for chat_id, message_id, view, content in edits:
                memory.remember(int(chat_id), int(message_id), str(view), str(content))
            seen = update_id
        self._seen[key] = seen

    async def sweep(self) -> int:
        """Take over the updates left pending by an instance that died: those pending at two sweeps in a row, in
        chats nobody holds; returns how many updates were handled (or given up)."""
        if self.shared is None:
            return 0
        pending = await self.shared.pending()
        suspects, self._suspects = self._suspects, {update_id for _, update_id in pending}
        latest: dict[int | None, int] = {}
        for key, update_id in pending:
            if update_id in suspects:
                latest[key] = max(update_id, latest.get(key, 0))
        taken = 0
        for key, upto in latest.items():
            taken += await self._take_turn(key, upto, None, wait=False)
        if taken:
            log.info("took over %d update(s) left pending (an instance died, or was slow)", taken)
        return taken

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds)
            try:
                await self.sweep()
            except Exception:
                log.exception("sweep of the pending updates failed")

    async def initialize(self) -> None:
        """Shared inbox: note where the edits loaded at start-up end, and start the sweep."""
        if self.shared is None:
            return
        self._horizon = await self.shared.high_water()
        if self.sweep_seconds > 0 and self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="danhgia inbox sweep")

    async def shutdown(self) -> None:
        """Shared inbox: stop the sweep and close the chats' lock connections."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        if self.shared is not None:
            await self.shared.close()
