"""Telegram's sending limits kept by every instance together through Redis: three limiters hammering at once never
let more than 30 messages go in any second, nor more than one a second to a private chat (with the per-chat window
set to 1 in 1 s), a 429 seen by one pauses the others; without Redis each sends on its share of the limits, and
one that loses Redis mid-run keeps sending (on its share) and returns to the shared budget when Redis is back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from danhgia.handlers import ratelimit_shared
from danhgia.handlers.ratelimit import BULK
from danhgia.handlers.ratelimit_shared import SharedRateLimiter
from tests.multi.conftest import REDIS_URL
from tests.multi.instances import until


class Sent:
    """When each message left (this process's monotonic clock), overall and per chat."""

    def __init__(self) -> None:
        self.all: list[float] = []
        self.chats: dict[int, list[float]] = defaultdict(list)

    async def send(self, limiter: SharedRateLimiter, chat_id: int, *, bulk: bool = False) -> None:
        """One sendMessage through the limiter (answered at once)."""

        async def call() -> bool:
            now = time.monotonic()
            self.all.append(now)
            self.chats[chat_id].append(now)
            return True

        await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat_id}, BULK if bulk else None)

    def most_in_any(self, times: list[float], period: float) -> int:
        """The most messages in any window of `period` seconds."""
        ordered = sorted(times)
        most, start = 0, 0
        for end, moment in enumerate(ordered):
            while moment - ordered[start] >= period:
                start += 1
            most = max(most, end - start + 1)
        return most


@pytest.fixture
async def limiters(redis_prefix: str) -> AsyncIterator[list[SharedRateLimiter]]:
    """Three instances' limiters on one budget (1 message a second per private chat, to keep the test short)."""
    made = [SharedRateLimiter(REDIS_URL, prefix=redis_prefix, private_burst=1, private_period=1.0) for _ in range(3)]
    for limiter in made:
        await limiter.initialize()
    yield made
    for limiter in made:
        await limiter.shutdown()


async def test_three_instances_hammering_never_exceed_telegram_limits_together(
    limiters: list[SharedRateLimiter],
) -> None:
    sent = Sent()
    jobs = []
    for n, limiter in enumerate(limiters):
        jobs += [sent.send(limiter, 1000 + 100 * n + i) for i in range(30)]  # answers to 30 people each
        jobs += [sent.send(limiter, 7000 + c, bulk=True) for c in range(3) for _ in range(2)]  # reminders, 3 chats
    await asyncio.gather(*jobs)
    assert all(limiter.shared for limiter in limiters)
    assert len(sent.all) == 3 * (30 + 6)
    assert sent.most_in_any(sent.all, 1.0) <= 30  # never more than 30 in any second, all instances together
    for chat in range(7000, 7003):
        assert len(sent.chats[chat]) == 6
        assert sent.most_in_any(sent.chats[chat], 1.0) <= 1, chat


async def test_a_429_seen_by_one_instance_pauses_the_others(limiters: list[SharedRateLimiter]) -> None:
    sent = Sent()
    first, second, _ = limiters
    paused_at = time.monotonic()
    await first.flood(None, 1.0)  # Telegram answered the first instance with retry_after=1
    await sent.send(second, 42)
    assert sent.all[0] - paused_at >= 1.0


async def test_without_redis_an_instance_sends_on_its_share(caplog: pytest.LogCaptureFixture) -> None:
    limiter = SharedRateLimiter("redis://127.0.0.1:1/0", fallback_share=1 / 3)  # nothing listens there
    sent = Sent()
    with caplog.at_level(logging.WARNING):
        await limiter.initialize()
        await asyncio.gather(*(sent.send(limiter, 500 + i) for i in range(15)))
    await limiter.shutdown()
    assert len(sent.all) == 15
    assert sent.most_in_any(sent.all, 1.0) <= 10  # a third of 30
    assert "Redis cannot be reached" in caplog.text


class Proxy:
    """A TCP proxy in front of Redis that can be cut and restored (Redis unreachable mid-run)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        self.writers.clear()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers += [writer, up_writer]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, ConnectionError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def redis_proxy() -> Proxy:
    """A started proxy in front of the tests' Redis."""
    real = Redis.from_url(REDIS_URL)
    host, port = real.connection_pool.connection_kwargs["host"], real.connection_pool.connection_kwargs["port"]
    await real.aclose()
    proxy = Proxy(host, port)
    await proxy.start()
    return proxy


async def test_redis_lost_mid_run_sending_goes_on_then_the_shared_budget_returns(
    redis_prefix: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ratelimit_shared, "PROBE_SECONDS", 0.1)
    proxy = await redis_proxy()
    limiter = SharedRateLimiter(f"redis://127.0.0.1:{proxy.port}/0", prefix=redis_prefix)
    sent = Sent()
    try:
        await limiter.initialize()
        await asyncio.gather(*(sent.send(limiter, 600 + i) for i in range(5)))
        assert limiter.shared
        await proxy.cut()  # Redis cannot be reached any more
        with caplog.at_level(logging.INFO):
            await asyncio.gather(*(sent.send(limiter, 700 + i) for i in range(5)))
            assert not limiter.shared  # this instance sends on its share meanwhile
            await proxy.start()  # Redis is back
            await until(lambda: limiter.shared, "the shared budget in use again")
            await asyncio.gather(*(sent.send(limiter, 800 + i) for i in range(5)))
        assert len(sent.all) == 15
        assert "Redis cannot be reached" in caplog.text and "Redis answers again" in caplog.text
    finally:
        await limiter.shutdown()
        with contextlib.suppress(Exception):
            await proxy.cut()


async def test_falling_back_on_its_share_counts_what_the_instance_has_just_sent(
    redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An instance that sent 25 messages through the shared budget and then loses Redis does not send 10 more at
    once on its share (10 a second): its share already holds those 25, so no second ever sees more than 30."""
    monkeypatch.setattr(ratelimit_shared, "PROBE_SECONDS", 60.0)
    proxy = await redis_proxy()
    limiter = SharedRateLimiter(f"redis://127.0.0.1:{proxy.port}/0", prefix=redis_prefix, fallback_share=1 / 3)
    sent = Sent()
    try:
        await limiter.initialize()
        await asyncio.gather(*(sent.send(limiter, 900 + i) for i in range(25)))
        assert limiter.shared and len(sent.all) == 25
        await proxy.cut()
        await asyncio.gather(*(sent.send(limiter, 1000 + i) for i in range(12)))
        assert not limiter.shared
        assert sent.most_in_any(sent.all, 1.0) <= 30
        assert min(sent.all[25:]) - max(sent.all[:25]) > 0.5  # it waited for its own sends to leave the window
    finally:
        await limiter.shutdown()
        with contextlib.suppress(Exception):
            await proxy.cut()
