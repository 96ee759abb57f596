"""Benchmark of a broadcast: the Friday check-in prompt to N linked staff through the local Bot API server,
which enforces Telegram's limits (30 messages in any second overall, 3 in any 3 seconds per chat) and
answers 429 when they are broken.

The real Application (as `danhgia run` builds it) ticks the reminders once at Friday 15:00 and delivers the
outbox. Reported: messages delivered, elapsed time from the first to the last, messages/s ÷ 30 (target
≥ 0.9) and the number of 429s (target 0). `--limiter aio` runs python-telegram-bot's AIORateLimiter instead
of danhgia's, for comparison.

Run by hand: `.venv/bin/python bench/bench_broadcast.py [--people 10000] [--limiter danhgia|aio]`.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench_setup import sandboxed

from danhgia.bot.app import TICKER_KEY, build_application, running
from danhgia.handlers.notifier import deliver_round
from danhgia.sandbox.core import BotApiSandbox, RateLimits
from danhgia.sandbox.server import SandboxServer
from danhgia.storage.db import make_engine, migrate
from danhgia.storage.models import Person, PersonRole, TelegramLink, Unit
from danhgia.storage.uow import Database

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FRIDAY = datetime(2026, 11, 20, 15, 0, tzinfo=VN)


def prepare(folder: Path, sandbox: BotApiSandbox, people: int) -> str:
    """A database with `people` linked staff in 100-person units (written directly, for speed)."""
    url = f"sqlite:///{folder / 'broadcast.db'}"
    engine = make_engine(url)
    migrate(engine)
    db = Database(engine)
    with db.uow() as uow:
        units = [uow.units.add(Unit(code=f"U{u:03d}", name=f"Phòng {u}")) for u in range((people + 99) // 100)]
        for i in range(people):
            user = sandbox.add_user(f"Cán bộ {i}")
            sandbox.private_chat(user.id)
            unit = units[i // 100]
            assert unit.id is not None
            person = Person(staff_code=f"CB{i:05d}", full_name=f"Cán bộ {i}", unit_id=unit.id)
            uow.session.add(person)
            uow.session.flush()
            assert person.id is not None
            uow.session.add(PersonRole(person_id=person.id, role_code="nhan_vien"))
            uow.session.add(TelegramLink(person_id=person.id, telegram_user_id=user.id, chat_id=user.id))
        uow.commit()
    engine.dispose()
    return url


async def main(people: int, limiter: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = BotApiSandbox(rate_limits=RateLimits(overall_per_second=30, per_chat_per_second=1, per_chat_burst=3))
        server = SandboxServer(sandbox)
        await server.start()
        try:
            started = time.perf_counter()
            url = prepare(Path(tmp), sandbox, people)
            print(f"prepared {people} linked staff in {time.perf_counter() - started:.1f} s")
            settings, services = sandboxed(sandbox, server, url, FRIDAY)
            app = build_application(settings, services, rate_limiter=limiter == "danhgia")
            if limiter == "aio":
                from telegram.ext import AIORateLimiter

                app.bot._rate_limiter = AIORateLimiter(max_retries=5)
                await app.bot._rate_limiter.initialize()
            async with running(app):
                before = sandbox.too_many_requests
                queued = await asyncio.to_thread(services.reminders.queue_due)
                print(f"queued {queued} check-in prompts")
                ticker = app.bot_data[TICKER_KEY]
                assert ticker is not None
                while True:
                    await deliver_round(app, limit=200)
                    sent = sum(
                        1 for chat in sandbox.chats.values() for m in chat.messages if m.from_bot and not m.deleted
                    )
                    if sent >= queued or services.outbox.pending_count() == 0:
                        break
                    await asyncio.sleep(0.2)
                messages = [m for chat in sandbox.chats.values() for m in chat.messages if m.from_bot]
                first = min(m.at for m in messages)
                last = max(m.at for m in messages)
                elapsed = last - first
                rate = (len(messages) - 1) / elapsed if elapsed else float("inf")
                print(f"delivered {len(messages)} messages in {elapsed:.1f} s = {rate:.2f} messages/s")
                print(f"messages/s ÷ 30 = {rate / 30:.3f} (target ≥ 0.9)")
                print(f"429 answers from the server: {sandbox.too_many_requests - before} (target 0)")
            services.db.engine.dispose()
        finally:
            await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--limiter", choices=("danhgia", "aio"), default="danhgia")
    args = parser.parse_args()
    asyncio.run(main(args.people, args.limiter))
