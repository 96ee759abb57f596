"""Several instances on one PostgreSQL database, any of them receiving any update: the updates of one chat are
handled one at a time, in update_id order, each exactly once — also when two instances receive consecutive
updates of one chat, when one instance finds its update already handled by another, and when an instance dies in
the middle of an update (another takes over: only the update in flight is handled twice)."""

from __future__ import annotations

import asyncio
import random

import pytest

from danhgia.bot.updates import MAX_ATTEMPTS
from danhgia.handlers.edits import PanelMemory
from danhgia.handlers.ui import MEMORY_KEY
from tests.multi.instances import Instance, Log, end_sessions_holding_chat, until, update

pytestmark = pytest.mark.postgres


@pytest.fixture
def log() -> Log:
    """What the instances handled."""
    return Log()


async def started(name: str, url: str, log: Log, seed: int = 0) -> Instance:
    instance = Instance(name, url, log, rng=random.Random(seed))
    await instance.start()
    return instance


async def test_consecutive_updates_of_a_chat_on_two_instances_are_handled_once_each_in_order(
    pg_url: str, log: Log
) -> None:
    a, b = await started("A", pg_url, log, 1), await started("B", pg_url, log, 2)
    rng = random.Random(19)
    chats = [101, 102, 103, 104, -500]  # four people and a group
    sent = []
    try:
        for update_id in range(1, 121):
            chat = rng.choice(chats)
            sent.append(update_id)
            await rng.choice((a, b)).receive(update(update_id, chat))
        await a.settle()
        await b.settle()
        assert sorted(log.ids()) == sent  # each exactly once
        for chat in chats:
            assert log.ids(chat) == sorted(log.ids(chat)), chat  # in update_id order
        assert log.overlaps == []  # never two of one chat at once
        assert {name for name, _, _ in log.handled} == {"A", "B"}
        assert a.inbox.counts().get("pending", 0) == 0
    finally:
        await a.close()
        await b.close()


async def test_an_instance_that_finds_its_update_handled_elsewhere_does_nothing(pg_url: str, log: Log) -> None:
    a, b = await started("A", pg_url, log), await started("B", pg_url, log)
    try:
        await a.receive(update(1, 42))
        await a.settle()
        await b.record(update(2, 42))  # B records the person's next update but is slow to handle it
        await a.receive(update(3, 42))  # meanwhile A receives the one after: it handles 2 (B's) first, then 3
        await a.settle()
        b.handle_queued()
        await b.settle()  # B's own handling of 2 never runs
        await a.receive(update(2, 42))  # Telegram delivers 2 again: recorded before, not queued again
        await a.settle()
        assert log.handled == [("A", 1, 42), ("A", 2, 42), ("A", 3, 42)]
    finally:
        await a.close()
        await b.close()


async def test_an_instance_dying_mid_update_is_taken_over_and_only_the_update_in_flight_repeats(
    pg_url: str, log: Log
) -> None:
    a, b = await started("A", pg_url, log), await started("B", pg_url, log)
    try:
        a.gates[2] = asyncio.Event()  # A never finishes update 2
        for update_id in (1, 2, 3):
            await a.receive(update(update_id, 7))
        await until(lambda: ("A", 2, 7) in log.handled, "A handling update 2")
        assert await b.processor.sweep() == 0  # 2 and 3 look pending, A holds the chat: nothing to take over
        assert end_sessions_holding_chat(pg_url, 7) == 1  # A dies: PostgreSQL ends its session, the lock is free
        await a.die()
        # Still pending at the next look, the chat free: taken over. PostgreSQL frees a terminated session's locks a
        # moment after `pg_terminate_backend` returns, so B looks again (as its own sweep would) until it can.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while ("B", 3, 7) not in log.handled and loop.time() < deadline:
            await b.processor.sweep()
            await asyncio.sleep(0.1)
        await until(lambda: ("B", 3, 7) in log.handled, "B taking over updates 2 and 3")
        assert log.handled == [("A", 1, 7), ("A", 2, 7), ("B", 2, 7), ("B", 3, 7)]
        assert b.inbox.counts().get("pending", 0) == 0
    finally:
        await a.close()
        await b.close()


async def test_an_update_that_kills_every_instance_handling_it_is_given_up(pg_url: str, log: Log) -> None:

    first = await started("I0", pg_url, log)
    first.gates[5] = asyncio.Event()
    await first.receive(update(5, 9))
    dying = first
    for n in range(1, MAX_ATTEMPTS + 1):
        await until(lambda d=dying: (d.name, 5, 9) in log.handled, f"{dying.name} handling update 5")
        end_sessions_holding_chat(pg_url, 9)
        await dying.die()
        await dying.close()
        dying = await started(f"I{n}", pg_url, log)
        dying.gates[5] = asyncio.Event()
        await dying.processor.sweep()  # the first look: update 5 is suspected
        dying.tasks.append(asyncio.create_task(dying.sweep()))  # the second: taken over (or, at last, given up)
    await dying.settle()
    try:
        # the update was tried MAX_ATTEMPTS times, each killing its instance: the last one gives it up
        assert [name for name, _, _ in log.handled] == [f"I{n}" for n in range(MAX_ATTEMPTS)]
        assert dying.inbox.counts().get("pending", 0) == 0
    finally:
        await dying.close()


async def test_panel_edits_made_by_one_instance_are_known_to_the_next_one_in_that_chat(pg_url: str, log: Log) -> None:
    a, b = await started("A", pg_url, log), await started("B", pg_url, log)
    memory = b.bot_data.setdefault(MEMORY_KEY, PanelMemory())
    a.edits[1] = [[42, 900, "view-before", "content-after"]]
    try:
        await a.receive(update(1, 42))
        await a.settle()
        assert not memory.already(42, 900, "view-before", "content-after")
        await b.receive(update(2, 42))  # B takes the chat's lock: it learns what A put in message 900
        await b.settle()
        assert memory.already(42, 900, "view-before", "content-after")
    finally:
        await a.close()
        await b.close()
