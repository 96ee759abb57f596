"""Composition root: settings → database → workflow services → the python-telegram-bot Application, its handlers
and its timed jobs (scheduler/jobs.py)."""

from __future__ import annotations

import gc
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import ApplicationBuilder
from telegram.request import BaseRequest

from danhgia import handlers
from danhgia.bot.settings import Settings
from danhgia.bot.updates import PerChatUpdateProcessor, PollRequest, RecordingQueue
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
from danhgia.workflow.inbox import SharedInbox
from danhgia.workflow.services import Services
from danhgia.zalo.routing import RoutingRequest

# python-telegram-bot's coming behaviour, opted in: durations such as a 429's retry_after are timedeltas.
os.environ.setdefault("PTB_TIMEDELTA", "1")
log = logging.getLogger(__name__)
SWITCH_INTERVAL = 0.0005
# Seconds the bot waits for Telegram's answer. An answer that does not come leaves it unknown whether the call was
# carried out, so a retried edit may find it done ("not modified", a call Telegram refuses): a generous wait makes
# that rare on a loaded machine (python-telegram-bot's default is 5 s).
READ_TIMEOUT = 12.0
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
HEALTH_KEY = "health_server"  # bot_data: (WEBHOOK_LISTEN, HEALTH_PORT) until started, then the /healthz server
TICKER_KEY = "reminder_ticker"  # bot_data: the reminder ticker, for whoever ticks by hand (the demo, the tests)
WEBHOOK_PATH = "/telegram"  # where `running_webhook` serves when given no address
WEBHOOK_MAX_CONNECTIONS = 40  # Telegram's default: requests it may have in flight to the webhook at once


class WebhookUnavailable(Exception):
    """The webhook's address cannot be listened on (taken by another program, not an address of this machine)."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"{address}: {reason}")
        self.address = address
        self.reason = reason


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
    if isinstance(address := app.bot_data.get(HEALTH_KEY), tuple):  # /healthz once the bot is ready
        from danhgia.bot.health import start_health_server  # tornado: only where /healthz is served

        app.bot_data[HEALTH_KEY] = await start_health_server(services, *address)
    api = app.bot.base_url.removesuffix("/").rpartition("/bot")[0] or app.bot.base_url  # never the token
    log.info("danhgia is running as @%s (Bot API server %s)", app.bot.username, api)


def build_application(
    settings: Settings,
    services: Services,
    *,
    rate_limiter: bool = True,
    channel: tuple[str, BaseRequest, BaseRequest] | None = None,
    zalo: BaseRequest | None = None,
) -> App:
    """The Application exactly as `danhgia run` uses it, against `TELEGRAM_API_URL`.

    `rate_limiter=False` is for benchmarks that measure the bot's own cost (Telegram's limits off). `channel` (a
    token and the requests for calls and for getUpdates) puts another platform under the same handlers: the Zalo
    bridge (bot/zalo_app.py); its updates come from its own receiver, not from an updater. `zalo` (the bridge's
    request) serves both platforms at once: each call goes where its chat is (zalo/routing.py).
    """
    # The event loop holds the interpreter most of the time; database calls run in threads that would wait up
    # to 5 ms (Python's default switch interval) for their turn on every hand-off. 0.5 ms keeps them prompt.
    sys.setswitchinterval(SWITCH_INTERVAL)
    api = settings.telegram_api_url
    shared = SharedInbox.of(services.inbox)  # PostgreSQL: several instances share the inbox; SQLite: None
    updates = RecordingQueue(shared=shared is not None)
    updates.inbox = services.inbox
    processor = PerChatUpdateProcessor(shared=shared)
    processor.inbox = services.inbox
    builder: Any = (
        ApplicationBuilder()
        .update_queue(updates)
        .concurrent_updates(processor)
        .post_init(on_startup)
        .post_stop(on_stop)
    )
    if channel is None:
        telegram = TelegramRequest(connection_pool_size=16, read_timeout=READ_TIMEOUT)
        builder = (
            builder.token(settings.token())
            .base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot")
            .request(telegram if zalo is None else RoutingRequest(telegram, zalo))
            .get_updates_request(PollRequest(updates, connection_pool_size=1, read_timeout=settings.poll_timeout + 10))
        )
    else:
        token, requests, polls = channel
        builder = builder.token(token).request(requests).get_updates_request(polls).updater(None)
    if rate_limiter:
        builder = builder.rate_limiter(_limiter(settings))
    app: App = builder.build()
    processor.attach(app)
    app.bot_data[SERVICES_KEY] = services
    if settings.health_port:
        app.bot_data[HEALTH_KEY] = (settings.webhook_listen, settings.health_port)
    use_database(services.db)
    tick_seconds = settings.reminder_tick_seconds if settings.reminders else None
    app.bot_data[TICKER_KEY] = jobs.register(app, services, notifier.deliver_round, tick_seconds)
    handlers.register(app)
    return app


def _limiter(settings: Settings) -> SlidingWindowRateLimiter:
    """Telegram's limits kept by this process alone, or — with REDIS_URL — by every instance of this bot together."""
    if not settings.redis_url:
        return SlidingWindowRateLimiter()
    from danhgia.handlers.ratelimit_shared import SharedRateLimiter  # redis: only where several instances run

    bot_id = settings.token().partition(":")[0]
    return SharedRateLimiter(settings.redis_url, prefix=f"danhgia:{bot_id}", fallback_share=1 / settings.instances)


