"""Shared fixtures: databases (SQLite always, PostgreSQL when TEST_POSTGRES_URL is set), clock, sandbox, bot."""

from __future__ import annotations

import csv
import logging
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from danhgia.bot.app import build_application, running, running_webhook
from danhgia.bot.settings import Settings
from danhgia.sandbox.core import BotApiSandbox
from danhgia.sandbox.server import SandboxServer
from danhgia.sandbox.users import SimUser
from danhgia.storage.db import make_engine, migrate, normalise_url
from danhgia.storage.uow import Database
from danhgia.workflow.clock import Clock, ManualClock
from danhgia.workflow.services import Services, WorkflowConfig

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
MOVED_CLOCK_MIN_DAYS = 300  # the moved-clock run shifts the clock by 365 days
TRANSPORT_ENV = "DANHGIA_TEST_TRANSPORT"  # "webhook": the end-to-end tests' bot receives through a webhook
TRANSPORTS = ("polling", "webhook")
WEBHOOK_SECRET = "e2e_webhook-SECRET_0123456789"
ROSTER_HEADER = ["ma_can_bo", "ho_ten", "ma_don_vi", "ten_don_vi", "chuc_vu", "vai_tro", "ma_cap_tren", "ma_don_vi_cha"]
# A small department: a director, two units with leaders and staff, an HR officer and an administrator.
ROSTER_ROWS = [
    ["GD01", "Trần Văn Minh", "SO", "Sở Nội vụ", "Giám đốc", "lanh_dao", "", ""],
    ["TP01", "Nguyễn Thị Hoa", "TH", "Phòng Tổng hợp", "Trưởng phòng", "lanh_dao", "GD01", "SO"],
    ["CV01", "Lê Văn An", "TH", "Phòng Tổng hợp", "Chuyên viên", "nhan_vien", "TP01", "SO"],
    ["CV02", "Phạm Thị Bình", "TH", "Phòng Tổng hợp", "Chuyên viên", "nhan_vien", "TP01", "SO"],
    ["TP02", "Hoàng Văn Cường", "CC", "Phòng Công chức", "Trưởng phòng", "lanh_dao", "GD01", "SO"],
    ["CV03", "Đỗ Thị Dung", "CC", "Phòng Công chức", "Chuyên viên", "nhan_vien", "TP02", "SO"],
    ["TC01", "Vũ Thị Giang", "CC", "Phòng Công chức", "Chuyên viên tổ chức", "to_chuc", "TP02", "SO"],
    ["QT01", "Bùi Văn Hải", "TH", "Phòng Tổng hợp", "Chuyên viên CNTT", "nhan_vien,quan_tri", "TP01", "SO"],
]


def pytest_sessionstart(session: pytest.Session) -> None:
    """In the moved-clock run (scripts/test.sh), stop at once unless the clock really is a year ahead."""
    ahead_of = os.environ.get("DANHGIA_CLOCK_AHEAD_OF")
    if ahead_of and time.time() < float(ahead_of) + MOVED_CLOCK_MIN_DAYS * 86_400:
        pytest.exit(
            f"DANHGIA_CLOCK_AHEAD_OF is set but the clock is not {MOVED_CLOCK_MIN_DAYS} days ahead: "
            "libfaketime is not in effect, so this run would prove nothing",
            returncode=3,
        )


def transport() -> str:
    """How the end-to-end tests' bot receives updates: long polling, or a webhook the sandbox posts to when
    DANHGIA_TEST_TRANSPORT=webhook."""
    chosen = os.environ.get(TRANSPORT_ENV, "").strip() or "polling"
    if chosen not in TRANSPORTS:
        raise pytest.UsageError(f"{TRANSPORT_ENV} must be one of {', '.join(TRANSPORTS)}, not {chosen!r}")
    return chosen


def write_roster(path: Path, rows: list[list[str]], header: list[str] | None = None, bom: bool = False) -> Path:
    """Write a roster CSV."""
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header or ROSTER_HEADER)
        writer.writerows(rows)
    return path


# -- databases -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    """A PostgreSQL database migrated once, used as the template of each test's database."""
    if not POSTGRES_URL:
        yield None
        return
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"danhgia_tmpl_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(POSTGRES_URL)).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _sqlite_copy(template: Path, tmp_path: Path) -> str:
    target = tmp_path / "danhgia.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, sqlite_template: Path, postgres_template: str | None, tmp_path: Path
) -> Iterator[str]:
    """A fresh, migrated database on each backend (PostgreSQL skipped without TEST_POSTGRES_URL)."""
    if request.param == "sqlite":
        yield _sqlite_copy(sqlite_template, tmp_path)
        return
    if not POSTGRES_URL or postgres_template is None:
        pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"danhgia_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    yield make_url(normalise_url(POSTGRES_URL)).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh, migrated SQLite database (for end-to-end tests)."""
    return _sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    """A clock standing at Friday 20/11/2026 09:00 in Hà Nội."""
    return ManualClock(START)


def make_services(url: str, clock: Clock) -> Services:
    """Workflow services over a database URL."""
    config = WorkflowConfig(timezone=VN, invite_ttl=timedelta(days=14))
    return Services(Database(make_engine(url)), config, clock)


