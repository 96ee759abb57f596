"""Composition root: settings → database → workflow services → the python-telegram-bot Application, its handlers
and its timed jobs (scheduler/jobs.py)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder

from danhgia import handlers
from danhgia.bot.settings import Settings
from danhgia.bot.updates import PerChatUpdateProcessor, RecordingQueue
from danhgia.handlers import notifier
from danhgia.handlers.context import SERVICES_KEY, App, run_sync, use_database
from danhgia.handlers.edits import PanelMemory
from danhgia.handlers.menu import (
    default_signature,
    menu_signature,
    offered_by,
    publish_chat_menu,
    publish_default_menus,
)
from danhgia.handlers.ratelimit import SlidingWindowRateLimiter, TelegramRequest
from danhgia.handlers.ui import MEMORY_KEY
from danhgia.scheduler import jobs
from danhgia.storage.db import make_engine, migrate
from danhgia.storage.uow import Database
from danhgia.workflow.clock import Clock
from danhgia.workflow.services import Services

# python-telegram-bot's coming behaviour, opted in: durations such as a 429's retry_after are timedeltas.
os.environ.setdefault("PTB_TIMEDELTA", "1")
log = logging.getLogger(__name__)
SWITCH_INTERVAL = 0.0005
# Seconds the bot waits for Telegram's answer. An answer that does not come leaves it unknown whether the call was
# carried out, so a retried edit may find it done ("not modified", a call Telegram refuses): a generous wait makes
# that rare on a loaded machine (python-telegram-bot's default is 5 s).
READ_TIMEOUT = 12.0
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
TICKER_KEY = "reminder_ticker"  # bot_data: the reminder ticker, for whoever ticks by hand (the demo, the tests)


def configure_logging(level: str) -> None:
    """Readable one-line logs; the HTTP client's per-request lines only at DEBUG."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
        force=True,
    )
    if level != "DEBUG":
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)


def open_database(settings: Settings) -> Database:
    """Connect to the configured database and bring its schema up to date."""
    db = Database(make_engine(settings.database_url))
    migrate(db.engine)
    return db


def build_services(settings: Settings, db: Database, clock: Clock | None = None) -> Services:
    """The workflow facade for these settings."""
    return Services(db, settings.workflow_config(), clock)


async def sync_menus(app: App) -> None:
    """Give every linked person's chat the command menu of their roles, sending only what changed."""
    services: Services = app.bot_data[SERVICES_KEY]
    targets = await run_sync(services.linking.menu_targets)
    offered = offered_by(services)
    default = default_signature(offered)
    for target in targets:
        wanted = menu_signature(target.roles, offered)
        if wanted == (target.menu_signature or default):
            continue
        if await publish_chat_menu(app.bot, target.chat_id, target.roles, offered):
            stored = None if wanted == default else wanted
            await run_sync(services.linking.record_menu, target.person_id, stored)


async def on_startup(app: App) -> None:
    """Queue the updates received before the last stop, register the command menus in Vietnamese and English,
    then say that the bot runs."""
    services: Services = app.bot_data[SERVICES_KEY]
    memory = app.bot_data.setdefault(MEMORY_KEY, PanelMemory())
    for chat_id, message_id, view, content in await run_sync(services.inbox.recent_edits):
        memory.remember(int(chat_id), int(message_id), str(view), str(content))  # what panels show, across a restart
    if isinstance(app.update_queue, RecordingQueue):
        await app.update_queue.replay(app.bot)
    await publish_default_menus(app.bot, offered_by(services))
    await sync_menus(app)
    await jobs.start(app)
    api = app.bot.base_url.removesuffix("/").rpartition("/bot")[0] or app.bot.base_url  # never the token
    log.info("danhgia is running as @%s (Bot API server %s)", app.bot.username, api)


def build_application(settings: Settings, services: Services, *, rate_limiter: bool = True) -> App:
    """The Application exactly as `danhgia run` uses it, against `TELEGRAM_API_URL`.

    `rate_limiter=False` is for benchmarks that measure the bot's own cost (Telegram's limits off).
    """
    # The event loop holds the interpreter most of the time; database calls run in threads that would wait up
    # to 5 ms (Python's default switch interval) for their turn on every hand-off. 0.5 ms keeps them prompt.
    sys.setswitchinterval(SWITCH_INTERVAL)
    api = settings.telegram_api_url
    updates = RecordingQueue()
    updates.inbox = services.inbox
    processor = PerChatUpdateProcessor()
    processor.inbox = services.inbox
    builder: Any = (
        ApplicationBuilder()
        .token(settings.token())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .update_queue(updates)
        .concurrent_updates(processor)
        .request(TelegramRequest(connection_pool_size=16, read_timeout=READ_TIMEOUT))
        .get_updates_request(TelegramRequest(connection_pool_size=1, read_timeout=settings.poll_timeout + 10))
        .post_init(on_startup)
        .post_stop(jobs.stop)
    )
    if rate_limiter:
        builder = builder.rate_limiter(SlidingWindowRateLimiter())
    app: App = builder.build()
    app.bot_data[SERVICES_KEY] = services
    use_database(services.db)
    tick_seconds = settings.reminder_tick_seconds if settings.reminders else None
    app.bot_data[TICKER_KEY] = jobs.register(app, services, notifier.deliver_round, tick_seconds)
    handlers.register(app)
    return app


@asynccontextmanager
async def running(app: App, poll_timeout: int = 1) -> AsyncIterator[App]:
    """Run an Application inside an existing event loop (tests, the demo) the way `run_polling` does."""
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0,
            timeout=poll_timeout,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
                if app.post_stop is not None:
                    await app.post_stop(app)
    finally:
        await app.shutdown()


def run(settings: Settings) -> None:
    """Long-poll Telegram until Ctrl-C or SIGTERM; updates sent meanwhile wait on Telegram's side."""
    configure_logging(settings.log_level)
    db = open_database(settings)
    services = build_services(settings, db)
    app = build_application(settings, services)
    try:
        app.run_polling(
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
            timeout=settings.poll_timeout,
            poll_interval=0.0,
            close_loop=False,
        )
    finally:
        db.dispose()
        log.info("danhgia stopped")
