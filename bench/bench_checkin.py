"""Benchmark of the weekly check-in flow through the local Bot API server.

Two bots run side by side in one process against the same sandbox, each with the same update processor
and no rate limiter (Telegram's limits are not what is measured here):
  * danhgia — the real Application as `danhgia run` builds it, over an SQLite database;
  * echo — a bare python-telegram-bot bot that answers the same command and button presses with a fixed
    panel (no database).
N simulated staff each send /baocaotuan and tap an outcome for each of their K open tasks, all at once.
The bots alternate over several rounds (fresh staff each round); each round's ratio compares two runs made
back to back, and the median of those ratios is reported (with the ratio of the medians beside it).
Reported: updates/s of each bot and their ratio (target ≥ 0.67: CPU per update at most 1.5 × the echo's), then,
in a sequential pass, the SQL statements per update on each hot path (/tuannay, /baocaotuan, a check-in tap; target
≤ 6, no N+1).

Run by hand: `.venv/bin/python bench/bench_checkin.py [--staff 200] [--tasks 3] [--rounds 5]`.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench_setup import sandboxed
from sqlalchemy import event
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from danhgia.bot.app import build_application, running
from danhgia.bot.updates import PerChatUpdateProcessor
from danhgia.sandbox.core import BotApiSandbox
from danhgia.sandbox.server import SandboxServer
from danhgia.sandbox.users import SimUser
from danhgia.storage.db import make_engine, migrate
from danhgia.storage.models import Person, TelegramLink
from danhgia.storage.uow import Database
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.common import Actor
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services, WorkflowConfig

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=VN)  # a Friday afternoon, check-in time
OUTCOMES = ("Xong đúng hạn", "Xong trễ hạn", "Đang thực hiện")


def make_roster(path: Path, staff: int) -> None:
    """One unit with a leader and `staff` people."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ma_can_bo", "ho_ten", "ma_don_vi", "ten_don_vi", "chuc_vu", "vai_tro", "ma_cap_tren"])
        writer.writerow(["TP", "Nguyễn Văn Trưởng", "P1", "Phòng Một", "Trưởng phòng", "lanh_dao", ""])
        for i in range(staff):
            writer.writerow([f"CV{i:04d}", f"Chuyên viên {i}", "P1", "Phòng Một", "Chuyên viên", "nhan_vien", "TP"])


def link_staff(
    services: Services, folder: Path, sandbox: BotApiSandbox, staff: int
) -> tuple[list[Person], list[SimUser]]:
    """The roster of one unit imported, and each of its `staff` linked to a new sandbox user."""
    make_roster(folder / "roster.csv", staff)
    services.roster.import_table(read_roster(folder / "roster.csv"), Actor.cli("bench"))
    users: list[SimUser] = []
    with services.db.uow() as uow:
        people = [p for p in uow.people.all() if p.staff_code.startswith("CV")]
        for person in people:
            user = SimUser(sandbox, sandbox.add_user(person.full_name))
            assert person.id is not None
            uow.links.add(TelegramLink(person_id=person.id, telegram_user_id=user.id, chat_id=user.id))
            users.append(user)
        uow.commit()
    return people, users


def prepare(folder: Path, sandbox: BotApiSandbox, staff: int, tasks: int) -> tuple[str, list[SimUser]]:
    """A migrated database with the roster, linked accounts and this week's tasks."""
    url = f"sqlite:///{folder / 'bench.db'}"
    engine = make_engine(url)
    migrate(engine)
    services = Services(Database(engine), WorkflowConfig(VN, timedelta(days=14)), ManualClock(NOW))
    people, users = link_staff(services, folder, sandbox, staff)
    for person in people:
        assert person.id is not None
        for k in range(tasks):
            services.tasks.add(Actor.cli("bench"), person.id, f"Nhiệm vụ {k + 1}", date(2026, 11, 20), Decimal(1))
    engine.dispose()
    return url, users


async def drive(users: list[SimUser], tasks: int, command: str = "/baocaotuan") -> tuple[int, float]:
    """Every user reports on every task at once; returns (updates, seconds)."""

    async def one(user: SimUser) -> int:
        panel = await user.say(command, timeout=120)
        for k in range(tasks):
            panel = await user.tap(panel, OUTCOMES[k % len(OUTCOMES)], timeout=120)
        return 1 + tasks

    start = time.perf_counter()
    counts = await asyncio.gather(*(one(u) for u in users))
    return sum(counts), time.perf_counter() - start


