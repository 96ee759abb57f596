"""`danhgia demo`: the whole cycle on one laptop, with no bot token and no internet.

The bot runs unchanged against the project's local Bot API server (sandbox/) and the local Zalo server
(zalo/sandbox.py) at once — one Application serving both platforms, as `danhgia run --zalo` with BOT_TOKEN set —
over an SQLite database seeded with a believable organisation, with a clock that only the demo moves. Each server
serves a chat page (one looks like Telegram, the other like Zalo, each with a link to the other) where the trainer
picks a person and chats as them; every person is linked on both platforms and gets notices where they wrote last
(Telegram until they write on Zalo). Jumping the clock fires the reminders that are due, as they would fire in real
time; "Reset" restores the seeded state on both platforms.
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
from urllib.parse import quote

from aiohttp import web
from pydantic import SecretStr

from danhgia.bot.app import TICKER_KEY, running
from danhgia.bot.demo_seed import PEOPLE, seed
from danhgia.bot.settings import Settings
from danhgia.bot.zalo_app import build_zalo_application, zalo_receiving
from danhgia.handlers.notifier import deliver_round
from danhgia.sandbox.core import BotApiSandbox
from danhgia.sandbox.server import SandboxServer
from danhgia.storage.db import make_engine, migrate
from danhgia.storage.uow import Database
from danhgia.workflow.calendar import friday_of
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.services import Services
from danhgia.zalo.channel import FILES_PATH, bind
from danhgia.zalo.client import ZaloBot
from danhgia.zalo.sandbox import ZaloSandbox, ZaloSandboxServer
from danhgia.zalo.store import DbChatIds

log = logging.getLogger(__name__)
TOKEN = "123456789:DEMO-SANDBOX-TOKEN"
# Where the story starts, whatever today's date: Friday 20/11/2026, 14:00 — the last Friday before November's
# self-assessment window opens (Friday 27/11, the month's second-last working day), an hour before the weekly
# check-in, with November's first weeks of tasks and check-ins recorded. Every later step of the month (the
# window, the deadlines, the review, the closing, a contest) is a jump away. tests/e2e/test_demo_page.py checks
# that this is still the last Friday before the window.
DEMO_START = (2026, 11, 20, 14, 0)
BOT_USERNAME = "danhgia_demo_bot"
BOT_NAME = "Đánh giá cán bộ (bản chạy thử)"
ZALO_ENTRY = "/demo"  # on the Zalo server: the Zalo page, its switch leading back to the Telegram page
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
        self.sandbox = BotApiSandbox(token=TOKEN, bot_username=BOT_USERNAME, bot_name=BOT_NAME)
        self.sandbox.date_clock = lambda: self.clock.now().timestamp()  # messages carry the demo's time
        self.server = SandboxServer(self.sandbox, port=port, demo=self)
        # Zalo beside it: port+1 (any free port when the Telegram page takes any), its messages on the demo's time.
        self.zalo = ZaloSandbox(account_name=BOT_NAME, clock=lambda: self.clock.now().timestamp())
        self.zalo_server = ZaloSandboxServer(self.zalo, port=port + 1 if 0 < port < 65535 else 0)
        self.zalo_server.app.router.add_get(ZALO_ENTRY, self._zalo_entry)
        self.accounts: dict[str, int] = {}  # staff code: Telegram user id
        self.zalo_accounts: dict[str, str] = {}  # staff code: Zalo user id
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

    def _files(self) -> list[tuple[Path, Path]]:
        """(working file, its seeded copy): the database and its inbox companion (`Database.inbox()`), which holds
        the Zalo ids the links use, the Zalo panels shown and the updates recorded."""
        inbox, seeded_inbox = (
            path.with_name(f"{path.stem}.inbox{path.suffix}") for path in (self.database, self.snapshot)
        )
        return [(self.database, self.snapshot), (inbox, seeded_inbox)]

    def telegram_page(self) -> str:
        """The Telegram page's address, its "Chuyển sang Zalo" leading to the Zalo page (and back)."""
        return f"{self.server.url}/?switch={quote(self.zalo_server.url + ZALO_ENTRY, safe='')}"

    def zalo_page(self) -> str:
        """The Zalo page's address, its "Chuyển sang Telegram" leading to the Telegram page (and back)."""
        return f"{self.zalo_server.url}/?switch={quote(self.telegram_page(), safe='')}"

    async def _zalo_entry(self, _request: web.Request) -> web.Response:
        """GET /demo on the Zalo server: the Zalo page with its switch (so that the two pages link to each other)."""
        raise web.HTTPFound(self.zalo_page())

    def settings(self) -> Settings:
        """The bot's settings: only the API URLs, the database and the tokens differ from a real run."""
        return self.base_settings.model_copy(
            update={
                "telegram_api_url": self.server.url,
                "database_url": f"sqlite:///{self.database}",
                "bot_token": SecretStr(self.sandbox.token),
                "bot_username": BOT_USERNAME,
                "zalo_bot_token": SecretStr(self.zalo.token),
                "zalo_api_url": self.zalo_server.url,
                "poll_timeout": 10,
                "reminder_tick_seconds": 30,
                "reminders": True,
            }
        )

    # -- life cycle ----------------------------------------------------------------------------------------------

    async def start(self, progress: Callable[[str], None] = lambda _step: None) -> str:
        """Start the pages and the bot over a freshly seeded organisation; returns the Telegram page's address (its
        "Chuyển sang Zalo" leads to the Zalo page). `progress` hears each step (in Vietnamese), for whoever waits at
        the terminal."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for person in PEOPLE:
            family, _, given = person.full_name.rpartition(" ")
            user = self.sandbox.add_user(given, family or None, language_code="vi")
            self.accounts[person.staff_code] = user.id
            zalo_user = self.zalo.add_user(person.full_name)
            zalo_user.wrote_to_bot = True  # linked people have written to the bot: it may write to them
            self.zalo_accounts[person.staff_code] = zalo_user.id
        self._open_chats()
        progress("Đang mở trang chạy thử (Telegram và Zalo)…")
        await self.server.start()
        try:
            await self.zalo_server.start()
        except BaseException:
            await self.server.stop()
            raise
        progress("Đang tạo tổ chức mẫu và ba tuần công việc…")
        await asyncio.to_thread(self._seed)
        progress("Đang khởi động bot…")
        async with self._lock:
            await self._start_bot()
            await deliver_round(self.app, wait=True)  # the seeded notices, at the seeded moment
        return self.telegram_page()

    def _seed(self) -> None:
        for working, seeded in self._files():
            for path in (working, seeded):
                _remove_database(path)
        engine = make_engine(f"sqlite:///{self.database}")
        migrate(engine)
        seeding_clock = ManualClock(self.start_at - timedelta(weeks=3, days=1))
        db = Database(engine)
        services = Services(db, self.settings().workflow_config(), seeding_clock)
        chats = DbChatIds(db)  # records each Zalo account's number, as the bridge needs it to send
        numbers = {code: chats.number(zalo_id) for code, zalo_id in self.zalo_accounts.items()}
        seed(services, seeding_clock, self.start_at, self.accounts, numbers)
        db.dispose()  # the inbox companion's connections too
        for working, seeded in self._files():
            if working.exists():
                shutil.copyfile(working, seeded)

    def _open_chats(self) -> None:
        """Every demo person has already started the bot (they are linked): their private chats exist."""
        for user_id in self.accounts.values():
            self.sandbox.private_chat(user_id)

    async def _start_bot(self) -> None:
        settings = self.settings()
        self.clock = ManualClock(self.start_at) if self.clock.now() < self.start_at else self.clock
        self.services = Services(Database(make_engine(settings.database_url)), settings.workflow_config(), self.clock)
        stack = AsyncExitStack()
        try:
            zalo = await stack.enter_async_context(
                ZaloBot(self.zalo.token, base_url=self.zalo_server.url, trust_env=False)
            )
            sockets = bind("127.0.0.1", 0)  # the Zalo file links (the bot serves them itself)
            for sock in sockets:
                stack.callback(sock.close)
            files_url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}{FILES_PATH}"
            self.app = build_zalo_application(settings, self.services, zalo, files_url, with_telegram=True)
            await stack.enter_async_context(running(self.app, poll_timeout=settings.poll_timeout))
            await stack.enter_async_context(zalo_receiving(self.app, sockets, poll_timeout=settings.poll_timeout))
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack

    async def _stop_bot(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None
        if self.services is not None:
            self.services.db.dispose()
            self.services = None

    async def stop(self) -> None:
        """Stop the bot and the pages."""
        await self._stop_bot()
        await self.zalo_server.stop()
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
        """Stop the bot, restore the seeded database (both links of each person, no Zalo panel shown), forget every
        chat on both platforms, restart at the seeded moment."""
        async with self._lock:
            await self._stop_bot()
            for working, seeded in self._files():
                if seeded.exists():
                    _remove_database(working)
                    shutil.copyfile(seeded, working)
            self.sandbox.reset_conversations()
            self.zalo.reset_conversations()
            self._open_chats()
            self.clock = ManualClock(self.start_at)
            await self._start_bot()
            # The seeded notices go out now, at the seeded moment: a jump made right after "reset" waits for this
            # (it takes the same lock), so it can never stamp them with its own time.
            await deliver_round(self.app, wait=True)
            return self.describe()


def _remove_database(path: Path) -> None:
    """Delete an SQLite file with its write-ahead log and shared memory, if there."""
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        name.unlink(missing_ok=True)


async def run_demo(folder: Path, port: int, settings: Settings, ready: asyncio.Event | None = None) -> None:
    """Run the demo until cancelled (Ctrl-C)."""
    demo = Demo(folder, port, settings)
    url = await demo.start(lambda step: print(step, flush=True))
    print(f"\nBản chạy thử đã sẵn sàng: mở {url} trong trình duyệt (chỉ máy này truy cập được).", flush=True)
    zalo = demo.zalo_server.url + ZALO_ENTRY
    print(f"Trang Zalo: {zalo} (mỗi trang có nút chuyển sang trang kia).", flush=True)
    print("Nhấn Ctrl-C để dừng.", flush=True)
    if ready is not None:
        ready.set()
    try:
        await asyncio.Event().wait()
    finally:
        await demo.stop()