@pytest.fixture
def services(database_url: str, clock: ManualClock) -> Iterator[Services]:
    """Workflow services on each backend."""
    built = make_services(database_url, clock)
    yield built
    built.db.dispose()


# -- sandbox and bot -----------------------------------------------------------------------------------


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    """A running local Bot API server that checks every call against the spec; violations fail the test."""
    running_server = SandboxServer(BotApiSandbox())
    await running_server.start()
    yield running_server
    await running_server.stop()
    violations = running_server.sandbox.violations
    assert violations == [], f"the bot broke the Bot API: {violations}"
    wasted = running_server.sandbox.wasted_calls()
    assert wasted == [], f"the bot made calls Telegram rejects: {wasted}"


@pytest.fixture
def sandbox(server: SandboxServer) -> BotApiSandbox:
    """The sandbox behind the running server."""
    return server.sandbox


def bot_settings(server: SandboxServer, database_url: str, **overrides: Any) -> Settings:
    """Settings pointing the bot at the sandbox server."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=server.sandbox.token,
        telegram_api_url=server.url,
        database_url=database_url,
        poll_timeout=1,
        reminders=False,  # the tests tick the reminders themselves (world.tick()) at the moments they choose
        **overrides,
    )


class BotWorld:
    """The running bot, its services and the sandbox, with helpers to act as staff."""

    def __init__(
        self, sandbox: BotApiSandbox, services: Services, settings: Settings, transport_name: str | None = None
    ) -> None:
        self.sandbox = sandbox
        self.services = services
        self.settings = settings
        self.transport = transport_name or transport()
        self._stack: AsyncExitStack | None = None
        self.app: Any = None

    async def start(self) -> None:
        """Start the Application as `danhgia run` builds it, polling the sandbox or behind a webhook it posts to."""
        self._stack = AsyncExitStack()
        self.app = build_application(self.settings, self.services)
        if self.transport == "webhook":
            await self._stack.enter_async_context(running_webhook(self.app, WEBHOOK_SECRET))
        else:
            await self._stack.enter_async_context(running(self.app))

    async def tick(self) -> int:
        """One reminder tick at the services' clock (what the scheduler does every minute), then delivery."""
        from danhgia.bot.app import TICKER_KEY
        from danhgia.handlers.notifier import deliver_round

        added: int = await self.app.bot_data[TICKER_KEY].tick()
        await deliver_round(self.app, wait=True)
        return added

    async def stop(self) -> None:
        """Stop the Application (updates sent meanwhile wait in the sandbox)."""
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None

    async def restart(self) -> None:
        """Stop the bot and start a brand-new Application and services over the same database."""
        await self.stop()
        self.services = make_services(self.settings.database_url, self.services.clock)  # type: ignore[arg-type]
        await self.start()

    def user(self, first_name: str, last_name: str | None = None, language_code: str = "vi") -> SimUser:
        """A new Telegram user."""
        return SimUser(self.sandbox, self.sandbox.add_user(first_name, last_name, language_code=language_code))

    def invite_link(self, staff_code: str) -> str:
        """A fresh invite link for one person (as `danhgia invite` makes them)."""
        from danhgia.workflow.common import Actor

        issued = self.services.linking.issue_invites(Actor.cli("test"))
        codes = {i.staff_code: i.code for i in issued}
        return f"https://t.me/{self.sandbox.bot_username}?start={codes[staff_code]}"

    async def linked_user(self, staff_code: str, first_name: str = "Người") -> SimUser:
        """A Telegram user who has opened their invite link."""
        user = self.user(first_name)
        user.open_link(self.invite_link(staff_code))
        await user.next_message()
        return user


@asynccontextmanager
async def open_world(
    server: SandboxServer, sqlite_url: str, clock: ManualClock, tmp_path: Path, transport_name: str | None = None
) -> AsyncIterator[BotWorld]:
    """The real Application (as `danhgia run` builds it) against the sandbox, with the demo roster imported;
    receiving through `transport_name` (by default as DANHGIA_TEST_TRANSPORT says)."""
    from danhgia.workflow.common import Actor
    from danhgia.workflow.roster_file import read_roster

    settings = bot_settings(server, sqlite_url)
    services = make_services(sqlite_url, clock)
    services.roster.import_table(read_roster(write_roster(tmp_path / "roster.csv", ROSTER_ROWS)), Actor.cli("test"))
    bot_world = BotWorld(server.sandbox, services, settings, transport_name)
    await bot_world.start()
    try:
        yield bot_world
    finally:
        await bot_world.stop()
        bot_world.services.db.dispose()
        services.db.dispose()


@pytest.fixture
async def world(server: SandboxServer, sqlite_url: str, clock: ManualClock, tmp_path: Path) -> AsyncIterator[BotWorld]:
    """The real Application (as `danhgia run` builds it) polling the sandbox — or behind a webhook the sandbox posts
    to, when DANHGIA_TEST_TRANSPORT=webhook — with the demo roster imported."""
    async with open_world(server, sqlite_url, clock, tmp_path) as bot_world:
        yield bot_world


@pytest.fixture(autouse=True)
def logging_as_it_was() -> Iterator[None]:
    """A command run in a test (`danhgia run` through typer's runner) configures logging to the runner's stream,
    closed once it returns: the root logger's handlers and level are put back after every test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
