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
from collections.abc import Callable
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
# Where the story starts, whatever today's date: Friday 20/11/2026, 14:00 — the last Friday before November's
# self-assessment window opens (Friday 27/11, the month's second-last working day), an hour before the weekly
# check-in, with November's first weeks of tasks and check-ins recorded. Every later step of the month (the
# window, the deadlines, the review, the closing, a contest) is a jump away. tests/e2e/test_demo_page.py checks
# that this is still the last Friday before the window.
DEMO_START = (2026, 11, 20, 14, 0)
BOT_USERNAME = "danhgia_demo_bot"
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


# Who is who in the story, and a first tour (the page shows both; README "Dùng thử" has the same tour).
CAST = (
    ("Lê Minh Tuấn, Phạm Thu Hà", "chuyên viên: lập kế hoạch tuần, báo cáo công việc, tự đánh giá"),
    ("Trần Thị Mai", "Trưởng phòng Công chức, viên chức: duyệt bản tự đánh giá của chuyên viên trong phòng"),
    ("Nguyễn Văn Thành", "Giám đốc Sở: đánh giá các trưởng phòng; thành viên Hội đồng đánh giá"),
    ("Đặng Thị Thu", "Tổ chức cán bộ: mở và chốt kỳ đánh giá; thành viên Hội đồng"),
    ("Đỗ Quang Huy", "Trưởng phòng Cải cách hành chính; thành viên Hội đồng"),
)
TOUR = (
    "Chọn Lê Minh Tuấn, gõ /baocaotuan và báo cáo công việc tuần (hoặc đi tới «Báo cáo tuần» để nhận lời nhắc).",
    "Đi tới «Mở tự đánh giá kỳ 11/2026»: Tuấn nhận lời nhắc, bấm vào, tự chấm từng tiêu chí rồi «Gửi duyệt».",
    "Chọn Trần Thị Mai: thẻ duyệt đã đến — Duyệt, Điều chỉnh hoặc Trả lại; /duyet là danh sách chờ duyệt.",
    "Đi tới «Ngày chốt kỳ 11/2026»; chọn Đặng Thị Thu, gõ /kydanhgia và chốt kỳ (giới hạn tỷ lệ được áp dụng).",
    "Chọn Tuấn, gõ /ketqua để xem kết quả và phần giải trình; chưa đồng ý thì bấm «Khiếu nại kết quả».",
    "Chọn Nguyễn Văn Thành (Hội đồng), gõ /hoidong để xét khiếu nại; «Đặt lại bản chạy thử» để làm lại từ đầu.",
)


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
        now = (start or datetime(*DEMO_START, tzinfo=self.tz)).astimezone(self.tz)
        self.start_at = now.replace(second=0, microsecond=0)
        self.sandbox = BotApiSandbox(token=TOKEN, bot_username=BOT_USERNAME, bot_name="Đánh giá cán bộ (bản chạy thử)")
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

    async def start(self, progress: Callable[[str], None] = lambda _step: None) -> str:
        """Start the page and the bot over a freshly seeded organisation; returns the page's address. `progress`
        hears each step (in Vietnamese), for whoever waits at the terminal."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for person in PEOPLE:
            family, _, given = person.full_name.rpartition(" ")
            user = self.sandbox.add_user(given, family or None, language_code="vi")
            self.accounts[person.staff_code] = user.id
        self._open_chats()
        progress("Đang mở trang chạy thử…")
        url = await self.server.start()
        progress("Đang tạo tổ chức mẫu và ba tuần công việc…")
        await asyncio.to_thread(self._seed)
        progress("Đang khởi động bot…")
        async with self._lock:
            await self._start_bot()
            await deliver_round(self.app, wait=True)  # the seeded notices, at the seeded moment
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
        """The moments worth jumping to from now: the week's check-in and the next Monday, and every deadline of
        each period until its closing day (last month's too, while it is not closed), with HR's daily digest."""
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

        span = self.services.periods.span(today).previous()
        shown = 0
        while shown < 2:  # the two periods not yet past their closing day (a period's moments stay until then)
            dates = reminders.dates(span, calendar)
            label = span.label()
            if dates.closing >= today:
                shown += 1
                add(f"window-{span.key}", f"Mở tự đánh giá kỳ {label}", dates.window_opens, timeline.remind_at)
                digest = calendar.next_working_day(max(today, dates.window_opens))
                if datetime.combine(digest, timeline.digest_at, self.tz) <= now:
                    digest = calendar.next_working_day(digest + timedelta(days=1))
                if digest <= dates.closing:
                    add(f"digest-{span.key}", f"Bản tin cho Tổ chức cán bộ kỳ {label}", digest, timeline.digest_at)
                add(f"self-{span.key}", f"Hạn tự đánh giá kỳ {label}", dates.self_deadline, timeline.remind_at)
                add(f"review-{span.key}", f"Hạn duyệt kỳ {label}", dates.review_deadline, timeline.remind_at)
                after = calendar.add_working_days(dates.review_deadline, 1)
                add(f"escalate-{span.key}", f"Sau hạn duyệt kỳ {label}", after, timeline.remind_at)
                add(f"close-{span.key}", f"Ngày chốt kỳ {label}", dates.closing, timeline.digest_at)
            span = span.next()
        friday = friday_of(today)
        if datetime.combine(friday, timeline.checkin_at, self.tz) <= now:
            friday += timedelta(days=7)
        _, check_day = reminders.week_days(friday, calendar)
        add("checkin", "Báo cáo tuần", check_day or friday, timeline.checkin_at)
        monday = today + timedelta(days=7 - today.weekday())
        add("monday", "Đầu tuần sau", calendar.next_working_day(monday), timeline.plan_at)
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
            "tour": {"cast": [{"who": who, "what": what} for who, what in CAST], "steps": list(TOUR)},
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
            # The seeded notices go out now, at the seeded moment: a jump made right after "reset" waits for this
            # (it takes the same lock), so it can never stamp them with its own time.
            await deliver_round(self.app, wait=True)
            return self.describe()


async def run_demo(folder: Path, port: int, settings: Settings, ready: asyncio.Event | None = None) -> None:
    """Run the demo until cancelled (Ctrl-C)."""
    demo = Demo(folder, port, settings)
    url = await demo.start(lambda step: print(step, flush=True))
    print(f"\nBản chạy thử đã sẵn sàng: mở {url} trong trình duyệt (chỉ máy này truy cập được).", flush=True)
    print("Nhấn Ctrl-C để dừng.", flush=True)
    if ready is not None:
        ready.set()
    try:
        await asyncio.Event().wait()
    finally:
        await demo.stop()
