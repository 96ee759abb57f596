"""`danhgia run --zalo`: the bot on Zalo — the same Application, handlers and workflow as on Telegram, its Bot API
calls answered on Zalo by the bridge (zalo/bridge.py) and its updates recorded by the Zalo receiver
(zalo/channel.py), by webhook (ZALO_WEBHOOK_SECRET set) or long polling, with the signed file links served beside.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Update

from danhgia.bot.app import (
    build_application,
    build_services,
    configure_logging,
    open_database,
    running,
    settle_heap,
)
from danhgia.bot.settings import Settings
from danhgia.bot.updates import RecordingQueue
from danhgia.handlers.context import App, run_sync
from danhgia.workflow.services import Services
from danhgia.zalo.bridge import ZaloRequest
from danhgia.zalo.channel import (
    FILES_PATH,
    WEBHOOK_PATH,
    WebServer,
    ZaloReceiver,
    bind,
    poll_forever,
    start_web_server,
    web_application,
)
from danhgia.zalo.client import ZaloBot, ZaloError
from danhgia.zalo.files import SignedFileLinks
from danhgia.zalo.store import DbChatIds, DbMessageIds, DbPanelStore, ZaloInbox

log = logging.getLogger(__name__)

ZALO_KEY = "danhgia.zalo"
FILE_LIFETIME = timedelta(days=7)


@dataclass
class ZaloParts:
    """What the Zalo channel of one Application holds: the client, the stores, the receiver, and while it runs,
    the web server and the polling task."""

    zalo: ZaloBot
    chats: DbChatIds
    panels: DbPanelStore
    message_ids: DbMessageIds
    files: SignedFileLinks
    receiver: ZaloReceiver | None = None
    server: WebServer | None = None
    poller: asyncio.Task[None] | None = None


def public_base(settings: Settings, port: int) -> str:
    """The address Zalo and people reach the bot's endpoint at: ZALO_PUBLIC_URL, or the local server."""
    if settings.zalo_public_url:
        return settings.zalo_public_url
    host = settings.zalo_listen if ":" not in settings.zalo_listen else f"[{settings.zalo_listen}]"
    return f"http://{host}:{port}"


def build_zalo_application(
    settings: Settings, services: Services, zalo: ZaloBot, files_url: str, *, with_telegram: bool = False
) -> App:
    """The Application `danhgia run --zalo` runs: Telegram's, with every Bot API call answered on Zalo (or, with
    `with_telegram`, each call on the platform of its chat); file links under `files_url`."""
    db = services.db
    chats, panels, message_ids = DbChatIds(db), DbPanelStore(db), DbMessageIds(db)
    files = SignedFileLinks(settings.zalo_files_key(), files_url, lifetime=FILE_LIFETIME)

    def request() -> ZaloRequest:
        return ZaloRequest(zalo, chats=chats, panels=panels, files=files, message_ids=message_ids)

    if with_telegram:
        app = build_application(settings, services, zalo=request())
    else:
        app = build_application(settings, services, channel=(settings.zalo_token(), request(), request()))
    parts = ZaloParts(zalo, chats, panels, message_ids, files)
    queue = app.update_queue
    assert isinstance(queue, RecordingQueue)

    async def sink(payload: dict[str, Any]) -> None:
        await queue.put_recorded(Update.de_json(payload, app.bot))

    def awaits_text(user: int) -> bool:
        identity = services.linking.whois(user)
        return identity is not None and services.dialogs.get(identity.person_id) is not None

    parts.receiver = ZaloReceiver(
        chats=chats,
        recorder=ZaloInbox(services.inbox.db, services.clock),
        sink=sink,
        awaits_text=awaits_text,
        run=run_sync,
        clock=lambda: services.clock.now().timestamp(),
    )
    app.bot_data[ZALO_KEY] = parts
    return app


def parts_of(app: App) -> ZaloParts:
    """The Zalo channel of an Application built by `build_zalo_application`."""
    parts = app.bot_data.get(ZALO_KEY)
    if not isinstance(parts, ZaloParts):
        raise RuntimeError("not a Zalo application")
    return parts


