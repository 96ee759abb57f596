"""`danhgia demo`: the whole cycle on one laptop, with no bot token and no internet.

The bot runs unchanged against the project's local Bot API server (sandbox/), over an SQLite database
seeded with a believable organisation, with a clock that only the demo moves; the sandbox also serves a web
page that looks like Telegram, where the trainer picks a person and chats as them. Jumping the clock fires
the reminders that are due, as they would fire in real time; "Reset" restores the seeded state.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from danhgia.bot.app import TICKER_KEY, build_application, running
from danhgia.bot.demo_seed import PEOPLE, seed
from danhgia.bot.settings import Settings
from danhgia.handlers.notifier import deliver_round
from danhgia.sandbox.core import BotApiSandbox
from danhgia.sandbox.server import SandboxServer
from danhgia.storage.db import make_engine, migrate
from danhgia.storage.uow import Database
from danhgia.workflow.calendar import friday_of
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.services import Services

log = logging.getLogger(__name__)
TOKEN = "123456789:DEMO-SANDBOX-TOKEN"
BOT_USERNAME = "danhgia_demo_bot"
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@dataclass(frozen=True)
class Jump:
    """A moment the trainer can jump to."""

    id: str
    label: str
    at: datetime


class Demo:
    """The sandbox, the seeded database, the demo clock and the running bot."""

    def __init__(self, folder: Path, port: int, settings: Settings, start: datetime | None = None) -> None:
        self.folder = folder
        self.port = port
        self.base_settings = settings
        self.tz = settings.tz
        now = (start or datetime.now(self.tz)).astimezone(self.tz)
        self.start_at = now.replace(second=0, microsecond=0)
        self.sandbox = BotApiSandbox(token=TOKEN, bot_username=BOT_USERNAME, bot_name="Đánh giá cán bộ (demo)")
        self.sandbox.date_clock = lambda: self.clock.now().timestamp()  # messages carry the demo's time
        self.server = SandboxServer(self.sandbox, port=port, demo=self)
        self.accounts: dict[str, int] = {}
        self.clock = ManualClock(self.start_at)
        self.services: Services | None = None
        self.app: Any = None
        self._stack: AsyncExitStack | None = None
        self._lock = asyncio.Lock()

    # -- paths and settings ----------------------------------------------------------------------------------

    @property
    def database(self) -> Path:
        """The demo's working database."""
        return self.folder / "demo.db"

    @property
    def snapshot(self) -> Path:
        """The seeded database, kept for "Reset"."""
        return self.folder / "demo-seed.db"

    def settings(self) -> Settings:
        """The bot's settings: only the API URL, the database and the token differ from a real run."""
        return self.base_settings.model_copy(
            update={
                "telegram_api_url": self.server.url,
                "database_url": f"sqlite:///{self.database}",
                "bot_token": SecretStr(self.sandbox.token),
                "bot_username": BOT_USERNAME,
                "poll_timeout": 10,
                "reminder_tick_seconds": 30,
                "reminders": True,
            }
        )

    # -- life cycle ----------------------------------------------------------------------------------------------

    async def start(self) -> str:
        """Start the page and the bot over a freshly seeded organisation; returns the page's address."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for person in PEOPLE:
            family, _, given = person.full_name.rpartition(" ")
            user = self.sandbox.add_user(given, family or None, language_code="vi")
            self.accounts[person.staff_code] = user.id
        self._open_chats()
        url = await self.server.start()
        await asyncio.to_thread(self._seed)
        await self._start_bot()
        return url

    def _seed(self) -> None:
        for path in (self.database, self.snapshot):
            path.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{self.database}")
        migrate(engine)
        seeding_clock = ManualClock(self.start_at - timedelta(weeks=3, days=1))
        services = Services(Database(engine), self.settings().workflow_config(), seeding_clock)
        seed(services, seeding_clock, self.start_at, self.accounts)
        engine.dispose()
        shutil.copyfile(self.database, self.snapshot)

    def _open_chats(self) -> None:
        """Every demo person has already started the bot (they are linked): their private chats exist."""
        for user_id in self.accounts.values():
            self.sandbox.private_chat(user_id)

    async def _start_bot(self) -> None:
        settings = self.settings()
        self.clock = ManualClock(self.start_at) if self.clock.now() < self.start_at else self.clock
        self.services = Services(Database(make_engine(settings.database_url)), settings.workflow_config(), self.clock)
        self.app = build_application(settings, self.services)
        self._stack = AsyncExitStack()
        await self._stack.enter_async_context(running(self.app, poll_timeout=settings.poll_timeout))

    async def _stop_bot(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None
        if self.services is not None:
            self.services.db.dispose()
            self.services = None

    async def stop(self) -> None:
        """Stop the bot and the page."""
        await self._stop_bot()
        await self.server.stop()

    # -- the controller the page talks to -----------------------------------------------------------------------

    def jumps(self) -> list[Jump]:
        """The moments worth jumping to from now: next Friday's check-in, the month's end, the deadlines."""
        assert self.services is not None
        now = self.clock.now().astimezone(self.tz)
        today = now.date()
        calendar = self.services.absence.calendar()
        timeline = self.services.config.timeline
        reminders = self.services.reminders
        options: list[Jump] = []

        def add(ident: str, label: str, day: Any, at: time) -> None:
            when = datetime.combine(day, at, self.tz)
            if when > now and all(o.at != when for o in options):
                options.append(Jump(ident, f"{label} — {WEEKDAYS[when.weekday()]} {when:%d/%m %H:%M}", when))

        friday = friday_of(today)
        if datetime.combine(friday, timeline.checkin_at, self.tz) <= now:
            friday += timedelta(days=7)
        _, check_day = reminders.week_days(friday, calendar)
        add("checkin", "Báo cáo tuần", check_day or friday, timeline.checkin_at)
        monday = today + timedelta(days=7 - today.weekday())
        add("monday", "Đầu tuần sau", calendar.next_working_day(monday), timeline.plan_at)
        span = self.services.periods.span(today)
        for _ in range(2):
            dates = reminders.dates(span, calendar)
            add(f"window-{span.key}", f"Mở tự đánh giá kỳ {span.label()}", dates.window_opens, timeline.remind_at)
            add(f"self-{span.key}", f"Hạn tự đánh giá kỳ {span.label()}", dates.self_deadline, timeline.remind_at)
            add(f"review-{span.key}", f"Hạn duyệt kỳ {span.label()}", dates.review_deadline, timeline.remind_at)
            after = calendar.add_working_days(dates.review_deadline, 1)
            add(f"escalate-{span.key}", f"Sau hạn duyệt kỳ {span.label()}", after, timeline.remind_at)
            add(f"close-{span.key}", f"Ngày chốt kỳ {span.label()}", dates.closing, timeline.digest_at)
            span = span.next()
        add("hour", "Một giờ sau", (now + timedelta(hours=1)).date(), (now + timedelta(hours=1)).time())
        add("day", "Ngày làm việc tiếp theo", calendar.next_working_day(today + timedelta(days=1)), time(8, 0))
        options.sort(key=lambda o: o.at)
        return options

    def describe(self) -> dict[str, Any]:
        """The people, the clock and the jumps (for the page)."""
        now = self.clock.now().astimezone(self.tz)
        return {
            "now": now.isoformat(),
            "now_label": f"{WEEKDAYS[now.weekday()]} {now:%d/%m/%Y %H:%M}",
            "jumps": [{"id": j.id, "label": j.label} for j in (self.jumps() if self.services else [])],
            "people": [
                {
                    "user_id": self.accounts[p.staff_code],
                    "staff_code": p.staff_code,
                    "name": p.full_name,
                    "position": p.position,
                    "unit": p.unit,
                    "roles": list(p.roles),
                }
                for p in PEOPLE
            ],
            "bot": {"username": BOT_USERNAME, "name": self.sandbox.bot_name},
        }

    async def jump(self, target: str) -> dict[str, Any]:
        """Move the clock forward to a named moment and let the reminders due by then fire."""
        async with self._lock:
            found = next((j for j in self.jumps() if j.id == target), None)
            if found is None:
                raise ValueError(f"unknown moment {target!r}")
            self.clock.set(found.at)
            await self.tick()
            return self.describe()

    async def tick(self) -> int:
        """One reminder tick at the demo clock, then deliver."""
        if self.app is None:
            return 0
        added: int = await self.app.bot_data[TICKER_KEY].tick()
        await deliver_round(self.app, wait=True)
        return added

    async def reset(self) -> dict[str, Any]:
        """Stop the bot, restore the seeded database, forget every chat, restart at the seeded moment."""
        async with self._lock:
            await self._stop_bot()
            shutil.copyfile(self.snapshot, self.database)
            self.sandbox.reset_conversations()
            self._open_chats()
            self.clock = ManualClock(self.start_at)
            await self._start_bot()
            return self.describe()


async def run_demo(folder: Path, port: int, settings: Settings, ready: asyncio.Event | None = None) -> None:
    """Run the demo until cancelled (Ctrl-C)."""
    demo = Demo(folder, port, settings)
    url = await demo.start()
    print(f"danhgia demo: mở {url} trong trình duyệt (chỉ máy này truy cập được). Nhấn Ctrl-C để dừng.", flush=True)
    if ready is not None:
        ready.set()
    try:
        await asyncio.Event().wait()
    finally:
        await demo.stop()
