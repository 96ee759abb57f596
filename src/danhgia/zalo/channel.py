"""The Zalo channel of a running bot (docs/zalo-api.md, "How the Zalo channel plugs into the bot"): each event is
recorded the moment it arrives, before any work on it, and then handled by the very Application code Telegram's
updates go through, its calls answered on Zalo by the bridge.

- `ZaloReceiver.receive` records an event (deduplicated by Zalo's message id, the bot's own echoes ignored) with the
  update it becomes (`inbound.event_update`, against the chat's latest panel), in one transaction, then queues the
  update. Zalo's getUpdates hands an event out once, with no offset: a recording that fails is retried, the event
  held in memory meanwhile, so that only a process dying in that very moment can lose it (Zalo's webhook, which
  the docs advise in production, is answered 200 only once the event is recorded).
- `poll_forever` long-polls getUpdates; `start_web_server` serves the webhook (the secret header checked on every
  request) and the signed file links (`files.SignedFileLinks`) on one tornado server.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import logging
import mimetypes
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol, TypeVar

import tornado.escape
import tornado.httpserver
import tornado.netutil
import tornado.web

from danhgia.zalo.client import RateLimited, ZaloBot, ZaloError
from danhgia.zalo.events import ZaloEvent, parse_event
from danhgia.zalo.files import SignedFileLinks
from danhgia.zalo.ids import ChatIds
from danhgia.zalo.inbound import event_update
from danhgia.zalo.panels import ShownPanel

log = logging.getLogger(__name__)
T = TypeVar("T")

SECRET_HEADER: Final = "X-Bot-Api-Secret-Token"
WEBHOOK_PATH: Final = "/zalo"
FILES_PATH: Final = "/zalo/files"
RECORD_RETRY: Final = (0.2, 5.0)  # seconds before recording an event again after a failure: first, cap
POLL_RETRY: Final = (1.0, 30.0)  # seconds before polling again after an error: first, cap
EXPIRED_PAGE: Final = (
    "<!doctype html><html lang='vi'><meta charset='utf-8'><title>danhgia</title>"
    "<p>Liên kết này đã hết hạn hoặc không hợp lệ. Vui lòng mở lại tệp từ tin nhắn mới nhất của danhgia.</p></html>"
)


class Recorder(Protocol):
    """Records an event and its update in one transaction (`zalo.store.ZaloInbox`)."""

    def record(
        self,
        message_id: str,
        chat_zalo_id: str,
        build: Callable[[int, ShownPanel | None, Callable[[], int]], dict[str, Any]],
    ) -> tuple[int, dict[str, Any]] | None:
        """(update id, payload) when the event is new, None when it was recorded before."""
        ...


class UpdateSink(Protocol):
    """Where a recorded update goes: the Application's `RecordingQueue.put_recorded` (already recorded)."""

    async def __call__(self, payload: dict[str, Any]) -> None:
        """Queue the update of this payload."""
        ...


async def _in_thread(fn: Callable[[], T]) -> T:
    return await asyncio.to_thread(fn)


@dataclass
class ZaloReceiver:
    """Turns each arriving Zalo event into a recorded, queued update (see the module's docstring).

    `awaits_text(user)` says whether a dialog waits for that person's typed value (a number is then its answer);
    `run` runs a blocking database call off the event loop."""

    chats: ChatIds
    recorder: Recorder
    sink: UpdateSink
    awaits_text: Callable[[int], bool] = lambda _user: False
    run: Callable[[Callable[[], Any]], Awaitable[Any]] = _in_thread
    clock: Callable[[], float] = time.time

    async def receive(self, event: ZaloEvent) -> bool:
        """Record the event and queue its update; False when it needs nothing (the bot's own, or recorded before).
        Raises what the database raised when it could not be recorded."""
        if event.sender.is_bot:
            log.debug("zalo: the bot's own message %s ignored", event.message_id)
            return False
        recorded = await self.run(functools.partial(self._record, event))
        if recorded is None:
            log.info("zalo event %s was delivered again: already recorded, not handled twice", event.message_id)
            return False
        await self.sink(recorded[1])
        return True

    async def receive_surely(self, event: ZaloEvent) -> bool:
        """`receive`, retried with a growing pause until the database records it (polling: the event exists
        nowhere else)."""
        pause, cap = RECORD_RETRY
        while True:
            try:
                return await self.receive(event)
            except Exception:
                log.exception("zalo event %s could not be recorded: trying again in %.1f s", event.message_id, pause)
                await asyncio.sleep(pause)
                pause = min(cap, pause * 2)

    def _record(self, event: ZaloEvent) -> tuple[int, dict[str, Any]] | None:
        chat = self.chats.number(event.chat.id)  # ids first: the recording's transaction is then its only write
        user = self.chats.number(event.sender.id)
        waits = event.is_private and self.awaits_text(user)
        message_id = event.message_id or _fingerprint(event)

        def build(update_id: int, latest: ShownPanel | None, next_message_id: Callable[[], int]) -> dict[str, Any]:
            return event_update(
                event,
                chat=chat,
                user=user,
                latest=latest,
                next_message_id=next_message_id,
                update_id=update_id,
                now=int(self.clock()),
                awaits_text=waits,
            )

        return self.recorder.record(message_id, event.chat.id, build)


