"""Everything the bot does on a timer, registered in this one module on python-telegram-bot's job queue
(APScheduler 3):

- the worker heartbeat, every `HEARTBEAT_SECONDS`: this process's outbox claims stay its own while it lives;
- the outbox delivery round, every `DELIVERY_SECONDS` (catching up on whatever was queued while the bot was down,
  and on what a process that died had claimed), and at once after a handler queued something (`deliver_soon`);
- the reminder tick, every `REMINDER_TICK_SECONDS` and once right after start-up (catch-up).

Of several instances on one PostgreSQL database only the scheduler's leader (scheduler/leader.py) delivers and
ticks; another takes over within seconds when it dies, and starts with a tick and a delivery round (catch-up).
The others keep their heartbeat and, when a handler queued something, wake the leader instead of delivering.

A job missed while the process was busy runs late, once (`late_once`). What the jobs do lives elsewhere: the
delivery round in handlers/notifier.py (Telegram-bound, handed in by the composition root as `deliver`), what is
due in workflow/reminders.py (asked by the ticker), the worker's claims in workflow/outbox.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from telegram.ext import Application, ContextTypes

from danhgia.scheduler.leader import Leadership
from danhgia.scheduler.ticker import ReminderTicker
from danhgia.workflow.outbox import HEARTBEAT_SECONDS
from danhgia.workflow.services import Services

App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
Round = Callable[[App], Awaitable[object]]
DELIVERY_SECONDS = 2.0
TIMERS_KEY = "scheduler.timers"  # bot_data: this application's Timers


@dataclass(frozen=True)
class Timers:
    """What the timed jobs of one application work with."""

    services: Services
    deliver: Round  # one outbox delivery round
    ticker: ReminderTicker
    tick_seconds: float | None  # None: no reminder tick (reminders off, or the tests tick by hand)
    leadership: Leadership  # whether this instance runs the jobs


def late_once(interval: float) -> dict[str, Any]:
    """A repeating job missed while the process was busy (or its loop held up) runs late — within a grace of two
    intervals — and once, never twice in a row to catch up (APScheduler's misfire grace, coalescing)."""
    return {"misfire_grace_time": max(1, int(2 * interval) + 1), "coalesce": True, "max_instances": 1}


def register(
    app: App,
    services: Services,
    deliver: Round,
    tick_seconds: float | None,
    leadership: Leadership | None = None,
) -> ReminderTicker:
    """Attach the timed work to an application (its jobs start with it: `start`, from post_init); returns the
    reminder ticker, for whoever ticks by hand (the demo's clock, the tests). `leadership` decides which instance
    runs the jobs (default: an election among the instances on a PostgreSQL database; on SQLite, this one)."""
    ticker = ReminderTicker(services, lambda: deliver(app))
    chosen = leadership if leadership is not None else Leadership.of(services.db)
    app.bot_data[TIMERS_KEY] = Timers(services, deliver, ticker, tick_seconds, chosen)
    return ticker


def leads(app: App) -> bool:
    """Whether this instance runs the timed jobs now (the scheduler's leader)."""
    return _timers(app).leadership.is_leader


def _timers(app: App) -> Timers:
    timers = app.bot_data[TIMERS_KEY]
    assert isinstance(timers, Timers)
    return timers


async def _beat(services: Services) -> None:
    await asyncio.get_running_loop().run_in_executor(services.db.executor, services.outbox.heartbeat)


async def _heartbeat_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await _beat(_timers(context.application).services)


async def _delivery_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    timers = _timers(context.application)
    if timers.leadership.is_leader:
        await timers.deliver(context.application)


async def _tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    timers = _timers(context.application)
    if timers.leadership.is_leader:
        await timers.ticker.tick()


def _catch_up(app: App, leading: bool) -> None:
    """This instance has just become the leader: tick and deliver at once rather than at the next round."""
    jobs = app.job_queue
    if not leading or jobs is None or not app.running:
        return
    jobs.run_once(_delivery_job, 0, name="outbox-now")
    if _timers(app).tick_seconds:
        jobs.run_once(_tick_job, 0, name="reminders-now")


async def start(app: App) -> None:
    """Register this process as an outbox worker (its claims are its own while it lives), join the scheduler's
    election, then start the heartbeat, the delivery round and the reminder tick (which run on the leader only)."""
    timers = _timers(app)
    await _beat(timers.services)
    await timers.leadership.start()
    timers.leadership.on_change = lambda leading: _catch_up(app, leading)
    timers.leadership.on_wake = lambda: deliver_soon(app)
    jobs = app.job_queue
    if jobs is None:
        return
    jobs.run_repeating(
        _heartbeat_job,
        interval=HEARTBEAT_SECONDS,
        first=HEARTBEAT_SECONDS,
        name="heartbeat",
        job_kwargs=late_once(HEARTBEAT_SECONDS),
    )
    jobs.run_repeating(
        _delivery_job, interval=DELIVERY_SECONDS, first=0.5, name="outbox", job_kwargs=late_once(DELIVERY_SECONDS)
    )
    if timers.tick_seconds:
        interval = timers.tick_seconds
        jobs.run_repeating(_tick_job, interval=interval, first=1, name="reminders", job_kwargs=late_once(interval))


async def stop(app: App) -> None:
    """This process stops: it leaves the election (another instance leads at once) and what it had claimed goes
    back to the queue."""
    await _timers(app).leadership.stop()
    services = _timers(app).services
    await asyncio.get_running_loop().run_in_executor(services.db.executor, services.outbox.retire)


def deliver_soon(app: Any) -> None:
    """Run a delivery round now rather than at the next one (a handler queued something), while the application
    runs; on an instance that does not lead, wake the leader instead."""
    if getattr(app, "job_queue", None) is None or not app.running or TIMERS_KEY not in app.bot_data:
        return
    leadership = _timers(app).leadership
    if leadership.is_leader:
        app.job_queue.run_once(_delivery_job, 0, name="outbox-now")
    else:
        leadership.wake_leader()
