"""One scheduler at a time: of the instances on one PostgreSQL database exactly one leads (runs the reminder tick and
the outbox delivery); when it dies — its session ended by the server, or its process killed with SIGKILL — another
leads within a few seconds; a leader that stops hands over at once; an instance that queued messages wakes the
leader. On SQLite the one process always leads."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import create_engine, text

from danhgia.scheduler.leader import Leadership
from danhgia.storage import cluster
from danhgia.storage.db import make_engine
from danhgia.storage.uow import Database
from tests.multi.instances import until

pytestmark = pytest.mark.postgres
RETRY = 0.2  # seconds between a follower's attempts (2 s in production)


def end_leader_session(url: str) -> int:
    """End the session holding the leader's lock (as the server does when the leader's process or machine dies)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    query = text(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted"
        " AND classid = :classid AND objid = :objid"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with engine.connect() as conn:
        ended = len(conn.execute(query, {"classid": cluster.LEADER_LOCK[0], "objid": cluster.LEADER_LOCK[1]}).all())
    engine.dispose()
    return ended


@pytest.fixture
async def candidates(pg_url: str) -> AsyncIterator[list[Leadership]]:
    """Two instances taking part in the election (each on its own connection); stopped afterwards."""
    db = Database(make_engine(pg_url))
    made = [Leadership.of(db, retry_seconds=RETRY) for _ in range(2)]
    yield made
    for leadership in made:
        await leadership.stop()
    db.dispose()


def leaders(candidates: list[Leadership]) -> list[int]:
    return [n for n, c in enumerate(candidates) if c.is_leader]


async def test_exactly_one_leads_and_another_takes_over_when_the_leader_dies(
    pg_url: str, candidates: list[Leadership]
) -> None:
    first, second = candidates
    changes: list[tuple[int, bool]] = []
    first.on_change = lambda leading: changes.append((0, leading))
    second.on_change = lambda leading: changes.append((1, leading))
    await first.start()
    await second.start()
    assert leaders(candidates) == [0]  # the first to try leads at once; the second follows
    assert first.elected and second.elected

    assert end_leader_session(pg_url) == 1  # the leader dies: PostgreSQL ends its session and frees the lock
    await until(lambda: leaders(candidates) == [1], "the second instance leading")
    assert changes[0] == (0, True)
    assert changes[1:3] in ([(0, False), (1, True)], [(1, True), (0, False)])

    await asyncio.sleep(6 * RETRY)  # the first one reconnects and tries again, several times: it stays a follower
    assert leaders(candidates) == [1]

    await second.stop()  # a leader that stops hands over at once
    await until(lambda: leaders(candidates) == [0], "the first instance leading again")


async def test_an_instance_that_queued_messages_wakes_the_leader(candidates: list[Leadership]) -> None:
    leader, follower = candidates
    woken = asyncio.Event()
    leader.on_wake = woken.set
    await leader.start()
    await follower.start()
    assert leader.is_leader and not follower.is_leader
    follower.wake_leader()  # a handler on the follower queued a message: NOTIFY the leader
    await asyncio.wait_for(woken.wait(), 30)


def test_on_sqlite_the_one_process_always_leads() -> None:
    leadership = Leadership.of(Database(make_engine("sqlite://")))
    assert leadership.is_leader and not leadership.elected


CHILD = """
import asyncio, sys
from danhgia.scheduler.leader import Leadership

async def main() -> None:
    leadership = Leadership(sys.argv[1], retry_seconds=0.2)
    await leadership.start()
    while not leadership.is_leader:
        await asyncio.sleep(0.05)
    print("leading", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


async def test_a_leader_killed_with_sigkill_is_replaced_within_seconds(pg_url: str) -> None:
    address = cluster.conninfo(make_engine(pg_url))
    assert address is not None
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", CHILD, address, stdout=asyncio.subprocess.PIPE)
    survivor = Leadership(address, retry_seconds=RETRY)
    try:
        assert child.stdout is not None
        assert (await asyncio.wait_for(child.stdout.readline(), 60)).strip() == b"leading"
        await survivor.start()
        assert not survivor.is_leader  # the child process leads
        child.send_signal(signal.SIGKILL)
        await child.wait()
        await until(lambda: survivor.is_leader, "the surviving instance leading after the kill")
    finally:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signal.SIGKILL)
        await child.wait()
        await survivor.stop()