def _fingerprint(event: ZaloEvent) -> str:
    """A dedupe key for an event without a message id (never seen; Zalo gives one): its content's hash."""
    content = json.dumps(event.raw, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()[:40]


async def poll_forever(zalo: ZaloBot, receiver: ZaloReceiver, timeout: float = 30) -> None:
    """Long-poll Zalo for events until cancelled, recording each before asking for the next."""
    pause, cap = POLL_RETRY
    failures = 0
    while True:
        try:
            event = await zalo.get_updates(timeout)
        except asyncio.CancelledError:
            raise
        except (RateLimited, ZaloError) as error:
            wait = min(cap, pause * 2**failures)
            failures += 1
            log.warning("zalo getUpdates failed (%s): polling again in %.0f s", error, wait)
            await asyncio.sleep(wait)
            continue
        failures = 0
        if event is not None:
            await receiver.receive_surely(event)


# -- the web server: webhook and files ---------------------------------------------------------------


class WebhookHandler(tornado.web.RequestHandler):
    """POST of one event by Zalo: 403 without the secret; 200 once recorded; 500 when it could not be."""

    def initialize(self, receiver: ZaloReceiver, secret: str) -> None:
        """Tornado passes the handler's arguments here."""
        self.receiver = receiver
        self.secret = secret

    async def post(self) -> None:
        """Check the secret, record the event, answer."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not self.secret or not hmac.compare_digest(given.encode(), self.secret.encode()):
            self.set_status(403)
            self.finish({"ok": False, "description": "Forbidden"})
            return
        try:
            body = json.loads(self.request.body or b"null")
        except ValueError:
            self.set_status(400)
            self.finish({"ok": False, "description": "Bad Request: not JSON"})
            return
        event = parse_event(body)
        if event is None:
            log.warning("zalo webhook: a body with no event (keys %s)", list(body) if isinstance(body, dict) else [])
            self.finish({"ok": True})
            return
        try:
            await self.receiver.receive(event)
        except Exception:
            log.exception("zalo webhook: event %s could not be recorded (Zalo is answered 500)", event.message_id)
            self.set_status(500)
            self.finish({"ok": False, "description": "Internal Server Error"})
            return
        self.finish({"ok": True})


class FileHandler(tornado.web.RequestHandler):
    """GET of a signed file link: the file while the link is valid, else a short page saying it expired."""

    def initialize(self, files: SignedFileLinks) -> None:
        """Tornado passes the handler's arguments here."""
        self.files = files

    def get(self, token: str, _name: str) -> None:
        """The file, or 404."""
        stored = self.files.open(token, datetime.now(UTC))
        self.set_header("Cache-Control", "private, no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        if stored is None:
            self.set_status(404)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(EXPIRED_PAGE)
            return
        kind = mimetypes.guess_type(stored.filename)[0] or "application/octet-stream"
        self.set_header("Content-Type", kind)
        disposition = "inline" if kind.startswith("image/") else "attachment"
        name = tornado.escape.url_escape(stored.filename, plus=False)
        self.set_header("Content-Disposition", f"{disposition}; filename*=UTF-8''{name}")
        self.finish(stored.content)


class WebServer:
    """The running webhook and file server; `stop()` closes it."""

    def __init__(self, server: tornado.httpserver.HTTPServer, port: int) -> None:
        self._server = server
        self.port = port

    async def stop(self) -> None:
        """Stop listening and close the open connections."""
        self._server.stop()
        await self._server.close_all_connections()


def web_application(
    files: SignedFileLinks, receiver: ZaloReceiver | None = None, secret: str = "", webhook_path: str = WEBHOOK_PATH
) -> tornado.web.Application:
    """The tornado application: the file links always, the webhook when a receiver is given."""
    routes: list[Any] = [(rf"{FILES_PATH}/([A-Za-z0-9_.=-]+)/([^/]*)", FileHandler, {"files": files})]
    if receiver is not None:
        routes.append((webhook_path, WebhookHandler, {"receiver": receiver, "secret": secret}))
    return tornado.web.Application(routes)


def bind(listen: str, port: int) -> list[socket.socket]:
    """Listening sockets on `listen`:`port` (0: any free port) for `start_web_server`."""
    return tornado.netutil.bind_sockets(port, address=listen or None)


async def start_web_server(application: tornado.web.Application, sockets: list[socket.socket]) -> WebServer:
    """Serve `application` on `sockets` (see `bind`) in the running event loop."""
    server = tornado.httpserver.HTTPServer(application, xheaders=True)
    server.add_sockets(sockets)
    return WebServer(server, sockets[0].getsockname()[1])


__all__ = [
    "FILES_PATH",
    "SECRET_HEADER",
    "WEBHOOK_PATH",
    "FileHandler",
    "Recorder",
    "WebServer",
    "WebhookHandler",
    "ZaloReceiver",
    "bind",
    "poll_forever",
    "start_web_server",
    "web_application",
]