async def on_stop(app: App) -> None:
    """Stop the /healthz endpoint, then the timed jobs."""
    server = app.bot_data.pop(HEALTH_KEY, None)
    if server is not None and not isinstance(server, tuple):  # started (a tuple: the address, never started)
        await server.stop()
    await jobs.stop(app)


@asynccontextmanager
async def _serving(app: App, receive: Callable[[], Awaitable[object]]) -> AsyncIterator[App]:
    """Initialise, run `post_init`, start receiving updates with `receive`, start; undo it all on exit."""
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        await receive()
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


@asynccontextmanager
async def running(app: App, poll_timeout: int = 1) -> AsyncIterator[App]:
    """Run an Application inside an existing event loop (tests, the demo) the way `run_polling` does."""

    async def poll() -> object:
        assert app.updater is not None
        return await app.updater.start_polling(  # deletes any webhook first
            poll_interval=0.0,
            timeout=poll_timeout,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )

    async with _serving(app, poll):
        yield app


def listening_socket(listen: str, port: int) -> socket.socket:
    """A TCP socket listening on `listen`:`port` (0: any free port) for the webhook server; WebhookUnavailable when
    the address cannot be taken."""
    family = socket.AF_INET6 if ":" in listen else socket.AF_INET
    address = f"[{listen}]:{port}" if family == socket.AF_INET6 else f"{listen}:{port}"
    try:
        sock = socket.create_server((listen, port), family=family, backlog=128)
    except OSError as error:
        raise WebhookUnavailable(address, error.strerror or str(error)) from error
    sock.setblocking(False)
    return sock


def webhook_path(url: str) -> str:
    """The path the webhook server answers on: the public address's own path (a reverse proxy passes it as is)."""
    return urlsplit(url).path.rstrip("/") or "/"


@asynccontextmanager
async def running_webhook(
    app: App,
    secret_token: str,
    url: str | None = None,
    *,
    listen: str = "127.0.0.1",
    port: int = 0,
    max_connections: int = WEBHOOK_MAX_CONNECTIONS,
) -> AsyncIterator[App]:
    """Run an Application inside an existing event loop behind python-telegram-bot's webhook server, the way
    `run_webhook` does: setWebhook(`url`, `secret_token`, ALLOWED_UPDATES, drop_pending_updates=False), then serve.

    The server listens on `listen`:`port` (0: a free port) and answers on `url`'s path; without `url`, Telegram is
    told `http://{listen}:{port}/telegram`. Every request without the secret header is refused with 403; an update
    is answered 200 only once `RecordingQueue.put` has recorded it (a failure answers 500, and Telegram retries).
    """
    sock = listening_socket(listen, port)
    try:
        host, bound = sock.getsockname()[:2]
        address = url or f"http://{f'[{host}]' if ':' in host else host}:{bound}{WEBHOOK_PATH}"

        async def serve() -> object:
            assert app.updater is not None
            return await app.updater.start_webhook(
                url_path=webhook_path(address),
                webhook_url=address,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                max_connections=max_connections,
                secret_token=secret_token,
                unix=sock,  # python-telegram-bot's name for "serve on this socket"; a TCP one here
            )

        async with _serving(app, serve):
            yield app
    finally:
        sock.close()


def settle_heap() -> None:
    """Once the bot is built: what was loaded so far lives as long as the process, so the cyclic garbage collector
    stops looking at it (`gc.freeze`); each of its full collections then walks only what updates created since."""
    gc.collect()
    gc.freeze()


def run(settings: Settings, *, webhook: bool = False) -> None:
    """Long-poll Telegram (or, with `webhook`, serve the webhook WEBHOOK_URL names) until Ctrl-C or SIGTERM;
    updates sent meanwhile wait on Telegram's side.

    Webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET (ValueError otherwise) and raises WebhookUnavailable when
    WEBHOOK_LISTEN:WEBHOOK_PORT cannot be listened on; the webhook stays set on Telegram when the bot stops.
    """
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret is not None else ""
    if webhook and not (settings.webhook_url and secret):
        raise ValueError("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
    configure_logging(settings.log_level)
    sock = listening_socket(settings.webhook_listen, settings.webhook_port) if webhook else None
    try:
        db = open_database(settings)
        try:
            app = build_application(settings, build_services(settings, db))
            settle_heap()
            if sock is None:
                app.run_polling(
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                    timeout=settings.poll_timeout,
                    poll_interval=0.0,
                    close_loop=False,
                )
            else:
                log.info(
                    "webhook: listening on %s:%d for %s",
                    settings.webhook_listen,
                    sock.getsockname()[1],
                    settings.webhook_url,
                )
                app.run_webhook(
                    url_path=webhook_path(settings.webhook_url),
                    webhook_url=settings.webhook_url,
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                    max_connections=WEBHOOK_MAX_CONNECTIONS,
                    secret_token=secret,
                    unix=sock,  # bound above, so that a taken port is said before anything starts
                    close_loop=False,
                )
        finally:
            db.dispose()
            log.info("danhgia stopped")
    finally:
        if sock is not None:
            sock.close()
