"""What keeping a chat's updates in order across instances costs per update on PostgreSQL.

Each update goes through the real RecordingQueue and PerChatUpdateProcessor with a handler that does nothing, so
only the inbox and the lock are measured:
  * one process — the path without the shared inbox (record; asyncio.Lock; mark done), as on PostgreSQL today;
  * shared, one instance — record; the chat's advisory lock on a connection of its own; learn the chat's panel
    edits; take the update (an attempt counted); mark it done; give the lock back;
  * shared, two instances, one chat — consecutive updates of one chat received alternately by two instances, the
    worst case: every update waits for the other instance's lock.
Sequential: one update at a time (the latency each update pays). Concurrent: updates of 200 chats queued at once
(the throughput, 32 handled at a time as in the bot). Reported: wall ms and this process's CPU ms per update (the
server's CPU is not counted), median of the rounds, and the difference the lock makes.

Run by hand: `.venv/bin/python bench/bench_chat_lock.py [--url postgresql://postgres@127.0.0.1:5432/test]
[--updates 1000] [--rounds 3]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from telegram import Bot, Chat, Message, Update, User

from danhgia.bot.updates import PerChatUpdateProcessor, RecordingQueue
from danhgia.storage.db import make_engine, migrate, normalise_url
from danhgia.storage.uow import Database
from danhgia.workflow.clock import SystemClock
from danhgia.workflow.inbox import InboxService, SharedInbox

BOT = Bot("123456789:BENCH-TOKEN")
WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
CHATS = 200


def make_update(update_id: int, chat_id: int) -> Update:
    """A private message."""
    message = Message(update_id, WHEN, Chat(chat_id, Chat.PRIVATE), from_user=User(chat_id, "A", False), text="/help")
    return Update(update_id, message=message)


class Instance:
    """An instance's update path: its queue and processor over one database (shared inbox or not)."""

    def __init__(self, url: str, shared: bool) -> None:
        self.db = Database(make_engine(url))
        self.inbox = InboxService(self.db.inbox(), SystemClock())
        self.queue = RecordingQueue(shared=shared)
        self.queue.inbox = self.inbox
        self.processor = PerChatUpdateProcessor(shared=SharedInbox.of(self.inbox) if shared else None, sweep_seconds=0)
        self.processor.inbox = self.inbox
        self.processor.attach(self)
        self.bot = BOT
        self.bot_data: dict[str, Any] = {}

    async def process_update(self, update: object) -> None:
        """The handlers: nothing."""

    async def receive(self, update: Update) -> asyncio.Task[None] | None:
        """Record the update and start handling it (as PTB's fetcher does); None if it was a redelivery."""
        await self.queue.put(update)
        if self.queue.empty():
            return None
        item = self.queue.get_nowait()
        return asyncio.create_task(self.processor.process_update(item, self.process_update(item)))

    async def close(self) -> None:
        """Free the connections."""
        await self.processor.shutdown()
        self.db.dispose()


async def sequential(instances: list[Instance], first_id: int, n: int, one_chat: bool) -> None:
    for k in range(n):
        task = await instances[k % len(instances)].receive(make_update(first_id + k, 7 if one_chat else 10 + k % CHATS))
        if task is not None:
            await task


async def concurrent(instances: list[Instance], first_id: int, n: int, one_chat: bool) -> None:
    tasks = []
    for k in range(n):
        task = await instances[k % len(instances)].receive(make_update(first_id + k, 7 if one_chat else 10 + k % CHATS))
        if task is not None:
            tasks.append(task)
    await asyncio.gather(*tasks)


Run = Callable[[list[Instance], int, int, bool], Awaitable[None]]


