"""Delivery of the outbox: each queued message is rendered by the renderer of its kind and sent; network
errors and 429s are retried later, a blocked chat or a message that has lost its purpose is dropped.

When rounds run is the scheduler's business (scheduler/jobs.py: every few seconds, and at once after a handler
queued something, `wake`); here a lock keeps one round at a time per process, and the database's claim keeps
processes apart.

A message claimed as a paid broadcast (`OutboxItem.paid`: its Stars are reserved, workflow/paid.py) is sent with
`allow_paid_broadcast` and counted in the rate limiter's paid window (1 000 a second); its Stars are spent once
Telegram accepted it — or may have (an answer lost on the way) — and given back when it was refused or not sent.
If Telegram finds the bot's balance of Stars short, paying pauses and the message goes again, free.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, cast

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import ExtBot

from danhgia.chat.panel import Panel
from danhgia.handlers import present
from danhgia.handlers.context import SERVICES_KEY, App, run_sync
from danhgia.handlers.ratelimit import BULK, PAID, not_carried_out
from danhgia.scheduler import jobs
from danhgia.workflow.outbox import OutboxItem, queued_since_last_round
from danhgia.workflow.reminders import ExpiredReminder
from danhgia.workflow.services import Services

log = logging.getLogger(__name__)
Renderer = Callable[[Bot, Services, OutboxItem], Awaitable[None]]
PARALLEL_PEOPLE = 8
PARALLEL_PAID = 32  # people served side by side while paid broadcasts go out (1 000 a second, not 30)
_LOCK_KEY = "notifier.lock"
_renderers: dict[str, Renderer] = {}
SILENT = frozenset({"card_refresh"})  # edits of messages already there: no notification, so any hour will do


class Obsolete(Exception):
    """The message no longer has a purpose (its record moved on); drop it without retrying."""


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    """Register how messages of one outbox kind are rendered and sent."""

    def register(fn: Renderer) -> Renderer:
        if kind in _renderers:
            raise ValueError(f"renderer {kind!r} registered twice")
        _renderers[kind] = fn
        return fn

    return register


async def send(bot: Bot, item: OutboxItem, content: Panel | str) -> int:
    """Send a rendered panel to the item's person; returns the message id."""
    if item.chat_id is None:
        raise Obsolete("no linked Telegram account")
    paced = cast(ExtBot[str], bot)  # the Application's bot: with a rate limiter it takes its arguments
    limited = getattr(paced, "rate_limiter", None) is not None
    pace = (PAID if item.paid else BULK) if limited else None
    paid: dict[str, Any] = {"allow_paid_broadcast": True} if item.paid else {}
    message = await present.send(paced, item.chat_id, present.as_panel(content), rate_limit_args=pace, **paid)
    return message.message_id


def balance_short(error: TelegramError) -> bool:
    """Whether Telegram refused a paid broadcast because the bot's balance of Stars is too low."""
    text = str(error).lower()
    return "balance" in text or "stars" in text


async def deliver_round(app: App, limit: int = 50, *, wait: bool = False) -> int:
    """Deliver what is due now; returns how many messages were handled.

    When a round is already running it is asked to go round once more and this call returns at once, unless
    `wait` is set: then it waits for that round and delivers whatever is still due.
    """
    lock: asyncio.Lock = app.bot_data.setdefault(_LOCK_KEY, asyncio.Lock())
    if lock.locked() and not wait:
        app.bot_data["notifier.again"] = True
        return 0
    handled = 0
    async with lock:
        while True:
            app.bot_data["notifier.again"] = False
            services: Services = app.bot_data[SERVICES_KEY]
            items = await run_sync(services.outbox.claim_due, limit)
            await _deliver_all(app.bot, services, items)
            handled += len(items)
            if len(items) < limit and not app.bot_data.get("notifier.again"):
                return handled


async def _deliver_all(bot: Bot, services: Services, items: list[OutboxItem]) -> None:
    """Deliver a batch: one person's messages in order, different people side by side (the rate limiter
    keeps Telegram's limits, so waiting on one chat never holds up the others)."""
    per_person: dict[int, list[OutboxItem]] = {}
    for item in items:
        per_person.setdefault(item.person_id, []).append(item)
    gate = asyncio.Semaphore(PARALLEL_PAID if any(item.paid for item in items) else PARALLEL_PEOPLE)

    async def one_person(queue: list[OutboxItem]) -> None:
        async with gate:
            for item in queue:
                await _deliver(bot, services, item)

    await asyncio.gather(*(one_person(queue) for queue in per_person.values()))


async def _deliver(bot: Bot, services: Services, item: OutboxItem) -> None:
    fn = _renderers.get(item.kind)
    if fn is None:
        log.error("no renderer for outbox kind %r (message %s)", item.kind, item.id)
        await run_sync(services.outbox.skipped, item.id, "no renderer")
        return
    reminder = "until" in item.payload
    if reminder or (services.config.hold_notices and item.kind not in SILENT):
        # on working days, outside quiet hours (a reminder: only while still useful)
        try:
            later = await run_sync(services.reminders.deliverability, item.payload)
        except ExpiredReminder:
            await run_sync(services.outbox.skipped, item.id, "expired")
            return
        if later is not None:
            await run_sync(services.outbox.postpone, item.id, later)
            return
    try:
        await fn(bot, services, item)
    except Obsolete as reason:
        await run_sync(services.outbox.skipped, item.id, str(reason) or "obsolete")
    except RetryAfter as error:  # that chat's flood control: it waits, nobody else does, no attempt is counted
        retry = error.retry_after if isinstance(error.retry_after, timedelta) else timedelta(seconds=error.retry_after)
        await run_sync(services.outbox.back_off, item.id, item.person_id, retry)
    except Forbidden as error:
        log.info("person %s cannot be reached: %s", item.person_id, error)
        await run_sync(services.outbox.skipped, item.id, f"forbidden: {error}")
        await run_sync(services.reminders.mark_unreachable, item.person_id)
    except BadRequest as error:
        if item.paid and balance_short(error):
            log.warning("the bot's balance of Telegram Stars is short: reminders go free for a while (%s)", error)
            await run_sync(services.outbox.balance_short, item.id)
            return
        log.warning("Telegram refused outbox message %s (%s): %s", item.id, item.kind, error)
        await run_sync(services.outbox.skipped, item.id, f"bad request: {error}")
    except (TimedOut, NetworkError) as error:  # sent, or not: a paid one's Stars count unless it certainly was not
        charged = item.paid and not not_carried_out(error)
        await run_sync(services.outbox.failed, item.id, f"network: {error}", None, charged=charged)
    except TelegramError as error:
        await run_sync(services.outbox.failed, item.id, f"telegram: {error}")
    except Exception as error:  # a bug in a renderer must not stop the others (it may have sent: Stars count)
        log.exception("outbox message %s (%s) failed", item.id, item.kind)
        await run_sync(services.outbox.failed, item.id, f"error: {error!r}", None, charged=item.paid)
    else:
        await run_sync(services.outbox.delivered, item.id)


def wake(app: Any) -> None:
    """Deliver now if this process queued something (called after every handler)."""
    if queued_since_last_round():
        jobs.deliver_soon(app)
