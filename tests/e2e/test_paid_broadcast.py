"""End to end: the Friday check-in prompt to many linked staff through the local Bot API server, which enforces
Telegram's limits (30 a second, 1 000 a second for paid broadcasts, one a second per chat) and charges 0.1 Star per
paid message from the bot's balance. With a budget the round is never held to 30 a second and costs exactly 0.1 Star
a message; beyond the budget the rest goes free at 30 a second; when the balance runs short the rest goes free;
off, nothing is sent with the flag. Never a 429.

The workflow's clock stands still at Friday 20/11/2026 15:00 (Hà Nội); only the sandbox's rate limits read the real
clock, and nothing compares the two. The round's speed is not asserted (it is the machine's: bench/ and the closing
note give it); that no paid message was counted in, or waited for, the 30 a second is."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from danhgia.bot.app import build_application, running
from danhgia.handlers.notifier import deliver_round
from danhgia.handlers.ratelimit import SlidingWindowRateLimiter
from danhgia.sandbox.core import BotApiSandbox, RateLimits
from danhgia.sandbox.server import SandboxServer
from danhgia.sandbox.state import Message
from danhgia.storage.db import make_engine
from danhgia.storage.models import Person, PersonRole, TelegramLink, Unit
from danhgia.storage.uow import Database
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.services import Services, WorkflowConfig
from tests.conftest import VN, bot_settings

pytestmark = pytest.mark.e2e

FRIDAY = datetime(2026, 11, 20, 15, 0, tzinfo=VN)  # the weekly check-in prompt goes to everyone


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    """A local Bot API server with Telegram's limits and 100 Stars on the bot's balance."""
    sandbox = BotApiSandbox(
        rate_limits=RateLimits(overall_per_second=30, per_chat_per_second=1, per_chat_burst=3),
        stars_balance=Decimal(100),
    )
    running_server = SandboxServer(sandbox)
    await running_server.start()
    yield running_server
    await running_server.stop()
    assert sandbox.violations == [], sandbox.violations


def staff(sandbox: BotApiSandbox, url: str, people: int) -> None:
    """`people` linked staff in one unit (written directly, for speed), each with a private chat."""
    db = Database(make_engine(url))
    with db.uow() as uow:
        unit = uow.units.add(Unit(code="U1", name="Phòng Một"))
        assert unit.id is not None
        for i in range(people):
            user = sandbox.add_user(f"Cán bộ {i}")
            sandbox.private_chat(user.id)
            person = Person(staff_code=f"CB{i:04d}", full_name=f"Cán bộ {i}", unit_id=unit.id)
            uow.session.add(person)
            uow.session.flush()
            assert person.id is not None
            uow.session.add(PersonRole(person_id=person.id, role_code="nhan_vien"))
            uow.session.add(TelegramLink(person_id=person.id, telegram_user_id=user.id, chat_id=user.id))
        uow.commit()
    db.dispose()


async def check_in_round(
    server: SandboxServer, url: str, people: int, stars: int
) -> tuple[list[Message], Services, SlidingWindowRateLimiter]:
    """Queue the Friday prompt for `people` with a monthly budget of `stars` and deliver it all; returns the
    messages the bot sent, in the order they went, the services (to read the ledger) and the bot's rate limiter."""
    sandbox = server.sandbox
    staff(sandbox, url, people)
    config = WorkflowConfig(timezone=VN, invite_ttl=timedelta(days=14), paid_stars_per_month=stars)
    services = Services(Database(make_engine(url)), config, ManualClock(FRIDAY))
    app = build_application(bot_settings(server, url), services)
    async with running(app):
        queued = await asyncio.to_thread(services.reminders.queue_due)
        assert queued == people
        for _ in range(200):
            await deliver_round(app, limit=100, wait=True)
            if services.outbox.pending_count() == 0:
                break
            await asyncio.sleep(0.05)
    sent = sorted((m for chat in sandbox.chats.values() for m in chat.messages if m.from_bot), key=lambda m: m.at)
    assert len(sent) == people
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, SlidingWindowRateLimiter)
    return sent, services, limiter


def most_in_a_second(messages: list[Message]) -> int:
    times = sorted(m.at for m in messages)
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_a_paid_round_is_never_held_to_30_a_second_and_costs_a_tenth_of_a_star_each(
    server: SandboxServer, sqlite_url: str
) -> None:
    people = 240
    sent, services, limiter = await check_in_round(server, sqlite_url, people, stars=1_000)
    try:
        assert all(m.paid for m in sent)
        assert limiter.overall.times == []  # not one of them waited for (or counted in) the 30 a second
        # (how fast the round then goes is a figure of the benchmark, not of a test: it depends on the machine)
        assert server.sandbox.stars_spent == Decimal("0.1") * people == Decimal(24)
        assert server.sandbox.too_many_requests == 0
        spent = services.paid.spent()
        assert (spent.spent, spent.reserved) == (people, people)  # tenths: 24 Stars, all accounted for
    finally:
        services.db.dispose()


async def test_beyond_the_budget_reminders_go_free_at_30_a_second(server: SandboxServer, sqlite_url: str) -> None:
    sent, services, _ = await check_in_round(server, sqlite_url, 100, stars=4)  # 4 Stars pay for 40 messages
    try:
        paid, free = [m for m in sent if m.paid], [m for m in sent if not m.paid]
        assert len(paid) == 40 and len(free) == 60
        assert most_in_a_second(free) <= 30 and free[-1].at - free[0].at >= 1.0
        assert server.sandbox.stars_spent == Decimal(4) and server.sandbox.too_many_requests == 0
        assert services.paid.spent().spent == services.paid.spent().budget == 40  # to the tenth, never beyond
    finally:
        services.db.dispose()


async def test_a_short_balance_sends_the_rest_free(server: SandboxServer, sqlite_url: str) -> None:
    server.sandbox.stars_balance = Decimal(3)  # 30 paid messages, though the budget allows 1 000
    sent, services, _ = await check_in_round(server, sqlite_url, 60, stars=100)
    try:
        assert sum(m.paid for m in sent) == 30 and server.sandbox.stars_balance == 0
        spent = services.paid.spent()
        assert spent.spent == 30 and spent.reserved == 30  # what was refused was given back
        assert server.sandbox.too_many_requests == 0
    finally:
        services.db.dispose()


async def test_off_nothing_is_sent_with_the_flag(server: SandboxServer, sqlite_url: str) -> None:
    sent, services, limiter = await check_in_round(server, sqlite_url, 45, stars=0)
    try:
        assert not any(m.paid for m in sent) and server.sandbox.stars_spent == 0
        assert not any("allow_paid_broadcast" in call.params for call in server.sandbox.calls)
        assert most_in_a_second(sent) <= 30 and server.sandbox.too_many_requests == 0
        assert limiter.paid.times == []
    finally:
        services.db.dispose()
