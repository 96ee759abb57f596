"""The reminder ticker: every tick asks the workflow what is due now and queues it in the outbox.

APScheduler (through python-telegram-bot's job queue, wired in scheduler/jobs.py) only triggers the tick; the
database decides who is reminded of what and remembers what was queued, so a tick after a restart catches
up on anything still useful and two processes ticking at once queue nothing twice. Delivery is the
notifier's job (handlers/notifier.py), handed in as `deliver`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from danhgia.workflow.services import Services

log = logging.getLogger(__name__)


class ReminderTicker:
    """Queues due reminders, then asks the notifier to deliver."""

    def __init__(self, services: Services, deliver: Callable[[], Awaitable[object]]) -> None:
        self.services = services
        self.deliver = deliver
        self._lock = asyncio.Lock()

    async def tick(self) -> int:
        """One round: queue what is due by the services' clock; returns how many reminders were queued."""
        async with self._lock:
            self.services.absence.forget_calendar()  # HR may have changed a day in another process
            loop = asyncio.get_running_loop()
            added = await loop.run_in_executor(self.services.db.executor, self.services.reminders.queue_due)
        if added:
            log.info("queued %d reminder(s)", added)
            await self.deliver()
        return added
