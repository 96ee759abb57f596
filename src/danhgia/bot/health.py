"""`GET /healthz` for a load balancer or a monitor: whether this process and its database answer, and how far
behind the inbox is.

200 `{"status": "ok", "database": "ok", "inbox_pending": n, "oldest_pending_seconds": s, "outbox_pending": m}` when
the database answers (`SELECT 1` and two counts read off the event loop, each by an index); 503
`{"status": "error", "database": "error", "reason": "..."}` when it fails or does not answer within
PROBE_TIMEOUT seconds. HEAD answers the same status without a body. The server is tornado's (the one
python-telegram-bot's webhook server runs on) in the bot's own event loop; it listens on WEBHOOK_LISTEN:HEALTH_PORT
and should not be exposed publicly (the reverse proxy forwards only the webhook path).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web
from sqlalchemy import func, select, text
from sqlmodel import col

from danhgia.storage.models import InboundUpdate, Outbox
from danhgia.workflow.services import Services

log = logging.getLogger(__name__)
PROBE_TIMEOUT = 5.0  # seconds the database has to answer before the endpoint says 503
PATH = "/healthz"


@dataclass(frozen=True)
class Health:
    """What one probe found."""

    inbox_pending: int
    oldest_pending_seconds: int
    outbox_pending: int

    def as_json(self) -> dict[str, Any]:
        """The 200 answer's body."""
        return {
            "status": "ok",
            "database": "ok",
            "inbox_pending": self.inbox_pending,
            "oldest_pending_seconds": self.oldest_pending_seconds,
            "outbox_pending": self.outbox_pending,
        }


def probe(services: Services) -> Health:
    """Ask the database (blocking): it answers, how many updates wait in the inbox and since when, how many
    messages wait in the outbox. Raises whatever the database raises."""
    with services.db.reader() as uow:
        uow.session.execute(text("SELECT 1"))
        outbox = uow.session.execute(
            select(func.count()).select_from(Outbox).where(col(Outbox.status) == "pending")
        ).scalar_one()
    with services.inbox.db.reader() as uow:
        count, oldest = uow.session.execute(
            select(func.count(), func.min(col(InboundUpdate.received_at))).where(col(InboundUpdate.state) == "pending")
        ).one()
    waited = 0
    if isinstance(oldest, datetime):
        waited = max(0, int((services.clock.now() - oldest).total_seconds()))
    return Health(int(count), waited, int(outbox))


async def check(services: Services, timeout: float = PROBE_TIMEOUT) -> Health:
    """`probe` in the database's worker threads (the default pool for PostgreSQL), never on the event loop."""
    loop = asyncio.get_running_loop()
    return await asyncio.wait_for(loop.run_in_executor(services.db.executor, probe, services), timeout)


class HealthHandler(tornado.web.RequestHandler):
    """GET and HEAD /healthz."""

    def initialize(self, services: Services, timeout: float) -> None:
        """Tornado passes the handler's arguments here."""
        self.services = services
        self.timeout = timeout

    async def get(self) -> None:
        """200 with the figures, or 503 with the reason."""
        try:
            health = await check(self.services, self.timeout)
        except TimeoutError:
            self._answer(503, _failure(f"the database did not answer within {self.timeout:g} s"))
        except Exception as error:  # whatever the database raised: the endpoint says so instead of failing
            cause = getattr(error, "orig", None) or error
            lines = str(cause).strip().splitlines()
            self._answer(503, _failure(f"{type(cause).__name__}: {lines[0] if lines else ''}"[:300]))
        else:
            self._answer(200, health.as_json())

    async def head(self) -> None:
        """As GET; tornado leaves the body out of a HEAD answer and keeps its Content-Length."""
        await self.get()

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        if status != 200:
            log.warning("/healthz: %s", body.get("reason"))
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body, ensure_ascii=False))


def _failure(reason: str) -> dict[str, Any]:
    return {"status": "error", "database": "error", "reason": reason}


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Monitors ask every few seconds: log only what went wrong (the handler logs a 503 with its reason)."""
    if handler.get_status() >= 400 and handler.get_status() != 503:
        log.info("/healthz: %s %s → %s", handler.request.method, handler.request.uri, handler.get_status())


class HealthServer:
    """A running /healthz endpoint; `stop()` closes it."""

    def __init__(self, server: tornado.httpserver.HTTPServer, address: str, port: int) -> None:
        self._server = server
        self.address = address
        self.port = port

    @property
    def url(self) -> str:
        """Where it answers (for logs and tests)."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{host}:{self.port}{PATH}"

    async def stop(self) -> None:
        """Stop listening and close the open connections."""
        self._server.stop()
        await self._server.close_all_connections()


async def start_health_server(
    services: Services, listen: str, port: int, *, timeout: float = PROBE_TIMEOUT
) -> HealthServer:
    """Serve /healthz on `listen`:`port` in the running event loop (port 0: any free port, see `.port`)."""
    application = tornado.web.Application(
        [(PATH, HealthHandler, {"services": services, "timeout": timeout})], log_function=_log_request
    )
    sockets = tornado.netutil.bind_sockets(port, address=listen or None)
    server = tornado.httpserver.HTTPServer(application)
    server.add_sockets(sockets)
    bound = int(sockets[0].getsockname()[1])
    started = HealthServer(server, listen or "0.0.0.0", bound)
    log.info("health endpoint at %s", started.url)
    return started