def echo_app(server: SandboxServer) -> Any:
    """A bare python-telegram-bot bot answering the same command and presses with a fixed panel."""
    panel = InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"echo:{i}") for i, label in enumerate(OUTCOMES)]]
    )

    async def command(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await update.effective_chat.send_message("Việc 1: Nhiệm vụ 1", reply_markup=panel)

    async def press(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"Đã ghi {query.data} lúc {time.perf_counter():.6f}", reply_markup=panel)

    app = (
        ApplicationBuilder()
        .token(server.sandbox.token)
        .base_url(f"{server.url}/bot")
        .concurrent_updates(PerChatUpdateProcessor())
        .connection_pool_size(16)
        .build()
    )
    app.add_handler(CommandHandler("baocaotuan", command))
    app.add_handler(CallbackQueryHandler(press))
    return app


class StatementCounter:
    """Counts the SQL statements a database runs on any of its engines (transaction control excluded)."""

    def __init__(self, engines: tuple[Any, ...]) -> None:
        self.count = 0
        self.statements: list[str] = []
        for engine in engines:
            event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            return
        self.count += 1
        self.statements.append(statement.split("\n")[0][:100])


async def measure_statements(app: Any, users: list[SimUser], tasks: int) -> dict[str, float]:
    """Sequentially, the statements of each hot path, averaged per update."""
    services: Services = app.bot_data["services"]
    counter = StatementCounter(services.db.engines)
    per_path: dict[str, list[int]] = {"/tuannay": [], "/baocaotuan": [], "check-in tap": []}

    async def counted(path: str, action: Callable[[], Awaitable[Any]]) -> Any:
        before = counter.count
        result = await action()
        per_path[path].append(counter.count - before)
        return result

    for user in users:
        await counted("/tuannay", lambda u=user: u.say("/tuannay"))
        panel = await counted("/baocaotuan", lambda u=user: u.say("/baocaotuan"))
        for k in range(tasks):
            panel = await counted("check-in tap", lambda u=user, p=panel, k=k: u.tap(p, OUTCOMES[k % len(OUTCOMES)]))
    return {path: sum(counts) / len(counts) for path, counts in per_path.items() if counts}


async def main(staff: int, tasks: int, sample: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sandbox = BotApiSandbox()
        server = SandboxServer(sandbox)
        await server.start()
        try:
            url, everyone = prepare(folder, sandbox, sample + staff * rounds, tasks)
            counted_users = everyone[:sample]
            settings, services = sandboxed(sandbox, server, url, NOW)
            async with running(build_application(settings, services, rate_limiter=False)) as app:
                counts = await measure_statements(app, counted_users, tasks)
            rates: dict[str, list[float]] = {"danhgia": [], "echo": []}
            for r in range(rounds):  # alternate the two bots so that both see the same machine
                users = everyone[sample + r * staff : sample + (r + 1) * staff]
                async with running(build_application(settings, services, rate_limiter=False)):
                    updates, seconds = await drive(users, tasks)
                rates["danhgia"].append(updates / seconds)
                async with running(echo_app(server)):
                    updates, seconds = await drive(users, tasks)
                rates["echo"].append(updates / seconds)
                print(
                    f"round {r + 1}: danhgia {rates['danhgia'][-1]:.1f} updates/s, echo {rates['echo'][-1]:.1f} "
                    f"updates/s, ratio {rates['danhgia'][-1] / rates['echo'][-1]:.2f}"
                )
            services.db.dispose()
            danhgia_rate, echo_rate = statistics.median(rates["danhgia"]), statistics.median(rates["echo"])
            print(f"median: danhgia {danhgia_rate:.1f} updates/s, echo {echo_rate:.1f} updates/s")
            pairs = [d / e for d, e in zip(rates["danhgia"], rates["echo"], strict=True)]
            print(f"ratio of the medians = {danhgia_rate / echo_rate:.2f}")
            # Each round's two runs are back to back on the same machine, so their ratio cancels the drift in
            # the machine's speed between rounds; the median of those is the figure to compare with the target.
            print(f"ratio danhgia / echo (median of the rounds) = {statistics.median(pairs):.2f} (target ≥ 0.67)")
            for path, value in counts.items():
                print(f"SQL statements per update, {path}: {value:.1f} (target ≤ 6)")
        finally:
            await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=3)
    parser.add_argument("--sample", type=int, default=20, help="people in the sequential statement count")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of the two bots")
    args = parser.parse_args()
    asyncio.run(main(args.staff, args.tasks, args.sample, args.rounds))