@asynccontextmanager
async def zalo_receiving(
    app: App, sockets: list[socket.socket], *, secret: str = "", webhook_url: str = "", poll_timeout: float = 30
) -> AsyncIterator[App]:
    """Receive Zalo's events for a running Application: the web server on `sockets` (the files; the webhook too with
    `secret` and `webhook_url`, where Zalo is told to post), else long polling getUpdates."""
    parts = parts_of(app)
    assert parts.receiver is not None
    application = web_application(parts.files, parts.receiver if secret else None, secret)
    parts.server = await start_web_server(application, sockets)
    try:
        if secret:
            await parts.zalo.set_webhook(webhook_url, secret)
            log.info("zalo: events are posted to %s", webhook_url)
        else:
            with contextlib.suppress(ZaloError):  # polling is refused while a webhook is set
                if (await parts.zalo.get_webhook_info()).is_set:
                    await parts.zalo.delete_webhook()
            parts.poller = asyncio.create_task(poll_forever(parts.zalo, parts.receiver, poll_timeout), name="zalo poll")
        yield app
    finally:
        if parts.poller is not None:
            parts.poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await parts.poller
            parts.poller = None
        await parts.server.stop()
        parts.server = None


@asynccontextmanager
async def running_zalo(
    app: App,
    sockets: list[socket.socket],
    *,
    secret: str = "",
    webhook_url: str = "",
    poll_timeout: float = 30,
) -> AsyncIterator[App]:
    """Run a Zalo-only Application in the running event loop, receiving as `zalo_receiving` does."""
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        async with zalo_receiving(app, sockets, secret=secret, webhook_url=webhook_url, poll_timeout=poll_timeout):
            await app.start()
            try:
                yield app
            finally:
                if app.running:
                    await app.stop()
                    if app.post_stop is not None:
                        await app.post_stop(app)
    finally:
        await app.shutdown()


def run_zalo(settings: Settings) -> None:
    """Serve Zalo until Ctrl-C or SIGTERM: the webhook when ZALO_WEBHOOK_SECRET is set, else long polling; with
    BOT_TOKEN set too, Telegram as well (long polling), in one Application. Raises OSError when
    ZALO_LISTEN:ZALO_PORT cannot be listened on."""
    with_telegram = settings.bot_token is not None and bool(settings.bot_token.get_secret_value().strip())
    configure_logging(settings.log_level)
    secret = settings.zalo_webhook_secret.get_secret_value() if settings.zalo_webhook_secret is not None else ""
    sockets = bind(settings.zalo_listen, settings.zalo_port)
    base = public_base(settings, sockets[0].getsockname()[1])
    db = open_database(settings)

    async def main() -> None:
        async with ZaloBot(settings.zalo_token(), base_url=settings.zalo_api_url) as zalo:
            services = build_services(settings, db)
            app = build_zalo_application(settings, services, zalo, base + FILES_PATH, with_telegram=with_telegram)
            settle_heap()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for number in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(number, stop.set)
            hook, timeout = base + WEBHOOK_PATH, settings.poll_timeout
            async with contextlib.AsyncExitStack() as stack:
                if with_telegram:  # Telegram's updates by long polling, Zalo's beside them
                    await stack.enter_async_context(running(app, settings.poll_timeout))
                    receiving = zalo_receiving(app, sockets, secret=secret, webhook_url=hook, poll_timeout=timeout)
                else:
                    receiving = running_zalo(app, sockets, secret=secret, webhook_url=hook, poll_timeout=timeout)
                await stack.enter_async_context(receiving)
                where = "Telegram and Zalo" if with_telegram else "Zalo"
                log.info("danhgia is running on %s (Zalo's files%s at %s)", where, " and webhook" * bool(secret), base)
                await stop.wait()

    try:
        asyncio.run(main())
    finally:
        db.dispose()
        for sock in sockets:
            sock.close()
        log.info("danhgia stopped")
