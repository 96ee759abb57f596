"""The sending limits of paid broadcasts: a message sent with `allow_paid_broadcast` (rate_limit_args PAID) is not
counted in the 30 a second but in a window of its own (1 000 a second), still one a second per private chat — in one
process and, through Redis, across instances; without the flag, PAID counts as an ordinary bulk message."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from danhgia.handlers.ratelimit import BULK, PAID, SlidingWindowRateLimiter
from danhgia.handlers.ratelimit_shared import SharedRateLimiter
from tests.multi.conftest import REDIS_URL
from tests.multi.test_shared_budget import Sent


async def send(limiter: SlidingWindowRateLimiter, sent: Sent, chat_id: int, *, paid: bool) -> None:
    """One sendMessage through the limiter (answered at once), paid or a free bulk message."""

    async def call() -> bool:
        now = time.monotonic()
        sent.all.append(now)
        sent.chats[chat_id].append(now)
        return True

    data = {"chat_id": chat_id, "allow_paid_broadcast": True} if paid else {"chat_id": chat_id}
    await limiter.process_request(call, (), {}, "sendMessage", data, PAID if paid else BULK)


async def paid_and_free(limiters: list[SlidingWindowRateLimiter]) -> tuple[Sent, Sent, float]:
    """45 free and 300 paid messages to different people through the limiters at once (a paid limit of 150 a
    second); returns when each went and how long the paid ones took."""
    free, paid = Sent(), Sent()
    started = time.monotonic()
    jobs = []
    for n, limiter in enumerate(limiters):
        jobs += [send(limiter, free, 10_000 + 1000 * n + i, paid=False) for i in range(45 // len(limiters))]
        jobs += [send(limiter, paid, 20_000 + 1000 * n + i, paid=True) for i in range(300 // len(limiters))]
    await asyncio.gather(*jobs)
    return free, paid, max(paid.all) - started


async def test_paid_messages_have_their_own_window_in_one_process() -> None:
    limiter = SlidingWindowRateLimiter(paid_per_second=150)
    free, paid, took = await paid_and_free([limiter])
    assert free.most_in_any(free.all, 1.0) <= 30 and paid.most_in_any(paid.all, 1.0) <= 150
    assert 1.0 <= took < 3.0  # 300 at 150 a second, untouched by the 30 a second of the others
    assert max(free.all) - min(free.all) >= 0.9  # the 45 free ones keep to 30 a second meanwhile


async def test_paid_still_keeps_one_a_second_per_private_chat() -> None:
    limiter = SlidingWindowRateLimiter(private_burst=1, private_period=1.0)
    sent = Sent()
    await asyncio.gather(*(send(limiter, sent, 42, paid=True) for _ in range(3)))
    assert sent.most_in_any(sent.chats[42], 1.0) == 1


async def test_without_the_flag_paid_is_an_ordinary_bulk_message() -> None:
    limiter = SlidingWindowRateLimiter()

    async def call() -> bool:
        return True

    await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 5}, PAID)
    assert len(limiter.overall.times) == 1 and limiter.paid.times == []


@pytest.fixture
async def shared(redis_prefix: str) -> AsyncIterator[list[SlidingWindowRateLimiter]]:
    """Three instances' limiters on one budget in Redis, with a paid limit of 150 a second."""
    made = [SharedRateLimiter(REDIS_URL, prefix=redis_prefix, paid_per_second=150) for _ in range(3)]
    for limiter in made:
        await limiter.initialize()
    yield list(made)
    for limiter in made:
        await limiter.shutdown()


async def test_paid_messages_have_their_own_window_shared_by_every_instance(
    shared: list[SlidingWindowRateLimiter],
) -> None:
    free, paid, took = await paid_and_free(shared)
    assert all(isinstance(limiter, SharedRateLimiter) and limiter.shared for limiter in shared)
    assert free.most_in_any(free.all, 1.0) <= 30  # all instances together
    assert paid.most_in_any(paid.all, 1.0) <= 150
    assert 1.0 <= took < 4.0
