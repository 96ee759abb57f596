"""A chat's lock on PostgreSQL: held by one session at a time (a try by another gets nothing), given back for the
next, and a pooled connection the server ended meanwhile is replaced without the caller noticing."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from danhgia.storage import cluster
from danhgia.storage.cluster import ChatLocks
from danhgia.storage.db import make_engine

pytestmark = pytest.mark.postgres


def address(url: str) -> str:
    found = cluster.conninfo(make_engine(url))
    assert found is not None
    return found


async def test_a_chat_is_held_by_one_session_at_a_time(pg_url: str) -> None:
    first, second = ChatLocks(address(pg_url)), ChatLocks(address(pg_url))
    try:
        async with first.hold(42) as held:
            assert held is not None
            async with second.hold(42, wait=False) as other:
                assert other is None  # another instance holds the chat
            async with second.hold(43, wait=False) as other:
                assert other is not None  # another chat is free
        async with second.hold(42, wait=False) as other:
            assert other is not None  # given back: free for the next
    finally:
        await first.close()
        await second.close()


async def test_a_pooled_connection_ended_meanwhile_is_replaced(pg_url: str) -> None:
    locks = ChatLocks(address(pg_url), size=1)
    try:
        async with locks.hold(7) as held:
            assert held is not None
        engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:  # the server ends the idle connection (a restart, a network cut)
            ended = conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = 'danhgia chat lock'"
                )
            ).all()
        engine.dispose()
        assert len(ended) == 1
        async with locks.hold(7) as held:
            assert held is not None
    finally:
        await locks.close()