async def after_recording(url: str, n: int, rounds: int) -> tuple[float, float, float, float]:
    """Only what follows the recording, one update at a time (median wall and CPU ms per update): marking done on
    the inbox's threads (one process), and the shared inbox's turn (lock, learn edits, take, mark done, unlock)."""
    instance = Instance(url, True)
    shared = instance.processor.shared
    assert shared is not None
    first = int(time.time() * 1000) % 1_000_000_000 * 10 + 5_000_000
    plain_wall, plain_cpu, turn_wall, turn_cpu = [], [], [], []
    loop = asyncio.get_running_loop()
    try:
        for _ in range(rounds):
            ids = range(first, first + 2 * n)
            first += 2 * n
            for update_id in ids:
                instance.inbox.record(update_id, {}, 10 + update_id % CHATS)
            wall, cpu = time.perf_counter(), time.process_time()
            for update_id in ids[:n]:
                await loop.run_in_executor(instance.inbox.db.executor, instance.inbox.done, update_id, [])
            plain_wall.append((time.perf_counter() - wall) * 1000 / n)
            plain_cpu.append((time.process_time() - cpu) * 1000 / n)
            wall, cpu = time.perf_counter(), time.process_time()
            for update_id in ids[n:]:
                async with shared.turn(10 + update_id % CHATS) as turn:
                    assert turn is not None
                    await turn.edits_after(update_id - 1)
                    recorded = await turn.next(update_id)
                    assert recorded is not None and recorded.update_id == update_id
                    await turn.done(update_id, [])
                    assert await turn.next(update_id) is None
            turn_wall.append((time.perf_counter() - wall) * 1000 / n)
            turn_cpu.append((time.process_time() - cpu) * 1000 / n)
    finally:
        await instance.close()
    median = statistics.median
    return median(plain_wall), median(plain_cpu), median(turn_wall), median(turn_cpu)


async def measure(
    url: str, shared: bool, count: int, run: Run, n: int, rounds: int, one_chat: bool
) -> tuple[float, float]:
    """Median wall and CPU milliseconds per update over the rounds."""
    walls, cpus = [], []
    instances = [Instance(url, shared) for _ in range(count)]
    for instance in instances:
        await instance.processor.initialize()
    next_id = int(time.time() * 1000) % 1_000_000_000 * 10
    try:
        await run(instances, next_id, 50, one_chat)  # warm the connections
        next_id += 50
        for _ in range(rounds):
            wall, cpu = time.perf_counter(), time.process_time()
            await run(instances, next_id, n, one_chat)
            walls.append((time.perf_counter() - wall) * 1000 / n)
            cpus.append((time.process_time() - cpu) * 1000 / n)
            next_id += n
        pending = instances[0].inbox.counts().get("pending", 0)
        assert pending == 0, f"{pending} update(s) left pending"
    finally:
        for instance in instances:
            await instance.close()
    return statistics.median(walls), statistics.median(cpus)


async def main(url: str, n: int, rounds: int) -> None:
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    name = f"danhgia_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database = make_url(normalise_url(url)).set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(database)
        migrate(engine)
        engine.dispose()
        print(f"PostgreSQL at {make_url(url).host}; {n} updates per round, median of {rounds} rounds; no-op handler")
        print(f"{'path':<38} {'sequential ms/update':>22} {'concurrent ms/update':>22}")
        rows: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {}
        for label, shared, count, one_chat in (
            ("one process (asyncio.Lock)", False, 1, False),
            ("shared inbox, one instance", True, 1, False),
            ("shared inbox, two instances, one chat", True, 2, True),
        ):
            seq = await measure(database, shared, count, sequential, n, rounds, one_chat)
            con = await measure(database, shared, count, concurrent, n, rounds, one_chat)
            rows[label] = (seq, con)
            print(f"{label:<38} {seq[0]:>8.3f} wall {seq[1]:>6.3f} cpu {con[0]:>8.3f} wall {con[1]:>6.3f} cpu".rstrip())
        (base_seq, base_con), (lock_seq, lock_con) = (
            rows["one process (asyncio.Lock)"],
            rows["shared inbox, one instance"],
        )
        one_at_a_time = f"{lock_seq[0] - base_seq[0]:+.3f} ms wall, {lock_seq[1] - base_seq[1]:+.3f} ms CPU"
        under_load = f"{lock_con[0] - base_con[0]:+.3f} ms wall, {lock_con[1] - base_con[1]:+.3f} ms CPU"
        print(f"the chat's lock costs per update: {one_at_a_time} one at a time; {under_load} under load")
        plain_wall, plain_cpu, turn_wall, turn_cpu = await after_recording(database, n, rounds)
        print(
            f"after recording, one at a time: mark done {plain_wall:.3f} ms wall {plain_cpu:.3f} ms CPU; "
            f"a shared turn (lock, edits, take, done, none left, unlock) {turn_wall:.3f} ms wall {turn_cpu:.3f} ms CPU"
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.url, arguments.updates, arguments.rounds))
