"""What one message's place in the sending budget shared by several instances costs: Redis against PostgreSQL.

Redis: the limiter of handlers/ratelimit_shared.py — one atomic script to reserve (the overall window and the
chat's), one to settle. PostgreSQL, the cheapest equivalent that is still correct: a transaction that takes a
transaction-level advisory lock (the windows are read after it, in a fresh snapshot), deletes what left the
window, counts and inserts into an UNLOGGED table (no WAL), then commits; settling is one more UPDATE. Both are
measured one message at a time (the latency a send pays) and with 32 senders at once (what one instance's delivery
round does), with the limits set out of reach so that only the bookkeeping is measured.

Run by hand: `.venv/bin/python bench/bench_send_budget.py [--redis redis://127.0.0.1:6379/0]
[--url postgresql://postgres@127.0.0.1:5432/test] [--messages 3000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
import uuid

import psycopg

from danhgia.handlers.ratelimit_shared import SharedRateLimiter

FORGET = "DELETE FROM send_window WHERE key = ANY(%(keys)s) AND until < clock_timestamp() - interval '1 s'"
COUNT_IN = (
    "INSERT INTO send_window (key, token, until) SELECT k, %(token)s, clock_timestamp() + interval '30 s'"
    " FROM unnest(%(keys)s::text[]) AS k"
    " WHERE (SELECT count(*) FROM send_window WHERE key = ANY(%(keys)s)) < %(limit)s RETURNING 1"
)


async def redis_rounds(url: str, messages: int, senders: int) -> float:
    """Milliseconds per message (reserve and settle) through the Redis-backed limiter."""
    limiter = SharedRateLimiter(
        url, prefix=f"bench:{uuid.uuid4().hex[:8]}", overall_per_second=10**9, private_burst=10**9
    )
    await limiter.initialize()
    chats = itertools.count(1)

    async def sender(n: int) -> None:
        for _ in range(n):
            ticket = await limiter.reserve(next(chats) % 5000, True)
            await limiter.settle(ticket)

    started = time.perf_counter()
    await asyncio.gather(*(sender(messages // senders) for _ in range(senders)))
    elapsed = (time.perf_counter() - started) * 1000 / (messages // senders * senders)
    keys = [key async for key in limiter.redis.scan_iter(match=limiter.prefix + "*")]
    if keys:
        await limiter.redis.delete(*keys)
    await limiter.shutdown()
    return elapsed


async def postgres_rounds(url: str, messages: int, senders: int) -> float:
    """Milliseconds per message (reserve and settle) through the PostgreSQL equivalent."""
    conns = [await psycopg.AsyncConnection.connect(url, autocommit=False) for _ in range(senders)]
    await conns[0].execute("CREATE UNLOGGED TABLE IF NOT EXISTS send_window (key text, token text, until timestamptz)")
    await conns[0].execute("CREATE INDEX IF NOT EXISTS send_window_key ON send_window (key, until)")
    await conns[0].commit()
    chats = itertools.count(1)

    async def sender(conn: psycopg.AsyncConnection[tuple[object, ...]], n: int) -> None:
        for _ in range(n):
            token = uuid.uuid4().hex
            keys = ["all", f"chat:{next(chats) % 5000}"]
            params = {"keys": keys, "token": token, "limit": 10**9}
            await conn.execute("SELECT pg_advisory_xact_lock(42)")
            await conn.execute(FORGET, params)
            await conn.execute(COUNT_IN, params)
            await conn.commit()
            await conn.execute("UPDATE send_window SET until = clock_timestamp() WHERE token = %s", (token,))
            await conn.commit()

    started = time.perf_counter()
    await asyncio.gather(*(sender(conn, messages // senders) for conn in conns))
    elapsed = (time.perf_counter() - started) * 1000 / (messages // senders * senders)
    for conn in conns:
        await conn.close()
    return elapsed


async def main(redis_url: str, pg_url: str, messages: int) -> None:
    name = f"danhgia_bench_{uuid.uuid4().hex[:8]}"
    admin = await psycopg.AsyncConnection.connect(pg_url, autocommit=True)
    await admin.execute(f'CREATE DATABASE "{name}"')
    database = psycopg.conninfo.make_conninfo(pg_url, dbname=name)
    try:
        print(f"{messages} messages; ms per message (reserve + settle), this machine")
        for senders in (1, 32):
            redis_ms = await redis_rounds(redis_url, messages, senders)
            pg_ms = await postgres_rounds(database, messages, senders)
            print(f"{senders:>2} sender(s) at once: Redis {redis_ms:.3f} ms, PostgreSQL {pg_ms:.3f} ms")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--messages", type=int, default=3000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.redis, arguments.url, arguments.messages))
